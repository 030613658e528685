"""Fermion thresholds: the y-integrals of the Yukawa loops, for any regulator.

The loops of a Yukawa theory (:mod:`rgsym.gny`: the potential and the Yukawa vertex at p = 0;
:mod:`rgsym.yukawa_eta`: the p^2 and p/ projections of the two-point functions) are integrands in
y = q^2/k^2 built from the boson shape r(y) and the fermion shape r_F(y), written as the undefined
functions :data:`R` and :data:`RF` and their y-derivatives.  The fermion regulator is fixed by

    y (1 + r_F)^2 = y + r(y),

so that bosons and fermions share the regularised kinetic term P(y) = y + r(y): every propagator
denominator, boson (y + r + w_B) or fermion (y (1 + r_F)^2 + w_F, w_F = h^2 s^2 on the background),
is P(y) + w.  :func:`loop_integral` is the one integration stage of these loops:

* **closed** (Litim, r = (1 - y) theta(1 - y)): P = 1 where d~_t R does not vanish; the
  integrand is a sum of powers of sqrt(y) over constants, integrated exactly, and a term linear
  in r'' = delta(y - 1) gives the mean of its coefficient's left and right values at y = 1 (the
  theta(0) = 1/2 convention of :func:`rgsym.integrate.momentum_derivative_integral`); a product
  of two deltas is refused;
* **quadrature** (a smooth shape: exponential, exp-mass): the integrand is decomposed into

      sum_j  C_j(couplings) c_j(y) prod_i (P(y) + w_i)^(-n_ij),

  with c_j(y) built from y, r, r', r'' (r_F and its derivatives are eliminated through the
  relation above), and each c_j becomes the weight of a
  :class:`~rgsym.threshold.WeightedThreshold` with the masses w_i as arguments: the bosonic
  quadrature machinery (deterministic Gauss-Legendre nodes, mpmath-precise weights, the rule
  d T / d w_i = -n_i T_{n + e_i} for Jacobians, placeholders evaluated in groups by
  :mod:`rgsym.solve.numeric`).  No new integrator.

The weight and the counts of a term are its identity, so equal terms of different loops share
one integral.

References
----------
Gies, Janssen, Rechenberger, Scherer, PRD 81 (2010) 025009, arXiv:0910.0764, app. B (the fermion
regulator with the boson's regularised kinetic term, and the Litim threshold functions);
Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122, sec. 5.2 (threshold
functions l^(F), l^(FB) of smooth regulators, defined by the same integrals).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from rgsym.errors import UnsupportedError
from rgsym.regulators import Regulator

#: y = q^2/k^2 (the same symbol as :mod:`rgsym.fermions`).
Y = sp.Symbol("y", nonnegative=True)
#: The boson and fermion regulator shapes as generic functions of y.
R, RF = sp.Function("r"), sp.Function("r_F")
#: Symbols for r, r', r'' inside the decomposition.
_R0, _R1, _R2 = sp.symbols("R0 R1 R2")


def fermion_shape(r: sp.Expr) -> sp.Expr:
    """r_F from y (1 + r_F)^2 = y + r (the positive root)."""
    return sp.sqrt((Y + r) / Y) - 1


def loop_integral(integrand: sp.Expr, regulator: Regulator, d: sp.Expr) -> sp.Expr:
    """int_0^oo dy ``integrand`` (the measure y^(d/2-1) included) for ``regulator``.

    Parameters
    ----------
    integrand
        An expression in Y, R(Y), RF(Y) and their first and second y-derivatives, and in
        y-independent symbols (couplings, masses, etas).
    regulator
        The boson regulator; the fermion one follows from it.
    d
        Dimension.

    Returns
    -------
    sympy.Expr
        Closed (Litim) or a combination of :class:`~rgsym.threshold.WeightedThreshold` divided
        by v_d (smooth regulators).

    Raises
    ------
    UnsupportedError
        For a regulator with neither (the sharp cutoff, piecewise shapes other than Litim with
        alpha = 1): one line naming the allowed ones.
    ValueError
        For a product of two delta functions at the Litim kink.
    """
    expr = _on_symbols(integrand.subs(RF(Y), fermion_shape(R(Y))).doit())
    if _is_closed(regulator):
        return _closed(expr, regulator)
    if not regulator.sharp and len(regulator.pieces) == 1 and regulator.pieces[0].shape.has(Y):
        return _by_quadrature(expr, regulator, d)
    raise UnsupportedError("", "regulator.kind", f"the fermion loops are integrated for 'litim' (alpha = 1) "
                           f"and smooth regulators ('exponential', 'exp-mass'), not {regulator.name!r}")


def _on_symbols(expr: sp.Expr) -> sp.Expr:
    """R(Y), R'(Y), R''(Y) -> the symbols R0, R1, R2 (a third derivative is refused)."""
    expr = expr.subs(sp.Derivative(R(Y), (Y, 2)), _R2).subs(sp.Derivative(R(Y), Y), _R1).subs(R(Y), _R0)
    if expr.has(R, RF):
        raise AssertionError("the loop integrand has derivatives of the regulator beyond the second")
    return expr


