"""Loop: the one loop engine, the resolvent expansion of the supertrace.

The Wetterich equation and all its field derivatives are supertraces of products of the
regularised propagator G = (Gamma^(2) + R_k)^-1, insertions of field-dependent or external
vertices V and one regulator insertion d_t R_k.  Split Gamma^(2) + R_k = P(q) + M0 + V, with
G0 = (P + M0)^-1 diagonal in the modes (the representative field components of
:mod:`rgsym.hessian`), then

    (1/2) STr[G d_t R] = (1/2) sum_n (-1)^n STr[(G0 V)^n G0 d_t R],

and the field derivatives of it at external momentum p are rings in which some propagators
carry q + p.  Once the field-space trace is done, every term is a coefficient (a symbolic
series in the expansion variables, or a product of vertices) times a momentum integral that
depends only on a typed key, :class:`LoopKey`: how many propagators of each species it has at
q and at q + p, the order in p^2 that is projected, powers of y = q^2/k^2 from momentum-dependent
insertions, the order of the y-derivatives acting on propagators, the insertion (d_t R_k) and
the statistics sign of the mode that closes the supertrace.  The integration stage
(:func:`rgsym.integrate.loop_integral`) evaluates a key, in closed form or by quadrature; this
module never sees a regulator.

Vertices that depend on the momenta (gradient terms Z(rho), Y(rho) of the derivative expansion)
keep the vertices as the numerator of a keyed term: :func:`p2_projection` Taylor expands the
propagators at q + p, averages over the direction of q, takes d/dp^2 and d~_t, and returns the
integrand in R_k and d_t R_k left as undefined functions (:data:`R`, :data:`RDOT`), for the
integration stage to put in a regulator; :func:`momentum_integrand` is the p = 0 key with
field-dependent kinetic coefficients.

Consumers: the flow of the potential (:mod:`rgsym.expand`, polynomial and full potential, and
the invariant flow of :mod:`rgsym.invariant_flow`), the p^2 projection of the two-point function
that gives eta in LPA' (:mod:`rgsym.anomalous`), the diagram evaluation
(:mod:`rgsym.diagrams.evaluate`), which evaluates the same keys, and the derivative expansion
(:mod:`rgsym.two_point` supplies the momentum-dependent vertices, :mod:`rgsym.derivative_expansion`
the flows of u, z and Y).  Length: about 460 lines, the expansion at p = 0 and its p^2 projection
(rings and momentum-dependent vertices), which share the key and the pair weights.

References
----------
Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122, secs. 2.3, 4
(the expansion of the trace and the two-point function); Pawlowski, Ann. Phys. 322 (2007) 2831,
hep-th/0512261 (the supertrace with fermions).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import symengine as se
import sympy as sp

from rgsym.errors import UnsupportedError
from rgsym.hessian import P2, PQ, Q2
from rgsym.series import Series

Counts = tuple[int, ...]

#: Statistics signs of the supertrace: +1 for a boson mode, -1 for a fermion mode.
BOSON, FERMION = 1, -1

#: The regulator R_k(q^2) and its flow d_t R_k(q^2), as undefined functions of q^2 in the
#: integrands of :func:`momentum_integrand` (the integration stage puts a regulator in).
R = sp.Function("R")
RDOT = sp.Function("Rdot")


@dataclass(frozen=True, order=True)
class LoopKey:
    """What a loop integrand is, apart from its coefficient: the key the integration evaluates.

    Attributes
    ----------
    counts
        Power of the propagator of each species at the loop momentum q (the regulator line
        G0 d_t R_k G0 counts its propagators here).
    shifted
        Power of the propagator of each species at q + p (empty: no external momentum).
    p2_order
        The order in p^2 projected out (0: at p = 0; 1: d/dp^2 at p = 0).
    y_power
        Extra powers of y = q^2/k^2 in the numerator (momentum-dependent vertices).
    dy_order
        How many y-derivatives act on propagators after the angular average (2 for the p^2
        projection of a ring of two propagators: int K(y) d~_t[A'(y) B'(y)]); 0 with
        ``p2_order = 1``: the projection taken on the integrand itself, d/dp^2 d~_t of the
        ring with the shifted propagators Taylor expanded (:func:`p2_projection`).
    insertion
        The operator inserted in the ring: ``"dtR"``, the regulator d_t R_k.
    sign
        Statistics sign of the mode closing the supertrace (+1 boson, -1 fermion).
    """

    counts: Counts
    shifted: Counts = ()
    p2_order: int = 0
    y_power: int = 0
    dy_order: int = 0
    insertion: str = "dtR"
    sign: int = BOSON

    @property
    def is_threshold(self) -> bool:
        """Whether this is a plain threshold integral T_c(w) (zero external momentum, no y power).

        Returns
        -------
        bool
        """
        return not self.shifted and self.p2_order == 0 and self.y_power == 0 and self.dy_order == 0

    def __repr__(self) -> str:
        extra = []
        if self.shifted:
            extra.append(f"shifted={self.shifted}")
        if self.p2_order:
            extra.append(f"p2^{self.p2_order}")
        if self.y_power:
            extra.append(f"y^{self.y_power}")
        if self.dy_order:
            extra.append(f"dy^{self.dy_order}")
        if self.sign != BOSON:
            extra.append("fermion")
        return f"LoopKey({self.counts}{''.join(', ' + e for e in extra)})"


def species_counts(modes: int, species: Sequence[int] | None, index: int) -> Counts:
    """The unit count of one propagator of mode ``index``, by species.

    Parameters
    ----------
    modes
        Number of modes.
    species
        The species of each mode (modes with equal propagators share one), or None: one
        species per mode.
    index
        The mode.

    Returns
    -------
    Counts
    """
    if species is None:
        return tuple(1 if k == index else 0 for k in range(modes))
    return tuple(1 if k == species[index] else 0 for k in range(max(species) + 1))


def resolvent_expansion(fluct: list[list[Series]], multiplicities: Sequence[sp.Expr],
                        weights: tuple[int, ...], max_weight: int,
                        signs: Sequence[int] | None = None,
                        species: Sequence[int] | None = None,
                        momentum: list[list[Series]] | None = None) -> tuple[tuple[LoopKey, Series], ...]:
    """sum_n (-1)^n STr[(G0 V)^n G0 d_t R] grouped by loop key, each mode weighted.

    The powers of the insertion matrix are truncated series: the expansion stops when no
    product of insertions fits below ``max_weight``.  Only the series' arithmetic is used
    (products, sums, ``scale``, ``unit``, ``sum_with``, ``min_weight``, ``is_zero``), so the
    same expansion runs on symbolic coefficients (the derivation) and on numbers with their
    derivatives (:mod:`rgsym.solve.taylor`, the flow evaluated at a point).  An insertion may
    depend on the loop momentum, V = V_0 + y V_1 (a field-dependent wave-function
    renormalisation): each V_1 raises the key's ``y_power`` by one.

    Parameters
    ----------
    fluct
        The insertion matrix V (V_0) over the modes, entries truncated series (zero at the
        expansion point).
    multiplicities
        How many field components each representative mode stands for.
    weights, max_weight
        The weights of the expansion variables and the truncation.
    signs
        Statistics sign per mode (default: all bosons).
    species
        The propagator species of each mode (modes with the same propagator share one;
        default: one species per mode).
    momentum
        The coefficient V_1 of y in the insertion (default: none).

    Returns
    -------
    tuple of (LoopKey, Series)
        Sorted by number of propagators, then counts, then powers of y; zero terms dropped.
    """
    n = len(fluct)
    signs = tuple(signs) if signs is not None else (BOSON,) * n
    parts = [(fluct, 0)] + ([(momentum, 1)] if momentum is not None else [])
    entries = [s for row in fluct for s in row]
    unit = entries[0].unit() if entries else Series.constant(1, weights, max_weight)
    basis = [species_counts(n, species, i) for i in range(n)]
    # A[i][j]: (counts, y power) -> series, for A = (G0 V)^m G0
    A: list[list[dict[tuple[Counts, int], Series]]] = [
        [{(basis[i], 0): unit} if i == j else {} for j in range(n)] for i in range(n)]
    totals: dict[LoopKey, list[Series]] = {}
    sign = 1
    min_v = min((s.min_weight() for matrix, _ in parts for row in matrix for s in row if not s.is_zero()),
                default=None)
    steps = 0 if min_v is None else max_weight // min_v
    for m in range(steps + 1):
        for i in range(n):
            for (counts, power), s in A[i][i].items():
                key = LoopKey(counts, y_power=power, sign=signs[i])
                totals.setdefault(key, []).append(s.scale(se.sympify(sign) * se.sympify(multiplicities[i])))
        if m == steps:
            break
        A = [[_propagate(parts, A, i, j, basis[i]) for j in range(n)] for i in range(n)]
        sign = -sign
    summed = {k: parts_[0].sum_with(parts_[1:]) for k, parts_ in totals.items()}
    ordered = sorted(summed.items(),
                     key=lambda kv: (sum(kv[0].counts), kv[0].counts, kv[0].y_power, -kv[0].sign))
    return tuple((k, s) for k, s in ordered if not s.is_zero())


def _propagate(parts: list[tuple[list[list[Series]], int]], A: list[list[dict[tuple[Counts, int], Series]]],
               i: int, j: int, add: Counts) -> dict[tuple[Counts, int], Series]:
    """(G0 V A)_ij: one more propagator of mode i and one insertion V_il (each part of V)."""
    out_parts: dict[tuple[Counts, int], list[Series]] = {}
    for matrix, power in parts:
        for l_, v in enumerate(matrix[i]):
            if v.is_zero():
                continue
            for (counts, p), s in A[l_][j].items():
                new = (tuple(a + b for a, b in zip(counts, add, strict=True)), p + power)
                prod = v * s
                if prod.is_zero():
                    continue
                out_parts.setdefault(new, []).append(prod)
    out = {}
    for new, prods in out_parts.items():
        out[new] = prods[0] if len(prods) == 1 else prods[0].sum_with(prods[1:])
    return out


def single_propagators(multiplicities: Sequence[sp.Expr], signs: Sequence[int] | None = None
                       ) -> tuple[tuple[LoopKey, Series], ...]:
    """The unexpanded trace: one propagator per mode with its full field-dependent mass.

    Used for the full potential, where nothing is expanded (the mass matrix must then be
    diagonal on the background).

    Parameters
    ----------
    multiplicities
        Components per mode.
    signs
        Statistics sign per mode (default: bosons).

    Returns
    -------
    tuple of (LoopKey, Series)
    """
    n = len(multiplicities)
    signs = tuple(signs) if signs is not None else (BOSON,) * n
    return tuple(
        (LoopKey(species_counts(n, None, i), sign=signs[i]),
         Series.constant(se.sympify(multiplicities[i]), (), 0))
        for i in range(n)
    )


@dataclass(frozen=True)
class RingTerm:
    """One internal pair (i, k) of the ring G_i(q) V G_k(q + p) V in a two-point function.

    Attributes
    ----------
    internal
        The names of the two internal modes.
    weight
        How many ordered pairs of field components the pair of representatives stands for.
    vertices
        The product of the two vertices V_ik V_ki.
    key
        The loop key of the ring's p^2 projection.
    """

    internal: tuple[str, str]
    weight: sp.Expr
    vertices: sp.Expr
    key: LoopKey

    @property
    def coefficient(self) -> sp.Expr:
        """The coefficient of the key's integral in d/dp^2 d_t Gamma^(2)(p) at p = 0.

        The second field derivative of (1/2) STr ln(Gamma^(2) + R_k) has the ring
        -(1/2) d~_t STr[G V G(p) V]: the sign of the n = 2 term of the resolvent; the 1/2 is
        in the integral's normalisation (as for the threshold integrals).

        Returns
        -------
        sympy.Expr
        """
        return -self.key.sign * self.weight * self.vertices


def momentum_ring(names: Sequence[str], multiplicities: Sequence[sp.Expr], vertex: sp.Matrix,
                  signs: Sequence[int] | None = None) -> tuple[RingTerm, ...]:
    """The p^2 projection of the ring STr[G0 V G0(p) V] for one external vertex matrix V.

    V_ik = Gamma^(3)_{a i k} with the external leg a fixed; the ring is symmetric under i <-> k
    (J(w_i, w_k) = J(w_k, w_i)): each unordered pair appears once, off-diagonal ones counted
    for both orders.  A representative mode standing for several components may only pair with
    itself or with a single component (otherwise its pairs would not all be alike).

    Parameters
    ----------
    names
        Mode names.
    multiplicities
        Components per mode.
    vertex
        The vertex matrix V over the modes (external leg contracted).
    signs
        Statistics sign per mode.

    Returns
    -------
    tuple of RingTerm

    Raises
    ------
    UnsupportedError
        If two modes that both stand for several components are joined by the vertex.
    """
    n = len(names)
    signs = tuple(signs) if signs is not None else (BOSON,) * n
    terms = []
    for i, k in itertools.combinations_with_replacement(range(n), 2):
        product = sp.expand(vertex[i, k] * vertex[k, i])
        if product == 0:
            continue
        weight = pair_weight(names, multiplicities, i, k) * (1 if i == k else 2)
        key = LoopKey(species_counts(n, None, i), species_counts(n, None, k), p2_order=1, dy_order=2,
                      sign=signs[i])
        terms.append(RingTerm((names[i], names[k]), weight, product, key))
    return tuple(terms)


def pair_weight(names: Sequence[str], multiplicities: Sequence[sp.Expr], i: int, k: int) -> sp.Expr:
    """How many ordered pairs of real components the ordered pair of representatives (i, k) stands for.

    A representative standing for several components pairs only with itself (its members do not
    mix) or with a single component.

    Parameters
    ----------
    names
        Mode names (for the error).
    multiplicities
        Components per mode.
    i, k
        The two modes.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    UnsupportedError
        For two multi-component classes.
    """
    mi, mk = sp.sympify(multiplicities[i]), sp.sympify(multiplicities[k])
    if i == k:
        return mi
    if mi == 1 or mk == 1:
        return mi * mk
    raise UnsupportedError("", "theory.fields",
                           f"the ring of {names[i]} and {names[k]} mixes two multi-component classes")



def momentum_integrand(key: LoopKey, kinetics: Sequence[sp.Expr], masses: Sequence[sp.Expr]) -> sp.Expr:
    """The integrand f(q^2) of a key at p = 0, its loop being (1/2) int d^dq/(2 pi)^d f (as T_c).

    f = y^c d_t R_k prod_i G_i(q)^(counts_i), the regulator line inserted once, with
    G_i(q) = 1 / (K_i q^2 + R_k(q^2) + M_i) and R_k, d_t R_k the undefined functions :data:`R`
    and :data:`RDOT` (the integration stage puts a regulator in).

    Parameters
    ----------
    key
        A bosonic key at p = 0 (no shifted propagators).
    kinetics, masses
        K_i and M_i of each species.

    Returns
    -------
    sympy.Expr
        In q^2 (:data:`rgsym.hessian.Q2`), ``R(q2)`` and ``Rdot(q2)``.

    Raises
    ------
    UnsupportedError
        For a key with external momentum, y-derivatives or a fermion loop.
    """
    if key.sign != BOSON or key.shifted or key.p2_order or key.dy_order or key.insertion != "dtR":
        raise UnsupportedError("", "truncation.scheme", f"the integrand of {key!r} at p = 0 is not available")
    out = Q2**key.y_power * RDOT(Q2) if key.y_power else RDOT(Q2)
    for i, c in enumerate(key.counts):
        if c:
            out = out / (kinetics[i] * Q2 + R(Q2) + masses[i]) ** c
    return out


def p2_projection(terms: Sequence[tuple[LoopKey, sp.Expr, sp.Expr]], kinetics: Sequence[sp.Expr],
                  masses: Sequence[sp.Expr], d: sp.Expr) -> sp.Expr:
    """The integrand F(q^2) of d/dp^2 at p = 0 of a sum of one-loop terms with momentum-dependent vertices.

    Each term (key, weight, numerator) stands for (1/2) (-1)^(n-1) weight int_q d~_t[numerator
    prod_i G_i(q)^(counts_i) prod_k G_k(q + p)^(shifted_k)], n the number of propagators (the sign of
    the resolvent expansion: + for a tadpole, - for a ring of two), with
    G_i(q) = 1 / (K_i q^2 + R_k(q^2) + M_i) and the numerator (the vertices) a polynomial in the
    invariants p^2, p.q, q^2 (:data:`rgsym.hessian.P2`, ``PQ``, ``Q2``).  Derived, not typed in:

    * G_k(q + p) = G_k(q^2 + 2 p.q + p^2) is Taylor expanded to second order in p;
    * the angular average over the direction of q sets <p.q> = 0 and <(p.q)^2> = p^2 q^2 / d, and
      d/dp^2 at p = 0 is read off by differentiation, so that nothing is multiplied out;
    * d~_t replaces R_k by R_k + s d_t R_k and takes d/ds at s = 0 (also in the q^2-derivatives).

    The keys are those of the projection taken on the integrand (``p2_order = 1``,
    ``dy_order = 0``); the ring integrated by parts (``dy_order = 2``, :func:`momentum_ring`) is the
    same integral for momentum-independent vertices.

    Parameters
    ----------
    terms
        (key, weight, numerator) per term, in the order they are summed.
    kinetics, masses
        K_i and M_i of each species.
    d
        The dimension (for the angular average).

    Returns
    -------
    sympy.Expr
        F with d/dp^2 (sum of the terms) = int d^dq/(2 pi)^d F, in q^2 (:data:`rgsym.hessian.Q2`),
        ``R(q2)``, ``Rdot(q2)`` and their q^2-derivatives (unevaluated ``Subs`` of the numerators
        are left to the caller's ``doit``).

    Raises
    ------
    UnsupportedError
        For a key of another form (fermion loop, y-derivatives, another order in p^2).
    """
    s = sp.Symbol("s_dt")

    def propagator(i: int, argument: sp.Expr) -> sp.Expr:
        return 1 / (kinetics[i] * argument + R(argument) + s * RDOT(argument) + masses[i])

    total = sp.Integer(0)
    for key, weight, numerator in terms:
        if key.sign != BOSON or key.p2_order != 1 or key.dy_order or key.y_power or key.insertion != "dtR":
            raise UnsupportedError("", "truncation.scheme", f"the p^2 projection of {key!r} is not available")
        term = sp.Rational(1, 2) * weight
        for i, c in enumerate(key.counts):
            if c:
                term = term * propagator(i, Q2) ** c
        for k, c in enumerate(key.shifted):
            if c:
                term = term * _taylor_shift(propagator(k, Q2) ** c)
        term = term * numerator
        total = total - term if (sum(key.counts) + sum(key.shifted)) % 2 == 0 else total + term
    # second order in p (p^2 counts 2, p.q counts 1), then the angular average <(p.q)^2> = p^2 q^2 / d
    origin = {P2: 0, PQ: 0}
    coefficient = (sp.diff(total, P2).subs(origin)
                   + Q2 / d * sp.diff(total, PQ, 2).subs(origin) / 2)
    return sp.diff(coefficient, s).subs(s, 0)


def _taylor_shift(prop: sp.Expr) -> sp.Expr:
    """G(q^2 + 2 p.q + p^2) to second order in p (the order is marked afterwards)."""
    delta = 2 * PQ + P2
    first = sp.diff(prop, Q2)
    second = sp.diff(prop, Q2, 2)
    return prop + first * delta + second * delta**2 / 2
