"""Benchmark: derive, compile and solve the LPA polynomial truncation (issue 2, section 9).

For the O(1) model in d = 3 (Litim regulator, polynomial of u' of order M around the
running minimum) it prints, per M:

- the derivation time: ``derive(spec)``, i.e. the betas and the symbolic stability matrix,
  in a fresh process ("cold") and the best of a few repeats with the caches of the inner
  stages warm ("warm", ``derive.cache_clear()`` between repeats);
- the compile time of the betas (``compile_system``, symengine's LLVM);
- the time for every fixed point (``find_fixed_points``) and then for the exponents at each
  (``compute_exponents``, the exact stability matrix evaluated by substitution of 256-bit
  numbers: nothing to compile), each the best of a few;

and, measured in the same run as baselines:

- the route the exponents took before: the exact stability matrix compiled with LLVM
  (opt_level 0, CSE), up to ``--baseline-max-order``, with the ratio before / now for the
  exponents, and the largest difference of the two matrices relative to a 300-bit
  evaluation of the same expressions (MPFR), for both;
- the generated-code route (``--backend c``): forward-mode kernels, C text, gcc, with a
  fresh compiler cache, up to ``--c-max-order``;
- for M <= 8, a naive baseline: plain sympy, with u a polynomial with symbolic
  coefficients inserted into the LPA equation, ``sympy.series`` of the flow of u' around
  the minimum, the Jacobian, and ``sympy.lambdify``.  The ratio is naive / rgsym for the
  same deliverables (betas and stability matrix, compiled).

rgsym's on-disk cache of derivations is switched off (``RGSYM_NO_CACHE=1``).  Every
order runs in its own process with a time limit, so that one slow stage cannot hold
up the others; a stage that does not finish is reported as such.  Nothing is asserted about
the times: the script prints figures.

Run ``python benchmarks/derive_lpa.py`` (options: ``--max-order``, ``--orders``, ``--timeout``,
``--repeats``, ``--baseline-max-order``, ``--c-max-order``).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import platform
import queue
import time
from collections.abc import Callable
from typing import Any

ORDERS = (8, 12, 16, 20, 24, 30)
NAIVE_MAX_ORDER = 8
#: The compiled stability matrix (the route before) takes 220 s at order 20: off beyond 16 by default.
BASELINE_MAX_ORDER = 16
#: The C route (kernels, C, gcc): a minute at order 20.
C_MAX_ORDER = 16
#: Orders up to this one repeat the cheap stages and keep the best time.
REPEAT_MAX_ORDER = 20

Report = dict[str, Any]


def lpa_spec(order: int) -> Any:
    from rgsym.spec import parse_spec

    return parse_spec({"theory": {"d": 3, "N": 1},
                       "truncation": {"order": order, "expand_around": "minimum"}}, "benchmark")


def best_of(repeats: int, action: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest wall time of ``repeats`` runs, and the last result."""
    best, result = math.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


# --- rgsym ----------------------------------------------------------------------------------


def measure_rgsym(order: int, repeats: int, out: Any) -> None:
    """Child process: time each stage of rgsym at one order and send the figures to ``out``."""
    from rgsym.betasystem import BetaSystem
    from rgsym.pipeline import derive
    from rgsym.solve import compile_system, compute_exponents, find_fixed_points

    spec = lpa_spec(order)
    start = time.perf_counter()
    system = derive(spec)
    out.put(("derive_cold", time.perf_counter() - start))
    assert isinstance(system, BetaSystem)
    out.put(("couplings", len(system.couplings)))
    n_warm = repeats if order <= REPEAT_MAX_ORDER else 1

    def derive_again() -> Any:
        derive.cache_clear()
        return derive(spec)

    out.put(("derive_warm", best_of(n_warm, derive_again)[0]))
    compile_time, numeric = best_of(n_warm, lambda: compile_system(system))
    out.put(("compile_betas", compile_time))
    fp_time, points = best_of(repeats, lambda: find_fixed_points(numeric))
    out.put(("fixed_points", fp_time))
    exponents_time, exponents = best_of(repeats, lambda: [compute_exponents(numeric, fp) for fp in points])
    out.put(("exponents", exponents_time))
    critical = [ex for fp, ex in zip(points, exponents, strict=True)
                if not fp.is_gaussian and ex.relevant == 1]
    if critical:
        out.put(("nu", critical[0].nu))
        out.put(("omega", critical[0].omega))