def _is_closed(regulator: Regulator) -> bool:
    """Litim-like: y + r is constant on the first piece, r = 0 on the second (the kink between)."""
    pieces = regulator.pieces
    return (not regulator.sharp and len(pieces) == 2 and pieces[1].shape == 0 and pieces[0].lower == 0
            and not sp.expand(Y + pieces[0].shape).has(Y))


def _closed(expr: sp.Expr, regulator: Regulator) -> sp.Expr:
    """The closed integral: powers of sqrt(y) on the inner piece, the delta mean rule at the kink."""
    inner, outer = regulator.pieces
    top = inner.upper
    slope = sp.diff(inner.shape, Y)
    delta = sp.diff(expr, _R2) * (sp.diff(outer.shape, Y) - slope)  # r'' = (jump of r') delta(y - top)
    regular = expr.subs(_R2, 0)
    inside, outside = {_R0: inner.shape, _R1: slope}, {_R0: outer.shape, _R1: sp.Integer(0)}
    for side in (inside, outside):
        if not vanishes(sp.diff(delta, _R2).subs(side).subs(Y, top)):
            raise ValueError("the p^2 projection has a product of two delta functions at the kink")
    if not vanishes(regular.subs(outside)):
        raise ValueError("the loop integrand does not vanish above the kink")
    total = power_integral(regular.subs(inside), sp.Integer(0), top)
    left = delta.subs(inside).subs(Y, top)
    right = delta.subs(outside).subs(Y, top)
    return total + (left + right) / 2


def power_integral(integrand: sp.Expr, lower: sp.Expr, upper: sp.Expr) -> sp.Expr:
    """int_lower^upper dy of a sum of powers of sqrt(y) (symbolic exponents allowed, e.g.
    y^(d/2-1)) times y-independent factors: the closed integrals on the Litim pieces.

    Raises
    ------
    AssertionError
        If a term is not of that form (the propagators depend on y on the piece).
    """
    z = sp.Symbol("z", positive=True)  # y = z^2, dy = 2 z dz
    expanded = sp.expand(sp.powsimp(sp.expand(integrand.subs(Y, z**2) * 2 * z), force=True))
    total = sp.Integer(0)
    low, high = sp.sqrt(lower), sp.sqrt(upper)
    for term in sp.Add.make_args(expanded):
        coefficient, exponent = sp.powsimp(sp.factor(term), force=True).as_coeff_exponent(z)
        if coefficient.has(z):
            raise AssertionError(f"not a power of sqrt(y): {term}")
        top = high ** (exponent + 1)
        total += coefficient * (top - (low ** (exponent + 1) if low != 0 else 0)) / (exponent + 1)
    return total


def vanishes(expr: sp.Expr) -> bool:
    """Whether ``expr`` is zero: evaluated to 40 digits at two points with every symbol set to a
    generic rational (a zero test of the rational functions with square roots met here)."""
    free = sorted(expr.free_symbols, key=sp.default_sort_key)
    for shift in (0, 1):
        point = {x: sp.Rational(7 + 3 * k + shift, 11 + 2 * k) for k, x in enumerate(free)}
        value = sp.N(expr.xreplace(point), 40)
        if value != 0 and abs(value) > sp.Float("1e-30"):
            return False
    return True


@dataclass(frozen=True)
class Decomposition:
    """An integrand as sum_j coefficient_j weight_j(y) prod_i (P + w_i)^(-counts_ji).

    Attributes
    ----------
    masses
        The distinct masses w_i (sorted canonically).
    terms
        (counts, coefficient, weight): the coefficient is free of y and of the regulator, the
        weight a function of y, r, r', r'' (the symbols R0, R1, R2) only, measure included.
    """

    masses: tuple[sp.Expr, ...]
    terms: tuple[tuple[tuple[int, ...], sp.Expr, sp.Expr], ...]


