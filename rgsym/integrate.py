"""Integrate: momentum traces become threshold functions of the regulator.

Every term of the expanded trace is a loop integral with one regulator insertion
d_t R_k and a product of propagators of the representative components,

    T_c(w) = (1/2) k^-d int d^dq/(2pi)^d  d_t R_k  prod_i [ (Z k^2)^... / (Z q^2 + R_k + m_i) ]^c_i
           = v_d int_0^oo dy y^(d/2-1) [ (2 - eta) r(y) - 2 y r'(y) ] prod_i (y + r(y) + w_i)^-c_i,

with w_i = m_i / (Z k^2).  In the notation of Berges, Tetradis and Wetterich
(hep-ph/0005122, eq. 2.16) T_1(w) = 2 v_d l_0^d(w) and T_{n+1}(w) = 2 v_d l_n^d(w) / n.

The integral is done with sympy on each piece of the regulator.  Where the
propagator denominators do not depend on y on a piece (the optimised regulator)
the result is exact and closed.  Elsewhere the result is a
:class:`~rgsym.threshold.ThresholdIntegral`, evaluated by quadrature.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from rgsym.expand import FlowTrace
from rgsym.regulators import REGULATORS, Piece, Regulator, custom_regulator, parse_shape
from rgsym.spec import RegulatorSpec
from rgsym.symbols import alpha, angular_factor, y
from rgsym.threshold import ThresholdIntegral


@dataclass(frozen=True)
class LoopIntegrals:
    """The loop part of d_t u after the momentum integration.

    Attributes
    ----------
    trace
        The expanded trace the integrals were taken of.
    regulator
        The regulator used.
    thresholds
        Propagator counts c -> the threshold integral T_c as a sympy expression of the masses.
    """

    trace: FlowTrace
    regulator: Regulator
    thresholds: tuple[tuple[tuple[int, ...], sp.Expr], ...]

    def __repr__(self) -> str:
        shown = ", ".join(f"T{c} = {e}" for c, e in self.thresholds[:3])
        return f"LoopIntegrals(regulator={self.regulator.name!r}, {shown}, ...)"


def integrate_loops(trace: FlowTrace, regulator: RegulatorSpec) -> LoopIntegrals:
    """Replace every propagator-count pattern of the trace by its threshold integral."""
    reg = regulator_of(regulator)
    d, eta = trace.d, trace.eta
    thresholds = tuple(
        (counts, threshold_integral(reg, counts, trace.masses, d, eta)) for counts in trace.patterns
    )
    return LoopIntegrals(trace, reg, thresholds)


def regulator_of(spec: RegulatorSpec) -> Regulator:
    """The registry entry (or the user's shape) with the spec's alpha (default 1) put in."""
    if spec.kind == "custom":
        reg = custom_regulator(parse_shape(spec.shape or "", ValueError))
    else:
        reg = REGULATORS[spec.kind]
    return reg.with_alpha(sp.nsimplify(dict(spec.parameters).get("alpha", 1)))


def threshold_integral(reg: Regulator, counts: tuple[int, ...], masses: tuple[sp.Expr, ...],
                       d: sp.Expr, eta: sp.Expr, kinetic: sp.Expr = y) -> sp.Expr:
    """T_c(w) for a regulator, propagator counts c and dimensionless masses w.

    Examples
    --------
    >>> import sympy as sp
    >>> from rgsym.regulators import LITIM
    >>> w = sp.Symbol("w")
    >>> litim = LITIM.with_alpha(sp.Integer(1))
    >>> sp.simplify(threshold_integral(litim, (1,), (w,), sp.Integer(4), sp.Integer(0)))
    1/(32*pi**2*(w + 1))
    """
    if d == 0:
        return _zero_dimensional(reg, counts, masses, eta, kinetic)
    if reg.sharp:
        return angular_factor(d) * _sharp_limit(reg, counts, masses, eta)
    needs_quadrature = any(
        regulator_insertion(p, eta) != 0 and sp.expand(kinetic + p.shape).has(y) for p in reg.pieces)
    if needs_quadrature:
        shape = sp.Lambda(y, reg.shape())
        if isinstance(eta, sp.Symbol):  # LPA': T is linear in eta, T(eta) = (1 - eta) T(0) + eta T(1)
            return ((1 - eta) * ThresholdIntegral(shape, d, 0, sp.Tuple(*counts), *masses)
                    + eta * ThresholdIntegral(shape, d, 1, sp.Tuple(*counts), *masses))
        return ThresholdIntegral(shape, d, eta, sp.Tuple(*counts), *masses)
    total = sp.Integer(0)
    for k, piece in enumerate(reg.pieces):
        measure = _piece_measure(reg, k, d, eta)
        if measure == 0:
            continue
        den = sp.expand(kinetic + piece.shape)
        product = sp.Integer(1)
        for c, w in zip(counts, masses, strict=True):
            product *= (den + w) ** (-c)
        total += measure * product
    return angular_factor(d) * total


def _zero_dimensional(reg: Regulator, counts: tuple[int, ...], masses: tuple[sp.Expr, ...],
                      eta: sp.Expr, kinetic: sp.Expr) -> sp.Expr:
    """T_c(w) at d = 0: the integrand at y = 0 times the limit weight of the measure.

    v_d int_0^a y^(d/2-1) dy -> 1/2 as d -> 0 for any a > 0 (v_d ~ d/4, the integral ~ 2/d),
    while v_d times the integral of y^(d/2-1) (f(y) - f(0)) vanishes: the measure becomes
    a point mass 1/2 at y = 0 (Keitel, Bartosch, arXiv:1109.3013, sec. 2).
    """
    piece = reg.pieces[0]  # the piece at y = 0
    value = sp.limit(regulator_insertion(piece, eta), y, 0, "+")  # a limit: y/(e^y - 1) at 0
    den = sp.limit(sp.expand(kinetic + piece.shape), y, 0, "+")
    if not (value.is_finite and den.is_finite):
        from rgsym.errors import UnsupportedError

        raise UnsupportedError("", "regulator.kind", f"at d = 0 the loop is the integrand at q = 0, where "
                               f"{reg.name!r} is singular; use 'mass' or 'litim'")
    for c, w in zip(counts, masses, strict=True):
        value *= (den + w) ** (-c)
    return _zero_dimension_weight() * value


@cache
def _zero_dimension_weight() -> sp.Expr:
    """lim_{d->0} v_d int_0^a y^(d/2-1) dy, derived by sympy (= 1/2, independent of a)."""
    dd, a = sp.symbols("dd a", positive=True)
    weight = sp.limit(angular_factor(dd) * sp.integrate(y ** (dd / 2 - 1), (y, 0, a)), dd, 0)
    if weight.has(a) or not weight.is_positive:
        raise AssertionError(f"the d -> 0 limit of the loop measure is {weight}, expected a constant")
    return sp.nsimplify(weight)


def _sharp_limit(reg: Regulator, counts: tuple[int, ...], masses: tuple[sp.Expr, ...],
                 eta: sp.Expr) -> sp.Expr:
    """int dy y^(d/2-1) [d_t R/(Z k^2)] prod (y + r + w)^-c for r = alpha theta(1 - y), alpha -> oo.

    d_t R / (Z k^2) = (2 - eta) alpha theta(1 - y) + 2 y alpha delta(1 - y) (derived, as for every
    regulator).  The theta part gives (2 - eta) alpha int_0^1 y^(d/2-1) (alpha + ...)^-C dy: a
    field-independent constant for C = sum c = 1 and zero for C >= 2 as alpha -> oo.  In the
    delta part theta(1 - y) jumps under the delta function; the limit of smooth steps gives
    int_0^1 ds f(alpha s), so it is 2 alpha int_0^1 ds prod (1 + alpha s + w)^-c
    = 2 int_0^alpha dx prod (1 + x + w)^-c.  For C >= 2 that converges as alpha -> oo; for C = 1
    it is -2 ln(1 + w) plus the field-independent 2 ln(alpha), which is dropped.
    """
    inner, outer = reg.pieces
    insertion = sp.expand(regulator_insertion(inner, eta))
    if sp.expand(insertion - (2 - eta) * alpha) != 0 or outer.shape != 0 or inner.upper != 1:
        raise ValueError(f"{reg.name!r} is not of the form alpha theta(1 - y)")
    used = [(c, w) for c, w in zip(counts, masses, strict=True) if c]
    if len(used) > 1:
        from rgsym.errors import UnsupportedError

        raise UnsupportedError("", "regulator.kind",
                               "the sharp cutoff is available where each loop has one propagating mode "
                               "(a single O(N) multiplet); with several masses in one loop its threshold "
                               "functions are ratios of logarithms singular at equal masses")
    (c, w), = used
    base, mass = _sharp_single_propagator()
    # d T_c / d w = -c T_(c+1), true for every regulator: T_c = (-1)^(c-1)/(c-1)! d^(c-1) T_1 / dw^(c-1)
    value = (-1) ** (c - 1) * sp.diff(base, mass, c - 1) / sp.factorial(c - 1)
    return sp.factor(value.subs(mass, w))


@cache
def _sharp_single_propagator() -> tuple[sp.Expr, sp.Symbol]:
    """2 int_0^alpha dx / (1 + x + w) - 2 ln(alpha) as alpha -> oo, i.e. T_1 / v_d (see above)."""
    x = sp.Dummy("x", nonnegative=True)
    w = sp.Dummy("w")
    cutoff = sp.Symbol("alpha_cutoff", positive=True)
    finite = 2 * sp.integrate(1 / (1 + x + w), (x, 0, cutoff), conds="none")
    value = sp.limit(sp.expand_log(finite - 2 * sp.log(cutoff), force=True), cutoff, sp.oo)
    return sp.expand_log(value, force=True), w


@cache
def _piece_measure(reg: Regulator, k: int, d: sp.Expr, eta: sp.Expr) -> sp.Expr:
    """int over piece k of y^(d/2-1) [(2 - eta) r - 2 y r'] dy (denominators excluded)."""
    piece: Piece = reg.pieces[k]
    insertion = regulator_insertion(piece, eta)
    if insertion == 0:
        return sp.Integer(0)
    dd = sp.Dummy("dd", positive=True)
    result = sp.integrate(y ** (dd / 2 - 1) * insertion, (y, piece.lower, piece.upper))
    return sp.simplify(result.subs(dd, d))


@cache
def regulator_insertion(piece: Piece, eta: sp.Expr) -> sp.Expr:
    """d_t R_k / (Z k^2) on a piece, derived from R_k(q^2) = Z_k k^2 r(q^2 / k^2).

    t = ln k, and d_t Z_k = -eta Z_k defines the anomalous dimension.  For the Litim
    piece r = 1 - y this gives 2 - eta (1 - y).
    """
    t, q2 = sp.symbols("t q2", positive=True)
    z = sp.Function("Z")(t)
    k = sp.exp(t)
    regulator = z * k**2 * piece.shape.subs(y, q2 / k**2)
    rate = sp.diff(regulator, t).subs(sp.Derivative(z, t), -eta * z)
    return sp.expand(sp.simplify((rate / (z * k**2)).subs(q2, y * k**2)))
