"""Scan: range parsing, stationary points, and a small end-to-end scan through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rgsym.errors import SpecError
from rgsym.workflows.scan import ScanPoint, locate_stationary, parse_range, split_scan_override
from tests.conftest import run_cli


def test_parse_range_and_list() -> None:
    assert parse_range("s", "k", "0.5:8:4") == pytest.approx((0.5, 3.0, 5.5, 8.0))
    assert parse_range("s", "k", "[1, 2,3]") == (1.0, 2.0, 3.0)
    for bad in ("1:2", "1:2:1", "x,y", "5"):
        with pytest.raises(SpecError, match="start:stop:count"):
            parse_range("s", "k", bad)


def test_exactly_one_ranged_override() -> None:
    plain, key, values = split_scan_override("s", ["truncation.order=4", "regulator.alpha=1:2:3"])
    assert plain == ["truncation.order=4"] and key == "regulator.alpha" and values == (1.0, 1.5, 2.0)
    with pytest.raises(SpecError, match="exactly one"):
        split_scan_override("s", ["truncation.order=4"])


def test_stationary_point_of_a_parabola() -> None:
    """A sampled parabola with its minimum at 1.23: the three-point fit is exact."""
    xs = np.linspace(0.5, 2.0, 7)
    points = [ScanPoint(float(x), 0.6 + (x - 1.23) ** 2, 0.7 - 2 * (x - 0.9) ** 2, ()) for x in xs]
    found = {s.exponent: s for s in locate_stationary(points)}
    assert found["nu"].value == pytest.approx(1.23, rel=1e-12)
    assert found["omega"].value == pytest.approx(0.9, rel=1e-12)
    assert found["nu"].estimate == pytest.approx(0.6, rel=1e-12)


@pytest.mark.slow
def test_cli_scan_of_litim_alpha(tmp_path: Path, derivations: Path) -> None:
    """The Litim family r = alpha (1 - y) theta(1 - y) is stationary near alpha = 1 (order 3).

    Litim, Phys. Rev. D64 (2001) 105007: the optimised regulator; measured PMS at order 4:
    alpha = 1.005 (three-point parabola on a 0.1 grid, so within a grid step of 1).
    """
    plot = tmp_path / "scan.png"
    result = run_cli("scan", str(derivations / "on_lpa.toml"), "--set", "truncation.order=3",
                     "--set", "regulator.alpha=0.8:1.2:5", "--json", "--plot", str(plot), "--workers", "2")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [p["value"] for p in data["points"]] == pytest.approx([0.8, 0.9, 1.0, 1.1, 1.2])
    pms = [s for s in data["pms"] if s["exponent"] == "nu"]
    assert pms and abs(pms[0]["value"] - 1.0) < 0.1
    assert plot.stat().st_size > 1000


def test_cli_scan_bad_range_is_one_line(derivations: Path) -> None:
    result = run_cli("scan", str(derivations / "on_lpa.toml"), "--set", "regulator.alpha=1:2")
    assert result.returncode == 2 and "start:stop:count" in result.stderr
    assert "Traceback" not in result.stderr


def test_scan_through_the_c_backend_agrees_with_the_default() -> None:
    """--backend c: the exponential regulator's quadrature compiled into C at each alpha.

    The backends differ by rounding in the betas (1e-14 relative); 1e-9 allows for the
    eigenvalues' condition numbers.
    """
    from rgsym.workflows.scan import run_scan

    spec = Path(__file__).resolve().parents[1] / "derivations" / "on_lpa.toml"
    overrides = ["truncation.order=3", "regulator.kind=exponential"]
    default = run_scan(spec, overrides, "regulator.alpha", (1.0, 2.0), workers=1)
    compiled = run_scan(spec, overrides, "regulator.alpha", (1.0, 2.0), workers=1, backend="c")
    for a, b in zip(default.points, compiled.points, strict=True):
        assert a.nu is not None and b.nu is not None and a.omega is not None and b.omega is not None
        assert abs(a.nu - b.nu) < 1e-9 and abs(a.omega - b.omega) < 1e-9


def test_cli_scan_accepts_a_backend(derivations: Path) -> None:
    result = run_cli("scan", str(derivations / "on_lpa.toml"), "--set", "truncation.order=2",
                     "--set", "regulator.alpha=0.9,1.1", "--backend", "numpy", "--json", "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert all(p["nu"] is not None for p in json.loads(result.stdout)["points"])


def test_scan_plot_has_a_title(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: scan.png names the spec and its truncation above the panels."""
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from rgsym.workflows.scan import Scan, plot_scan

    titles: list[str] = []
    save = Figure.savefig

    def record(fig: Figure, *args: object, **kwargs: object) -> None:
        titles.append(fig._suptitle.get_text() if fig._suptitle is not None else "")
        save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", record)
    xs = np.linspace(0.5, 2, 7)
    points = [ScanPoint(float(x), 0.6 + (x - 1.2) ** 2, 0.7 - (x - 0.9) ** 2, ()) for x in xs]
    scan = Scan("regulator.alpha", tuple(points), locate_stationary(points))
    plot_scan(scan, str(tmp_path / "scan.png"), "on_lpa.toml: LPA, order 4")
    assert titles == ["on_lpa.toml: LPA, order 4"] and (tmp_path / "scan.png").stat().st_size > 0
