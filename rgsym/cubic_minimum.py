"""The cubic model around the minimum: the betas of u(rho, tau) on a ray of minima, the axis
(1, 0, ..., 0) or the diagonal (1, ..., 1)/sqrt(N).

On a ray, tau = 4 c rho^2 (c = 1 on the axis, 1/N on the diagonal), so the second invariant is
measured from the ray: w = tau - 4 c rho^2 vanishes on it.  The ansatz is

    u = sum_(k, m) lambda_(k,m) (rho - kappa)^k w^m / (k! m!),   1 <= k + 2m <= order + 1,

without lambda_(1,0): u_rho(kappa) = 0 along the ray defines the running minimum kappa.  The
degree counts w twice (its multi-index is (k, 2m), as around zero field), so the isotropic
functions (m = 0) are exactly the one-field expansion around the minimum at the same order,
and at N = 2 the 45-degree rotation (tau -> 6 rho^2 - tau) maps the truncation onto itself.

The flow is derived, not typed in.  A two-parameter family of fields through the background
carries rho and w as independent functions: on the axis phi = (s, t, 0, ...); on the diagonal
phi = (A, ..., A, A + b, A - b), written in the coordinates psi = (A, ..., A, u, v) with
u, v = (phi_(N-1) +- phi_N)/sqrt(2), in which tau is a polynomial in the squares psi_i^2.
:func:`rgsym.hessian.reduce_by_symmetry` differentiates the generic potential (the jet of
:func:`rgsym.hessian.potential_jet` in rho and w) twice on the family, with the N - 2
components off the axis as one class (N symbolic); the mass matrix is made polynomial in the
squares by the similarity D^-1 M D, D = diag(psi_i) (the trace does not change), and the
squares are the expansion variables (psi_i^2 = its background value + X_1, the transverse
square X_2; X_2 has weight 2).  The loop is the trace of the Litim matrix propagator,
C (1 + M)^-1, summed by :func:`rgsym.multi_minimum.matrix_loop`; the scaling part is
A u + B (rho u_rho + 2 w u_w) (phi . d/dphi / 2 on rho and w).  d_t u on the family is written
in the basis (rho - kappa)^k w^m / (k! m!) by matching the monomials X_1^i X_2^j, i + 2j <=
order + 1 (the map is triangular in the weight and invertible for kappa > 0); the odd powers
of b on the diagonal family (for N >= 3: sum phi^6 and beyond are not functions of rho and tau)
have no basis function, and leaving them out is the projection (a truncation, as evaluating on
a plane is around zero field).  Then d_t kappa = -F_(1,0) / lambda_(2,0) and d_t lambda_(k,m) =
F_(k,m) + lambda_(k+1,m) d_t kappa (w does not depend on kappa).

References
----------
Aharony, Phys. Rev. B 8 (1973) 4270; Tissier, Mouhanna, Vidal, Delamotte, Phys. Rev. B 65 (2002)
140402, cond-mat/0109176 (the cubic model with the effective average action around the
minimum); Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006 (the expansion around the running
minimum); Pelissetto, Vicari, Phys. Rept. 368 (2002) 549, cond-mat/0012164, sec. 11.3.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace

import symengine as se
import sympy as sp

from rgsym.betasystem import BetaSystem
from rgsym.couplings import Coupling
from rgsym.errors import UnsupportedError
from rgsym.hessian import ModeClass, derivative_symbol, potential_jet, reduce_by_symmetry
from rgsym.invariants import RAYS, Invariant, coupling_indices
from rgsym.series import Series
from rgsym.spec import TheorySpec

#: The weights of the expansion variables: X_1 (the radial square) 1, X_2 (the transverse
#: square) 2, so that w (whose leading part is linear in X_2) has weight 2.
WEIGHTS = (1, 2)


@dataclass(frozen=True)
class Family:
    """A family of fields through the background, in coordinates psi.

    Attributes
    ----------
    ray
        ``axis`` or ``diagonal``.
    explicit
        The coordinates kept one by one.
    classes
        Classes of alike components (the axis's N - 2 components off the plane).
    rho, tau
        The invariants in the coordinates (and the classes' probes).
    squares
        psi_i^2 on the family, per explicit coordinate: (constant in kappa, coefficient of X_1,
        coefficient of X_2).
    """

    ray: str
    explicit: tuple[sp.Symbol, ...]
    classes: tuple[ModeClass, ...]
    rho: sp.Expr
    tau: sp.Expr
    squares: tuple[tuple[sp.Expr, sp.Expr, sp.Expr], ...]


def family(ray: str, components: int | sp.Expr, block: str) -> Family:
    """The family of fields through a background on ``ray``.

    Parameters
    ----------
    ray
        ``axis`` or ``diagonal``.
    components
        N (a symbol only on the axis).
    block
        The field's name (for the symbols).

    Returns
    -------
    Family

    Raises
    ------
    UnsupportedError
        For the diagonal with a symbolic or large N (its components are explicit).
    """
    kappa = sp.Symbol("kappa", positive=True)
    n = sp.sympify(components)
    if ray == "axis":
        s, t = (sp.Symbol(f"{block}_{i}", real=True) for i in (1, 2))
        rest = n - 2
        probes = (sp.Symbol(f"pi_{block}", real=True), sp.Symbol(f"pi_{block}_2", real=True))
        classes = () if rest == 0 else (ModeClass(probes[0], probes[1], rest),)
        extra = [p for c in classes for p in (c.probe, c.second)]
        rho = (s**2 + t**2 + sum(p**2 for p in extra)) / 2
        tau = s**4 + t**4 + sum(p**4 for p in extra)
        one, zero = sp.Integer(1), sp.Integer(0)
        axis_squares = ((2 * kappa, one, zero), (zero, zero, one))
        return Family(ray, (s, t), classes, rho, tau, axis_squares)
    if not n.is_Integer or not 2 <= int(n) <= 4:
        raise UnsupportedError("", "theory.N", f"the diagonal background has its N components explicit: "
                               f"N = 2, 3 or 4, got {n}")
    size = int(n)
    equal = tuple(sp.Symbol(f"{block}_{i}", real=True) for i in range(1, size - 1))
    u, v = sp.Symbol(f"{block}_u", real=True), sp.Symbol(f"{block}_v", real=True)
    rho = (sum(p**2 for p in equal) + u**2 + v**2) / 2
    tau = sum(p**4 for p in equal) + sp.expand(((u + v)**4 + (u - v)**4) / 4)
    one, zero = sp.Integer(1), sp.Integer(0)
    squares = tuple((2 * kappa / size, one, zero) for _ in equal) + ((4 * kappa / size, 2 * one, zero),
                                                                     (zero, zero, one))
    return Family(ray, (*equal, u, v), (), rho, tau, squares)


def ray_constant(ray: str, components: int | sp.Expr) -> sp.Expr:
    """c in tau = 4 c rho^2 on the ray (1 on the axis, 1/N on the diagonal).

    Parameters
    ----------
    ray
        ``axis`` or ``diagonal``.
    components
        N.

    Returns
    -------
    sympy.Expr
    """
    return sp.Integer(1) if ray == "axis" else 1 / sp.sympify(components)


def check_supported(spec: TheorySpec) -> None:
    """The cubic model around the minimum: one block with the cubic invariant, LPA, Wetterich, Litim.

    Parameters
    ----------
    spec
        The spec.

    Raises
    ------
    UnsupportedError
        Naming the key to change.
    """
    tr = spec.truncation
    if spec.flow.equation != "wetterich" or tr.scheme != "lpa" or tr.potential != "polynomial":
        raise UnsupportedError(spec.source, "truncation.expand_around", "theory.invariants around the "
                               "minimum needs flow.equation = 'wetterich', scheme 'lpa' and a 'polynomial' "
                               "potential; or use expand_around = 'zero'")
    if spec.regulator.kind != "litim":
        raise UnsupportedError(spec.source, "regulator.kind", f"theory.invariants around the minimum needs "
                               f"'litim' (T_1 of the mixing mass matrix is closed for Litim only), got "
                               f"{spec.regulator.kind!r}; or use expand_around = 'zero'")


def _couplings(order: int, max_power: int | None) -> tuple[Coupling, ...]:
    kappa = Coupling("kappa", r"\kappa", (1, 0), is_minimum=True)
    rest = tuple(Coupling(f"lambda_{k}_{m}", rf"\lambda_{{{k},{m}}}", (k, 2 * m))
                 for k, m in coupling_indices(order, max_power) if (k, m) != (1, 0))
    return (kappa, *rest)


def _square_series(fam: Family, kappa: sp.Expr, max_weight: int) -> list[Series]:
    out = []
    for const, a, b in fam.squares:
        at = se.sympify(const.subs(sp.Symbol("kappa", positive=True), kappa))
        terms: dict[tuple[int, ...], se.Basic] = {(0, 0): at, (1, 0): se.sympify(a), (0, 1): se.sympify(b)}
        out.append(Series(terms, WEIGHTS, max_weight))
    return out


def _in_squares(poly: sp.Expr, variables: tuple[sp.Symbol, ...], squares: list[Series],
                extra: dict[sp.Symbol, Series], max_weight: int) -> Series:
    """A polynomial in the coordinates (even powers only) and in ``extra`` symbols as a series."""
    gens = list(variables) + list(extra)
    total = Series({}, WEIGHTS, max_weight)
    for monom, coeff in sp.Poly(sp.expand(poly), *gens).terms():
        term = Series.constant(se.sympify(coeff), WEIGHTS, max_weight)
        for k, sq in zip(monom[:len(variables)], squares, strict=True):
            if k % 2:
                raise UnsupportedError("", "theory.invariants", "an odd power of a coordinate survives "
                                       "in the mass matrix on the family")
            if k:
                term = term * sq ** (k // 2)
        for k, sym in zip(monom[len(variables):], extra, strict=True):
            if k:
                term = term * extra[sym] ** k
        total = total + term
    return total


def derive_on_ray(spec: TheorySpec, ray: str) -> BetaSystem:
    """The betas of the polynomial truncation around a minimum on ``ray`` (module docstring).

    Parameters
    ----------
    spec
        One block with ``theory.invariants``, ``expand_around = "minimum"``.
    ray
        ``axis`` or ``diagonal``.

    Returns
    -------
    BetaSystem
        kappa first, then lambda_(k,m) by degree; the context's invariant records the ray.
    """
    from rgsym.multi_minimum import litim_constant, matrix_loop, pivots
    from rgsym.project import assemble_system, describe, scaling_coefficients

    check_supported(spec)
    (inv,) = spec.theory.invariants
    if ray not in RAYS:
        raise ValueError(f"unknown ray {ray!r}; allowed: {', '.join(RAYS)}")
    order = spec.truncation.order
    top = order + 1
    fam = family(ray, inv.components, inv.block)
    c_ray = ray_constant(ray, inv.components)
    couplings = _couplings(order, inv.max_power)
    kappa = couplings[0].symbol
    lam = {(c.index[0], c.index[1] // 2): se.sympify(c.symbol) for c in couplings[1:]}

    # the mass matrix of the generic u(rho, w) on the family, polynomial in the squares
    w_of = fam.tau - 4 * c_ray * fam.rho**2
    background = {p: sp.Symbol(f"S_{p.name}", positive=True) for p in fam.explicit}
    on_family = {p: background[p] for p in fam.explicit}
    jet = potential_jet((fam.rho, w_of), (fam.rho.xreplace(on_family | _probes_zero(fam)),
                                          w_of.xreplace(on_family | _probes_zero(fam))), 2)
    reduced = reduce_by_symmetry(jet, fam.explicit, fam.classes, on_family, "theory.invariants")
    scale_of = [background[p] for p in fam.explicit] + [sp.Integer(1)] * len(fam.classes)
    n = len(scale_of)
    matrix = [[sp.expand(reduced.matrix[i, j] * scale_of[j] / scale_of[i]) for j in range(n)]
              for i in range(n)]

    # the potential's derivatives on the family as series in the expansion variables
    squares = _square_series(fam, sp.sympify(kappa), top)
    svars = tuple(background[p] for p in fam.explicit)
    rho_s = _in_squares(fam.rho.xreplace(on_family | _probes_zero(fam)), svars, squares, {}, top)
    tau_s = _in_squares(fam.tau.xreplace(on_family | _probes_zero(fam)), svars, squares, {}, top)
    x = rho_s - Series.constant(se.sympify(kappa), WEIGHTS, top)
    w = tau_s - (rho_s * rho_s).scale(se.sympify(4 * c_ray))
    derivs = {derivative_symbol((a, b)): _derivative(lam, x, w, a, b, top)
              for a, b in itertools.product(range(3), repeat=2) if a + b <= 2}
    mass = [[_in_squares(matrix[i][j], svars, squares, {s: derivs[s] for s in sorted(
        matrix[i][j].free_symbols & set(derivs), key=str)}, top) for j in range(n)] for i in range(n)]

    loop, values, one_plus = matrix_loop(mass, reduced.multiplicities, WEIGHTS, top)
    c = litim_constant(spec)
    a_coeff, b_coeff = scaling_coefficients(spec.theory.d, sp.Integer(0))
    u = derivs[derivative_symbol((0, 0))]
    u_rho, u_w = derivs[derivative_symbol((1, 0))], derivs[derivative_symbol((0, 1))]
    euler = rho_s * u_rho + (w * u_w).scale(se.Integer(2))
    flow = u.scale(se.sympify(a_coeff)) + euler.scale(se.sympify(b_coeff)) + loop.scale(se.sympify(c))
    f = _project(flow, x, w, top, inv.max_power, sp.sympify(kappa))
    kappa_dot = -f[(1, 0)] / lam[(2, 0)]
    betas = [kappa_dot] + [f[km] + lam.get((km[0] + 1, km[1]), se.Integer(0)) * kappa_dot
                           for km in lam]
    betas = [b.xreplace(values) for b in betas]
    unit_loop = sp.simplify(sp.Add(*reduced.multiplicities) * c)
    scales = (unit_loop,) + tuple(unit_loop ** (1 - k - 2 * m) * math.factorial(k) * math.factorial(m)
                                  for k, m in lam)
    name = f"{describe(spec)}, u(rho, {inv.name} = sum({inv.block}_a^{inv.power})), minimum on the {ray}"
    # the masses: the LDL pivots of M0 (its principal minors are those of the symmetric mass
    # matrix: D^-1 M D keeps them), all >= 0 iff the background is a minimum
    masses = tuple(sp.cancel(w + 1) for w in pivots(one_plus - sp.eye(n)))
    system = assemble_system(name, spec, couplings, betas, sp.Integer(0), {}, masses, scales)
    if system.context is None:
        return system
    rayed: tuple[Invariant, ...] = tuple(replace(i, ray=ray) for i in system.context.invariants)
    return replace(system, context=replace(system.context, invariants=rayed))


def _probes_zero(fam: Family) -> dict[sp.Symbol, sp.Expr]:
    return {p: sp.Integer(0) for c in fam.classes for p in (c.probe, c.second)}


def _derivative(lam: dict[tuple[int, int], se.Basic], x: Series, w: Series, a: int, b: int,
                top: int) -> Series:
    """d_rho^a d_w^b u on the family: sum lambda_(k,m) x^(k-a) w^(m-b) / ((k-a)! (m-b)!)."""
    total = Series({}, WEIGHTS, top)
    for (k, m), coupling in lam.items():
        if k >= a and m >= b:
            term = Series.constant(coupling / (math.factorial(k - a) * math.factorial(m - b)), WEIGHTS, top)
            total = total + term * x ** (k - a) * w ** (m - b)
    return total


def _project(flow: Series, x: Series, w: Series, top: int, max_power: int | None,
             kappa: sp.Expr) -> dict[tuple[int, int], se.Basic]:
    """F_(k,m): d_t u written as sum F_(k,m) x^k w^m / (k! m!), from the monomials X_1^i X_2^j."""
    basis = [(k, m) for k, m in coupling_indices(top - 1, None)]
    monomials = [(i, j) for half in range(1, top + 1) for j in range(half // 2 + 1) for i in [half - 2 * j]]
    matrix = sp.zeros(len(monomials), len(basis))
    for col, (k, m) in enumerate(basis):
        series = (x ** k * w ** m).scale(se.Rational(1, math.factorial(k) * math.factorial(m)))
        for row, e in enumerate(monomials):
            matrix[row, col] = sp.sympify(series.coefficient(e))
    inverse = matrix.inv(method="LU")
    values = [flow.coefficient(e) for e in monomials]
    out = {}
    for col, km in enumerate(basis):
        if max_power is not None and km[1] > max_power:
            continue
        out[km] = se.expand(sum((se.sympify(sp.cancel(inverse[col, r])) * values[r]
                                 for r in range(len(monomials)) if inverse[col, r] != 0), se.Integer(0)))
    return out
