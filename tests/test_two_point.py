"""The p^2 projection with momentum-dependent vertices (rgsym.two_point), checked two ways.

- With a field-independent Z it must give the LPA' anomalous dimension of rgsym.anomalous, which
  is derived differently (momentum-independent vertices, an integration by parts, the ring of
  rgsym.loop.momentum_ring): both are integrated numerically with a smooth regulator.
- For one field with Z(phi), the flow of Z must contain the textbook structure: the tadpole with
  Z''(phi) and the ring with Z'(phi) (checked on the explicit integrand at Z' = Z'' = 0 and by
  the Z'^2 coefficient at zero mass, computed by hand below from the vertices).
"""

from __future__ import annotations

import mpmath
import sympy as sp

from rgsym import symbols
from rgsym.action import build_action
from rgsym.anomalous import anomalous_dimension
from rgsym.hessian import Q2, kinetic_matrix, potential_jet
from rgsym.integrate import regulator_insertion, regulator_of
from rgsym.loop import RDOT, R
from rgsym.regulators import Piece
from rgsym.spec import parse_spec
from rgsym.two_point import p2_flow


def _integrate(integrand: sp.Expr, shape: sp.Expr, eta: float, d: int) -> float:
    """int d^dq/(2 pi)^d F = 2 v_d int_0^oo dy y^(d/2-1) F(y), with R = r(y), d_t R = (2 - eta) r - 2 y r'
    (k = Z_k = 1)."""
    y = symbols.y
    insertion = regulator_insertion(Piece(sp.Integer(0), sp.oo, shape), symbols.eta).subs(symbols.eta, eta)
    concrete = integrand.subs({R(Q2): shape.subs(y, Q2), RDOT(Q2): insertion.subs(y, Q2)}).doit()
    f = sp.lambdify(Q2, concrete.subs(symbols.d, d), "mpmath")
    v_d = 1 / (2 ** (d + 1) * mpmath.pi ** (mpmath.mpf(d) / 2) * mpmath.gamma(mpmath.mpf(d) / 2))
    return float(2 * v_d * mpmath.quad(lambda x: x ** (mpmath.mpf(d) / 2 - 1) * f(x), [0, 1, 10, mpmath.inf]))


def test_constant_z_gives_the_lpa_prime_eta() -> None:
    """eta = -d/dp^2 d_t Gamma^(2)_(pi pi) at the minimum, O(3), exp-mass regulator r = e^(-y), d = 3."""
    n_value, d = 3, 3
    spec = parse_spec({"theory": {"d": d, "N": n_value}, "truncation": {"scheme": "lpa'", "order": 3},
                       "regulator": {"kind": "exp-mass"}})
    action = build_action(spec)
    reg = regulator_of(spec.regulator)
    derived = anomalous_dimension(action, reg, "goldstone")
    values = {"kappa": 0.04, "lambda_2": 6.5, "lambda_3": 12.0, "lambda_4": -3.0}
    eta0 = 0.05
    couplings = {c.symbol: values[c.name] for c in action.couplings}
    expected = float(derived.equation.subs(couplings).subs(symbols.eta, eta0).evalf(30))

    sigma, leg, other = sp.symbols("sigma pi pi_o", real=True)
    grads = sp.symbols("g0:3", real=True)
    fields = (sigma, leg, other)
    rho = sum(f**2 for f in fields) / 2
    kappa = sp.Float(values["kappa"])
    jet = potential_jet([rho], [kappa], 4).subs({
        sp.Symbol("u_0", real=True): 0, sp.Symbol("u_1", real=True): 0,
        sp.Symbol("u_2", real=True): values["lambda_2"], sp.Symbol("u_3", real=True): values["lambda_3"],
        sp.Symbol("u_4", real=True): values["lambda_4"]})
    kin = kinetic_matrix(sum(g**2 for g in grads) / 2, grads)
    flow = p2_flow(jet, kin, fields, (1, 1, n_value - 2), 1, {sigma: sp.sqrt(2 * kappa)}, symbols.d)
    ours = -_integrate(flow.integrand, reg.shape(), eta0, d)
    # both sides are quadratures of smooth integrands to ~1e-15; 1e-9 leaves room for the
    # different forms (integrated by parts on one side, B'' kept on the other)
    assert abs(ours - expected) < 1e-9 * max(1.0, abs(expected)), (ours, expected)


def test_field_dependent_z_enters_through_the_vertices() -> None:
    """N = 1, Z(phi): at zero mass and U''' = 0 only Z' and Z'' terms remain; the Z'' tadpole is
    (1/2) Z'' int d~_t G(q), from Gamma^(4)(p, -p, q, -q) = U'''' + Z'' (p^2 + q^2)."""
    phi, g = sp.symbols("phi g", real=True)
    z1, z2 = sp.symbols("z1 z2", real=True)
    z = 1 + z1 * phi + z2 * phi**2 / 2  # Z(phi) around phi = 0: Z(0) = 1, Z'(0) = z1, Z''(0) = z2
    kin = kinetic_matrix(z * g**2 / 2, [g])
    flow = p2_flow(sp.Integer(0), kin, (phi,), (1,), 0, {phi: 0}, symbols.d)
    f = sp.expand(flow.integrand)
    tadpole = f.coeff(z2)
    s = sp.Symbol("s")
    dt_g = sp.diff(1 / (Q2 + R(Q2) + s * RDOT(Q2)), s).subs(s, 0)
    assert sp.simplify(tadpole - dt_g / 2) == 0
    assert f.has(z1**2)  # the ring with two Z' vertices
    assert sp.expand(f.subs({z1: 0, z2: 0})) == 0  # U = 0 and Z constant: nothing flows


