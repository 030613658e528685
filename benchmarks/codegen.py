"""Benchmark: code emission, and evaluating rhs + Jacobian through each route (issue 4, section 7).

For the O(1) LPA around the minimum (d = 3, Litim), at each truncation order it prints:

- the emission time of every format (the CSE'd kernels with the forward-mode Jacobian,
  then C, NumPy, LaTeX and JSON text) and the C compile time (``-O1``, cold cache);
- the per-call time of rhs plus Jacobian at one point, for
  compiled C called through ctypes, the generated NumPy module, ``sympy.lambdify(cse=True)``
  of the betas and the symbolic stability matrix, and symengine's ``Lambdify`` (LLVM when
  available) as :mod:`rgsym.solve.numeric` compiles them;
- the batched throughput (points per second) at ``--points`` points for the same routes;
- an estimate of the throughput limit from the operation count of the CSE'd program:
  the clock rate from /proc/cpuinfo, one add or multiply per cycle and a division or square
  root per ``DIVISION_CYCLES`` cycles, on one core without SIMD.

Ratios are against compiled C measured in the same run.  Each route runs in its own process
with a time limit, so a route that does not finish (symengine's CSE of the order-20
stability matrix takes minutes) is reported as such.  Nothing is asserted.

Run ``python benchmarks/codegen.py`` (options: ``--orders``, ``--points``, ``--timeout``)
with this checkout importable (``PYTHONPATH=.`` or ``pip install -e .``).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: Cycles per division (reciprocal throughput on current x86 cores, scalar double).
DIVISION_CYCLES = 4.0
ROUTES = ("c", "numpy", "lambdify", "symengine")


def system_at(order: int) -> Any:
    from rgsym import load_spec
    from rgsym.pipeline import derive

    root = Path(__file__).resolve().parents[1]
    return derive(load_spec(root / "derivations" / "on_lpa.toml", [f"truncation.order={order}"]))


def sample_points(system: Any, count: int, seed: int = 1) -> np.ndarray:
    """Points (count, n) of order-one scaled couplings away from the propagator pole."""
    import sympy as sp

    scales = np.array([float(sp.sympify(s)) for s in system.scales])
    x = np.random.default_rng(seed).uniform(-0.5, 0.5, size=(count, scales.size))
    x[:, :2] = np.abs(x[:, :2]) + 0.1
    return x * scales


def per_call(call: Callable[[], object]) -> float:
    """Seconds per call: the best of five timeit runs."""
    timer = timeit.Timer(call)
    number, _ = timer.autorange()
    return min(timer.repeat(5, number)) / number


def measure_emission(order: int) -> dict[str, Any]:
    from rgsym.emit.c import render_c
    from rgsym.emit.compiler import build_library
    from rgsym.emit.json_form import render_json
    from rgsym.emit.kernels import build_kernels
    from rgsym.emit.latex import render_latex
    from rgsym.emit.numpy_module import render_numpy

    system = system_at(order)
    out: dict[str, Any] = {}
    start = time.perf_counter()
    kernels = build_kernels(system)
    out["kernels"] = time.perf_counter() - start
    for name, render in (("c", lambda: render_c(system, kernels)),
                         ("numpy", lambda: render_numpy(system, kernels)),
                         ("json", lambda: render_json(system))):
        start = time.perf_counter()
        files = render()
        out[name] = time.perf_counter() - start
        if name == "c":
            c_files = files
    if order <= 12:  # LaTeX of higher orders is pages of equations nobody typesets
        start = time.perf_counter()
        render_latex(system)
        out["latex"] = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as cache:
        os.environ["RGSYM_CACHE_DIR"] = cache  # cold: compile now
        start = time.perf_counter()
        build_library(c_files)
        out["compile"] = time.perf_counter() - start
    out["temporaries"] = len(kernels.rhs.temporaries) + len(kernels.jacobian.temporaries)
    out["operations"] = _operation_mix(kernels)
    return out


def _operation_mix(kernels: Any) -> dict[str, int]:
    """Operations of both kernels by kind (see :meth:`rgsym.emit.kernels.Kernel.operations`)."""
    total = {"addmul": 0, "division": 0, "call": 0}
    for kernel in kernels:
        for kind, count in kernel.operations().items():
            total[kind] += count
    return total


def build_route(route: str, system: Any) -> tuple[Callable[[np.ndarray], Any], Callable[[np.ndarray], Any]]:
    """(one point -> rhs and Jacobian, points (m, n) -> rhs and Jacobian) for a route."""
    import sympy as sp

    if route in ("c", "numpy"):
        from rgsym.emit.backends import compile_functions

        rhs, jac = compile_functions(system, {}, route)
        if route == "c":
            from rgsym.emit.backends import CLibrary

            library = CLibrary.load(system)
            jac_batch = library.jacobian_function(np.zeros(0))
            return (lambda g: (rhs(g), jac(g))), (lambda p: (rhs(p), jac_batch(p)))
        from rgsym.emit.kernels import build_kernels
        from rgsym.emit.numpy_module import load_module, render_numpy

        module = load_module(render_numpy(system, build_kernels(system))["betas.py"])
        return ((lambda g: (module.rhs(g), module.jacobian(g))),
                (lambda p: (module.rhs(p.T), module.jacobian(p.T))))
    if route == "lambdify":
        args = list(system.symbols)
        f = sp.lambdify(args, list(system.betas), modules="numpy", cse=True)
        j = sp.lambdify(args, list(system.stability_matrix), modules="numpy", cse=True)
        return (lambda g: (f(*g), j(*g))), (lambda p: (f(*p.T), j(*p.T)))
    from rgsym.solve.numeric import compile_system

    numeric = compile_system(system)
    jac_f = numeric._jacobian_function  # compiles the stability matrix now
    return ((lambda g: (numeric.rhs_function(g), jac_f(g))),
            (lambda p: (numeric.rhs_function(p), jac_f(p))))


def measure_route(order: int, route: str, points: int) -> dict[str, Any]:
    system = system_at(order)
    start = time.perf_counter()
    single, batch = build_route(route, system)
    built = time.perf_counter() - start
    g = sample_points(system, 1)[0]
    many = sample_points(system, points)
    single(g)
    batch(many[:10])
    elapsed = min(timeit.repeat(lambda: batch(many), number=1, repeat=3))
    return {"build": built, "call": per_call(lambda: single(g)), "throughput": points / elapsed}


def in_child(timeout: float, function: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any] | None:
    """Run ``function(*args)`` in a fresh process; None if it does not finish in time, and
    ``{"error": text}`` if it fails."""
    with mp.get_context("spawn").Pool(1) as pool:
        job = pool.apply_async(function, args)
        try:
            return job.get(timeout)
        except mp.TimeoutError:
            pool.terminate()
            return None
        except Exception as exc:  # noqa: BLE001 - a failing route is a result to print
            return {"error": f"{type(exc).__name__}: {str(exc)[:120]}"}


def clock_hz() -> float | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("cpu MHz"):
                return float(line.split(":")[1]) * 1e6
    except OSError:
        return None
    return None


def report(order: int, emission: dict[str, Any] | None, routes: dict[str, dict[str, Any] | None],
           timeout: float) -> None:
    print(f"\n== order {order} ==")
    if emission is None or "error" in emission:
        print(f"emission: {emission['error'] if emission else f'did not finish in {timeout:.0f} s'}")
        emission = None
    else:
        parts = ", ".join(f"{k} {emission[k]:.2f} s" for k in ("kernels", "c", "numpy", "latex", "json")
                          if k in emission)
        total = sum(emission[k] for k in ("kernels", "c", "numpy", "latex", "json") if k in emission)
        print(f"emission: {parts}; all formats {total:.2f} s; C compile (-O1) {emission['compile']:.2f} s")
        print(f"program: {emission['temporaries']} temporaries, {emission['operations']['addmul']} adds "
              f"and multiplies, {emission['operations']['division']} divisions")
    c = routes.get("c")
    c = c if c and "error" not in c else None
    print(f"{'route':<10} {'build s':>9} {'per call':>11} {'x C':>8} {'points/s':>12} {'C / route':>10}")
    for route in ROUTES:
        r = routes.get(route)
        if r is None or "error" in r:
            print(f"{route:<10} {r['error'] if r else f'did not finish in {timeout:.0f} s'}")
            continue
        slower = r["call"] / c["call"] if c else float("nan")
        faster = c["throughput"] / r["throughput"] if c else float("nan")
        print(f"{route:<10} {r['build']:>9.2f} {r['call'] * 1e6:>9.1f}us {slower:>8.1f} "
              f"{r['throughput']:>12.3g} {faster:>10.1f}")
    hz = clock_hz()
    if emission is not None and c is not None and hz:
        ops = emission["operations"]
        cycles = ops["addmul"] + DIVISION_CYCLES * (ops["division"] + ops["call"])
        limit = hz / cycles
        print(f"limit estimate: {limit:.3g} points/s ({hz / 1e9:.2f} GHz, {cycles:.0f} cycles a point); "
              f"batched C reaches {c['throughput'] / limit:.2f} of it")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[8, 20])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per route and order")
    args = parser.parse_args()
    print(f"# {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, {args.points} points per batch")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["RGSYM_CACHE_DIR"] = cache  # the children compile cold, and leave no cache behind
        for order in args.orders:
            emission = in_child(args.timeout, measure_emission, order)
            routes = {route: in_child(args.timeout, measure_route, order, route, args.points)
                      for route in ROUTES}
            report(order, emission, routes, args.timeout)


if __name__ == "__main__":
    main()
