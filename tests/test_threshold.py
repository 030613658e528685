"""Threshold integrals: quadrature accuracy, derivative rule, closed forms, regulators."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from rgsym.integrate import regulator_of, threshold_integral
from rgsym.pipeline import critical_exponents, derive
from rgsym.regulators import REGULATORS
from rgsym.spec import RegulatorSpec, parse_spec
from rgsym.symbols import y
from rgsym.threshold import ThresholdIntegral, quadrature

KINDS = ["litim", "exponential", "exp-mass", "power-law"]


def reference(shape: sp.Expr, d: float, counts: tuple[int, ...], masses: tuple[float, ...]) -> float:
    """Adaptive mpmath quadrature at 30 digits, split at y = 1."""
    mp.mp.dps = 30
    r = sp.lambdify(y, shape, "mpmath")
    ins = sp.lambdify(y, 2 * shape - 2 * y * sp.diff(shape, y), "mpmath")
    v_d = 1 / (2 ** (d + 1) * mp.pi ** (d / 2) * mp.gamma(d / 2))

    def f(t: mp.mpf) -> mp.mpf:
        p = mp.mpf(1)
        for c, w in zip(counts, masses, strict=True):
            p *= (t + r(t) + w) ** (-c)
        return v_d * t ** (d / 2 - 1) * ins(t) * p

    return float(mp.quad(f, [0, 1, mp.inf]))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("alpha", [0.5, 2.0])
@pytest.mark.parametrize(("counts", "masses"), [((1,), (0.3,)), ((2,), (-0.2,)), ((3, 1), (0.5, -0.1))])
def test_quadrature_matches_adaptive_reference(kind: str, alpha: float, counts: tuple[int, ...],
                                               masses: tuple[float, ...]) -> None:
    """The issue asks for 1e-12; Gauss-Legendre on the mapped intervals gives ~1e-15."""
    reg = REGULATORS[kind].with_alpha(sp.nsimplify(alpha))
    shape = reg.shape()
    ours = quadrature(sp.Lambda(y, shape), 3.0, 0.0).evaluate(counts, np.array([masses]))[0]
    assert ours == pytest.approx(reference(shape, 3.0, counts, masses), rel=1e-12)


def test_litim_closed_form_equals_its_quadrature() -> None:
    """The closed form (sympy integration of the Litim piece) against numerical integration."""
    reg = regulator_of(RegulatorSpec("litim"))
    w1, w2 = sp.symbols("w1 w2")
    closed = threshold_integral(reg, (2, 1), (w1, w2), sp.Integer(3), sp.Integer(0))
    value = float(closed.subs({w1: 0.4, w2: -0.3}))
    numeric = quadrature(sp.Lambda(y, reg.shape()), 3.0, 0.0).evaluate((2, 1), np.array([[0.4, -0.3]]))
    assert value == pytest.approx(numeric[0], rel=1e-12)
    assert value == pytest.approx(float(4 / (3 * 8 * sp.pi**2)) / (1.4**2 * 0.7), rel=1e-14)


def test_derivative_rule_against_finite_difference() -> None:
    """d T_c / d w_i = -c_i T_{c+e_i}; central differences with h = 1e-5 are good to ~1e-9."""
    w = sp.Symbol("w")
    t = ThresholdIntegral(sp.Lambda(y, sp.exp(-y)), 3, 0, sp.Tuple(2), w)
    derivative = t.diff(w)
    assert derivative == -2 * ThresholdIntegral(sp.Lambda(y, sp.exp(-y)), 3, 0, sp.Tuple(3), w)
    h = 1e-5
    fd = (float(t.subs(w, 0.3 + h).evalf()) - float(t.subs(w, 0.3 - h).evalf())) / (2 * h)
    assert float(derivative.subs(w, 0.3).evalf()) == pytest.approx(fd, rel=1e-8)


def test_custom_shape_equals_builtin() -> None:
    """A user-defined exp(-y) is the exp-mass regulator: same betas, same exponents."""
    base = {"theory": {"d": 3, "N": 1}, "truncation": {"order": 3}}
    builtin = parse_spec({**base, "regulator": {"kind": "exp-mass", "alpha": 2}})
    custom = parse_spec({**base, "regulator": {"kind": "custom", "shape": "alpha*exp(-y)", "alpha": 2}})
    _, ex_b = critical_exponents(builtin)
    _, ex_c = critical_exponents(custom)
    assert ex_c.nu == pytest.approx(ex_b.nu, rel=1e-12)
    assert str(derive(custom).betas[0]) == str(derive(builtin).betas[0])


@pytest.mark.parametrize("kind", [*KINDS, "sharp"])
def test_one_loop_coefficient_is_universal(kind: str) -> None:
    """d = 4, N = 1: beta_lambda = 3 lambda^2 / (16 pi^2) for V = lambda phi^4 / 4! and any regulator.

    REFERENCES.md (one loop in d = 4).  With lambda = 3 lambda_2 (u = lambda_2 rho^2 / 2,
    rho = phi^2 / 2) the massless coefficient of lambda_2^2 in beta_{lambda_2} must be 9/(16 pi^2);
    the quadrature is good to 1e-12, so 1e-10 is the tolerance.
    """
    spec = parse_spec({"theory": {"d": 4, "N": 1}, "truncation": {"order": 1, "expand_around": "zero"},
                       "regulator": {"kind": kind}})
    system = derive(spec)
    lam1, lam2 = system.symbols
    beta = system.beta("lambda_2").subs(lam1, 0)
    coefficient = sp.diff(beta, lam2, 2).subs(lam2, 0) / 2
    assert float(coefficient.evalf()) == pytest.approx(9 / (16 * np.pi**2), rel=1e-10)


@pytest.mark.slow
def test_litim_family_is_stationary_at_alpha_one() -> None:
    """Litim's optimised regulator, r = alpha (1 - y) theta(1 - y), is the PMS point at alpha = 1.

    Litim, Phys. Rev. D64 (2001) 105007, hep-th/0103195; Nucl. Phys. B631 (2002) 128: nu has its
    minimum in the family at alpha = 1.  Measured at order 8: nu(0.8) - nu(1) = 2.2e-4.
    """
    nus = {}
    for alpha in (0.9, 1.0, 1.1):
        spec = parse_spec({"theory": {"d": 3, "N": 1}, "truncation": {"order": 6},
                           "regulator": {"kind": "litim", "alpha": alpha}})
        nus[alpha] = critical_exponents(spec)[1].nu
    assert nus[1.0] < nus[0.9] and nus[1.0] < nus[1.1]


def test_json_round_trip_with_quadrature_thresholds() -> None:
    """Betas with ThresholdIntegral survive JSON, stability matrix (chain rule) included."""
    import json

    from rgsym.betasystem import BetaSystem

    spec = parse_spec({"theory": {"d": 3, "N": 1}, "truncation": {"order": 2},
                       "regulator": {"kind": "exp-mass"}})
    system = derive(spec)
    again = BetaSystem.from_dict(json.loads(system.to_json()))
    assert again.betas == system.betas
    assert again.thresholds == system.thresholds
    difference = (again.stability_matrix - system.stability_matrix).applyfunc(sp.simplify)
    assert difference == sp.zeros(*difference.shape)


def test_sharp_cutoff_thresholds() -> None:
    """The sharp cutoff (Wegner-Houghton limit): T_1 = -2 v_d ln(1 + w) up to a constant, and
    T_c = 2 v_d / ((c - 1) (1 + w)^(c-1)) (Morris, hep-ph/9308265; Litim, hep-th/0203006, which
    quotes the sharp-cutoff LPA for comparison).  Several masses in one loop are refused."""
    from rgsym.errors import UnsupportedError
    from rgsym.integrate import threshold_integral
    from rgsym.regulators import SHARP
    from rgsym.symbols import angular_factor

    w, v = sp.Symbol("w"), sp.Symbol("v")
    d = sp.Integer(3)
    v_d = angular_factor(d)
    assert sp.simplify(threshold_integral(SHARP, (1,), (w,), d, sp.Integer(0)) + 2 * v_d * sp.log(1 + w)) == 0
    for c in (2, 3, 6):
        expected = 2 * v_d / ((c - 1) * (1 + w) ** (c - 1))
        assert sp.simplify(threshold_integral(SHARP, (c,), (w,), d, sp.Integer(0)) - expected) == 0
    with pytest.raises(UnsupportedError, match="regulator.kind"):
        threshold_integral(SHARP, (1, 1), (w, v), d, sp.Integer(0))