def test_d2_flows_reduce_to_lpa_and_lpa_prime() -> None:
    """N = 1 O(d^2) flows (rgsym.derivative_expansion) at z = 1, z' = z'' = 0: the u-loop is the
    LPA trace (1/2) d_t R / (y + r + u' + 2 rho u''), and the z-loop is the radial LPA' projection
    of rgsym.anomalous (a different derivation), both integrated with the exp-mass regulator."""
    from rgsym.derivative_expansion import RHO, U1, U2, U3, Z0, Z1, Z2, derive_d2
    from rgsym.regulators import EXP_MASS

    d = 3
    reg = EXP_MASS.with_alpha(sp.Integer(1))
    flow = derive_d2(sp.Integer(d), sp.Integer(1), reg)
    loops = dict(flow.loops)
    kappa, lam2, lam3, eta0 = 0.05, 7.0, 9.0, 0.04
    point = {RHO: kappa, U1: 0, U2: lam2, U3: lam3, Z0: 1, Z1: 0, Z2: 0}
    y = symbols.y
    shape = reg.shape()
    lpa = (2 - eta0) * shape - 2 * y * sp.diff(shape, y)
    lpa = sp.Rational(1, 2) * lpa / (y + shape + 2 * kappa * lam2)
    got = _integrate(loops["u"].subs(point).subs(symbols.eta, eta0).xreplace({y: Q2}), shape, eta0, d)
    expected = _integrate(lpa.xreplace({y: Q2}), shape, eta0, d)
    assert abs(got - expected) < 1e-12 * abs(expected)  # the same integrand: quadrature round-off only

    spec = parse_spec({"theory": {"d": d, "N": 1}, "truncation": {"scheme": "lpa'", "order": 3,
                                                                  "eta_projection": "radial"},
                       "regulator": {"kind": "exp-mass"}})
    action = build_action(spec)
    radial = anomalous_dimension(action, regulator_of(spec.regulator), "radial")
    values = {"kappa": kappa, "lambda_2": lam2, "lambda_3": lam3, "lambda_4": 0.0}
    expected_z = -float(radial.equation.subs({c.symbol: values[c.name] for c in action.couplings})
                        .subs(symbols.eta, eta0).evalf(30))
    got_z = _integrate(loops["z"].subs(point).subs(symbols.eta, eta0).xreplace({y: Q2}), shape, eta0, d)
    # smooth integrands, adaptive quadrature to ~1e-15; the forms differ (B'' kept here)
    assert abs(got_z - expected_z) < 1e-9 * abs(expected_z), (got_z, expected_z)


def test_on_d2_goldstone_flow_reduces_to_lpa_prime() -> None:
    """O(3) at O(d^2) with z = 1, Y = 0 (and their derivatives zero): the z-loop (Goldstone p^2
    projection) is the Goldstone LPA' projection of rgsym.anomalous, exp-mass regulator, d = 3."""
    from rgsym.derivative_expansion import RHO, U1, U2, U3, Y0, Y1, Y2, Z0, Z1, Z2, derive_d2
    from rgsym.regulators import EXP_MASS

    d, n_value = 3, 3
    reg = EXP_MASS.with_alpha(sp.Integer(1))
    flow = derive_d2(sp.Integer(d), sp.Integer(n_value), reg)
    assert flow.functions == ("u", "z", "y")
    loops = dict(flow.loops)
    kappa, lam2, lam3, eta0 = 0.04, 6.5, 12.0, 0.05
    point = {RHO: kappa, U1: 0, U2: lam2, U3: lam3, Z0: 1, Z1: 0, Z2: 0, Y0: 0, Y1: 0, Y2: 0}
    spec = parse_spec({"theory": {"d": d, "N": n_value}, "truncation": {"scheme": "lpa'", "order": 3},
                       "regulator": {"kind": "exp-mass"}})
    action = build_action(spec)
    goldstone = anomalous_dimension(action, regulator_of(spec.regulator), "goldstone")
    values = {"kappa": kappa, "lambda_2": lam2, "lambda_3": lam3, "lambda_4": 0.0}
    expected = -float(goldstone.equation.subs({c.symbol: values[c.name] for c in action.couplings})
                      .subs(symbols.eta, eta0).evalf(30))
    y = symbols.y
    got = _integrate(loops["z"].subs(point).subs(symbols.eta, eta0).xreplace({y: Q2}), reg.shape(), eta0, d)
    assert abs(got - expected) < 1e-9 * abs(expected), (got, expected)  # as above: quadrature only


