"""Benchmark: the full-potential PDE on a grid, generated C and NumPy against lambdify (issue 7, sec. 1).

For the 3D Ising LPA (derivations/ising_lpa_full.toml, Litim) it prints, at each grid size n:

- the per-call time of rhs plus banded Jacobian of d_t w = G(rho, w, w', w'') on n uniform
  points, for the generated C (``rgsym_pde_rhs`` + ``rgsym_pde_jacobian`` through ctypes, built
  with rgsym's library flags, ``-O1``), the generated NumPy module (``rhs`` +
  ``jacobian_banded``), and the baseline: ``sympy.lambdify(cse=True)`` of G and of its three
  partial derivatives, fed with the same finite-difference stencils in NumPy and assembled
  into the same band;
- for reference, the dense Chebyshev route of :mod:`rgsym.solve.pde` (lambdified pointwise
  functions times n x n differentiation matrices) at the same n, where it fits in memory;
- one linear solve with the Jacobian (what a stiff solver does per Newton step):
  ``scipy.linalg.solve_banded`` on the band against ``numpy.linalg.solve`` on the dense matrix.

Ratios are against the lambdify baseline measured in the same run.  Nothing is asserted.
Run ``python benchmarks/pde_codegen.py`` (options: ``--points``, ``--symbolic`` for d and N
as parameters) with this checkout importable (``PYTHONPATH=.``).
"""

from __future__ import annotations

import argparse
import ctypes
import platform
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
#: Chebyshev (dense) routes are skipped above this many points (an n x n matrix per call).
DENSE_LIMIT = 2001


def per_call(call: Callable[[], object]) -> float:
    """Seconds per call: the best of five timeit runs."""
    timer = timeit.Timer(call)
    number, _ = timer.autorange()
    return min(timer.repeat(5, number)) / number


def load(symbolic: bool) -> tuple[Any, Any, dict[str, str], float]:
    """The flow, its spec, the generated files, and the seconds rendering them took."""
    from rgsym import load_spec
    from rgsym.emit.grid import render_grid_files
    from rgsym.pipeline import derive

    overrides = ['theory.N="N"', 'theory.d="d"'] if symbolic else []
    spec = load_spec(ROOT / "derivations" / "ising_lpa_full.toml", overrides)
    flow = derive(spec)
    start = time.perf_counter()
    files = render_grid_files(flow, ["c", "numpy"])
    return flow, spec, files, time.perf_counter() - start


class CRoutes:
    """The generated C through ctypes."""

    def __init__(self, files: dict[str, str]) -> None:
        from rgsym.emit.compiler import build_library

        self.lib = ctypes.CDLL(str(build_library(files, source="pde.c")))
        for name in ("rgsym_pde_rhs", "rgsym_pde_jacobian"):
            getattr(self.lib, name).argtypes = [ctypes.c_size_t, *[ctypes.c_void_p] * 4]
            getattr(self.lib, name).restype = ctypes.c_int

    def both(self, rho: np.ndarray, w: np.ndarray, p: np.ndarray, out: np.ndarray, ab: np.ndarray) -> None:
        n = rho.size
        self.lib.rgsym_pde_rhs(n, rho.ctypes.data, w.ctypes.data, p.ctypes.data, out.ctypes.data)
        self.lib.rgsym_pde_jacobian(n, rho.ctypes.data, w.ctypes.data, p.ctypes.data, ab.ctypes.data)


