"""Convergence in the truncation order: ``rgsym exponents SPEC --orders 2:20 [--plot] [--json]``."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from rgsym.cli import main
from rgsym.errors import SpecError
from rgsym.spec import MAX_ORDER, load_spec
from rgsym.workflows.convergence import KNOWN_CASES, known_case, parse_orders, run_convergence
from tests.conftest import DERIVATIONS

ISING = DERIVATIONS / "on_lpa.toml"
PNG = b"\x89PNG\r\n\x1a\n"

#: nu of the 3D Ising LPA (Litim regulator) at low orders around the minimum, from
#: ../shared/REFERENCES.md (Litim, hep-th/0203006, table 1).  They are quoted to five digits,
#: so they are compared to half a unit in the fifth digit.
NU_BY_ORDER = {2: 0.72899, 3: 0.65057, 4: 0.64469}


@pytest.mark.parametrize(("text", "orders"), [
    ("2:5", (2, 3, 4, 5)), ("4", (4,)), ("8,4,4", (4, 8)), ("2:10:4", (2, 6, 10)), (" 3 : 4 ", (3, 4)),
    (f"1:{MAX_ORDER}", tuple(range(1, MAX_ORDER + 1))),
])
def test_parse_orders(text: str, orders: tuple[int, ...]) -> None:
    assert parse_orders(text, load_spec(ISING)) == orders


@pytest.mark.parametrize("text", ["", "2:", "a:b", "5:2", "2:10:0", "2:10:-1", "1:2:3:4", "0:4",
                                  f"2:{MAX_ORDER + 1}", "2.5", "10**9", "２:４x", "2;4", "N"])
def test_bad_orders_name_the_option(text: str) -> None:
    with pytest.raises(SpecError, match="key '--orders'"):
        parse_orders(text, load_spec(ISING))


def test_vertex_scheme_orders_start_at_two() -> None:
    spec = load_spec(DERIVATIONS / "ising_lpa_zero.toml", ["truncation.scheme='vertex'",
                                                          "truncation.order=4"])
    assert parse_orders("2:4", spec) == (2, 3, 4)
    with pytest.raises(SpecError, match="from 2 to 20"):
        parse_orders("1:4", spec)


@pytest.mark.parametrize(("path", "overrides", "known"), [
    (ISING, [], True),
    (ISING, ["truncation.order=3", "truncation.expand_around='zero'"], True),  # same limit
    (ISING, ["regulator.alpha=1"], True),
    (DERIVATIONS / "ising_lpa_zero.toml", [], True),
    (ISING, ["theory.N=2"], False),
    (ISING, ["theory.d=4"], False),
    (ISING, ["regulator.alpha=0.9"], False),
    (ISING, ["regulator.kind='exponential'"], False),
    (DERIVATIONS / "two_scalar_lpa.toml", [], False),
])
def test_known_case(path: Path, overrides: list[str], known: bool) -> None:
    case = known_case(load_spec(path, overrides))
    assert (case is not None) == known
    if case is not None:
        assert case is KNOWN_CASES[0] and "hep-th/0203006" in case.source


def test_low_orders_match_the_literature() -> None:
    conv = run_convergence(load_spec(ISING), (2, 3, 4))
    assert [r.order for r in conv.results] == [2, 3, 4]
    for r in conv.results:
        assert r.nu == pytest.approx(NU_BY_ORDER[r.order], abs=5e-6)
        assert r.omega is not None and r.error is None
    assert conv.reference is KNOWN_CASES[0]


def test_full_potential_has_no_orders(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["exponents", str(DERIVATIONS / "ising_lpa_full.toml"), "--orders", "2:4"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and "key 'truncation.potential'" in err


def test_cli_table_json_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plot = tmp_path / "conv.png"
    assert main(["exponents", str(ISING), "--orders", "2:4", "--json", "--plot", str(plot)]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # no progress bar when stderr is not a terminal
    data = json.loads(out)
    assert [p["order"] for p in data["orders"]] == [2, 3, 4]
    assert data["reference"]["nu"] == KNOWN_CASES[0].nu and data["spec"] == str(ISING)
    assert plot.read_bytes().startswith(PNG)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conv.png"]  # no temporary file left
    assert main(["exponents", str(ISING), "--orders", "3,2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"# {ISING}: LPA, Z2, d = 3") and "nu - nu*" in lines[1]
    assert lines[2].split()[:2] == ["2", "0.728992405989"] and lines[3].split()[0] == "3"
    assert lines[4].startswith("converged: nu* = 0.649561773881, omega* = 0.655745939193")


def test_progress_bar_on_a_terminal(capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["exponents", str(ISING), "--orders", "2:3"]) == 0
    err = capsys.readouterr().err
    assert "1/2" in err and err.endswith("2/2\n")


@pytest.mark.parametrize(("extra", "key"), [
    (["--plot", "x.png"], "--plot"),  # needs --orders
    (["--orders", "2:3", "--fixed-point", "0"], "--fixed-point"),
    (["--orders", "2:3", "--plot", "missing/x.png"], "--plot"),
    (["--orders", "2:99"], "--orders"),
])
def test_option_errors_write_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str], extra: list[str], key: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["exponents", str(ISING), *extra]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and f"key '{key}'" in err
    assert list(tmp_path.iterdir()) == []


def test_missing_matplotlib_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else real(name, *a))
    plot = tmp_path / "conv.png"
    assert main(["exponents", str(ISING), "--orders", "2:3", "--plot", str(plot)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "pip install 'rgsym[plot]'" in err
    assert not plot.exists()


def test_no_order_converges_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """In d = 4 only the Gaussian point exists: every order fails, and the run says what was tried."""
    plot = tmp_path / "conv.png"
    code = main(["exponents", str(ISING), "--set", "theory.d=4", "--set", "truncation.expand_around='zero'",
                 "--orders", "1:2", "--plot", str(plot)])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "no critical fixed point at any order of [1, 2]" in err and "tried" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_orders_2_to_20_converge() -> None:
    """REFERENCES.md: nu = 0.6495618 at order 12 and 0.649561775 at order 20 (Litim, hep-th/0203006)."""
    conv = run_convergence(load_spec(ISING), range(2, 21))
    by_order = {r.order: r for r in conv.results}
    assert by_order[12].nu == pytest.approx(0.6495618, abs=5e-8)  # quoted to 7 digits
    assert by_order[20].nu == pytest.approx(0.649561775, abs=5e-10)  # quoted to 9 digits
    assert by_order[20].omega == pytest.approx(KNOWN_CASES[0].omega, abs=1e-7)  # converged to ~4e-8


@pytest.mark.parametrize("module", ["rgsym.workflows.convergence", "rgsym.cache", "rgsym.errors"])
def test_doctests(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import doctest
    import importlib
    import os

    monkeypatch.chdir(DERIVATIONS.parent)  # the examples name derivations/on_lpa.toml
    for name in ("RGSYM_CACHE_DIR", "RGSYM_NO_CACHE"):  # rgsym.cache's examples set and delete them:
        if name in os.environ:  # monkeypatch restores the session's values afterwards
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


def test_doctests_leave_the_cache_folder_alone() -> None:
    """Runs after test_doctests (file order): the session's private cache folder is still set."""
    import os

    assert "rgsym-cache" in os.environ.get("RGSYM_CACHE_DIR", "")
