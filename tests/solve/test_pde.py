"""The LPA fixed-point function by Chebyshev collocation (rgsym.solve.pde).

Reference values: Litim, hep-th/0203006; Bervillier, Jüttner, Litim, hep-th/0701172,
as quoted in /work/shared/REFERENCES.md (LPA, Litim regulator, d = 3, N = 1).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rgsym.cli import main
from rgsym.errors import SolveError, UnsupportedError
from rgsym.pipeline import critical_exponents, derive
from rgsym.project import PotentialFlow
from rgsym.solve.pde import chebyshev_grid, collocation_equation
from rgsym.spec import TheorySpec, load_spec
from rgsym.workflows.fixed_function import fixed_function

DERIVATIONS = Path(__file__).resolve().parents[2] / "derivations"
SPEC = str(DERIVATIONS / "ising_lpa_full.toml")
NU, OMEGA, THETA_3 = 0.649561773881, 0.655745939193, -3.1800065120
KAPPA_SCALED, LAMBDA_SCALED = 1.8148984037, 0.1261644212
#: The loop prefactor 4 v_3 / 3 = 1/(6 pi^2); kappa* and lambda* above are quoted with it set to 1.
C3 = 1.0 / (6.0 * math.pi**2)


@pytest.fixture(scope="module")
def spec() -> TheorySpec:
    return load_spec(SPEC)


@pytest.fixture(scope="module")
def ising(spec: TheorySpec):
    return fixed_function(spec)


def test_exponents_match_the_converged_lpa_values(ising) -> None:
    # The references give 12 digits; the two-grid estimate of our discretisation error is
    # below 1e-11 (asserted next), so 1e-10 is 100x stricter than the 1e-8 the issue asks for
    # and still leaves room for LAPACK differences between machines.
    assert ising.nu == pytest.approx(NU, abs=1e-10)
    assert ising.omega == pytest.approx(OMEGA, abs=1e-10)
    assert ising.discretisation_error < 1e-11
    # the second irrelevant exponent, quoted to 10 decimals
    assert ising.theta[2].real == pytest.approx(THETA_3, abs=1e-9)
    assert sum(1 for t in ising.theta if t.real > 0) == 1  # Wilson-Fisher: one relevant direction


def test_minimum_and_mass_match_the_scaled_fixed_point(ising) -> None:
    # kappa~* = kappa*/c and lambda~* = c u*''(kappa*), quoted to 10 decimals: rounding 5e-11
    assert ising.kappa / C3 == pytest.approx(KAPPA_SCALED, abs=2e-10)
    assert ising.mass * C3 == pytest.approx(LAMBDA_SCALED, abs=2e-10)


def test_potential_is_an_antiderivative_of_the_solved_derivative(ising) -> None:
    # u* comes algebraically from d_t u = 0 and u*' from the differentiated ODE; they are
    # consistent only if both are right.  Spectral differentiation of a smooth function on 41
    # points is accurate to ~1e-10 of max|u'| here (u' ~ 2 at rho_max).
    grid = chebyshev_grid(ising.points, ising.rho_max)
    du = grid.d1 @ np.array(ising.potential)
    assert np.max(np.abs(du - np.array(ising.derivative))) < 1e-9


def test_large_field_behaviour_is_the_wilson_fisher_power_law(spec: TheorySpec) -> None:
    # w = A rho^2 + b rho^-3 + ..., b = -2c/(25A) (from the d = 3 ODE), hence
    # rho w'/w = 2 + 2c/(5 A^2 rho^5) at large rho.  The next terms are O(rho^-5) relative
    # to that correction, ~5% at rho_max = 8 kappa*, hence the 10% tolerance; a wrong power
    # (e.g. if rho_max imposed a boundary condition) would miss by far more.
    result = fixed_function(spec, rho_max_factor=8.0)
    rho, w = result.rho[-1], result.derivative[-1]
    amplitude = w / rho**2
    predicted = 2 * C3 / (5 * amplitude**2 * rho**5)
    assert result.asymptotic_exponent - 2.0 == pytest.approx(predicted, rel=0.1)


def test_exponents_do_not_depend_on_the_grid(spec: TheorySpec, ising) -> None:
    # a shorter and a longer domain, fewer points: converged to rounding at d = 3
    other = fixed_function(spec, points=32, rho_max_factor=8.0)
    assert other.nu == pytest.approx(ising.nu, abs=1e-10)
    assert other.omega == pytest.approx(ising.omega, abs=1e-10)


def test_collocated_ode_is_the_derivative_of_the_lpa_equation(spec: TheorySpec) -> None:
    # REFERENCES.md, LPA flow for d = 3, N = 1, differentiated in rho by hand:
    # d_t w = -2 w + rho w' - c (3 w' + 2 rho w'') / (1 + w + 2 rho w')^2
    flow = derive(spec)
    assert isinstance(flow, PotentialFlow)
    eq = collocation_equation(flow)
    rng = np.random.default_rng(7)
    rho, w0, w1, w2 = rng.uniform(0.0, 2.0, size=(4, 20))
    expected = -2 * w0 + rho * w1 - C3 * (3 * w1 + 2 * rho * w2) / (1 + w0 + 2 * rho * w1) ** 2
    np.testing.assert_allclose(eq.flow(rho, w0, w1, w2), expected, rtol=1e-13)
    assert eq.dimension == 3.0


def test_too_coarse_a_grid_is_reported_not_returned(spec: TheorySpec) -> None:
    # 10 points resolve nu to ~1e-4 only; the two-grid check must refuse that
    with pytest.raises(SolveError, match="Chebyshev points"):
        fixed_function(spec, points=10)


def test_symbolic_dimension_is_a_spec_error() -> None:
    with pytest.raises(UnsupportedError, match="needs numbers"):
        fixed_function(load_spec(DERIVATIONS / "on_lpa_full.toml"))


def test_cli_text_json_and_plot(tmp_path, capsys) -> None:
    plot = tmp_path / "u.png"
    assert main(["fixed-function", SPEC, "--json", "--plot", str(plot)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["nu"] == pytest.approx(NU, abs=1e-10)
    assert len(data["rho"]) == len(data["u"]) == data["points"] + 1
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["u.png"]  # no temporary file left


def test_cli_rejects_a_polynomial_spec_with_exit_2(capsys) -> None:
    assert main(["fixed-function", str(DERIVATIONS / "on_lpa.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "truncation.potential" in err


def test_cli_numerical_failure_is_exit_1(capsys) -> None:
    # above d = 4 there is no Wilson-Fisher point (it merges with the Gaussian one): one line, exit 1
    assert main(["fixed-function", SPEC, "--set", "theory.d=4.5"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "2 < d < 4" in err


@pytest.mark.slow
def test_agrees_with_the_polynomial_route_at_order_20(spec: TheorySpec, ising) -> None:
    # The criterion: agreement with the converged polynomial result to 1e-8.  Around the
    # minimum, nu at order 20 is converged to ~1e-9 (0.6495617747 vs 0.649561773881), so nu is
    # held to 1e-8.  omega converges more slowly: 7.5e-6 off at order 12 and 5.8e-7 at order 16
    # (a factor ~13 per four orders), so ~5e-8 is expected at order 20 and 2e-7 is the tolerance;
    # the PDE's omega itself is checked against the converged 0.655745939193 to 1e-10 above.
    poly = replace(spec, truncation=replace(spec.truncation, potential="polynomial",
                                            expand_around="minimum", order=20))
    _, ex = critical_exponents(poly)
    assert ex.nu is not None and ex.omega is not None
    assert abs(ising.nu - ex.nu) < 1e-8
    assert abs(ising.omega - ex.omega) < 2e-7


def test_u_is_recovered_from_the_fixed_point_condition(ising) -> None:
    # u*(0) = c / (3 (1 + u*'(0))) from d_t u = 0 at rho = 0 (d = 3, N = 1): 1e-13 is rounding
    assert ising.potential[0] == pytest.approx(C3 / (3 * (1 + ising.derivative[0])), rel=1e-13)




def test_notebook_png(ising) -> None:
    """The fixed-point function shows itself as a PNG picture in Jupyter."""
    pytest.importorskip("matplotlib")
    png = ising._repr_png_()
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")


def test_sharp_cutoff_full_potential_agrees_with_its_polynomial_route() -> None:
    """The sharp cutoff's T_1 = -2 v_d ln(1 + w) (up to a constant) in the PDE: the fixed-point
    function and the order-16 polynomial give the same nu and omega.  The polynomial is converged
    to ~1e-6 in omega there (orders 14-18 move it by 5e-6), so 2e-5 is asked; nu to 1e-6."""
    from rgsym.pipeline import critical_exponents
    from rgsym.spec import parse_spec

    full = fixed_function(parse_spec({"theory": {"d": 3, "N": 1}, "truncation": {"potential": "full"},
                                      "regulator": {"kind": "sharp"}}, "sharp-full"))
    _, poly = critical_exponents(parse_spec({"theory": {"d": 3, "N": 1}, "truncation": {"order": 16},
                                             "regulator": {"kind": "sharp"}}, "sharp-poly"))
    assert abs(full.nu - poly.nu) < 1e-6
    assert abs(full.omega - poly.omega) < 2e-5