def lambdify_baseline(flow: Any, module: Any) -> Callable[[np.ndarray, np.ndarray, np.ndarray], Any]:
    """rhs + banded Jacobian from sympy.lambdify(cse=True) of G and its partials (the same stencils)."""
    import sympy as sp

    from rgsym.pde_form import W_SYMBOLS, differentiated_flow

    g = differentiated_flow(flow.rhs, flow.invariant, flow.potential)
    args = [flow.invariant, *W_SYMBOLS, *flow.parameters]
    value = sp.lambdify(args, g, "numpy", cse=True)
    partials = sp.lambdify(args, [sp.diff(g, s) for s in W_SYMBOLS], "numpy", cse=True)
    first = module._FIRST / module._FIRST_DENOMINATOR
    second = module._SECOND / module._SECOND_DENOMINATOR
    upper = module.UPPER

    def both(rho: np.ndarray, w: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = rho.size
        h = (rho[-1] - rho[0]) / (n - 1)
        i = np.arange(n)
        start = np.clip(i - module.STENCIL // 2, 0, n - module.STENCIL)
        q = i - start
        columns = start[:, None] + np.arange(module.STENCIL)
        w1 = np.einsum("ik,ik->i", first[q], w[columns]) / h
        w2 = np.einsum("ik,ik->i", second[q], w[columns]) / h**2
        rhs = np.broadcast_to(value(rho, w, w1, w2, *p), rho.shape)
        g0, g1, g2 = (np.broadcast_to(x, rho.shape) for x in partials(rho, w, w1, w2, *p))
        values = g1[:, None] * first[q] / h + g2[:, None] * second[q] / h**2
        values[i, q] += g0
        ab = np.zeros((2 * upper + 1, n))
        ab[upper + i[:, None] - columns, columns] = values
        return rhs, ab

    return both


def chebyshev_route(flow: Any, n: int, rho_max: float, p: np.ndarray) -> Callable[[], object] | None:
    """rgsym.solve.pde's dense collocation (numeric d and N only)."""
    if flow.parameters or n > DENSE_LIMIT:
        return None
    from rgsym.solve.pde import chebyshev_grid, collocation_equation, residual_and_jacobian

    eq = collocation_equation(flow)
    grid = chebyshev_grid(n - 1, rho_max)
    w = start_function(grid.rho)
    return lambda: residual_and_jacobian(eq, grid, w)


def start_function(rho: np.ndarray) -> np.ndarray:
    """A smooth u' of the shape of the Wilson-Fisher fixed point (negative at 0, growing)."""
    return np.asarray(-0.19 + 6.5 * rho + 20.0 * rho**2, dtype=float)


def measure(flow: Any, files: dict[str, str], points: list[int]) -> None:
    from rgsym.emit.numpy_module import load_module

    module = load_module(files["pde.py"], "rgsym_generated_pde")
    c = CRoutes(files)
    baseline = lambdify_baseline(flow, module)
    p = np.array([1.0, 3.0][: len(module.PARAMETERS)], dtype=float)
    c_params = p if p.size else np.zeros(1)
    rho_max = 0.15  # ~5 kappa*, as rgsym.solve.pde chooses
    print(f"{'n':>7} {'C (s)':>10} {'NumPy (s)':>10} {'lambdify (s)':>12} {'C/lam':>7} {'NumPy/lam':>9} "
          f"{'Chebyshev dense (s)':>19} {'solve_banded (s)':>16} {'dense solve (s)':>15}")
    for n in points:
        print(row(flow, module, c, baseline, n, rho_max, p, c_params))


def row(flow: Any, module: Any, c: CRoutes, baseline: Callable[..., Any], n: int, rho_max: float,
        p: np.ndarray, c_params: np.ndarray) -> str:
    """One line of the table: the routes on n points."""
    from scipy.linalg import solve_banded

    rho = np.linspace(0.0, rho_max, n)
    w = start_function(rho)
    out = np.empty(n)
    ab = np.empty((2 * module.UPPER + 1, n))
    reference_rhs, reference_ab = baseline(rho, w, p)
    c.both(rho, w, c_params, out, ab)
    agreement = max(float(np.max(np.abs(out - reference_rhs) / (1 + np.abs(reference_rhs)))),
                    float(np.max(np.abs(ab - reference_ab)) / np.max(np.abs(reference_ab))))
    t_c = per_call(lambda: c.both(rho, w, c_params, out, ab))
    t_np = per_call(lambda: (module.rhs(rho, w, p), module.jacobian_banded(rho, w, p)))
    t_lam = per_call(lambda: baseline(rho, w, p))
    dense_route = chebyshev_route(flow, n, rho_max, p)
    t_cheb = f"{per_call(dense_route):19.3e}" if dense_route else f"{'-':>19}"
    rhs = out.copy()
    t_band = per_call(lambda: solve_banded((module.LOWER, module.UPPER), ab, rhs))
    t_dense = f"{'-':>15}"
    if n <= DENSE_LIMIT:
        dense = module.jacobian_sparse(rho, w, p).toarray()
        t_dense = f"{per_call(lambda: np.linalg.solve(dense, rhs)):15.3e}"
    return (f"{n:>7} {t_c:10.3e} {t_np:10.3e} {t_lam:12.3e} {t_c / t_lam:7.3f} {t_np / t_lam:9.3f} "
            f"{t_cheb} {t_band:16.3e} {t_dense}   (C vs lambdify: {agreement:.1e})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", default="101,1001,10001", help="grid sizes, comma-separated")
    parser.add_argument("--symbolic", action="store_true", help="d and N as parameters of the code")
    args = parser.parse_args()
    flow, spec, files, seconds = load(args.symbolic)
    print(f"rgsym grid code for {flow.name}; {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, numpy {np.__version__}")
    print(f"rendering pde.h, pde.c, pde.py: {seconds:.3f} s; parameters: {flow.parameters or 'none'}")
    print("per call: rhs + banded Jacobian (C: ctypes, -O1); ratios against lambdify in this run")
    measure(flow, files, [int(x) for x in args.points.split(",")])


if __name__ == "__main__":
    main()
