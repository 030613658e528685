"""Benchmark: time to the Ising LPA fixed-point function and nu to 1e-8 (issue 7, section 5).

Two routes for the O(1) model in d = 3 (LPA, Litim regulator), each in a fresh process so
that no cache is shared:

- full potential: ``derive`` of the PDE, the order-4 polynomial start, and the Chebyshev
  collocation solve with its two-grid check (:func:`rgsym.workflows.fixed_function.fixed_function`);
- polynomial route: ``critical_exponents`` around the minimum at increasing order until
  nu and omega agree with the full-potential result to 1e-8 (REFERENCES.md: order 20 is
  converged to ~1e-9 in nu).

It prints the wall-clock times and the ratio polynomial / full.  frgfp (PyPI) is not
compared: ``pip install frgfp`` did not finish within 40 s here (it pulls numba and llvmlite).
Nothing is asserted about the times.

Run ``python benchmarks/full_potential.py`` (options: ``--orders``, ``--timeout``) with this
checkout importable (``pip install -e .`` or ``PYTHONPATH=.``).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from pathlib import Path
from typing import Any

SPEC = Path(__file__).resolve().parents[1] / "derivations" / "ising_lpa_full.toml"
TARGET = 1e-8


def full_route(queue: Any) -> None:
    """Derive the PDE and solve for u*; report the times of both stages."""
    from rgsym.pipeline import derive
    from rgsym.spec import load_spec
    from rgsym.workflows.fixed_function import fixed_function

    start = time.perf_counter()
    spec = load_spec(SPEC)
    derive(spec)
    derived = time.perf_counter()
    result = fixed_function(spec)
    done = time.perf_counter()
    queue.put({"derive": derived - start, "solve": done - derived, "total": done - start,
               "nu": result.nu, "omega": result.omega, "error": result.discretisation_error})


def polynomial_route(order: int, queue: Any) -> None:
    """The polynomial truncation of u' around the minimum at one order, from scratch."""
    from rgsym.pipeline import critical_exponents
    from rgsym.spec import load_spec

    start = time.perf_counter()
    spec = load_spec(SPEC, ["truncation.potential=polynomial", f"truncation.order={order}",
                            "truncation.expand_around=minimum"])
    _, ex = critical_exponents(spec)
    queue.put({"total": time.perf_counter() - start, "nu": ex.nu, "omega": ex.omega})


def run(target: Any, args: tuple[Any, ...], timeout: float) -> dict[str, Any] | None:
    """Run ``target`` in a fresh process; None when it exceeds ``timeout`` seconds."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result: dict[str, Any] = queue.get(timeout=0.5)
        except Exception:  # noqa: BLE001 - queue.Empty: still running, or it died
            if not proc.is_alive():
                return None
            continue
        proc.join()
        return result
    proc.terminate()
    proc.join()
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", default="8,12,16,20", help="polynomial orders to try, ascending")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per process")
    args = parser.parse_args()
    full = run(full_route, (), args.timeout)
    if full is None:
        print("full potential: did not finish")
        return
    print(f"full potential: derive {full['derive']:.2f} s + solve {full['solve']:.2f} s "
          f"= {full['total']:.2f} s; nu = {full['nu']:.12f}, omega = {full['omega']:.12f} "
          f"(two-grid error {full['error']:.1e})")
    print(f"{'order':>5} {'time/s':>8} {'|d nu|':>9} {'|d omega|':>9} {'ratio':>7}")
    for order in (int(o) for o in args.orders.split(",")):
        poly = run(polynomial_route, (order,), args.timeout)
        if poly is None:
            print(f"{order:>5} failed or did not finish within {args.timeout:.0f} s")
            break
        dnu, domega = abs(poly["nu"] - full["nu"]), abs(poly["omega"] - full["omega"])
        print(f"{order:>5} {poly['total']:8.2f} {dnu:9.1e} {domega:9.1e} "
              f"{poly['total'] / full['total']:7.1f}")
        if max(dnu, domega) < TARGET:
            print(f"polynomial route reaches {TARGET:g} at order {order}: "
                  f"{poly['total'] / full['total']:.1f} times the full-potential time")
            break


if __name__ == "__main__":
    main()
