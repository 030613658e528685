"""Flows in RG time (rgsym.solve.flow, rgsym flow): conversion, d = 3 phases, CLI, spec keys."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import sympy as sp

from rgsym.cli import main
from rgsym.errors import SolveError, SpecError
from rgsym.integrate import threshold_integral
from rgsym.pipeline import derive
from rgsym.regulators import MASS
from rgsym.solve.flow import dimensionful_flow, flow_potential
from rgsym.spec import load_spec, parse_spec
from rgsym.symbols import angular_factor

DERIVATIONS = Path(__file__).resolve().parents[2] / "derivations"
ISING = str(DERIVATIONS / "ising_lpa_flow.toml")
ZERO = str(DERIVATIONS / "zero_dim_on.toml")


def test_dimensionful_litim_flow_is_the_known_lpa_equation() -> None:
    # Litim, hep-th/0203006: d_t U = (4 v_3 / 3) k^5 / (k^2 + U' + 2 rho U'') at d = 3, N = 1,
    # with 4 v_3/3 = 1/(6 pi^2).  An exact symbolic identity.
    spec = load_spec(ISING)
    k = sp.Symbol("k", positive=True)
    rhs, big_u = dimensionful_flow(derive(spec), spec.theory.d, k)
    rho = big_u.args[0]
    expected = k**5 / (6 * sp.pi**2 * (k**2 + sp.diff(big_u, rho) + 2 * rho * sp.diff(big_u, rho, 2)))
    assert sp.simplify(rhs - expected) == 0


def test_zero_dimensional_threshold_is_the_limit_of_the_d_dimensional_integral() -> None:
    # For R_k = alpha k^2 the d-dimensional integral is a Beta function,
    # v_d 2 alpha (alpha + w)^(d/2 - c) Gamma(d/2) Gamma(c - d/2) / Gamma(c); its d -> 0 limit,
    # taken by sympy independently of rgsym's point-mass rule, must equal the d = 0 branch.
    d, w, alpha = sp.Symbol("d", positive=True), sp.Symbol("w", positive=True), sp.Rational(3, 2)
    for c in (1, 2, 3):
        closed = (angular_factor(d) * 2 * alpha * (alpha + w) ** (d / 2 - c)
                  * sp.gamma(d / 2) * sp.gamma(c - d / 2) / sp.gamma(c))
        ours = threshold_integral(MASS.with_alpha(alpha), (c,), (w,), sp.Integer(0), sp.Integer(0))
        assert sp.simplify(sp.limit(closed, d, 0) - ours) == 0


def test_mass_regulator_needs_d_below_two() -> None:
    base = {"theory": {"d": 3, "N": 1}, "regulator": {"kind": "mass"}}
    with pytest.raises(SpecError, match="regulator.kind"):
        parse_spec(base)
    assert parse_spec({**base, "theory": {"d": 1, "N": 1}, "truncation": {"expand_around": "zero"}})


def test_bare_table_is_validated_with_one_line_errors() -> None:
    base = {"theory": {"d": 0, "N": 1}, "truncation": {"expand_around": "zero"}}
    cases = [({}, "bare.potential"), ({"potential": "rho + x"}, "bare.potential"),
             ({"potential": "rho", "k_uv": 1.0, "k_ir": 2.0}, "bare.k_ir"),
             ({"potential": "rho", "points": 2}, "bare.points"),
             ({"potential": "rho", "rho_max": -1}, "bare.rho_max"),
             ({"potential": "log(rho)"}, "bare.potential"),
             ({"potential": "rho", "constants": {"rho": 1}}, "bare.constants.rho"),
             ({"potential": "rho", "colour": 1}, "bare.colour")]
    for table, key in cases:
        with pytest.raises(SpecError, match=key.replace(".", r"\.")) as info:
            parse_spec({**base, "bare": table})
        assert "\n" not in str(info.value)


def test_digest_includes_the_bare_table_and_is_unchanged_without_it() -> None:
    base = {"theory": {"d": 0, "N": 1}, "truncation": {"expand_around": "zero"}}
    plain = parse_spec(base)
    assert "bare" not in json.loads(plain.canonical)
    one = parse_spec({**base, "bare": {"potential": "m*rho", "constants": {"m": 1}}})
    same = parse_spec({**base, "bare": {"constants": {"mass": 1.0}, "potential": "mass * rho"}})
    other = parse_spec({**base, "bare": {"potential": "m*rho", "constants": {"m": 2}}})
    assert one.digest == same.digest != other.digest != plain.digest


def _ising(m2: float, *more: str) -> object:
    return load_spec(ISING, [f"bare.constants={{m2 = {m2}, lam = 1.0}}", *more])


def test_symmetric_phase_is_restored_from_a_double_well_and_ends_convex() -> None:
    # m2 = -0.1 is above the critical bare mass -0.1646 (derivations/ising_lpa_flow.toml): the bare
    # double well (U'(0) = -0.1) flows to the symmetric phase with a mass U'(0) = 0.0574 at k_ir
    result = flow_potential(_ising(-0.1))
    assert result.observables["phase"] == "symmetric"
    assert result.observables["gamma2"] > 0.03
    assert result.convex


def test_broken_phase_has_a_minimum_and_warns_about_convexity() -> None:
    # Below the critical bare mass the minimum moves off zero; stopped at k_ir = 0.5, before the
    # inner region has flattened, the potential is not yet convex and the run says so.
    with pytest.warns(UserWarning, match="not convex"):
        result = flow_potential(_ising(-0.3, "bare.k_ir=0.5"))
    assert result.observables["phase"] == "broken"
    assert result.observables["rho0"] > 0.3
    assert not result.convex


def test_pole_in_the_broken_phase_is_a_one_line_solve_error() -> None:
    with pytest.raises(SolveError, match="pole") as info:
        flow_potential(_ising(-0.3))
    assert "\n" not in str(info.value) and "bare.k_ir" in str(info.value)
    assert "broken phase" in str(info.value)


def test_zero_dim_result_does_not_depend_on_rho_max() -> None:
    # the frozen-derivative condition at rho_max must not reach rho = 0.  Both runs are within 3e-9 of
    # the exact value (BDF and grid errors; the grid moves with rho_max), so 1e-8 leaves a factor 3.
    # (the exact benchmark itself is asserted in tests/literature/test_zero_dim.py)
    near = flow_potential(load_spec(ZERO, ["bare.rho_max=12.0"])).observables["gamma2"]
    far = flow_potential(load_spec(ZERO)).observables["gamma2"]
    assert near == pytest.approx(far, rel=1e-8)


def test_cli_json_reports_the_zero_dim_observables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flow", ZERO, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["phi2"] == pytest.approx(1.0 / out["gamma2"], rel=1e-14)  # N = 1: phi2 = N / gamma2
    assert out["convex"] is True and math.isfinite(out["lambda_eff"])


def test_cli_plots_the_potential_and_the_phase_portrait(tmp_path: Path) -> None:
    png = tmp_path / "flow.png"
    assert main(["flow", ZERO, "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    portrait = tmp_path / "portrait.png"
    assert main(["flow", ZERO, "--set", "truncation.potential='polynomial'", "--set", "truncation.order=1",
                 "--set", "bare.k_ir=0.01", "--plot", str(portrait)]) == 0
    assert portrait.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flow.png", "portrait.png"]  # no temporaries


def test_cli_bad_input_is_one_line_exit_2_and_no_file(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "out.png"
    for argv in (["flow", ZERO, "--set", "bare.k_ir=-1", "--plot", str(png)],
                 ["flow", str(DERIVATIONS / "on_lpa.toml"), "--plot", str(png)],
                 ["flow", ZERO, "--plot", str(tmp_path / "missing" / "x.png")],
                 ["flow", ZERO, "--set", "truncation.potential='polynomial'", "--set", "truncation.order=3",
                  "--plot", str(png)]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("rgsym: error:"), err
    assert list(tmp_path.iterdir()) == []


def test_zero_dim_flow_sees_only_the_regulator_at_zero_momentum() -> None:
    # At d = 0 the loop is the integrand at q = 0: the exponential regulator alpha y/(e^y - 1)
    # has r(0) = alpha (a limit), so it gives the mass regulator's flow (same ODEs, same solver path:
    # agreement to rounding, 1e-12).  The power law alpha/y is singular there: a one-line spec error.
    mass = flow_potential(load_spec(ZERO)).observables["gamma2"]
    exponential = flow_potential(load_spec(ZERO, ["regulator.kind='exponential'"])).observables["gamma2"]
    assert exponential == pytest.approx(mass, rel=1e-12)
    with pytest.raises(SpecError, match="regulator.kind"):
        flow_potential(load_spec(ZERO, ["regulator.kind='power-law'"]))
