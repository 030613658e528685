"""Expand: the trace of the regulated propagator as a sum of loop terms.

With Gamma^(2) + R_k = P(q) + M0 + V, where M0 is the (diagonal) mass matrix at
the expansion point and V the field-dependent rest,

    (1/2) Tr[(P + M0 + V)^-1 d_t R] = (1/2) sum_n (-1)^n Tr[(G0 V)^n G0 d_t R],

G0 = (P + M0)^-1 (the expansion itself is the one loop engine, :mod:`rgsym.loop`).
Each term is a ring of n + 1 propagators with n insertions of V
and one regulator insertion; once the field-space trace is done, what remains
of a term is a symbolic coefficient (a truncated series in the expansion
variables) times a momentum integral fixed by how many propagators of each
component it contains (the "counts" c).  Components that stand for several
(Goldstone modes) are weighted by their multiplicity.

For a full potential nothing is expanded: M must then be diagonal on the
background, and each component contributes one propagator with its own mass.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import symengine as se
import sympy as sp

from rgsym import symbols
from rgsym.action import Action, MultiIndex
from rgsym.errors import UnsupportedError
from rgsym.loop import LoopKey, resolvent_expansion, single_propagators
from rgsym.series import Series
from rgsym.vertices import Vertices


@dataclass(frozen=True)
class ExpansionVariable:
    """A small variable of the polynomial projection for one block.

    ``kind`` is ``"field"`` (x = sigma_b, rho_b = x^2/2, around zero field) or
    ``"shift"`` (x = rho_b - kappa_b, around the minimum).
    """

    block: int
    symbol: sp.Symbol
    kind: str

    @property
    def weight(self) -> int:
        """Weight of the variable in the truncation degree of the series.

        A field variable sigma_b counts 1 and a shift rho_b - kappa_b counts 2, since
        rho_b = sigma_b^2 / 2 is quadratic in the field.

        Returns
        -------
        int
        """
        return 1 if self.kind == "field" else 2


@dataclass(frozen=True)
class FlowTrace:
    """The expanded trace: loop terms grouped by propagator counts.

    Attributes
    ----------
    action, vertices
        Where the trace came from.
    variables
        Expansion variables (empty for a full potential).
    max_weight
        Truncation of the series (weighted degree).
    masses
        Dimensionless mass w_i of each representative component at the expansion point.
    insertions
        Placeholder symbol -> its value: the Taylor coefficients of the field-dependent
        part V of the mass matrix.  The trace is expanded in these placeholders, so its
        size is set by the combinatorics of the expansion, not by the couplings.
    insertion_matrix
        V over the modes with the placeholders as coefficients (the input of the resolvent
        expansion; :mod:`rgsym.program` runs that expansion again on numbers).
    multiplicities
        How many field components each representative stands for.
    terms
        Loop key -> coefficient series (:mod:`rgsym.loop`); the loop part of d_t u is
        sum_key I_key(w) * series_key, I_key the integral of the key (T_c(w) at zero momentum).
    """

    action: Action
    vertices: Vertices
    variables: tuple[ExpansionVariable, ...]
    max_weight: int
    masses: tuple[sp.Expr, ...]
    multiplicities: tuple[sp.Expr, ...]
    terms: tuple[tuple[LoopKey, Series], ...]
    insertions: tuple[tuple[se.Symbol, se.Basic], ...] = ()
    insertion_matrix: tuple[tuple[Series, ...], ...] = ()

    @property
    def d(self) -> sp.Expr:
        """The spacetime dimension d of the action (a number or a symbol).

        Returns
        -------
        sympy.Expr
        """
        return self.action.d

    @property
    def eta(self) -> sp.Expr:
        """The anomalous dimension eta of the action (0 in the LPA, a symbol in LPA').

        Returns
        -------
        sympy.Expr
        """
        return self.action.eta

    @property
    def kinetic(self) -> sp.Expr:
        """The momentum part of Gamma^(2) in units of Z k^2, as a function of y = q^2 / k^2.

        Returns
        -------
        sympy.Expr
        """
        return self.vertices.kinetic

    @property
    def patterns(self) -> tuple[LoopKey, ...]:
        """The loop keys of the terms, in the order of ``terms``.

        Returns
        -------
        tuple of LoopKey
            One per term: how many propagators of each representative component it has, etc.
        """
        return tuple(k for k, _ in self.terms)

    def __repr__(self) -> str:
        return (f"FlowTrace({len(self.terms)} propagator patterns, masses={list(self.masses)}, "
                f"truncated at weight {self.max_weight})")


def expand_flow_trace(vertices: Vertices) -> FlowTrace:
    """Expand (1/2) Tr[(Gamma^(2) + R_k)^-1 d_t R_k] around the expansion point."""
    action = vertices.action
    if action.potential == "full":
        return _full_potential_trace(vertices)
    variables = _expansion_variables(action)
    weights = tuple(v.weight for v in variables)
    max_weight = 2 * max(sum(a) for a, _ in action.taylor)
    matrix = [[_entry_series(vertices, e, variables, max_weight) for e in row]
              for row in vertices.mass_matrix.tolist()]
    n = len(matrix)
    for i, j in itertools.product(range(n), repeat=2):
        if i != j and matrix[i][j].constant_term() != 0:
            raise UnsupportedError("", "truncation.expand_around",
                                   "the mass matrix is not diagonal at the expansion point")
    masses = tuple(symbols.to_sympy(matrix[i][i].constant_term()) for i in range(n))
    fluct, insertions = _insertion_placeholders(matrix)
    mult = tuple(c.multiplicity for c in action.components)
    signs = tuple(c.statistics for c in action.components)
    terms = resolvent_expansion(fluct, mult, weights, max_weight, signs)
    return FlowTrace(action, vertices, variables, max_weight, masses, mult, terms, insertions,
                     tuple(tuple(row) for row in fluct))


def _insertion_placeholders(matrix: list[list[Series]]
                            ) -> tuple[list[list[Series]], tuple[tuple[se.Symbol, se.Basic], ...]]:
    """V = M - M0 with every Taylor coefficient replaced by a placeholder symbol.

    The mass matrix is symmetric, so V_ij and V_ji share placeholders.
    """
    n = len(matrix)
    values: list[tuple[se.Symbol, se.Basic]] = []
    fluct: list[list[Series]] = [[matrix[0][0]] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            series = matrix[i][j].without_constant()
            terms = {}
            for e in sorted(series.terms):
                sym = se.Symbol(f"V_{i}_{j}_" + "_".join(map(str, e)))
                values.append((sym, series.terms[e]))
                terms[e] = sym
            fluct[i][j] = fluct[j][i] = Series(terms, series.weights, series.max_weight)
    return fluct, tuple(values)


def _expansion_variables(action: Action) -> tuple[ExpansionVariable, ...]:
    from rgsym import symbols

    out = []
    for b, (block, point) in enumerate(zip(action.blocks, action.expansion_point, strict=True)):
        kind = "field" if point == 0 else "shift"
        out.append(ExpansionVariable(b, symbols.small(block.name), kind))
    return tuple(out)


def _entry_series(vertices: Vertices, entry: sp.Expr, variables: tuple[ExpansionVariable, ...],
                  max_weight: int) -> Series:
    """A mass-matrix entry as a series in the expansion variables."""
    action = vertices.action
    weights = tuple(v.weight for v in variables)
    shifts = [shift_series(v, weights, max_weight) for v in variables]
    from rgsym import symbols

    sigmas = [symbols.background_value(b.name) for b in action.blocks]
    dsyms = dict(vertices.derivative_symbols)
    gens = [s for _, s in vertices.derivative_symbols] + sigmas
    poly = sp.Poly(sp.expand(entry), *gens) if gens else None
    total = Series({}, weights, max_weight)
    if poly is None:
        return Series.constant(se.sympify(entry), weights, max_weight)
    nd = len(dsyms)
    for monom, coeff in poly.terms():
        term = Series.constant(se.sympify(coeff), weights, max_weight)
        for (a, _), k in zip(vertices.derivative_symbols, monom[:nd], strict=True):
            if k:
                term = term * derivative_series(action, a, shifts, weights, max_weight) ** k
        for b, k in enumerate(monom[nd:]):
            if k:
                term = term * _sigma_power(variables[b], k, action, weights, max_weight)
        total = total + term
    return total


def shift_series(v: ExpansionVariable, weights: tuple[int, ...], max_weight: int) -> Series:
    """rho_b minus its expansion point, as a series."""
    x = Series.variable(v.block, weights, max_weight)
    return x if v.kind == "shift" else (x * x).scale(se.Rational(1, 2))


def derivative_series(action: Action, a: MultiIndex, shifts: list[Series],
                       weights: tuple[int, ...], max_weight: int) -> Series:
    """d^a u at rho = point + shift, from the Taylor polynomial of the ansatz."""
    import math

    total = Series({}, weights, max_weight)
    for b, coeff in action.taylor:
        rest = tuple(bj - aj for bj, aj in zip(b, a, strict=True))
        if min(rest) < 0:
            continue
        term = Series.constant(se.sympify(coeff), weights, max_weight)
        for s, k in zip(shifts, rest, strict=True):
            if k:
                term = term * (s**k).scale(se.Rational(1, math.factorial(k)))
        total = total + term
    return total


def _sigma_power(v: ExpansionVariable, k: int, action: Action, weights: tuple[int, ...],
                 max_weight: int) -> Series:
    """sigma_b^k on the background: x^k at zero field, (2 rho_b)^(k/2) at the minimum."""
    x = Series.variable(v.block, weights, max_weight)
    if v.kind == "field":
        return x**k
    if k % 2:
        raise UnsupportedError("", "truncation.expand_around",
                               "an odd power of the background field survives at the minimum")
    point = se.sympify(action.expansion_point[v.block])
    rho = Series.constant(point, weights, max_weight) + x
    return (rho.scale(se.Integer(2))) ** (k // 2)


def _full_potential_trace(vertices: Vertices) -> FlowTrace:
    """No expansion: one propagator per component with its field-dependent mass."""
    action = vertices.action
    m = vertices.mass_matrix
    n = m.shape[0]
    if any(m[i, j] != 0 for i in range(n) for j in range(n) if i != j):
        raise UnsupportedError("", "truncation.potential",
                               "'full' needs a mass matrix that is diagonal on the background")
    u = action.potential_function()
    rho = action.invariants
    subs: dict[sp.Expr, sp.Expr] = {}
    for a, sym in vertices.derivative_symbols:
        subs[sym] = sp.diff(u, *[r for r, k in zip(rho, a, strict=True) for _ in range(k)])
    from rgsym import symbols

    for b, block in enumerate(action.blocks):
        subs[symbols.background_value(block.name)] = sp.sqrt(2 * rho[b])
    masses = tuple(sp.expand(m[i, i].subs(subs)) for i in range(n))
    mult = tuple(c.multiplicity for c in action.components)
    terms = single_propagators(mult, tuple(c.statistics for c in action.components))
    return FlowTrace(action, vertices, (), 0, masses, mult, terms)