def measure_baseline(order: int, repeats: int, out: Any) -> None:
    """Child process: the exponents' route before, the stability matrix compiled with LLVM.

    Also the accuracy of both routes: their matrices at the Wilson-Fisher point against the
    same expressions evaluated with 300-bit numbers.
    """
    import numpy as np
    import symengine as se

    from rgsym.betasystem import BetaSystem
    from rgsym.pipeline import derive
    from rgsym.solve import compile_system, find_fixed_points

    system = derive(lpa_spec(order))
    assert isinstance(system, BetaSystem)
    numeric = compile_system(system)
    fp = [f for f in find_fixed_points(numeric) if not f.is_gaussian][0]
    g = np.array(fp.values)
    syms = [se.Symbol(c.name) for c in system.couplings]
    start = time.perf_counter()
    se.Lambdify(syms, list(system.fast_betas), backend="llvm", cse=True)  # LLVM's default opt_level
    out.put(("baseline_betas", time.perf_counter() - start))
    flat = [e for row in system.fast_stability for e in row]
    start = time.perf_counter()
    compiled = se.Lambdify(syms, flat, backend="llvm", cse=True, opt_level=0)
    before = np.asarray(compiled(g), dtype=float).reshape(g.size, g.size)
    out.put(("baseline_jacobian", time.perf_counter() - start))
    now = numeric.jacobian(g)
    mpfr = {s: se.RealMPFR(repr(float(v)), 300) for s, v in zip(syms, g, strict=True)}
    exact = np.array([float(e.xreplace(mpfr)) for e in flat]).reshape(g.size, g.size)
    scale = np.max(np.abs(exact))
    out.put(("error_before", float(np.max(np.abs(before - exact)) / scale)))
    out.put(("error_now", float(np.max(np.abs(now - exact)) / scale)))


def measure_c_route(order: int, repeats: int, out: Any) -> None:
    """Child process: exponents through ``--backend c`` with an empty compiler cache."""
    import tempfile

    from rgsym.betasystem import BetaSystem
    from rgsym.emit.c import render_c
    from rgsym.emit.compiler import build_library
    from rgsym.emit.kernels import build_kernels
    from rgsym.pipeline import derive
    from rgsym.solve import compile_system, compute_exponents, find_fixed_points

    os.environ["RGSYM_CACHE_DIR"] = tempfile.mkdtemp(prefix="rgsym-benchmark-")
    system = derive(lpa_spec(order))
    assert isinstance(system, BetaSystem)
    start = time.perf_counter()
    kernels = build_kernels(system)
    out.put(("c_kernels", time.perf_counter() - start))
    start = time.perf_counter()
    files = render_c(system, kernels)
    out.put(("c_render", time.perf_counter() - start))
    start = time.perf_counter()
    build_library(files)
    out.put(("c_gcc", time.perf_counter() - start))
    numeric = compile_system(system, backend="c")  # the same code again, found in the cache
    fp_time, points = best_of(repeats, lambda: find_fixed_points(numeric))
    out.put(("c_fixed_points", fp_time))
    out.put(("c_exponents", best_of(repeats, lambda: [compute_exponents(numeric, fp) for fp in points])[0]))


# --- naive baseline -------------------------------------------------------------------------


