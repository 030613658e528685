"""Studies on a real Dask cluster: a ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1.

The fixture starts them on free loopback ports, each in its own process group, and stops
them all at the end (SIGTERM, then SIGKILL after a bounded wait).  The workers get this
checkout on PYTHONPATH and the session's derivation cache through the environment, as
workers of a real cluster would from a shared file system.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rgsym.workflows.study import load_study
from rgsym.workflows.study_launch import RunOptions, run_study
from tests.conftest import DERIVATIONS, ROOT

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

#: Dask and local runs solve the same equations with the same code; the engine's floats move
#: by ~1e-15 between a fresh and a cached derivation (symengine's constant folding order).
SAME = 1e-12
#: Bounded waits (seconds) for processes to come up, studies to finish and processes to stop.
STARTUP, STUDY, SHUTDOWN = 120, 600, 20


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dask_command(*args: str) -> list[str]:
    """``dask ...`` as ``python -m dask ...`` of this interpreter (the ``dask`` console script)."""
    return [sys.executable, "-m", "dask", *args]


@dataclass
class Cluster:
    """A running scheduler and its workers."""

    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]
    env: dict[str, str]

    def start_worker(self) -> subprocess.Popen[bytes]:
        """One ``dask worker`` with one process and one thread, on loopback only."""
        proc = _spawn(dask_command("worker", self.address, "--host", "127.0.0.1", "--nworkers", "1",
                                   "--nthreads", "1", "--no-dashboard", "--death-timeout", "60"), self.env)
        self.workers.append(proc)
        return proc

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=STARTUP) as client:
            client.wait_for_workers(count, timeout=STARTUP)


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group we started, SIGKILL after a bounded wait."""
    if proc.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=SHUTDOWN)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_for_port(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dask scheduler exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"dask scheduler did not listen on 127.0.0.1:{port} within {STARTUP} s")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """``dask scheduler`` and two ``dask worker`` processes on free loopback ports."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    port = free_port()
    scheduler = _spawn(dask_command("scheduler", "--host", "127.0.0.1", "--port", str(port),
                                    "--no-dashboard"), env)
    running = Cluster(f"tcp://127.0.0.1:{port}", scheduler, [], env)
    try:
        _wait_for_port(port, scheduler)
        running.start_worker()
        running.start_worker()
        running.wait_for_workers(2)
        yield running
    finally:
        for proc in [*running.workers, scheduler]:
            _stop(proc)


def write_study(folder: Path, grid: str, order: int = 4) -> Path:
    path = folder / "study.toml"
    path.write_text(f'spec = "{(DERIVATIONS / "on_lpa.toml").as_posix()}"\n[set]\n'
                    f'truncation.order = {order}\n[grid]\n{grid}', encoding="utf-8")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def assert_same_rows(ours: list[dict[str, str]], reference: list[dict[str, str]]) -> None:
    """The same points, statuses and exponents (to SAME), and the same fixed points."""
    assert [r["digest"] for r in ours] == [r["digest"] for r in reference]
    for a, b in zip(ours, reference, strict=True):
        assert a["status"] == b["status"], (a, b)
        for name in ("nu", "omega"):
            if b[name]:
                assert float(a[name]) == pytest.approx(float(b[name]), abs=SAME)
        fa, fb = json.loads(a["fixed_point"]), json.loads(b["fixed_point"])
        assert fa.keys() == fb.keys()
        for key in fb:
            assert fa[key] == pytest.approx(fb[key], rel=SAME)


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rgsym.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=STUDY)


def test_scheduler_run_equals_the_local_run(cluster: Cluster, tmp_path: Path) -> None:
    study_path = write_study(tmp_path, 'theory.N = [1, 2]\ntheory.d = [3.0, 3.5]\n')
    local = run_study(load_study(study_path), RunOptions(str(tmp_path / "local"), workers=1))
    result = run_cli("study", str(study_path), "--scheduler", cluster.address, "-o", str(tmp_path / "dask"),
                     env=cluster.env)
    assert result.returncode == 0, result.stderr
    assert_same_rows(read_csv(tmp_path / "dask.csv"), read_csv(local.csv_path))
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "dask.parquet").column("point").to_pylist() == [0, 1, 2, 3]


def _start_study(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "rgsym.cli", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _wait_for_rows(path: Path, count: int, proc: subprocess.Popen[str]) -> int:
    """Wait until the journal has ``count`` rows (or the study ended); return the row count."""
    deadline = time.monotonic() + STUDY
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and len(read_csv(path)) >= count:
            break
        time.sleep(0.05)
    return len(read_csv(path)) if path.exists() else 0


@pytest.mark.slow
def test_a_dying_worker_does_not_stop_the_study(cluster: Cluster, tmp_path: Path) -> None:
    """SIGKILL one worker (its whole process group) mid-study: Dask reruns its tasks elsewhere."""
    study_path = write_study(tmp_path, 'theory.N = [1, 2, 3]\ntheory.d = "3:3.8:5"\n')
    out = tmp_path / "dask"
    proc = _start_study(["study", str(study_path), "--scheduler", cluster.address, "-o", str(out)],
                        cluster.env)
    try:
        done = _wait_for_rows(out.with_name("dask.csv"), 1, proc)
        assert done < 15, "the study ended before a worker could be killed; make it longer"
        victim = cluster.workers[-1]
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=SHUTDOWN)
        _, err = proc.communicate(timeout=STUDY)
    finally:
        _stop(proc)  # type: ignore[arg-type]
        cluster.start_worker()  # leave two workers for the next test
    assert proc.returncode == 0, err
    rows = read_csv(out.with_name("dask.csv"))
    assert [int(r["point"]) for r in rows] == list(range(15))
    assert all(r["status"] == "ok" for r in rows), [r["reason"] for r in rows if r["status"] != "ok"]
    cluster.wait_for_workers(2)


@pytest.mark.slow
def test_resume_on_dask_after_the_client_is_killed(cluster: Cluster, tmp_path: Path) -> None:
    """SIGKILL the study process itself: the journal keeps what finished, --resume does the rest."""
    study_path = write_study(tmp_path, 'theory.N = [1, 2, 3]\ntheory.d = "3:3.8:5"\n')
    out = tmp_path / "dask"
    csv_path = out.with_name("dask.csv")
    proc = _start_study(["study", str(study_path), "--scheduler", cluster.address, "-o", str(out)],
                        cluster.env)
    try:
        done = _wait_for_rows(csv_path, 2, proc)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=SHUTDOWN)
    finally:
        _stop(proc)  # type: ignore[arg-type]
    assert 2 <= done < 15, "the study ended before it could be killed; make it longer"
    kept = {r["digest"]: r["seconds"] for r in read_csv(csv_path) if r["digest"]}
    result = run_cli("study", str(study_path), "--scheduler", cluster.address, "-o", str(out), "--resume",
                     env=cluster.env)
    assert result.returncode == 0, result.stderr
    rows = read_csv(csv_path)
    assert [int(r["point"]) for r in rows] == list(range(15))
    assert all(r["seconds"] == kept[r["digest"]] for r in rows if r["digest"] in kept)
    local = run_study(load_study(study_path), RunOptions(str(tmp_path / "local"), workers=1, parquet=False))
    assert_same_rows(rows, read_csv(local.csv_path))


@pytest.mark.slow
def test_local_dask_prints_the_dashboard_and_solves(tmp_path: Path) -> None:
    """``--scheduler local-dask`` starts a LocalCluster on loopback; its dashboard link goes to stderr."""
    study_path = write_study(tmp_path, 'theory.N = [1, 2]\n', order=2)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = run_cli("study", str(study_path), "--scheduler", "local-dask", "--workers", "1", "--json",
                     "-o", str(tmp_path / "r"), env=env)
    assert result.returncode == 0, result.stderr
    assert "Dask dashboard: http://127.0.0.1:" in result.stderr
    assert json.loads(result.stdout)["ok"] == 2
