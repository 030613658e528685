"""Evaluate: the diagrams at zero external momentum on a constant background.

With LPA vertices, Gamma^(m) = d^m U(rho(phi)) without momentum dependence, the
field-space part of a ring is a product of vertex matrices and diagonal
propagators, and its momentum part is a threshold integral,

    1/2 Tr_q[d_t R_k G_(c_1) ... G_(c_{k+1})] = T_c(w),

where c counts the propagators of each representative component (the regulator
line G d_t R_k G counts two) and w are their dimensionless masses
(the loop engine's key, :class:`rgsym.loop.LoopKey`, evaluated by
:func:`rgsym.integrate.loop_integral` like every loop integral).  A labelled term with prefactor p
thus contributes 2 p T_c(w) prod_i V_i.

Field indices.  The external legs sit on the radial (background) component of
their field block.  The vertices are derivatives of u(rho_1, ..., rho_B) with
respect to the representative components of :mod:`rgsym.action` (the radial
sigma_b and one Goldstone pi_b standing for N_b - 1), taken with the
Faa di Bruno rule d u_a / d x = x u_(a + e_b) for x in block b, so that nothing
about radial or Goldstone modes is put in by hand.  With radial external legs
a vertex is even in every pi, so a Goldstone index runs unchanged around a ring:
the ring is either a product of radial matrices or a pure pi_b ring with weight
N_b - 1.  General external indices are handled in :mod:`rgsym.diagrams.tensors`.

References
----------
Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122, sec. 2.3
(threshold functions); Pawlowski, Ann. Phys. 322 (2007) 2831, hep-th/0512261.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import symengine as se
import sympy as sp

from rgsym import symbols
from rgsym.action import Action, MultiIndex
from rgsym.diagrams.graphs import DiagramTerm, FlowDiagrams
from rgsym.errors import UnsupportedError
from rgsym.integrate import loop_integral
from rgsym.loop import LoopKey
from rgsym.project import scaling_coefficients
from rgsym.regulators import Regulator
from rgsym.vertices import derivative_symbol

#: (component symbol name, block, radial) for every representative component.
Signature = tuple[tuple[str, int, bool], ...]


@dataclass(frozen=True)
class BackgroundVertices:
    """LPA vertex insertions on a constant radial background.

    Attributes
    ----------
    action
        The ansatz; its representative components are the internal lines.
    background
        The value of the radial component of every block (a symbol, or 0).
    values
        u_a -> its value (e.g. a coupling); u_a not listed stay symbols
        ``u_a`` = d^a u at the background, unless ``truncate`` is set.
    truncate
        Set every u_a not in ``values`` to zero (a polynomial truncation).
    """

    action: Action
    background: tuple[sp.Expr, ...]
    values: tuple[tuple[MultiIndex, sp.Expr], ...] = ()
    truncate: bool = False

    @property
    def signature(self) -> Signature:
        """The representative components as hashable (symbol name, block, radial) triples.

        This is the cache key under which vertex derivatives are memoised
        (:func:`potential_derivative`).

        Returns
        -------
        Signature
            One triple per component of ``action``, in the action's order.
        """
        return tuple((c.symbol.name, c.block, c.radial) for c in self.action.components)

    @property
    def radial(self) -> tuple[int, ...]:
        """Index of the radial component of every block."""
        return tuple(i for i, c in enumerate(self.action.components) if c.radial)

    def __repr__(self) -> str:
        point = ", ".join(f"{b.name}={v}" for b, v in zip(self.action.blocks, self.background, strict=True))
        return f"BackgroundVertices({point}; components {[c.name for c in self.action.components]})"

    def vertex(self, slots: tuple[int, ...]) -> se.Basic:
        """d^m u / d x_(slot_1) ... d x_(slot_m) at the background, slots = component indices."""
        return _at_background(self.signature, len(self.action.blocks), tuple(sorted(slots)),
                              tuple(se.sympify(v) for v in self.background),
                              tuple((a, se.sympify(v)) for a, v in self.values), self.truncate)

    def masses(self) -> tuple[sp.Expr, ...]:
        """Dimensionless masses of the components; the Hessian must be diagonal.

        Raises
        ------
        UnsupportedError
            If two components mix on the background.
        """
        n = len(self.action.components)
        for i, j in itertools.combinations(range(n), 2):
            if self.vertex((i, j)) != 0:
                raise UnsupportedError("", "theory.fields",
                                       "the fields mix on this background; the vertex expansion "
                                       "needs a diagonal propagator")
        return tuple(to_sympy(self.vertex((i, i))) for i in range(n))


def take_background_vertices(action: Action, background: Mapping[str, sp.Expr] | None = None,
                             values: Mapping[MultiIndex, sp.Expr] | None = None,
                             truncate: bool = False) -> BackgroundVertices:
    """LPA vertices of an ansatz on a radial background.

    Parameters
    ----------
    action
        The ansatz (its blocks and representative components are used).
    background
        Block name -> value of its radial component; by default the symbols
        ``sigmabar_<block>``.
    values, truncate
        See :class:`BackgroundVertices`.
    """
    point = tuple(sp.sympify(background[b.name]) if background is not None
                  else symbols.background_value(b.name) for b in action.blocks)
    vals = tuple(sorted((values or {}).items()))
    return BackgroundVertices(action, point, vals, truncate)


def evaluate_flow(diagrams: FlowDiagrams, vertices: BackgroundVertices, regulator: Regulator,
                  eta: sp.Expr | int = 0, scaling: bool = True) -> sp.Expr:
    """d_t Gamma^(n) at zero external momentum, in dimensionless form.

    Parameters
    ----------
    diagrams
        The merged diagrams; every leg colour must name a field block (its radial component).
    vertices
        The LPA vertices on the background.
    regulator
        The regulator whose threshold integrals the loops become.
    eta
        Anomalous dimension.
    scaling
        Add the canonical scaling terms of the dimensionless n-point function,
        (A + B n/2) gamma^(n) + (B/2) sum_b sigma_b gamma^(n + sigma_b), with
        d_t u = A u + B sum_b rho_b d_b u + loops (:func:`rgsym.project.scaling_coefficients`).

    Returns
    -------
    sympy.Expr
        In the symbols of the background and of u_a (or the values put in).

    References
    ----------
    Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122, sec. 2.3 (threshold
    functions of the one-loop rings); Pawlowski, Ann. Phys. 322 (2007) 2831, hep-th/0512261, sec. 3.
    """
    masses = vertices.masses()
    d = vertices.action.d
    eta = sp.sympify(eta)
    loop = sp.Add(*[coeff * loop_integral(regulator, LoopKey(counts), masses, d, eta)
                    for counts, coeff in loop_patterns(diagrams, vertices).items()])
    if not scaling:
        return loop
    return loop + scaling_terms(diagrams, vertices, eta)


def loop_patterns(diagrams: FlowDiagrams, vertices: BackgroundVertices) -> dict[tuple[int, ...], sp.Expr]:
    """Propagator counts c -> the coefficient of T_c(w) in d_t Gamma^(n), summed over the diagrams.

    The coefficient of a class is 2 * prefactor * multiplicity times its vertex products
    (the 2 undoes the 1/2 in the definition of T_c).
    """
    legs = _leg_components(diagrams.legs, vertices)
    out: dict[tuple[int, ...], list[sp.Expr]] = {}
    for term in diagrams.terms:
        factor = 2 * sp.Rational(term.coefficient.numerator, term.coefficient.denominator)
        for counts, weight in ring_patterns(term, legs, vertices).items():
            out.setdefault(counts, []).append(factor * to_sympy(weight))
    return {c: sp.Add(*v) for c, v in sorted(out.items())}


def scaling_terms(diagrams: FlowDiagrams, vertices: BackgroundVertices,
                  eta: sp.Expr | int = 0) -> sp.Expr:
    """The canonical scaling part of the dimensionless d_t Gamma^(n) (see :func:`evaluate_flow`)."""
    legs = _leg_components(diagrams.legs, vertices)
    return _scaling_terms(tuple(legs[f] for f in diagrams.legs), vertices, vertices.action.d, sp.sympify(eta))


def ring_patterns(term: DiagramTerm, legs: Mapping[str, int], vertices: BackgroundVertices
                  ) -> dict[tuple[int, ...], se.Basic]:
    """Propagator counts -> the summed vertex products of one ring (radial and Goldstone sectors)."""
    comps = vertices.action.components
    slots = [tuple(legs[f] for f in fields) for fields in term.fields]
    k = len(slots)
    out: dict[tuple[int, ...], se.Basic] = {}
    radial = vertices.radial
    for path in itertools.product(radial, repeat=k):  # path[s]: component on the edge after vertex s
        value = se.Integer(1)
        for s in range(k):
            value *= vertices.vertex((path[s - 1], path[s], *slots[s]))
            if value == 0:
                break
        if value != 0:
            counts = _counts(path, len(comps))
            out[counts] = out.get(counts, se.Integer(0)) + value
    for i, c in enumerate(comps):
        if c.radial:
            continue
        value = se.sympify(c.multiplicity)
        for s in range(k):
            value *= vertices.vertex((i, i, *slots[s]))
        if value != 0:
            counts = _counts((i,) * k, len(comps))
            out[counts] = out.get(counts, se.Integer(0)) + value
    return out


def _counts(path: tuple[int, ...], ncomps: int) -> tuple[int, ...]:
    """Propagators per component; the last edge is the regulator line G d_t R G and counts two."""
    counts = [0] * ncomps
    for s, c in enumerate(path):
        counts[c] += 2 if s == len(path) - 1 else 1
    return tuple(counts)


def _leg_components(legs: tuple[str, ...], vertices: BackgroundVertices) -> dict[str, int]:
    names = [b.name for b in vertices.action.blocks]
    out = {}
    for leg in dict.fromkeys(legs):
        if leg not in names:
            raise UnsupportedError("", "theory.fields",
                                   f"leg {leg!r} is not a field of the theory ({', '.join(names)})")
        out[leg] = vertices.radial[names.index(leg)]
    return out


def _scaling_terms(legs: tuple[int, ...], vertices: BackgroundVertices, d: sp.Expr,
                   eta: sp.Expr) -> sp.Expr:
    a_coeff, b_coeff = scaling_coefficients(d, eta)
    n = len(legs)
    total = (a_coeff + b_coeff * sp.Rational(n, 2)) * to_sympy(vertices.vertex(legs))
    for block, sigma in enumerate(vertices.background):
        if sigma != 0:
            radial = vertices.radial[block]
            total += b_coeff / 2 * sigma * to_sympy(vertices.vertex((*legs, radial)))
    return total


@cache
def potential_derivative(signature: Signature, nblocks: int, slots: tuple[int, ...]) -> se.Basic:
    """d^m u(rho_1, ..., rho_B) / d x_(slots) as a polynomial in the fields x and u_a.

    Faa di Bruno on the invariants rho_b = (sum of x^2 over block b) / 2:
    d u_a / d x = x u_(a + e_b) for a component x of block b.

    Examples
    --------
    >>> potential_derivative((("sigma_phi", 0, True),), 1, (0, 0))
    u_1 + u_2*sigma_phi**2
    """
    if not slots:
        return se.Symbol(derivative_symbol((0,) * nblocks).name)
    inner = potential_derivative(signature, nblocks, slots[:-1])
    name, block, _ = signature[slots[-1]]
    x = se.Symbol(name)
    out = se.diff(inner, x)
    for s in sorted(inner.free_symbols, key=str):
        a = _derivative_index(s.name, nblocks)
        if a is not None:
            raised = a[:block] + (a[block] + 1,) + a[block + 1:]
            out += se.diff(inner, s) * x * se.Symbol(derivative_symbol(raised).name)
    return se.expand(out)


@cache
def _at_background(signature: Signature, nblocks: int, slots: tuple[int, ...],
                   background: tuple[se.Basic, ...], values: tuple[tuple[MultiIndex, se.Basic], ...],
                   truncate: bool) -> se.Basic:
    expr = potential_derivative(signature, nblocks, slots)
    # the background points along the radial component of every block
    subs: dict[se.Basic, se.Basic] = {se.Symbol(name): background[block] if radial else se.Integer(0)
                                      for name, block, radial in signature}
    known = dict(values)
    for s in expr.free_symbols:
        a = _derivative_index(s.name, nblocks)
        if a is not None and (a in known or truncate):
            subs[s] = known.get(a, se.Integer(0))
    return se.expand(expr.xreplace(subs))


def _derivative_index(name: str, nblocks: int) -> MultiIndex | None:
    """The multi-index a of a symbol named like :func:`rgsym.vertices.derivative_symbol`, else None."""
    if not name.startswith("u_"):
        return None
    parts = name[2:].split("_")
    if len(parts) != nblocks or not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def to_sympy(expr: se.Basic) -> sp.Expr:
    """symengine -> sympy with rgsym's symbols restored by name (u_a and sigmabar_b too)."""
    out = symbols.to_sympy(expr)
    mapping: dict[sp.Basic, sp.Basic] = {}
    for s in out.free_symbols:
        if isinstance(s, sp.Symbol) and s.name.startswith("u_"):
            mapping[s] = sp.Symbol(s.name, real=True)
        elif isinstance(s, sp.Symbol) and s.name.startswith("sigmabar_"):
            mapping[s] = symbols.background_value(s.name[len("sigmabar_"):])
    return out.xreplace(mapping)
