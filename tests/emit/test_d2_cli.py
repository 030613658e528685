"""``rgsym fixed-function`` for the derivative expansion: u*', z* (Y*) as text, JSON and a plot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rgsym.cli import main
from rgsym.spec import MAX_D2_ORDER

SPEC = str(Path(__file__).resolve().parents[2] / "derivations" / "ising_d2.toml")


def test_fixed_function_gives_the_functions_and_the_exponents(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    plot = tmp_path / "d2.png"
    assert main(["fixed-function", SPEC, "--json", "--plot", str(plot)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(data) >= {"nu", "eta", "omega", "rho", "u'", "z", "rho_max", "discretisation_error"}
    assert "Y" not in data  # N = 1: Y is part of z
    assert len(data["rho"]) == len(data["u'"]) == len(data["z"]) == data["points"] + 1  # degree 40
    # the same solve as `rgsym exponents` (README: nu = 0.628216, eta = 0.044274, omega = 0.848035)
    assert data["nu"] == pytest.approx(0.628216, abs=5e-7)
    assert data["eta"] == pytest.approx(0.044274, abs=5e-7)
    assert data["omega"] == pytest.approx(0.848035, abs=5e-7)
    kappa = data["fixed_point"]["kappa"]
    assert 0 < kappa < data["rho_max"]
    # u*' changes sign at kappa, and z* stays positive (a kinetic term)
    below = [u for r, u in zip(data["rho"], data["u'"], strict=True) if r < kappa]
    above = [u for r, u in zip(data["rho"], data["u'"], strict=True) if r > kappa]
    assert max(below) < 0 < min(above) and min(data["z"]) > 0


def test_fixed_function_needs_full_functions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fixed-function", SPEC, "--set", "truncation.potential=polynomial"]) == 2
    assert "truncation.potential" in capsys.readouterr().err


POLYNOMIAL = ["--set", "truncation.potential=polynomial", "--set", "truncation.kinetic_order=1",
              "--set", "regulator.alpha=1"]


def test_orders_solve_each_degree_of_u_prime(capsys: pytest.CaptureFixture[str]) -> None:
    """``exponents --orders 1:2`` on the polynomial route: each order as ``rgsym exponents`` at that order
    solves it (the same flow, the same LPA start), so the values are the same numbers."""
    from rgsym.spec import load_spec
    from rgsym.workflows.d2 import d2_exponents

    assert main(["exponents", SPEC, *POLYNOMIAL, "--orders", "1:2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["order"] for r in data["orders"]] == [1, 2]
    single = d2_exponents(load_spec(SPEC, ["truncation.potential=polynomial", "truncation.kinetic_order=1",
                                           "regulator.alpha=1", "truncation.order=2"]))
    second = data["orders"][1]
    assert (second["nu"], second["eta"], second["omega"]) == (single.nu, single.eta, single.omega)
    # the truncation error of such low degrees (nu = 0.526 at degree 1, 0.597 at 2; the full functions
    # at alpha = 1 give 0.627): the orders approach it from below
    assert data["orders"][0]["nu"] < second["nu"] < 0.627


@pytest.mark.parametrize(("extra", "key"), [
    (["--orders", str(MAX_D2_ORDER + 1)], "'--orders'"),  # the degree of u' is capped (spec.MAX_D2_ORDER)
    (["--orders", "x"], "'--orders'"),
    (["--plot", "never.png"], "'--plot'"),  # --plot needs --orders
])
def test_orders_errors_are_one_line(extra: list[str], key: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exponents", SPEC, *POLYNOMIAL, *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and key in err


def test_orders_need_the_polynomial_route(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exponents", SPEC, "--orders", "1:2"]) == 2
    assert "truncation.potential" in capsys.readouterr().err
