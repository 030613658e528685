"""Benchmark: Gross-Neveu-Yukawa exponents (issue 17), against a hand-written solve in the same run.

Whole processes, each started fresh, the disk cache off unless said:

- baseline: the published LPA' flows written out by hand (``tests/literature/gny_reference.py``,
  Litim threshold functions in closed form), lambdified and solved with ``scipy.optimize.fsolve``
  plus a finite-difference stability matrix, for the same model and truncation; this is what a
  researcher would write by hand, and the work rgsym replaces by deriving the flows;
- ``rgsym exponents`` of the shipped chiral Ising, XY and Heisenberg specs (N = 8, LPA', order 4
  around zero), and of the N = 1 Majorana spec, cold (``--no-cache``) and warm (second run with a
  private cache folder);
- the in-process derivation alone (:func:`rgsym.gny.derive_gny`) of chiral Ising at orders 2, 4, 6;
- the full potential (``--set truncation.potential=full``, :mod:`rgsym.workflows.gny_functions`) of
  the three chiral classes, cold: the polynomial start, the loops and the collocation on two grids.

It prints seconds and ratios to the baseline measured in the same run; nothing is asserted.
Run ``python benchmarks/gny.py`` from the repository root.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPECS = ("gny_chiral_ising.toml", "gny_chiral_xy.toml", "gny_chiral_heisenberg.toml", "gny_susy_n1.toml")

#: The hand-written baseline: chiral Ising N = 8, order 4 around zero (the reference's order 5).
BASELINE = """
import sys
sys.path.insert(0, {root!r})
from tests.literature.gny_reference import continue_in_order
point = continue_in_order("ising", range(2, 6), 3.0, 8.0, (0.40, 5.4, 2.3))[-1]
print(point.inverse_nu, point.eta_phi, point.eta_psi)
"""

DERIVE = """
import sys, time
from rgsym import load_spec
from rgsym.gny import derive_gny
spec = load_spec("derivations/gny_chiral_ising.toml", [f"truncation.order={sys.argv[1]}"])
start = time.perf_counter()
derive_gny(spec)
print(time.perf_counter() - start)
"""


def _run(args: list[str], cache: str | None = None) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if cache is None:
        env["RGSYM_NO_CACHE"] = "1"
    else:
        env.pop("RGSYM_NO_CACHE", None)
        env["RGSYM_CACHE_DIR"] = cache
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.strip()}")
    return time.perf_counter() - start, done.stdout


def main() -> None:
    baseline, _ = _run(["-c", BASELINE.format(root=str(ROOT))])
    print(f"baseline: hand-written published flows, chiral Ising N = 8, order 4: {baseline:.2f} s")
    print(f"{'spec':<28} {'cold (s)':>9} {'ratio':>6} {'warm (s)':>9} {'ratio':>6}")
    for spec in SPECS:
        cli = ["-m", "rgsym.cli", "exponents", f"derivations/{spec}"]
        cold, _ = _run(cli)
        with tempfile.TemporaryDirectory(prefix="rgsym-gny-bench-") as cache:
            _run(cli, cache)
            warm, _ = _run(cli, cache)
        print(f"{spec:<28} {cold:9.2f} {cold / baseline:6.2f} {warm:9.2f} {warm / baseline:6.2f}")
    for order in (2, 4, 6):
        _, out = _run(["-c", DERIVE, str(order)])
        print(f"derive_gny, chiral Ising order {order}: {float(out):.2f} s in process")
    for spec in SPECS[:3]:
        full = ["-m", "rgsym.cli", "exponents", f"derivations/{spec}", "--set", "truncation.potential=full"]
        cold, _ = _run(full)
        print(f"full potential, {spec:<28} {cold:9.2f} s cold, ratio {cold / baseline:6.2f}")


if __name__ == "__main__":
    main()