def decompose(expr: sp.Expr, d: sp.Expr) -> Decomposition:
    """Split an integrand in Y, R0, R1, R2 and y-independent symbols (see :class:`Decomposition`).

    A denominator is a power of a base that contains r: factored in P = y + r, each factor k(y) (P + w)
    is a propagator of mass w when w depends on the couplings, and part of the weight otherwise.

    Raises
    ------
    AssertionError
        If a base is not of that form, or a term mixes y with the couplings in one factor.
    """
    on_y = {Y, _R0, _R1, _R2} | set(sp.sympify(d).free_symbols)
    masses: dict[sp.Expr, sp.Symbol] = {}
    swap: dict[sp.Expr, sp.Expr] = {}
    for power in sorted(expr.atoms(sp.Pow), key=sp.default_sort_key):
        base, exponent = power.as_base_exp()
        if not (exponent.is_Integer and exponent < 0 and base.has(_R0)) or base.free_symbols <= on_y:
            continue
        swap[power] = _propagators(base, on_y, masses) ** (-exponent)
    order = sorted(masses, key=sp.default_sort_key)
    inverses = [masses[m] for m in order]
    grouped: dict[tuple[tuple[int, ...], sp.Expr], sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(expr.xreplace(swap))):
        weight, rest = sp.Integer(1), sp.Integer(1)
        for factor in sp.Mul.make_args(term):
            free = factor.free_symbols
            if free <= on_y:
                weight *= factor
            elif free & {Y, _R0, _R1, _R2}:
                raise AssertionError(f"a factor mixes y and the couplings: {factor}")
            else:
                rest *= factor
        powers = rest.as_powers_dict()
        counts = tuple(int(powers.get(i, 0)) for i in inverses)
        coefficient = rest / sp.Mul(*[i**c for i, c in zip(inverses, counts, strict=True)])
        key = (counts, coefficient)
        grouped[key] = grouped.get(key, sp.Integer(0)) + weight
    terms = tuple((counts, coefficient, weight) for (counts, coefficient), weight in
                  sorted(grouped.items(), key=lambda kv: sp.default_sort_key(sp.Tuple(*kv[0][0], kv[0][1])))
                  if weight != 0)
    return Decomposition(tuple(order), terms)


def _propagators(base: sp.Expr, on_y: set[sp.Symbol], masses: dict[sp.Expr, sp.Symbol]) -> sp.Expr:
    """1/base as a product of inverse-propagator symbols I_w (one per mass w, in ``masses``) and a
    function of y; base is a polynomial in P = y + r whose factors are linear in P."""
    p = sp.Dummy("P")
    coefficient, factors = sp.factor_list(sp.expand(base.subs(_R0, p - Y)))
    out = 1 / coefficient
    for factor, power in factors:
        if factor.free_symbols <= on_y | {p}:
            out *= factor.subs(p, Y + _R0) ** (-power)
            continue
        k = sp.expand(factor).coeff(p)
        mass = sp.expand(factor / k - p)
        if k == 0 or k.free_symbols - on_y or mass.free_symbols & {Y, p, _R1, _R2}:
            raise AssertionError(f"not a propagator denominator: {base}")
        out *= (masses.setdefault(mass, sp.Symbol(f"I{len(masses)}")) / k) ** power
    return out


def _by_quadrature(expr: sp.Expr, regulator: Regulator, d: sp.Expr) -> sp.Expr:
    """sum_j C_j T[c_j / measure](w) / v_d: each weight a :class:`~rgsym.threshold.WeightedThreshold`."""
    from rgsym.symbols import angular_factor
    from rgsym.symbols import y as y_threshold
    from rgsym.threshold import WeightedThreshold

    shape = regulator.pieces[0].shape.subs(sp.Symbol("y"), Y)
    concrete = {_R0: shape, _R1: sp.diff(shape, Y), _R2: sp.diff(shape, Y, 2)}
    parts = decompose(expr, d)
    measure = Y ** (d / 2 - 1)
    lam = sp.Lambda(y_threshold, shape.subs(Y, y_threshold))
    total = sp.Integer(0)
    for counts, coefficient, weight in parts.terms:
        per_measure = (weight / measure).xreplace(concrete).subs(Y, y_threshold)
        total += coefficient * WeightedThreshold(lam, d, sp.Lambda(y_threshold, per_measure),
                                                 sp.Tuple(*counts), *parts.masses)
    return total / angular_factor(d)
