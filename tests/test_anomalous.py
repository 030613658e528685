"""LPA' machinery: the p^2 kernel, the momentum-derivative integral, projections, spec errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from rgsym import symbols
from rgsym.anomalous import momentum_derivative_integral, p2_kernel
from rgsym.betasystem import BetaSystem
from rgsym.cli import main
from rgsym.pipeline import derive
from rgsym.regulators import EXP_MASS, EXPONENTIAL, LITIM, POWER_LAW, Regulator
from rgsym.spec import parse_spec

W_A, W_B = sp.symbols("w_a w_b")


def test_p2_kernel_is_derived() -> None:
    """d/dp^2 of the angular average, integrated by parts: -(2/d) y^(d/2) A' B'."""
    d = symbols.d
    assert sp.simplify(p2_kernel(d) + 2 * symbols.y ** (d / 2) / d) == 0


def test_p2_kernel_against_a_direct_integral() -> None:
    """Check the kernel on smooth A, B in d = 3 against the unexpanded integral.

    I(p) = int_0^oo dq 2 q^2 A(q^2) (1/2) int_-1^1 dc B(q^2 + 2 q p c + p^2) (measure dy y^(1/2)),
    differentiated in p^2 by a one-sided second-order difference with step 1e-2 (error
    O(1e-4) relative from the p^6 term), against int dy K(y) A' B'; a wrong kernel (e.g.
    a factor 2/d off) is off by tens of percent.
    """
    from scipy.integrate import dblquad, quad

    y = symbols.y
    a_expr, b_expr = sp.exp(-y), 1 / (1 + y) ** 3
    integrand = sp.lambdify(y, p2_kernel(sp.Integer(3)) * sp.diff(a_expr, y) * sp.diff(b_expr, y))
    kernel_value = quad(integrand, 0, float("inf"), epsabs=1e-13, epsrel=1e-12)[0]
    a_f, b_f = sp.lambdify(y, a_expr), sp.lambdify(y, b_expr)

    def ring(p2: float) -> float:
        p = p2**0.5
        value = dblquad(lambda c, q: q**2 * a_f(q * q) * b_f(q * q + 2 * q * p * c + p2),
                        0, 12, -1, 1, epsabs=1e-13, epsrel=1e-12)[0]
        return value  # 2 * (1/2)

    h = 1e-2
    direct = (-3 * ring(0.0) + 4 * ring(h) - ring(2 * h)) / (2 * h)  # one-sided, error O(h^2)
    assert abs(kernel_value - direct) < 1e-3 * abs(kernel_value)


def test_litim_momentum_integral_is_m22() -> None:
    """(4/d) m_{2,2}, with m_{2,2} = 1/((1+w_a)^2 (1+w_b)^2) for the optimised regulator
    (Litim, hep-th/0103195); no eta dependence (the eta part of d_t R vanishes at y = 1)."""
    d = symbols.d
    value = momentum_derivative_integral(LITIM.with_alpha(sp.Integer(1)), d, symbols.eta, W_A, W_B)
    assert sp.simplify(value - 4 / (d * (1 + W_A) ** 2 * (1 + W_B) ** 2)) == 0


@pytest.mark.parametrize("regulator", [EXPONENTIAL, EXP_MASS, POWER_LAW], ids=lambda r: r.name)
@pytest.mark.parametrize(("eta", "w_a", "w_b"), [(0.0, 0.0, 0.5), (0.3, 0.2, 1.1)])
def test_smooth_regulator_by_quadrature(regulator: Regulator, eta: float, w_a: float, w_b: float) -> None:
    """J of a smooth regulator (sums of quadrature integrals) against an independent route:
    d/d(eps) of int K(y) A'_eps B'_eps dy with r -> r + eps d_t r, by adaptive quadrature.
    Both are good to ~1e-13; measured agreement 1e-15 relative, 1e-10 asked."""
    from scipy.integrate import quad

    reg = regulator.with_alpha(sp.Integer(1))
    y, eps = symbols.y, sp.Symbol("eps")
    value = momentum_derivative_integral(reg, sp.Integer(3), symbols.eta, W_A, W_B)
    engine = float(value.subs({W_A: w_a, W_B: w_b, symbols.eta: eta}).evalf())
    r = reg.pieces[0].shape
    rdot = (2 - sp.Float(eta)) * r - 2 * y * sp.diff(r, y)
    prop_a, prop_b = 1 / (y + r + eps * rdot + w_a), 1 / (y + r + eps * rdot + w_b)
    integrand = p2_kernel(sp.Integer(3)) * sp.diff(prop_a, y) * sp.diff(prop_b, y)
    f = sp.lambdify(y, sp.diff(integrand, eps).subs(eps, 0))
    upper = 60.0 if regulator is EXPONENTIAL else float("inf")  # e^y overflows beyond; tail < 1e-20
    direct = quad(f, 0, upper, epsabs=1e-15, epsrel=1e-13, limit=400)[0]
    assert abs(engine / direct - 1) < 1e-10


def test_piecewise_regulator_without_closed_form_is_refused() -> None:
    from rgsym.errors import UnsupportedError

    with pytest.raises(UnsupportedError, match="regulator.kind"):
        momentum_derivative_integral(LITIM.with_alpha(sp.Rational(1, 2)), sp.Integer(3),
                                     symbols.eta, W_A, W_B)


def test_lpa_prime_with_a_smooth_regulator_end_to_end() -> None:
    """Exponential regulator, order 4: a Wilson-Fisher point with 0 < eta < 0.1, and the JSON
    round trip keeps the quadrature integrals (WeightedThreshold) and eta(g)."""
    from rgsym.pipeline import critical_exponents

    spec = parse_spec({"theory": {"d": 3, "N": 1}, "truncation": {"scheme": "lpa'", "order": 4},
                       "regulator": {"kind": "exponential"}}, "lpa-prime-exp")
    fp, ex = critical_exponents(spec)
    assert 0.0 < ex.eta < 0.1 and ex.relevant == 1
    system = derive(spec)
    assert isinstance(system, BetaSystem)
    again = BetaSystem.from_dict(system.to_dict())
    assert again.thresholds == system.thresholds


def test_radial_projection() -> None:
    """N = 1, radial leg: only the sigma-sigma ring, with
    Gamma^(3) = sqrt(2 kappa) (3 lambda_2 + 2 kappa lambda_3)."""
    spec = parse_spec({"theory": {"d": "d", "N": 1},
                       "truncation": {"scheme": "lpa'", "order": 3, "eta_projection": "radial"}}, "radial")
    system = derive(spec)
    assert isinstance(system, BetaSystem)
    d = symbols.d
    kappa, l2, l3 = (symbols.coupling(n) for n in ("kappa", "lambda_2", "lambda_3"))
    v_d = 1 / (2 ** (d + 1) * sp.pi ** (d / 2) * sp.gamma(d / 2))
    vertex2 = 2 * kappa * (3 * l2 + 2 * kappa * l3) ** 2
    expected = v_d * vertex2 * 4 / (d * (1 + 2 * kappa * l2) ** 4)
    assert sp.simplify(sp.sympify(system.eta) - expected) == 0


def test_lpa_prime_system_round_trips_through_json() -> None:
    spec = parse_spec({"theory": {"d": 3, "N": 1}, "truncation": {"scheme": "lpa'", "order": 3}}, "rt")
    system = derive(spec)
    assert isinstance(system, BetaSystem)
    again = BetaSystem.from_dict(system.to_dict())
    assert sp.simplify(sp.sympify(again.eta) - sp.sympify(system.eta)) == 0
    assert again.betas == system.betas


@pytest.mark.parametrize(("truncation", "regulator", "key"), [
    ({"expand_around": "zero"}, {}, "truncation.expand_around"),
    ({"potential": "full"}, {}, "truncation.potential"),
    ({"eta_projection": "diagonal"}, {}, "truncation.eta_projection"),
    ({}, {"kind": "sharp"}, "regulator.kind"),
])
def test_bad_lpa_prime_specs(tmp_path: Path, capsys: pytest.CaptureFixture[str], truncation: dict,
                             regulator: dict, key: str) -> None:
    lines = ["[theory]", "d = 3", "N = 1", "[truncation]", "scheme = \"lpa'\""]
    lines += [f"{k} = {v!r}".replace("'", '"') for k, v in truncation.items()]
    if regulator:
        lines += ["[regulator]"] + [f'{k} = "{v}"' for k, v in regulator.items()]
    path = tmp_path / "bad.toml"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    code = main(["derive", str(path), "--no-cache", "--emit", "json", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and str(path) in err and key in err
    assert not out.exists() or not any(out.iterdir())


def test_eta_projection_needs_lpa_prime(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lpa.toml"
    path.write_text('[theory]\nd = 3\nN = 1\n[truncation]\neta_projection = "radial"\n')
    assert main(["derive", str(path)]) == 2
    assert "truncation.eta_projection" in capsys.readouterr().err


def test_notebook_latex_shows_eta() -> None:
    spec = parse_spec({"theory": {"d": 3, "N": 1}, "truncation": {"scheme": "lpa'", "order": 2}}, "nb")
    system = derive(spec)
    assert isinstance(system, BetaSystem)
    latex = system._repr_latex_()
    assert latex.index(r"\eta &=") < latex.index(r"\beta_{\kappa}")
