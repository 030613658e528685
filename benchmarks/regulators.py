"""Benchmark: regulators whose threshold integrals need quadrature (issue 5).

It prints:

- derive + exponents for the exponential regulator r(y) = y / (e^y - 1), O(1) model in d = 3,
  LPA polynomial of order 12 around the minimum, through each backend: the default (LLVM betas,
  thresholds by NumPy quadrature at every call), the generated C (nodes and weights compiled
  in, empty compiler cache) and the generated NumPy module; the baseline, measured in the
  same run, is the Litim regulator (closed-form thresholds) at the same order and backend;
- a scan of 30 values of the amplitude alpha (``rgsym scan derivations/on_lpa.toml --set
  regulator.kind=exponential --set regulator.alpha=0.5:8:30``) through the CLI with
  ``--backend c`` (empty compiler cache, then again with the libraries cached), against the
  same scan with the default backend.

Every measurement runs in a fresh process, with rgsym's derivation cache off
(``RGSYM_NO_CACHE=1``).  Nothing is asserted: the script prints figures.

Run ``python benchmarks/regulators.py`` (options: ``--order``, ``--points``, ``--workers``,
``--skip-scan``).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("symengine", "c", "numpy")

#: Runs in a child: derive, then exponents through one backend; prints "derive exponents nu omega".
CHILD = """
import sys, time
from rgsym.pipeline import critical_exponents, derive
from rgsym.spec import parse_spec
kind, order, backend = sys.argv[1], int(sys.argv[2]), sys.argv[3]
spec = parse_spec({"theory": {"d": 3, "N": 1}, "regulator": {"kind": kind},
                   "truncation": {"order": order, "expand_around": "minimum"}}, "benchmark")
start = time.perf_counter()
derive(spec)
middle = time.perf_counter()
_, ex = critical_exponents(spec, backend=backend)
print(middle - start, time.perf_counter() - middle, ex.nu, ex.omega)
"""


def environment(cache: str) -> dict[str, str]:
    """The children's environment: no derivation cache, this compiler cache, rgsym importable."""
    env = dict(os.environ, RGSYM_NO_CACHE="1", RGSYM_CACHE_DIR=cache)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def exponents_time(kind: str, order: int, backend: str) -> tuple[float, float, float, float]:
    """(derive, exponents, nu, omega) in a fresh process with an empty compiler cache."""
    with tempfile.TemporaryDirectory(prefix="rgsym-benchmark-") as cache:
        done = subprocess.run([sys.executable, "-c", CHILD, kind, str(order), backend], capture_output=True,
                              text=True, env=environment(cache), check=True)
    derive, exponents, nu, omega = (float(v) for v in done.stdout.split())
    return derive, exponents, nu, omega


def scan_time(backend: str, points: int, workers: int | None, cache: str) -> float:
    """Wall time of ``rgsym scan`` over alpha with the exponential regulator."""
    args = [sys.executable, "-m", "rgsym.cli", "scan", str(ROOT / "derivations" / "on_lpa.toml"),
            "--set", "regulator.kind=exponential", "--set", f"regulator.alpha=0.5:8:{points}",
            "--backend", backend, "--json"]
    if workers:
        args += ["--workers", str(workers)]
    start = time.perf_counter()
    subprocess.run(args, capture_output=True, text=True, env=environment(cache), check=True, cwd=ROOT)
    return time.perf_counter() - start


def print_exponents(order: int) -> None:
    print(f"derive + exponents, O(1), d = 3, LPA order {order} around the minimum (fresh process each)")
    print(f"{'backend':>10} {'regulator':>12} {'derive':>9} {'exponents':>10} {'vs litim':>9}  "
          f"{'nu':<12}  omega")
    for backend in BACKENDS:
        litim = exponents_time("litim", order, backend)
        mine = exponents_time("exponential", order, backend)
        for kind, (derive, exponents, nu, omega) in (("litim", litim), ("exponential", mine)):
            ratio = f"{(derive + exponents) / (litim[0] + litim[1]):.1f}x" if kind != "litim" else "1x"
            print(f"{backend:>10} {kind:>12} {derive:>8.2f}s {exponents:>9.2f}s {ratio:>9}  "
                  f"{nu:<12.10f}  {omega:.10f}", flush=True)
    print("  exponents: fixed points by continuation plus the stability matrix, compilation included "
          "(for c: kernels, C text and gcc).")


def print_scan(points: int, workers: int | None) -> None:
    print()
    print(f"rgsym scan derivations/on_lpa.toml --set regulator.kind=exponential "
          f"--set regulator.alpha=0.5:8:{points} --backend ... ({workers or os.cpu_count()} workers)")
    with tempfile.TemporaryDirectory(prefix="rgsym-benchmark-") as cache:
        default = scan_time("symengine", points, workers, cache)
        print(f"  default backend (baseline)            {default:8.2f} s", flush=True)
        cold = scan_time("c", points, workers, cache)
        print(f"  --backend c, empty compiler cache     {cold:8.2f} s  ({default / cold:.1f}x)", flush=True)
        warm = scan_time("c", points, workers, cache)
        print(f"  --backend c, libraries cached         {warm:8.2f} s  ({default / warm:.1f}x)", flush=True)
    print("  each alpha is its own derivation, and with c its own library: the quadrature nodes are "
          "constants in the code.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order", type=int, default=12, help="truncation order (default %(default)s)")
    parser.add_argument("--points", type=int, default=30,
                        help="alpha values in the scan (default %(default)s)")
    parser.add_argument("--workers", type=int, default=None, help="scan processes (default: one per core)")
    parser.add_argument("--skip-scan", action="store_true", help="only the derive + exponents table")
    args = parser.parse_args(argv)
    import symengine
    import sympy

    import rgsym

    print("rgsym benchmark: quadrature thresholds (exponential regulator)")
    print(f"python {platform.python_version()}, sympy {sympy.__version__}, "
          f"symengine {symengine.__version__}, rgsym {rgsym.__version__}, {os.cpu_count()} cores; "
          "wall-clock times")
    print()
    print_exponents(args.order)
    if not args.skip_scan:
        print_scan(args.points, args.workers)


if __name__ == "__main__":
    main()
