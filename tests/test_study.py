"""Studies on local processes: the study file, validation before work, the table, resume, plots."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rgsym.errors import SpecError
from rgsym.pipeline import critical_exponents
from rgsym.spec import load_spec
from rgsym.workflows.study import load_study
from rgsym.workflows.study_launch import RunOptions, run_study
from rgsym.workflows.study_run import PointTask, check_workers, core_count, solve_point
from tests.conftest import DERIVATIONS, ROOT, run_cli

SPEC = DERIVATIONS / "on_lpa.toml"

#: Two runs of one point agree to this: the same equations and solver, but the engine's
#: floating-point results move by ~1e-15 with PYTHONHASHSEED and between a fresh and a
#: cached derivation (the order in which symengine folds the constants).
SAME = 1e-12


def write_study(folder: Path, body: str, name: str = "study.toml") -> Path:
    """A study file in ``folder`` on the shipped O(N) LPA spec."""
    path = folder / name
    path.write_text(f'spec = "{SPEC.as_posix()}"\n{body}', encoding="utf-8")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


SMALL = """
[set]
truncation.order = 3
[grid]
theory.N = [1, 2]
theory.d = "3:3.5:2"
"""


def test_grid_is_the_product_in_file_order(tmp_path: Path) -> None:
    study = load_study(write_study(tmp_path, SMALL + '\n[[points]]\ntheory.N = 4\ntheory.d = 3.2\n'))
    assert study.keys == ("theory.N", "theory.d")
    assert [dict(p.values) for p in study.points] == [
        {"theory.N": 1, "theory.d": 3.0}, {"theory.N": 1, "theory.d": 3.5},
        {"theory.N": 2, "theory.d": 3.0}, {"theory.N": 2, "theory.d": 3.5},
        {"theory.N": 4, "theory.d": 3.2}]
    assert study.varying() == ("theory.N", "theory.d")
    assert [p.index for p in study.points] == list(range(5))
    assert study.points[0].overrides == ("truncation.order=3", "theory.N=1", "theory.d=3.0")
    digest = load_spec(SPEC, ["truncation.order=3", "theory.N=1", "theory.d=3.0"]).digest
    assert study.points[0].digest == digest


def test_range_values_are_the_decimals_meant(tmp_path: Path) -> None:
    """np.linspace gives 3.1999999999999997; the study keeps the 3.2 the user wrote the range for."""
    study = load_study(write_study(tmp_path, '[grid]\ntheory.d = "2.8:4:4"\n'))
    assert [dict(p.values)["theory.d"] for p in study.points] == [2.8, 3.2, 3.6, 4.0]


def test_regulator_kinds_as_strings_are_derived_point_by_point(tmp_path: Path) -> None:
    study = load_study(write_study(tmp_path, '[grid]\nregulator.kind = ["litim", "exponential"]\n'))
    litim, exponential = study.points
    assert litim.template is not None and dict(litim.parameters) == {"d": 3.0, "N": 1.0}
    assert exponential.template is None  # its thresholds need numbers for d


@pytest.mark.parametrize(("body", "key", "allowed"), [
    ('[grid]\ntheory.M = [1, 2]\n', "grid.theory.M", "allowed: d, N"),
    ('[grid]\ntheory.d = "1:2"\n', "grid.theory.d", "start:stop:count"),
    ('[grid]\ntheory.d = 3\n', "grid.theory.d", "non-empty list"),
    ('[grid]\ntheory.N = [1, 1]\n', "grid.theory.N", "twice"),
    ('[grid]\nregulator.kind = ["litim", "fancy"]\n', "regulator.kind", "at point 1"),
    ('[grid]\ntheory.N = [1, 0]\n', "theory.N", "at point 1"),
    ('[grid]\ntheory.d = ["d", 3]\n', "theory.d", "must be a number"),
    ('[grid]\ntruncation.potential = ["full"]\n', "truncation.potential", "polynomial"),
    ('[gird]\ntheory.N = [1]\n', "gird", "allowed: spec, set, grid"),
    ('', "grid", "no points"),
    ('[[points]]\ntheory.N = 2\n[[points]]\ntheory.N = 2\n', "points", "same spec"),
])
def test_mistakes_name_the_study_file_and_the_key(tmp_path: Path, body: str, key: str, allowed: str) -> None:
    path = write_study(tmp_path, body)
    with pytest.raises(SpecError) as info:
        load_study(path)
    assert info.value.source == str(path) and info.value.key == key
    assert allowed in str(info.value)


def test_point_cap(tmp_path: Path) -> None:
    path = write_study(tmp_path, '[grid]\ntheory.N = [1, 2, 3]\ntheory.d = "3:3.5:3"\n')
    with pytest.raises(SpecError, match="9 points; a study may have at most 8"):
        load_study(path, max_points=8)


def test_missing_spec_is_relative_to_the_study(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text('spec = "nowhere.toml"\n[grid]\ntheory.N = [1]\n')
    with pytest.raises(SpecError, match="nowhere.toml"):
        load_study(tmp_path / "s.toml")


def test_cli_mistake_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    path = write_study(tmp_path, '[grid]\nregulator.kind = ["litim", "fancy"]\n')
    result = run_cli("study", str(path), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr and "regulator.kind" in result.stderr
    assert not list(tmp_path.glob("out*"))


def test_workers_mean_nothing_to_a_running_scheduler(tmp_path: Path) -> None:
    path = write_study(tmp_path, '[grid]\ntheory.N = [1, 2]\n')
    result = run_cli("study", str(path), "--scheduler", "tcp://127.0.0.1:1", "--workers", "2",
                     "-o", str(tmp_path / "r"))
    assert result.returncode == 2 and "--workers" in result.stderr and result.stderr.count("\n") == 1
    assert not list(tmp_path.glob("r*"))


def test_workers_are_capped_at_the_cores() -> None:
    assert check_workers(None) == core_count()
    assert check_workers(10_000) == core_count()
    with pytest.raises(SpecError, match="--workers"):
        check_workers(0)


@pytest.mark.parametrize("spec", ["on_lpa.toml", "ising_lpa_prime.toml"])
def test_shared_derivation_gives_the_direct_exponents(tmp_path: Path, spec: str) -> None:
    """A point solved through the symbolic-d,N derivation = ``rgsym exponents`` on its spec (LPA, LPA')."""
    path = tmp_path / "study.toml"
    path.write_text(f'spec = "{(DERIVATIONS / spec).as_posix()}"\n[set]\ntruncation.order = 4\n'
                    '[[points]]\ntheory.N = 2\ntheory.d = 3.3\n', encoding="utf-8")
    (point,) = load_study(path).points
    assert point.template is not None
    shared = solve_point(PointTask(str(DERIVATIONS / spec), point))
    _, direct = critical_exponents(load_spec(DERIVATIONS / spec, point.overrides))
    assert shared.status == "ok"
    lpa_prime = spec == "ising_lpa_prime.toml"
    assert (shared.eta is None) is not lpa_prime  # eta is a column where the truncation has it
    for name in ("nu", "omega", "eta") if lpa_prime else ("nu", "omega"):
        assert getattr(shared, name) == pytest.approx(getattr(direct, name), abs=SAME)


def test_a_failing_point_is_a_row_and_the_study_goes_on(tmp_path: Path) -> None:
    """In d = 4 the order-2 LPA has no non-Gaussian fixed point; d = 3 has the Wilson-Fisher one."""
    study = load_study(write_study(tmp_path, '[set]\ntruncation.order = 2\n[grid]\ntheory.d = [4, 3]\n'))
    table = run_study(study, RunOptions(str(tmp_path / "r"), workers=1))
    rows = read_csv(table.csv_path)
    assert [r["status"] for r in rows] == ["failed", "ok"]
    assert "no fixed point" in rows[0]["reason"] and rows[0]["nu"] == ""
    _, direct = critical_exponents(load_spec(SPEC, ["truncation.order=2", "theory.d=3"]))
    assert float(rows[1]["nu"]) == pytest.approx(direct.nu, abs=SAME)


def test_table_csv_and_parquet_agree_in_point_order(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    study = load_study(write_study(tmp_path, SMALL))
    table = run_study(study, RunOptions(str(tmp_path / "r"), workers=2))
    rows = read_csv(table.csv_path)
    assert [int(r["point"]) for r in rows] == [0, 1, 2, 3]
    assert list(rows[0]) == ["point", "theory.N", "theory.d", "status", "reason", "nu", "omega", "eta",
                             "theta", "fixed_point", "seconds", "digest"]
    frame = pq.read_table(table.parquet_path).to_pylist()
    assert [r["point"] for r in frame] == [0, 1, 2, 3]
    assert [r["theory.N"] for r in frame] == [1, 1, 2, 2]  # the N axis stays integer
    for text, typed in zip(rows, frame, strict=True):
        assert float(text["nu"]) == typed["nu"]  # repr: the CSV reads back exactly
        assert text["digest"] == typed["digest"]
        assert text["status"] == typed["status"] == "ok"
        theta = json.loads(typed["theta"])
        assert 1 / theta[0] == pytest.approx(typed["nu"], rel=1e-12)
        assert set(json.loads(typed["fixed_point"])) >= {"kappa", "lambda_2"}
        assert typed["eta"] is None  # the LPA has no eta


def test_existing_results_need_resume(tmp_path: Path) -> None:
    path = write_study(tmp_path, '[set]\ntruncation.order = 2\n[grid]\ntheory.N = [1]\n')
    first = run_cli("study", str(path), "-o", str(tmp_path / "r"), "--no-parquet")
    assert first.returncode == 0, first.stderr
    again = run_cli("study", str(path), "-o", str(tmp_path / "r"), "--no-parquet")
    assert again.returncode == 2 and "--resume" in again.stderr


def test_resume_keeps_finished_rows_and_redoes_the_rest(tmp_path: Path) -> None:
    """Drop one row, cut the last one in half (a killed run): resume runs exactly those two."""
    study = load_study(write_study(tmp_path, SMALL))
    full = run_study(study, RunOptions(str(tmp_path / "r"), workers=1, parquet=False))
    lines = full.csv_path.read_text().splitlines()
    full.csv_path.write_text("\n".join([lines[0], lines[1], lines[3], lines[4][:40]]) + "\n")
    resumed = run_study(study, RunOptions(str(tmp_path / "r"), resume=True, workers=1, parquet=False))
    before, after = read_csv(full.csv_path), [r for r in read_csv(resumed.csv_path)]
    assert len(after) == 4 and [int(r["point"]) for r in after] == [0, 1, 2, 3]
    assert [r["seconds"] for r in after][::2] == [lines[1].split(",")[-2], lines[3].split(",")[-2]]
    for old_nu, row in zip((r["nu"] for r in before), after, strict=True):
        assert float(row["nu"]) == pytest.approx(float(old_nu), abs=SAME)


def test_resume_after_an_interrupt(tmp_path: Path) -> None:
    """SIGINT in the middle of a study: the finished rows are kept and --resume completes it."""
    path = write_study(tmp_path, '[set]\ntruncation.order = 4\n[grid]\ntheory.N = [1, 2, 3]\n'
                                 'theory.d = "3:3.8:5"\n')
    out = tmp_path / "r"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "rgsym.cli", "study", str(path), "-o", str(out), "--workers", "1"]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        csv_path = out.with_name("r.csv")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None \
                and not (csv_path.exists() and len(read_csv(csv_path)) >= 2):
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == 130, err
    kept = read_csv(csv_path)
    assert 2 <= len(kept) < 15, "the study ended before the interrupt; make it longer"
    resumed = run_cli("study", str(path), "-o", str(out), "--resume", "--json", "--workers", "1")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["points"] == 15
    rows = read_csv(csv_path)
    assert [int(r["point"]) for r in rows] == list(range(15))
    kept_seconds = {r["digest"]: r["seconds"] for r in kept}
    assert all(r["seconds"] == kept_seconds[r["digest"]] for r in rows if r["digest"] in kept_seconds)


@pytest.mark.slow
def test_plots_lines_heat_map_and_alpha_pms(tmp_path: Path) -> None:
    """One key: lines; two: heat maps; alpha varied: curves with the PMS near alpha = 1.

    Litim, Phys. Rev. D64 (2001) 105007: the optimised Litim regulator is alpha = 1; at order 3
    on a 0.1 grid the parabola through three points puts the PMS of nu within a step of it.
    """
    pytest.importorskip("matplotlib")
    cases = {
        "lines": '[set]\ntruncation.order = 2\n[grid]\ntheory.d = [3, 3.5]\n',
        "heat": SMALL,
        "alpha": '[set]\ntruncation.order = 3\n[grid]\nregulator.alpha = "0.8:1.2:5"\n',
    }
    for name, body in cases.items():
        path = write_study(tmp_path, body, f"{name}.toml")
        png = tmp_path / f"{name}.png"
        result = run_cli("study", str(path), "-o", str(tmp_path / name), "--plot", str(png), "--json")
        assert result.returncode == 0, result.stderr
        assert png.stat().st_size > 5000
        if name == "alpha":
            pms = [p for p in json.loads(result.stdout)["pms"] if p["exponent"] == "nu"]
            assert pms and abs(pms[0]["alpha"] - 1.0) < 0.1


def test_plot_of_three_keys_is_refused_before_work(tmp_path: Path) -> None:
    path = write_study(tmp_path, '[grid]\ntheory.N = [1, 2]\ntheory.d = [3, 3.5]\n'
                                 'truncation.order = [2, 3]\n')
    result = run_cli("study", str(path), "-o", str(tmp_path / "r"), "--plot", str(tmp_path / "p.png"))
    assert result.returncode == 2 and "--plot" in result.stderr
    assert not (tmp_path / "r.csv").exists()


def test_readme_study_files_load() -> None:
    """Every study file shipped under derivations/studies/ is valid."""
    studies = sorted((DERIVATIONS / "studies").glob("*.toml"))
    assert studies
    for path in studies:
        assert load_study(path).points


@pytest.mark.skipif(__import__("multiprocessing").get_start_method() != "fork" or core_count() < 2,
                    reason="the patched solver reaches the pool's processes by fork (one core: no pool)")
def test_a_dead_process_gives_error_rows_that_resume_reruns(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool process that dies (OOM killer, segfault) ends its points as 'error' rows, not the study."""
    import rgsym.workflows.study_run as study_run

    solve = study_run._critical

    def dies_at_point_1(task: PointTask) -> object:
        if task.point.index == 1:
            os._exit(1)
        return solve(task)

    body = '[set]\ntruncation.order = 2\n[grid]\ntheory.d = [3, 3.2, 3.4]\n'
    study = load_study(write_study(tmp_path, body))
    monkeypatch.setattr(study_run, "_critical", dies_at_point_1)
    broken = run_study(study, RunOptions(str(tmp_path / "r"), workers=2, parquet=False))
    rows = read_csv(broken.csv_path)
    assert len(rows) == 3 and rows[1]["status"] == "error" and "BrokenProcessPool" in rows[1]["reason"]
    monkeypatch.setattr(study_run, "_critical", solve)
    resumed = run_study(study, RunOptions(str(tmp_path / "r"), resume=True, workers=2, parquet=False))
    assert [r["status"] for r in read_csv(resumed.csv_path)] == ["ok", "ok", "ok"]


def test_progress_line_shows_done_failed_and_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rgsym.study_cli import _progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    _progress(3, 12, 1, 2.0)
    assert terminal.getvalue().endswith("] 3/12  failed 1  1.50 points/s")


def test_listed_points_may_leave_keys_at_the_spec_value(tmp_path: Path) -> None:
    """A listed point without a grid key has an empty cell there, and the plot leaves it out."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("pyarrow")
    path = write_study(tmp_path, '[set]\ntruncation.order = 2\n[grid]\ntheory.d = [3, 3.5]\n'
                                 '[[points]]\ntheory.N = 2\n')
    png = tmp_path / "p.png"
    result = run_cli("study", str(path), "-o", str(tmp_path / "r"), "--plot", str(png))
    assert result.returncode == 0, result.stderr
    rows = read_csv(tmp_path / "r.csv")
    assert [(r["theory.d"], r["theory.N"]) for r in rows] == [("3.0", ""), ("3.5", ""), ("", "2")]
    assert png.stat().st_size > 5000
