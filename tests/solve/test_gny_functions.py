"""The GNY full-potential route (rgsym.workflows.gny_functions) against the polynomial route, and its CLI.

The literature values are in tests/literature/test_gny_full.py; here the two routes of rgsym, which
share the derived loops but not the solver, must agree where the polynomial converges, and bad
requests must end in one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rgsym.cli import main
from tests.conftest import DERIVATIONS, run_cli

SUSY = str(DERIVATIONS / "gny_susy_n1.toml")
ISING = str(DERIVATIONS / "gny_chiral_ising.toml")


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_around_the_minimum_agrees_with_the_polynomial(capsys: pytest.CaptureFixture[str]) -> None:
    """One Majorana fermion (N = 1): the fixed point is in the broken regime, so h^2 and the etas are read
    at the running minimum kappa (a scalar of the collocation, with u'(kappa) = 0)."""
    full = _json(capsys, "exponents", SUSY, "--set", "truncation.potential=full",
                 "--set", "truncation.expand_around=minimum")
    poly = _json(capsys, "exponents", SUSY, "--set", "truncation.expand_around=minimum",
                 "--set", "truncation.order=6")
    # measured: nu 0.4398286 against 0.4397703 (order 6), kappa 6.02984e-3 against 6.02974e-3; the
    # polynomial moves by ~1e-4 from order 5 to 6, so 5e-4 is its truncation error, not the solver's
    assert full["nu"] == pytest.approx(poly["nu"], abs=5e-4)
    for key in ("eta_phi", "eta_psi"):
        assert full[key] == pytest.approx(poly[key], abs=5e-4)
    fp_full, fp_poly = full["fixed_point"], poly["fixed_point"]
    assert isinstance(fp_full, dict) and isinstance(fp_poly, dict)
    assert fp_full["kappa"] == pytest.approx(fp_poly["kappa"], rel=1e-3)
    assert fp_full["h2"] == pytest.approx(fp_poly["h2"], rel=1e-3)


def test_around_zero_agrees_with_the_polynomial_and_names_the_minimum() -> None:
    """Around zero the N = 1 potential has its minimum at kappa > 0: h^2 is still read at zero field, as
    the polynomial route around zero does (the shipped spec), and the output says where the minimum is."""
    r = run_cli("exponents", SUSY, "--set", "truncation.potential=full")
    assert r.returncode == 0, r.stderr
    assert "the potential's minimum is at rho = " in r.stdout
    poly = run_cli("exponents", SUSY, "--set", "truncation.order=6", "--json")
    full = run_cli("exponents", SUSY, "--set", "truncation.potential=full", "--json")
    p, f = json.loads(poly.stdout), json.loads(full.stdout)
    # order 6 around zero: nu = 0.70998; orders 4 to 6 move nu by 7e-3, so the polynomial is within
    # ~5e-3 of its limit
    assert f["nu"] == pytest.approx(p["nu"], abs=5e-3)
    assert f["minimum_of_potential"] > 0 and f["fixed_point"]["h2"] == pytest.approx(p["fixed_point"]["h2"],
                                                                                    rel=1e-2)


def test_fixed_function_gives_the_grid_and_a_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plot = tmp_path / "u.png"
    got = _json(capsys, "fixed-function", ISING, "--set", "truncation.potential=full",
                "--set", "truncation.order=2", "--plot", str(plot))
    rho, w = got["rho"], got["u_prime"]
    assert isinstance(rho, list) and isinstance(w, list) and len(rho) == len(w) == got["points"] + 1
    assert w[0] > 0  # the symmetric regime of the N = 8 point
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args, key", [
    (("exponents", ISING, "--set", "truncation.potential=full", "--set", "regulator.kind=exponential"),
     "truncation.potential"),
    (("derive", ISING, "--set", "truncation.potential=full"), "truncation.potential"),
    (("exponents", ISING, "--set", "truncation.potential=full", "--set", "theory.d=d"),
     "truncation.potential"),
    (("exponents", ISING, "--set", "truncation.potential=full", "--orders", "2:4"), "--orders"),
])
def test_unsupported_requests_end_in_one_line(args: tuple[str, ...], key: str) -> None:
    r = run_cli(*args)
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and key in r.stderr and "Traceback" not in r.stderr