def naive_derivation(order: int) -> tuple[Any, Any, dict[str, float]]:
    """Plain sympy: betas and stability matrix of the same truncation, lambdified.

    u(rho) = sum_{n=2}^{M+1} lambda_n (rho - kappa)^n / n! goes into the LPA equation
    d_t u = -d u + (d - 2) rho u' + (4 v_d / d) [(N-1)/(1+u') + 1/(1+u'+2 rho u'')]
    (Litim, hep-th/0203006; N = 1, d = 3); the flow of u' is expanded with sympy.series
    around rho = kappa, and u'(kappa) = 0 fixes d_t kappa.
    """
    import sympy as sp

    times: dict[str, float] = {}
    start = time.perf_counter()
    d, n_comp = sp.Integer(3), sp.Integer(1)
    rho, x = sp.Symbol("rho", nonnegative=True), sp.Symbol("x", real=True)
    kappa = sp.Symbol("kappa", real=True)
    lam = {n: sp.Symbol(f"lambda_{n}", real=True) for n in range(2, order + 2)}
    u = sum(lam[n] * (rho - kappa) ** n / sp.factorial(n) for n in lam)
    u1, u2 = sp.diff(u, rho), sp.diff(u, rho, 2)
    v_d = 1 / (2 ** (d + 1) * sp.pi ** (d / 2) * sp.gamma(d / 2))
    rhs = -d * u + (d - 2) * rho * u1 + 4 * v_d / d * ((n_comp - 1) / (1 + u1) + 1 / (1 + u1 + 2 * rho * u2))
    flow_u1 = sp.diff(rhs, rho).subs(rho, kappa + x)
    taylor = sp.series(flow_u1, x, 0, order + 1).removeO()
    times["series"] = time.perf_counter() - start
    coefficient = [sp.factorial(k) * taylor.coeff(x, k) for k in range(order + 1)]
    beta_kappa = -coefficient[0] / lam[2]
    betas = [beta_kappa] + [coefficient[n - 1] + lam.get(n + 1, 0) * beta_kappa for n in range(2, order + 2)]
    couplings = [kappa, *lam.values()]
    start = time.perf_counter()
    jacobian = sp.Matrix(betas).jacobian(couplings)
    times["jacobian"] = time.perf_counter() - start
    start = time.perf_counter()
    rhs_f = sp.lambdify(couplings, betas, "numpy")
    jac_f = sp.lambdify(couplings, jacobian, "numpy")
    times["lambdify"] = time.perf_counter() - start
    return rhs_f, jac_f, times


# --- driver ---------------------------------------------------------------------------------


def run_child(target: Callable[[int, int, Any], None], order: int, repeats: int,
              timeout: float) -> Report:
    """Run ``target`` in a fresh process; collect what it reports until it ends or times out."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    child = ctx.Process(target=target, args=(order, repeats, out), daemon=True)
    child.start()
    report: Report = {}
    deadline = time.monotonic() + timeout
    while True:
        try:
            key, value = out.get(timeout=max(0.1, min(1.0, deadline - time.monotonic())))
            report[key] = value
            continue
        except queue.Empty:
            pass
        if not child.is_alive():
            break
        if time.monotonic() > deadline:
            child.terminate()
            report["timed_out"] = True
            break
    child.join(5)
    while True:
        try:
            key, value = out.get_nowait()
            report[key] = value
        except queue.Empty:
            break
    if child.exitcode not in (0, None) and not report.get("timed_out"):
        report["exit_code"] = child.exitcode
    return report


def measure_naive_checked(order: int, repeats: int, out: Any) -> None:
    """Child process: naive route, timed, and its betas evaluated at rgsym's fixed point."""
    import numpy as np

    from rgsym.betasystem import BetaSystem
    from rgsym.pipeline import derive
    from rgsym.solve import compile_system, find_fixed_points

    start = time.perf_counter()
    rhs_f, jac_f, times = naive_derivation(order)
    out.put(("naive_total", time.perf_counter() - start))
    for key, value in times.items():
        out.put((f"naive_{key}", value))
    system = derive(lpa_spec(order))
    assert isinstance(system, BetaSystem)
    numeric = compile_system(system)
    fp = [f for f in find_fixed_points(numeric) if not f.is_gaussian][0]
    g = np.array(fp.values)
    naive_beta = np.array(rhs_f(*g), dtype=float)
    size = np.abs(np.array(jac_f(*g), dtype=float)) @ np.abs(g)
    out.put(("naive_residual", float(np.max(np.abs(naive_beta) / np.maximum(size, 1.0)))))
    exact = numeric.jacobian(g)
    out.put(("naive_jacobian_difference",
             float(np.max(np.abs(np.array(jac_f(*g), dtype=float) - exact)) / np.max(np.abs(exact)))))


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1e-3:
        return f"{value * 1e6:.0f} us"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def growth(orders: list[int], values: list[float | None]) -> str:
    """Local exponents p of t ~ M^p between consecutive orders."""
    parts = []
    for (m1, t1), (m2, t2) in zip(zip(orders, values, strict=True), zip(orders[1:], values[1:], strict=True),
                                  strict=False):
        if t1 and t2:
            parts.append(f"{m1}->{m2}: p = {math.log(t2 / t1) / math.log(m2 / m1):.1f}")
    return ", ".join(parts) or "-"