def test_d2_z_equals_d2_for_one_field() -> None:
    """For N = 1 the Y term is part of Z: the "d2-z" flows are the "d2" flows."""
    from rgsym.derivative_expansion import derive_d2
    from rgsym.regulators import EXP_MASS

    reg = EXP_MASS.with_alpha(sp.Integer(1))
    full = derive_d2(sp.Integer(3), sp.Integer(1), reg)
    z_only = derive_d2(sp.Integer(3), sp.Integer(1), reg, with_y=False)
    assert full.functions == z_only.functions == ("u", "z")
    assert full.loops == z_only.loops and full.scaling == z_only.scaling
    o2 = derive_d2(sp.Integer(3), sp.Integer(2), reg, with_y=False)
    assert o2.functions == ("u", "z")


def test_constant_z_with_litim_gives_the_lpa_prime_eta() -> None:
    """The same projection with the Litim regulator: the two_point integrand holds r'' and r''' (the
    shifted propagator's second derivative) and goes through rgsym.integrate.kinked_regulator_integrand
    (limit of smooth regulators); rgsym.anomalous integrates by parts first and takes theta(0) = 1/2 at
    the jumps (closed form).  One distributional rule: the two agree."""
    from rgsym.integrate import kinked_regulator_integrand

    n_value, d = 3, 3
    spec = parse_spec({"theory": {"d": d, "N": n_value}, "truncation": {"scheme": "lpa'", "order": 3},
                       "regulator": {"kind": "litim"}})
    action = build_action(spec)
    reg = regulator_of(spec.regulator)
    derived = anomalous_dimension(action, reg, "goldstone")
    values = {"kappa": 0.04, "lambda_2": 6.5, "lambda_3": 12.0, "lambda_4": -3.0}
    eta0 = sp.Rational(1, 20)
    couplings = {c.symbol: values[c.name] for c in action.couplings}
    expected = float(derived.equation.subs(couplings).subs(symbols.eta, eta0).evalf(30))

    sigma, leg, other = sp.symbols("sigma pi pi_o", real=True)
    grads = sp.symbols("g0:3", real=True)
    fields = (sigma, leg, other)
    rho = sum(f**2 for f in fields) / 2
    kappa = sp.Rational(1, 25)
    jet = potential_jet([rho], [kappa], 4).subs({
        sp.Symbol("u_0", real=True): 0, sp.Symbol("u_1", real=True): 0,
        sp.Symbol("u_2", real=True): sp.Rational(13, 2), sp.Symbol("u_3", real=True): 12,
        sp.Symbol("u_4", real=True): -3})
    kin = kinetic_matrix(sum(g**2 for g in grads) / 2, grads)
    flow = p2_flow(jet, kin, fields, (1, 1, n_value - 2), 1, {sigma: sp.sqrt(2 * kappa)}, sp.Integer(d))
    integrand, top = kinked_regulator_integrand(flow.integrand, Q2, R, RDOT, reg, sp.Integer(d), symbols.eta)
    measured = (symbols.y ** sp.Rational(d - 2, 2) * integrand).subs(symbols.eta, eta0)
    f = sp.lambdify(symbols.y, measured, "mpmath")
    v_d = 1 / (2 ** (d + 1) * mpmath.pi ** (mpmath.mpf(d) / 2) * mpmath.gamma(mpmath.mpf(d) / 2))
    ours = -float(2 * v_d * mpmath.quad(f, [0, top]))
    # a closed form against a 15-digit quadrature of a rational integrand in sqrt(y): 1e-12
    assert abs(ours - expected) < 1e-12 * max(1.0, abs(expected)), (ours, expected)


def test_kink_rules_on_single_terms() -> None:
    """rgsym.integrate.kinked_regulator_integrand on two hand-checked terms, Litim, d = 3:
    int y^(1/2) d_tR r'' dy = int y^(1/2) [2 - eta (1 - y)] theta(1 - y) delta(1 - y) dy = 2 x 1/2 = 1
    (theta(0) = 1/2, the limit of smooth steps); (r'')^2 has no smoothing-independent limit: refused."""
    import pytest

    from rgsym.errors import UnsupportedError
    from rgsym.integrate import kinked_regulator_integrand
    from rgsym.regulators import LITIM

    litim = LITIM.with_alpha(sp.Integer(1))
    second = sp.Derivative(R(Q2), (Q2, 2))
    integrand, top = kinked_regulator_integrand(RDOT(Q2) * second, Q2, R, RDOT, litim, sp.Integer(3),
                                                symbols.eta)
    assert top == 1
    value = sp.integrate(sp.sqrt(symbols.y) * integrand, (symbols.y, 0, 1))
    assert sp.simplify(value - 1) == 0
    with pytest.raises(UnsupportedError, match="smoothed"):
        kinked_regulator_integrand(RDOT(Q2) * second**2, Q2, R, RDOT, litim, sp.Integer(3), symbols.eta)
