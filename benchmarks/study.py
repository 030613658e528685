"""Benchmark: study throughput on local processes and on Dask (issue 18).

A study of the O(N) LPA (Litim, order ``--order``) over N = 1..4 and d in [3, 3.8] is run
with ``rgsym.workflows.study_launch.run_study``:

- on local processes (the default of ``rgsym study``) with 1 and 2 workers;
- as Dask tasks on a ``distributed.LocalCluster`` with the same number of worker processes
  (one thread each), started, and with rgsym imported on its workers, before the clock starts
  (a cluster is started once and used for many studies; the local pool's processes are forked
  from a process that has imported rgsym), so that the difference is Dask's overhead per point.

Each measurement runs in a fresh process; the derivation cache is filled first (in its own
folder), so every configuration reads the shared symbolic derivation from disk, as a
resumed or repeated study does.  It prints points per second, the time per point on its worker
and the idle worker time per point (time not spent in any point: Dask's scheduling and
transfer cost shows up there directly, insensitive to how fast the points themselves ran),
the Dask overhead per point and relative to local processes (wall time and idle time), and
the speed-up from 1 to 2 workers.  Nothing is
asserted: timings on a shared machine vary.

Run ``python benchmarks/study.py`` (options: ``--order``, ``--points``, ``--repeat``).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Runs in a child: one study, timed; prints "seconds points busy" (busy: the sum of the points'
#: own wall times, measured on the workers).
CHILD = """
import sys, time, tempfile
if __name__ != "__main__":
    raise SystemExit  # a spawned Dask nanny re-imports __main__
from rgsym.workflows.study import load_study
from rgsym.workflows.study_launch import RunOptions, run_study
study_path, mode, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
study = load_study(study_path)
out = tempfile.mkdtemp() + "/r"
scheduler = None
if mode == "dask":
    from distributed import LocalCluster
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    scheduler = cluster.scheduler_address
    from distributed import Client
    with Client(scheduler) as client:  # a running cluster has imported rgsym (and sympy) already
        client.run(__import__, "rgsym.workflows.study_run")
start = time.perf_counter()
table = run_study(study, RunOptions(out, workers=workers, scheduler=scheduler, parquet=False))
seconds = time.perf_counter() - start
assert all(r["status"] == "ok" for r in table.ordered()), "a benchmark point failed"
print(seconds, len(table.rows), sum(r["seconds"] for r in table.ordered()))
"""


def write_study(folder: Path, order: int, points: int) -> Path:
    """A study of ``points`` points: N = 1..4 times ``points // 4`` values of d in [3, 3.8]."""
    per_n = max(2, points // 4)
    path = folder / "bench.toml"
    path.write_text(f'spec = "{(ROOT / "derivations" / "on_lpa.toml").as_posix()}"\n'
                    f'[set]\ntruncation.order = {order}\n'
                    f'[grid]\ntheory.N = [1, 2, 3, 4]\ntheory.d = "3:3.8:{per_n}"\n', encoding="utf-8")
    return path


def environment(cache: str) -> dict[str, str]:
    """The children's environment: this derivation cache, rgsym importable, Dask quiet."""
    env = dict(os.environ, RGSYM_CACHE_DIR=cache, DASK_LOGGING__DISTRIBUTED="error")
    env.pop("RGSYM_NO_CACHE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def run(study: Path, mode: str, workers: int, env: dict[str, str]) -> tuple[float, int, float]:
    """(seconds, points, busy seconds) of one study in a fresh process."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(study), mode, str(workers)], env=env,
                          capture_output=True, text=True, check=True, timeout=3600)
    seconds, count, busy = done.stdout.split()[-3:]
    return float(seconds), int(count), float(busy)


def best(study: Path, mode: str, workers: int, env: dict[str, str],
         repeat: int) -> tuple[float, int, float]:
    """The fastest of ``repeat`` runs (the least disturbed by other load on the machine)."""
    return min(run(study, mode, workers, env) for _ in range(repeat))


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order", type=int, default=6, help="truncation order of every point")
    parser.add_argument("--points", type=int, default=32, help="points of the study (a multiple of 4)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per configuration; the best counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        study = write_study(Path(tmp), args.order, args.points)
        env = environment(str(Path(tmp) / "cache"))
        run(study, "local", 1, env)  # fills the derivation cache
        machine = platform.processor() or platform.machine()
        print(f"# rgsym study benchmark: O(N) LPA, order {args.order}; {machine}, {os.cpu_count()} cores; "
              f"best of {args.repeat}")
        print(f"{'executor':<10} {'workers':>7} {'points':>6} {'seconds':>8} {'points/s':>9} "
              f"{'ms/point on worker':>18} {'idle ms/point':>13}")
        rates: dict[tuple[str, int], tuple[float, int, float]] = {}
        for mode in ("local", "dask"):
            for workers in (1, 2):
                seconds, count, busy = best(study, mode, workers, env, args.repeat)
                rates[mode, workers] = (seconds, count, busy)
                idle = (seconds * workers - busy) / count  # worker time not spent in a point
                print(f"{mode:<10} {workers:>7} {count:>6} {seconds:>8.2f} {count / seconds:>9.2f} "
                      f"{1e3 * busy / count:>18.1f} {1e3 * idle:>13.1f}")
        for workers in (1, 2):
            (t_local, n, busy_local), (t_dask, _, busy_dask) = rates["local", workers], rates["dask", workers]
            print(f"Dask overhead, {workers} worker(s): {1e3 * (t_dask - t_local) / n:+.1f} ms per point, "
                  f"{100 * (t_dask / t_local - 1):+.1f}% of the local time (wall)")
            extra_idle = ((t_dask * workers - busy_dask) - (t_local * workers - busy_local)) / n
            print(f"Dask idle time, {workers} worker(s): {1e3 * extra_idle:+.1f} ms a point more than local, "
                  f"{100 * extra_idle * n / busy_local:+.1f}% of a local point")
        for mode in ("local", "dask"):
            print(f"{mode}: 1 -> 2 workers speed-up {rates[mode, 1][0] / rates[mode, 2][0]:.2f}x")


if __name__ == "__main__":
    main()