def print_header() -> None:
    import symengine
    import sympy

    import rgsym

    print("rgsym benchmark: LPA, O(1) model, d = 3, Litim regulator, polynomial of u' around the minimum")
    print(f"python {platform.python_version()}, sympy {sympy.__version__}, "
          f"symengine {symengine.__version__}, rgsym {rgsym.__version__}, {mp.cpu_count()} cores; "
          "times are wall clock (time.perf_counter)")
    print()


RGSYM_COLUMNS = (f"{'M':>3} {'couplings':>9} {'derive cold':>12} {'derive warm':>12} {'compile betas':>14} "
                 f"{'fixed points':>13} {'exponents':>10}  {'nu':<12}  omega")


def note_of(r: Report, timeout: float) -> str:
    if r.get("timed_out"):
        return f"  (stopped after {timeout:.0f} s)"
    if "exit_code" in r:
        return f"  (process died, exit code {r['exit_code']})"
    return ""


def number(value: float | None) -> str:
    return "-" if value is None else f"{value:.10f}"


def rgsym_row(order: int, r: Report, timeout: float) -> str:
    return (f"{order:>3} {r.get('couplings', '-'):>9} {seconds(r.get('derive_cold')):>12} "
            f"{seconds(r.get('derive_warm')):>12} {seconds(r.get('compile_betas')):>14} "
            f"{seconds(r.get('fixed_points')):>13} {seconds(r.get('exponents')):>10}  "
            f"{number(r.get('nu')):<12}  {number(r.get('omega'))}{note_of(r, timeout)}")


def print_growth(results: dict[int, Report]) -> None:
    orders = list(results)
    if len(orders) < 2:
        return
    print()
    print("growth with M (t ~ M^p between consecutive orders):")
    for key, label in [("derive_warm", "derive (warm)"), ("compile_betas", "compile betas"),
                       ("fixed_points", "fixed points"), ("exponents", "exponents")]:
        print(f"  {label:<26} {growth(orders, [results[m].get(key) for m in orders])}")


def print_baseline(baseline: dict[int, Report], results: dict[int, Report], timeout: float) -> None:
    print("the exponents' exact stability matrix: before (compiled with LLVM, doubles) and now "
          "(substitution, 256 bits)")
    print(f"{'M':>3} {'before: compile+eval':>21} {'now: exponents':>15} {'ratio':>8}  "
          f"{'betas before':>12} {'now':>9}  max |B - B_300bit| / max |B_300bit|: before, now")
    for order, r in baseline.items():
        before, now = r.get("baseline_jacobian"), results.get(order, {}).get("exponents")
        ratio = f"{before / now:.0f}x" if before and now else "-"
        errors = (f"{r['error_before']:.1e}, {r['error_now']:.1e}" if "error_now" in r else "-")
        betas_now = results.get(order, {}).get("compile_betas")
        print(f"{order:>3} {seconds(before):>21} {seconds(now):>15} {ratio:>8}  "
              f"{seconds(r.get('baseline_betas')):>12} {seconds(betas_now):>9}  {errors}"
              f"{note_of(r, timeout)}")
    print("  betas: compiled with LLVM's default optimisation (before) and at opt_level 0 (now).")


