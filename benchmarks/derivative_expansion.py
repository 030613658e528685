"""Benchmark: the O(d^2) derivative expansion (issue 16), against the LPA in the same run.

Whole processes, each started fresh (no shared in-process state; the disk cache is off):

- baseline: ``rgsym fixed-function derivations/ising_lpa_full.toml`` (the LPA fixed function, full
  potential);
- ``rgsym fixed-function derivations/ising_d2.toml``: derive + fixed functions u*', z* + exponents for
  the Ising model at O(d^2) (the issue's target: under 10 s on one core, cold);
- ``rgsym exponents derivations/on_d2.toml`` (O(2): U, Z and Y);
- the polynomial route (u' of degree 3, z of degree 2 around the minimum);
- ``rgsym derive --emit c,numpy`` of that polynomial flow, then compiling the C (gcc -O1), and the same
  at the caps, u' of degree 10 and z of degree 5 (node tables of r(y), r'(y), ...);
- the same for the full-function route (``functions.c``: the collocated fixed-point ODEs);
- ``rgsym exponents derivations/ising_d2.toml`` with the disk cache on (a fresh private folder): cold,
  then warm (the derived flow read from the cache).

In-process, the stages of the Ising case: deriving the flows (:func:`rgsym.derivative_expansion.derive_d2`)
and solving them (:func:`rgsym.workflows.d2.d2_exponents`, which compiles and solves).

It prints the load average, then seconds and ratios to the baseline measured in the same run; nothing
is asserted.  Run ``python benchmarks/derivative_expansion.py`` (``PYTHONPATH=.``; ``taskset -c 0`` for
one core).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLYNOMIAL = ("--set", "truncation.potential=polynomial", "--set", "truncation.order=3",
              "--set", "regulator.alpha=1")
#: The polynomial route at the caps (spec.MAX_D2_ORDER, MAX_D2_KINETIC_ORDER).
POLYNOMIAL_CAPS = ("--set", "truncation.potential=polynomial", "--set", "truncation.order=10",
                   "--set", "truncation.kinetic_order=5", "--set", "regulator.alpha=1")


def run(*args: str, cache: str | None = None) -> float:
    """Seconds for ``python -m rgsym.cli ARGS`` in a fresh process (cache off, or in the folder ``cache``)."""
    env = {**os.environ, "RGSYM_NO_CACHE": "1", "PYTHONPATH": str(ROOT)}
    if cache is not None:
        env = {k: v for k, v in env.items() if k not in ("RGSYM_NO_CACHE", "RGSYM_CACHE")}
        env["RGSYM_CACHE_DIR"] = cache
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rgsym.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.strip()}")
    return time.perf_counter() - start


def emit_and_compile(route: tuple[str, ...] = POLYNOMIAL, source: str = "betas.c") -> tuple[float, float]:
    """(emit, compile) seconds for the Ising flow's C and NumPy files (polynomial or full route)."""
    folder = Path(tempfile.mkdtemp(prefix="rgsym-d2-bench-"))
    try:
        emitted = run("derive", "derivations/ising_d2.toml", *route, "--emit", "c,numpy",
                      "-o", str(folder))
        start = time.perf_counter()
        subprocess.run([os.environ.get("CC", "cc"), "-std=c99", "-O1", "-fPIC", "-shared", "-o", "lib.so",
                        source, "-lm"], cwd=folder, check=True, capture_output=True)
        return emitted, time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def cold_and_warm() -> tuple[float, float]:
    """``rgsym exponents`` of the Ising spec twice, with the cache on in a fresh folder."""
    folder = tempfile.mkdtemp(prefix="rgsym-d2-cache-")
    try:
        cold = run("exponents", "derivations/ising_d2.toml", cache=folder)
        return cold, run("exponents", "derivations/ising_d2.toml", cache=folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def in_process() -> tuple[float, float]:
    """(derive, derive + solve) seconds for the Ising spec in this process."""
    import sympy as sp

    from rgsym.derivative_expansion import derive_d2
    from rgsym.regulators import EXPONENTIAL
    from rgsym.spec import load_spec
    from rgsym.workflows.d2 import d2_exponents

    start = time.perf_counter()
    derive_d2(sp.Integer(3), sp.Integer(1), EXPONENTIAL.with_alpha(sp.Integer(2)))
    derived = time.perf_counter() - start
    start = time.perf_counter()
    d2_exponents(load_spec(ROOT / "derivations" / "ising_d2.toml"))
    return derived, time.perf_counter() - start


def main() -> None:
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    baseline = run("fixed-function", "derivations/ising_lpa_full.toml")
    emitted, compiled = emit_and_compile()
    emitted_caps, compiled_caps = emit_and_compile(POLYNOMIAL_CAPS)
    emitted_full, compiled_full = emit_and_compile((), "functions.c")
    cold, warm = cold_and_warm()
    rows = [
        ("LPA fixed function (baseline)", baseline),
        ("O(d^2) Ising, fixed-function (u', z)", run("fixed-function", "derivations/ising_d2.toml")),
        ("O(d^2) O(2), full functions (U, Z, Y)", run("exponents", "derivations/on_d2.toml")),
        ("O(d^2) Ising, polynomial 3/2", run("exponents", "derivations/ising_d2.toml", *POLYNOMIAL)),
        ("O(d^2) Ising, polynomial 3/2: --emit c,numpy", emitted),
        ("  ... gcc -O1 of that betas.c", compiled),
        ("O(d^2) Ising, polynomial 10/5: --emit c,numpy", emitted_caps),
        ("  ... gcc -O1 of that betas.c", compiled_caps),
        ("O(d^2) Ising, full functions: --emit c,numpy", emitted_full),
        ("  ... gcc -O1 of that functions.c", compiled_full),
        ("O(d^2) Ising, exponents, cache on: cold", cold),
        ("O(d^2) Ising, exponents, cache on: warm", warm),
    ]
    for name, seconds in rows:
        print(f"{name:46s} {seconds:7.2f} s   {seconds / baseline:5.2f} x baseline")
    derived, total = in_process()
    print(f"in process: derive_d2 {derived:.2f} s, d2_exponents (derive + compile + solve) {total:.2f} s")


if __name__ == "__main__":
    main()
