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
from typing import NamedTuple

import sympy as sp

from rgsym.errors import UnsupportedError
from rgsym.expand import FlowTrace
from rgsym.loop import BOSON, LoopKey
from rgsym.regulators import REGULATORS, Piece, Regulator, custom_regulator, parse_shape
from rgsym.spec import RegulatorSpec
from rgsym.symbols import alpha, angular_factor, simplify, y
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
        Loop key -> its integral (the threshold integral T_c for the potential) as a sympy
        expression of the masses.
    """

    trace: FlowTrace
    regulator: Regulator
    thresholds: tuple[tuple[LoopKey, sp.Expr], ...]

    def __repr__(self) -> str:
        shown = ", ".join(f"T{c} = {e}" for c, e in self.thresholds[:3])
        return f"LoopIntegrals(regulator={self.regulator.name!r}, {shown}, ...)"


def integrate_loops(trace: FlowTrace, regulator: RegulatorSpec) -> LoopIntegrals:
    """Replace every loop key of the trace by its integral."""
    reg = regulator_of(regulator)
    d, eta = trace.d, trace.eta
    thresholds = tuple((key, loop_integral(reg, key, trace.masses, d, eta)) for key in trace.patterns)
    return LoopIntegrals(trace, reg, thresholds)


def loop_integral(reg: Regulator, key: LoopKey, masses: tuple[sp.Expr, ...], d: sp.Expr, eta: sp.Expr,
                  kinetic: sp.Expr = y) -> sp.Expr:
    """The momentum integral of a loop key of :mod:`rgsym.loop`, normalised like T_c.

    Zero external momentum: the threshold integral T_c(w) (:func:`threshold_integral`).  The
    p^2 projection of a ring of two propagators (one at q + p): v_d J(w_i, w_k)
    (:func:`momentum_derivative_integral`), i.e. (1/2) k^-d int d^dq/(2 pi)^d of d/dp^2 d~_t of
    the ring, the same normalisation as T_c.

    Parameters
    ----------
    reg
        The regulator.
    key
        The loop key.
    masses
        The dimensionless mass of each species.
    d, eta
        Dimension and anomalous dimension.
    kinetic
        The momentum part of the propagator in units of Z k^2 (y).

    Returns
    -------
    sympy.Expr

    Raises
    ------
    UnsupportedError
        For keys whose integral is not available yet (fermion loops, powers of y).
    """
    if key.sign != BOSON:
        raise UnsupportedError("", "theory.fields", "fermion loops need the fermion regulator, which is "
                               "not available yet")
    if not key.shifted and key.p2_order == 0 and key.dy_order == 0:
        return threshold_integral(reg, key.counts, masses, d, eta, kinetic, key.y_power)
    if (key.p2_order, key.dy_order, key.y_power) == (1, 2, 0) and sum(key.counts) == sum(key.shifted) == 1:
        i, k = key.counts.index(1), key.shifted.index(1)
        return angular_factor(d) * momentum_derivative_integral(reg, d, eta, masses[i], masses[k])
    raise UnsupportedError("", "truncation.scheme", f"the loop integral of {key!r} is not available yet")


def regulator_of(spec: RegulatorSpec) -> Regulator:
    """The registry entry (or the user's shape) with the spec's alpha (default 1) put in."""
    if spec.kind == "custom":
        reg = custom_regulator(parse_shape(spec.shape or "", ValueError))
    else:
        reg = REGULATORS[spec.kind]
    return reg.with_alpha(sp.nsimplify(dict(spec.parameters).get("alpha", 1)))


def threshold_integral(reg: Regulator, counts: tuple[int, ...], masses: tuple[sp.Expr, ...],
                       d: sp.Expr, eta: sp.Expr, kinetic: sp.Expr = y, y_power: int = 0) -> sp.Expr:
    """T_c(w) for a regulator, propagator counts c and dimensionless masses w.

    With ``y_power`` = n the integrand has y^n more (momentum-dependent insertions of the loop
    engine); this is available where the integral is closed (regulators whose propagator is
    y-independent on every piece where d_t R_k is not zero, e.g. Litim).

    Examples
    --------
    >>> import sympy as sp
    >>> from rgsym.regulators import LITIM
    >>> w = sp.Symbol("w")
    >>> litim = LITIM.with_alpha(sp.Integer(1))
    >>> sp.simplify(threshold_integral(litim, (1,), (w,), sp.Integer(4), sp.Integer(0)))
    1/(32*pi**2*(w + 1))
    """
    needs_quadrature = any(
        regulator_insertion(p, eta) != 0 and sp.expand(kinetic + p.shape).has(y) for p in reg.pieces)
    if y_power and (d == 0 or reg.sharp or needs_quadrature):
        raise UnsupportedError("", "regulator.kind", f"loop integrals with momentum-dependent insertions "
                               f"(y^{y_power}) need a regulator with closed threshold functions, such as "
                               f"'litim'; {reg.name!r} is not available for them yet")
    if d == 0:
        return _zero_dimensional(reg, counts, masses, eta, kinetic)
    if reg.sharp:
        return angular_factor(d) * _sharp_limit(reg, counts, masses, eta)
    if needs_quadrature:
        shape = sp.Lambda(y, reg.shape())
        if isinstance(eta, sp.Symbol):  # LPA': T is linear in eta, T(eta) = (1 - eta) T(0) + eta T(1)
            return ((1 - eta) * ThresholdIntegral(shape, d, 0, sp.Tuple(*counts), *masses)
                    + eta * ThresholdIntegral(shape, d, 1, sp.Tuple(*counts), *masses))
        return ThresholdIntegral(shape, d, eta, sp.Tuple(*counts), *masses)
    total = sp.Integer(0)
    for k, piece in enumerate(reg.pieces):
        measure = _piece_measure(reg, k, d, eta, y_power)
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
def _piece_measure(reg: Regulator, k: int, d: sp.Expr, eta: sp.Expr, y_power: int = 0) -> sp.Expr:
    """int over piece k of y^(d/2-1+n) [(2 - eta) r - 2 y r'] dy (denominators excluded), n = y_power."""
    piece: Piece = reg.pieces[k]
    insertion = regulator_insertion(piece, eta)
    if insertion == 0:
        return sp.Integer(0)
    dd = sp.Dummy("dd", positive=True)
    result = _power_integral(insertion, dd / 2 - 1 + y_power, piece.lower, piece.upper) \
        if sp.sympify(d).is_Rational else None
    if result is None:
        result = sp.integrate(y ** (dd / 2 - 1 + y_power) * insertion, (y, piece.lower, piece.upper))
    return simplify(result.subs(dd, d))


def _power_integral(polynomial: sp.Expr, power: sp.Expr, lower: sp.Expr, upper: sp.Expr) -> sp.Expr | None:
    """int_0^1 y^power p(y) dy term by term, for p = c_0 + c_1 y (the Litim piece) and power > -1:
    c_0 / (power + 1) + c_1 / (power + 2).

    None for anything else (other bounds, a p of higher degree or not a polynomial), which
    :func:`sympy.integrate` then does whole: 0.1-0.5 s for the Litim piece with eta.  At a
    rational dimension (the only place :func:`_piece_measure` uses it) both sums become the same
    polynomial in eta and alpha, so the simplified measure is the same expression
    (tests/test_performance_paths.py compares); with a symbolic d ``simplify`` can bring the
    two to different forms.
    """
    if lower != 0 or upper != 1 or polynomial.is_polynomial(y) is not True:
        return None
    coefficients = sp.Poly(polynomial, y).all_coeffs()[::-1]
    if len(coefficients) > 2:
        return None
    return sp.Add(*(c / (power + j + 1) for j, c in enumerate(coefficients)))


@cache
def regulator_insertion(piece: Piece, eta: sp.Expr) -> sp.Expr:
    """d_t R_k / (Z k^2) on a piece, derived from R_k(q^2) = Z_k k^2 r(q^2 / k^2).

    t = ln k, and d_t Z_k = -eta Z_k defines the anomalous dimension.  For the Litim
    piece r = 1 - y this gives 2 - eta (1 - y).  A shape polynomial in y needs no
    ``simplify``: the powers of k cancel as the expression is built and ``expand`` gives the
    simplified form (0.03-0.1 s saved per piece; tests/test_performance_paths.py compares).
    """
    per_scale = regulator_rate(piece, eta)
    if piece.shape.is_polynomial(y) is True:
        expanded = sp.expand(per_scale)
        if not expanded.free_symbols & {sp.Symbol("t", positive=True), sp.Symbol("q2", positive=True)}:
            return expanded
    return sp.expand(simplify(per_scale))


def regulator_rate(piece: Piece, eta: sp.Expr) -> sp.Expr:
    """d_t R_k / (Z k^2) on a piece as differentiated, before :func:`regulator_insertion`
    simplifies it: R_k(q^2) = Z_k k^2 r(q^2 / k^2), k = e^t, d_t Z_k = -eta Z_k, q^2 = y k^2.

    Parameters
    ----------
    piece
        A piece of a regulator.
    eta
        The anomalous dimension.

    Returns
    -------
    sympy.Expr
    """
    t, q2 = sp.symbols("t q2", positive=True)
    z = sp.Function("Z")(t)
    k = sp.exp(t)
    regulator = z * k**2 * piece.shape.subs(y, q2 / k**2)
    rate = sp.diff(regulator, t).subs(sp.Derivative(z, t), -eta * z)
    return (rate / (z * k**2)).subs(q2, y * k**2)


@cache
def p2_kernel(d: sp.Expr) -> sp.Expr:
    """K(y) in  d/dp^2 int dy y^(d/2-1) A(q^2) B((q + p)^2) |_(p=0) = int dy K(y) A'(y) B'(y).

    Derived: Taylor-expand B(q^2 + 2 q p c + p^2) to order p^2, average c = cos(angle)
    over directions (<c> = 0, <c^2> = 1/d), then integrate the B'' term by parts
    (boundary terms vanish for d > 0 and decaying B').  The remaining coefficient of A
    (undifferentiated) must cancel; it is checked.
    """
    p, c, q2 = sp.symbols("p c q2", positive=True)
    a_fun, b_fun = sp.Function("A"), sp.Function("B")
    shifted = b_fun(q2 + 2 * sp.sqrt(q2) * p * c + p**2)
    coefficient = sp.diff(shifted, p, 2).subs(p, 0) / 2
    averaged = sp.expand(coefficient).subs(c**2, 1 / d).subs(c, 0)
    bp = sp.Derivative(b_fun(q2), q2)
    bpp = sp.Derivative(b_fun(q2), (q2, 2))
    averaged = averaged.doit()
    c1 = averaged.coeff(bp)
    c2 = averaged.coeff(bpp)
    if simplify(averaged - c1 * bp - c2 * bpp) != 0:
        raise AssertionError("the p^2 coefficient is not linear in B' and B''")
    measure = q2 ** (d / 2 - 1)
    # int m A (c1 B' + c2 B'') = int [m c1 A - d/dq2 (m c2 A)] B'
    a = a_fun(q2)
    times_bp = sp.expand(measure * c1 * a - sp.diff(measure * c2 * a, q2))
    ap = sp.Derivative(a, q2)
    kernel = simplify(times_bp.coeff(ap))
    if simplify(times_bp - kernel * ap) != 0:
        raise AssertionError("integration by parts left a term without A'")
    return simplify(kernel.subs(q2, y))


def momentum_derivative_integral(regulator: Regulator, d: sp.Expr, eta: sp.Expr,
                                 w_a: sp.Expr, w_b: sp.Expr) -> sp.Expr:
    """J(w_a, w_b) = int dy K(y) d~_t [A'(y) B'(y)], A = 1/(y + r + w_a), B = 1/(y + r + w_b).

    The regular part is integrated piece by piece; jumps of d~_t A, d~_t B at the
    regulator's breakpoints contribute delta functions, multiplied by the mean of the
    other factor's left and right values.
    """
    if regulator.sharp:
        raise UnsupportedError("", "regulator.kind",
                               "LPA' needs propagators differentiable in the momentum, which the sharp "
                               "cutoff does not have; use 'litim'")
    kernel = p2_kernel(d)
    pieces = regulator.pieces
    if len(pieces) == 1 and sp.expand(y + pieces[0].shape).has(y):
        return _by_quadrature(regulator, d, eta, w_a, w_b)
    parts = [_ring_on_piece(piece, eta, w_a, w_b) for piece in pieces]
    total = sp.Integer(0)
    for piece, part in zip(pieces, parts, strict=True):
        if regulator_insertion(piece, eta) == 0:
            continue  # d~_t A = d~_t B = 0 on this piece: no regular part
        if sp.expand(y + piece.shape).has(y):
            raise UnsupportedError("", "regulator.kind",
                                   f"LPA' with the piecewise {regulator.name!r} regulator needs its "
                                   "momentum-derivative threshold by quadrature together with the "
                                   "delta functions at its breakpoints, which is not available; use "
                                   "'litim' with alpha = 1 or a smooth regulator")
        integrand = sp.expand(kernel * (sp.diff(part.ta, y) * part.db + part.da * sp.diff(part.tb, y)))
        total += sp.integrate(integrand, (y, piece.lower, piece.upper))
    for piece, left, right in zip(pieces[:-1], parts[:-1], parts[1:], strict=True):
        at = {y: piece.upper}
        lv, rv = (_Ring(*(e.subs(at) for e in side)) for side in (left, right))
        if simplify(rv.a - lv.a) != 0 or simplify(rv.b - lv.b) != 0:
            raise UnsupportedError("", "regulator.kind",
                                   f"the {regulator.name!r} regulator makes the propagator jump at "
                                   f"y = {piece.upper}: d/dp^2 of the ring is ill-defined")
        # the jump of d~_t A times the mean of B' (Heaviside(0) = 1/2), and A <-> B
        total += kernel.subs(at) * ((rv.ta - lv.ta) * (lv.db + rv.db) / 2
                                    + (lv.da + rv.da) / 2 * (rv.tb - lv.tb))
    return simplify(total)


class _Ring(NamedTuple):
    """The two propagators A, B on one regulator piece, their y-derivatives and d~_t A, d~_t B."""

    a: sp.Expr
    b: sp.Expr
    da: sp.Expr
    db: sp.Expr
    ta: sp.Expr
    tb: sp.Expr


def _ring_on_piece(piece: Piece, eta: sp.Expr, w_a: sp.Expr, w_b: sp.Expr) -> _Ring:
    """A = 1/(y + r + w_a), B likewise, with r the piece's shape; d~_t acts on R only."""
    rr = sp.Symbol("R")
    insertion = regulator_insertion(piece, eta)
    prop_a, prop_b = 1 / (y + rr + w_a), 1 / (y + rr + w_b)
    on_piece = {rr: piece.shape}
    a, b = prop_a.subs(on_piece), prop_b.subs(on_piece)
    return _Ring(a, b, sp.diff(a, y), sp.diff(b, y), (sp.diff(prop_a, rr) * insertion).subs(on_piece),
                 (sp.diff(prop_b, rr) * insertion).subs(on_piece))


def _by_quadrature(regulator: Regulator, d: sp.Expr, eta: sp.Expr, w_a: sp.Expr, w_b: sp.Expr) -> sp.Expr:
    """J(w_a, w_b) of a smooth regulator as a sum of quadrature integrals.

    The integrand K(y) d~_t[A'(y) B'(y)] is derived for a generic shape r(y): a sum of
    f(y, r, r', r'') (y + r + w_a)^-a (y + r + w_b)^-b.  Each f is split into its eta^0 and
    eta^1 parts and becomes the weight of a :class:`~rgsym.threshold.WeightedThreshold`
    (which includes v_d and the measure y^(d/2-1), divided out here).
    """
    from rgsym.threshold import WeightedThreshold

    r_fun = sp.Function("r")(y)
    generic = Piece(sp.Integer(0), sp.oo, r_fun)
    insertion = regulator_insertion(generic, eta)
    wa, wb, ia, ib = sp.symbols("w_a w_b i_a i_b")
    prop_a, prop_b = 1 / (y + r_fun + wa), 1 / (y + r_fun + wb)
    ta = -insertion * prop_a**2  # d~_t G = -G d_t R G
    tb = -insertion * prop_b**2
    integrand = p2_kernel(d) * (sp.diff(ta, y) * sp.diff(prop_b, y) + sp.diff(prop_a, y) * sp.diff(tb, y))
    inverse = {y + r_fun + wa: 1 / ia, y + r_fun + wb: 1 / ib}
    poly = sp.Poly(sp.expand(integrand.xreplace(inverse)), ia, ib)
    shape = sp.Lambda(y, regulator.pieces[0].shape)
    concrete = {r_fun: regulator.pieces[0].shape}
    total = sp.Integer(0)
    for (a, b), coefficient in sorted(poly.terms()):
        per_measure = sp.expand(coefficient / y ** (d / 2 - 1))
        for power, part in enumerate(sp.Poly(per_measure, eta).all_coeffs()[::-1]):
            if part == 0:
                continue
            weight = simplify(part.subs(concrete).doit())
            total += eta**power * WeightedThreshold(shape, d, sp.Lambda(y, weight), sp.Tuple(a, b), w_a, w_b)
    return total / angular_factor(d)


def kinked_regulator_integrand(expr: sp.Expr, variable: sp.Symbol, r_fun: sp.FunctionClass,
                               rdot_fun: sp.FunctionClass, regulator: Regulator, d: sp.Expr,
                               eta: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """A loop integrand in R_k(q^2) and d_t R_k(q^2) (undefined functions) for a regulator with a kink.

    For r(y) = alpha (1 - y) theta(1 - y) (Litim) the q^2-derivatives of the regulator are
    distributions: r' = -alpha theta(1 - y), r'' = alpha delta(1 - y), r''' = -alpha delta'(1 - y),
    and d_t R_k = (2 - eta) r - 2 y r' jumps at y = 1.  An integrand with second or third
    derivatives of R (the p^2 projection of a two-point function keeps the second derivative of the
    shifted propagator) holds products of them.  Their value is the limit of smooth regulators
    r_eps -> r with r_eps'' >= 0 (convex smoothings), done here exactly:

    * write r' = alpha' h with h = 1 below the kink and 0 above it, r'' = alpha' h', r''' = alpha' h''
      (alpha' = the slope of the inner piece); the integrand (times the measure y^(d/2-1)) is a
      polynomial in h' and h'';
    * the h'' term C h'' is integrated by parts: -(dC/dy) h' (no boundary terms: h' vanishes at
      y = 0 and y = oo);
    * an h'^2 term would diverge like 1/eps with a shape-dependent coefficient: its coefficient
      must vanish identically (checked; otherwise the integrand is refused);
    * B(y, r, h) h' concentrates at the kink, y -> y0, r -> r(y0), while h runs from 1 to 0:
      its limit is -int_0^1 B(y0, r(y0), h) dh, independent of the smoothing.  When B is linear
      in h this is B at h = 1/2: the theta(0) = 1/2 rule of the LPA' momentum-derivative integrals
      (:func:`momentum_derivative_integral`);
    * the rest is the regular integrand at h = 1 on the inner piece (above the kink r = 0 and every
      term, carrying d_t R or its derivatives, vanishes: checked).

    The point term P at the kink is written as an integral over the inner piece,
    P = int_0^y0 y^(d/2-1) P (d/2) y0^(-d/2) dy, so that the result is one regular integrand.

    Parameters
    ----------
    expr
        The integrand F(q^2) of int d^dq/(2 pi)^d, in ``r_fun(variable)``, ``rdot_fun(variable)``
        and their derivatives (at most third).
    variable
        The loop momentum squared q^2 (in units of k^2: k = Z_k = 1).
    r_fun, rdot_fun
        The undefined functions standing for R_k and d_t R_k.
    regulator
        A regulator with two pieces: a linear shape on [0, y0] that vanishes at y0, and zero above.
    d, eta
        Dimension and anomalous dimension.

    Returns
    -------
    (sympy.Expr, sympy.Expr)
        The integrand F~(y) on (0, y0) with int_0^oo y^(d/2-1) F = int_0^y0 y^(d/2-1) F~, and y0.

    Raises
    ------
    UnsupportedError
        For another form of regulator, or an integrand whose limit depends on the smoothing.
    """
    pieces = regulator.pieces
    if regulator.sharp or len(pieces) != 2 or pieces[1].shape != 0 or pieces[0].lower != 0:
        raise UnsupportedError("", "regulator.kind", f"{regulator.name!r}: the distributional terms are "
                               "resolved for a regulator alpha (1 - y) theta(1 - y) (a kink, zero above it) "
                               "only")
    inner, top = pieces[0].shape, pieces[0].upper
    slope = sp.diff(inner, y)
    if slope.has(y) or simplify(inner.subs(y, top)) != 0:
        raise UnsupportedError("", "regulator.kind", f"{regulator.name!r}: the distributional terms are "
                               "resolved for a linear shape that vanishes at the kink only")
    rs, h, h1, h2 = sp.symbols("R_s h_k h_k1 h_k2", real=True)
    generic = regulator_insertion(Piece(sp.Integer(0), sp.oo, r_fun(y)), eta).subs(y, variable)
    expanded = expr.subs(rdot_fun(variable), generic).doit()
    expanded = expanded.xreplace({sp.Derivative(r_fun(variable), (variable, 3)): slope * h2,
                                  sp.Derivative(r_fun(variable), (variable, 2)): slope * h1,
                                  sp.Derivative(r_fun(variable), variable): slope * h})
    expanded = expanded.xreplace({r_fun(variable): rs}).xreplace({variable: y})
    if expanded.has(r_fun, rdot_fun, sp.Derivative):
        raise UnsupportedError("", "regulator.kind", "the integrand has derivatives of the regulator beyond "
                               "the third: not resolved for a kink")
    total = y ** (d / 2 - 1) * expanded
    c_h2 = sp.diff(total, h2)
    rest = total.subs(h2, 0)  # total is linear in h2 (checked next)
    _require_zero(sp.diff(c_h2, h2), "the regulator's third derivative squared")
    _require_zero(sp.diff(c_h2, h1), "a product of the regulator's second and third derivatives")
    _require_zero(sp.diff(rest, h1, 3), "a cube of the regulator's second derivative")
    c = c_h2.subs({h1: 0, h2: 0})
    b = sp.diff(rest, h1).subs(h1, 0) - (sp.diff(c, y) + slope * h * sp.diff(c, rs))
    _require_zero(sp.diff(rest, h1, 2) / 2 - sp.diff(c, h), "the square of the regulator's second derivative")
    regular = rest.subs(h1, 0)
    _require_zero(regular.subs({rs: 0, h: 0}), "the integrand above the kink")
    at_kink = b.subs({rs: inner.subs(y, top)}).subs(y, top)
    # B is a polynomial in h (h enters through r' in numerators only): int_0^1 B dh from its Taylor
    # coefficients at h = 0, sum_k B^(k)(0) / (k + 1)!
    point, term = sp.Integer(0), at_kink
    for k in range(_MAX_STEP_DEGREE + 1):
        point -= term.subs(h, 0) / sp.factorial(k + 1)
        term = sp.diff(term, h)
        if _vanishes(term):
            break
    else:
        raise UnsupportedError("", "regulator.kind", "the term at the kink is not a polynomial in the step "
                               f"of degree <= {_MAX_STEP_DEGREE}")
    inside = regular.subs({rs: inner, h: 1}) / y ** (d / 2 - 1)
    return inside + point * d / (2 * top ** (d / 2)), top


#: The highest power of the step h expected in the term at a kink (products of r' in a ring).
_MAX_STEP_DEGREE = 6


def _require_zero(expr: sp.Expr, what: str) -> None:
    """Refuse an integrand whose term ``what`` does not vanish identically."""
    if not _vanishes(expr):
        raise UnsupportedError("", "regulator.kind", f"with a kinked regulator {what} does not "
                               "vanish: its limit depends on how the kink is smoothed")


def _vanishes(expr: sp.Expr) -> bool:
    """Whether a rational function vanishes identically: exactly, at three random rational points
    (a non-zero one vanishes at a random point with probability zero)."""
    import random

    if expr == 0:
        return True
    rng = random.Random(16)
    names = sorted(expr.free_symbols, key=sp.default_sort_key)
    for _ in range(3):
        point = {s: sp.Rational(rng.randint(1, 97), rng.randint(98, 199)) for s in names}
        if simplify(expr.xreplace(point)) != 0:
            return False
    return True