def print_c_route(routes: dict[int, Report], results: dict[int, Report], timeout: float) -> None:
    print("--backend c (empty compiler cache): forward-mode kernels, C text, gcc; then the solve")
    print(f"{'M':>3} {'kernels':>9} {'C text':>9} {'gcc':>9} {'fixed points':>13} {'exponents':>10} "
          f"{'default: fp':>12} {'ratio':>7}")
    for order, r in routes.items():
        fp, default_fp = r.get("c_fixed_points"), results.get(order, {}).get("fixed_points")
        ratio = f"{default_fp / fp:.1f}x" if fp and default_fp else "-"
        print(f"{order:>3} {seconds(r.get('c_kernels')):>9} {seconds(r.get('c_render')):>9} "
              f"{seconds(r.get('c_gcc')):>9} {seconds(fp):>13} {seconds(r.get('c_exponents')):>10} "
              f"{seconds(default_fp):>12} {ratio:>7}{note_of(r, timeout)}")
    print("  ratio: fixed points with the default backend (LLVM) / with the compiled C.")


def print_naive(naive: dict[int, Report], results: dict[int, Report], timeout: float) -> None:
    print("naive baseline (plain sympy: series of the flow, Jacobian, lambdify) against rgsym")
    print(f"{'M':>3} {'series':>10} {'jacobian':>10} {'lambdify':>10} {'naive total':>12} "
          f"{'rgsym total':>12} {'ratio':>8}  check")
    for order, r in naive.items():
        mine = results.get(order, {})
        parts = [mine.get(k) for k in ("derive_cold", "compile_betas", "exponents")]
        ours = sum(parts) if all(p is not None for p in parts) else None  # type: ignore[arg-type]
        total = r.get("naive_total")
        ratio = f"{total / ours:.0f}x" if total and ours else "-"
        if r.get("timed_out"):
            check = f"stopped after {timeout:.0f} s"
        else:
            residual = r.get("naive_residual", float("nan"))
            difference = r.get("naive_jacobian_difference", float("nan"))
            check = f"|beta_naive(fp)| = {residual:.1e}, |B_naive - B_rgsym| = {difference:.1e} (relative)"
        print(f"{order:>3} {seconds(r.get('naive_series')):>10} {seconds(r.get('naive_jacobian')):>10} "
              f"{seconds(r.get('naive_lambdify')):>10} {seconds(total):>12} {seconds(ours):>12} "
              f"{ratio:>8}  {check}")
    print("  rgsym total = derive (cold) + compile betas + exponents (the stability matrix at every fixed\n"
          "  point), the same deliverables.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-order", type=int, default=max(ORDERS),
                        help="largest truncation order M to run (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds allowed per order and route before it is stopped (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats for the best-of timings")
    parser.add_argument("--orders", type=int, nargs="+", default=list(ORDERS),
                        help="truncation orders M to run (default: %(default)s)")
    parser.add_argument("--baseline-max-order", type=int, default=BASELINE_MAX_ORDER,
                        help="largest M for the compiled stability matrix (default %(default)s)")
    parser.add_argument("--c-max-order", type=int, default=C_MAX_ORDER,
                        help="largest M for the C route (default %(default)s)")
    args = parser.parse_args(argv)
    # Time the derivation itself, never a hit in rgsym's on-disk cache of derivations
    # (the children inherit the environment).
    os.environ["RGSYM_NO_CACHE"] = "1"
    orders = [m for m in args.orders if m <= args.max_order]
    print_header()
    print("rgsym (each order in a fresh process; 'warm' = best of repeats with inner caches warm)")
    print(RGSYM_COLUMNS, flush=True)
    results: dict[int, Report] = {}
    for m in orders:
        results[m] = run_child(measure_rgsym, m, args.repeats, args.timeout)
        print(rgsym_row(m, results[m], args.timeout), flush=True)
    print_growth(results)
    print()
    baseline = {m: run_child(measure_baseline, m, args.repeats, args.timeout)
                for m in orders if m <= args.baseline_max_order}
    print_baseline(baseline, results, args.timeout)
    print()
    routes = {m: run_child(measure_c_route, m, args.repeats, args.timeout)
              for m in orders if m <= args.c_max_order}
    print_c_route(routes, results, args.timeout)
    naive = {m: run_child(measure_naive_checked, m, args.repeats, args.timeout)
             for m in orders if m <= NAIVE_MAX_ORDER}
    if naive:
        print()
        print_naive(naive, results, args.timeout)


if __name__ == "__main__":
    main()
