"""nu(d) of the O(N) LPA (Litim regulator) for N = 1..4, with the multicritical branches: docs/nu_of_d.png.

Left: nu of the Wilson-Fisher fixed-point function (full potential, followed in d from d = 3) for
N = 1, 2, 3, 4, the large-N limit 1/(d - 2), and the polynomial truncation of order 12 around the
minimum where it still has a Wilson-Fisher point (it stops with "use the full potential" below).
Right: the relevant eigenvalues theta_i of the multicritical points of the Ising (N = 1) LPA, each
branching off the Gaussian values theta_n = d - n(d - 2) at d_c = 2n/(n - 1).

Run: python benchmarks/nu_of_d.py [docs/nu_of_d.png]   (a few minutes; prints the table)
"""

from __future__ import annotations

import sys
import time

import numpy as np

from rgsym.errors import SolveError
from rgsym.pipeline import critical_exponents
from rgsym.solve.multicritical import MulticriticalPoint, critical_dimension, follow_multicritical
from rgsym.spec import load_spec
from rgsym.workflows.fixed_function import fixed_function

FULL = "derivations/ising_lpa_full.toml"
POLY = "derivations/on_lpa.toml"
DIMENSIONS = [round(3.9 - 0.1 * i, 2) for i in range(18)]  # 3.9 ... 2.2


def wilson_fisher(n: int) -> tuple[list[float], list[float], list[tuple[float, float]]]:
    """nu of the full potential at each d, and (d, nu) of the order-12 polynomial where it answers."""
    ds, nus, poly = [], [], []
    for d in DIMENSIONS:
        try:
            nus.append(fixed_function(load_spec(FULL, [f"theory.d={d}", f"theory.N={n}"])).nu)
            ds.append(d)
        except SolveError as exc:
            print(f"N = {n}, d = {d}: full potential: {exc}")
        try:
            _, ex = critical_exponents(load_spec(POLY, [f"theory.d={d}", f"theory.N={n}",
                                                        "truncation.order=12"]))
            poly.append((d, float(ex.nu or np.nan)))
        except SolveError:
            pass
    return ds, nus, poly


def branch(k: int, last: float = 2.2) -> list[tuple[float, MulticriticalPoint]]:
    """The Ising multicritical point with k relevant directions, followed from d_c - 0.1 down."""
    path: list[tuple[float, MulticriticalPoint]] = []
    follow_multicritical(load_spec(FULL, [f"theory.d={last}"]), k, path=path)
    return path


def main(out: str = "docs/nu_of_d.png") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = time.perf_counter()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6))
    print(f"{'N':>2} {'d':>5} {'nu (full)':>14}")
    for n in (1, 2, 3, 4):
        ds, nus, poly = wilson_fisher(n)
        for d, nu in zip(ds, nus, strict=True):
            print(f"{n:>2} {d:>5.2f} {nu:>14.10f}")
        line, = left.plot(ds, nus, "-", label=f"N = {n}, full potential")
        if poly:
            left.plot(*zip(*poly, strict=True), "o", ms=3, color=line.get_color(), mfc="none")
    grid = np.linspace(2.2, 3.9, 200)
    left.plot(grid, 1 / (grid - 2), "k:", lw=1, label="N = ∞: 1/(d−2)")
    left.plot([], [], "ko", ms=3, mfc="none", label="polynomial, order 12 (where it converges)")
    left.set(xlabel="d", ylabel="ν", ylim=(0.45, 5.2), title="Wilson–Fisher ν(d), LPA, Litim regulator")
    left.legend(fontsize=8)
    for k in (2, 3, 4):
        path = branch(k)
        print(f"k = {k} ({path[-1][1].name if path else 'not found'}): {len(path)} points")
        if not path:
            continue
        ds = [d for d, _ in path]
        for i in range(k):
            right.plot(ds, [p.theta[i].real for _, p in path], "-", color=f"C{k}",
                       label=f"{path[0][1].name} (d_c = {critical_dimension(k):.3g})" if i == 0 else None)
    for m in range(1, 6):  # the Gaussian eigenvalues of rho^m
        right.plot(grid, grid - m * (grid - 2), "k:", lw=0.7)
    right.set(xlabel="d", ylabel="relevant θ", ylim=(0, 2.2), xlim=(2.2, 3.05),
              title="Ising multicritical points (dotted: Gaussian θ = d − m(d−2))")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110, metadata={"Software": None})
    print(f"wrote {out} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main(*sys.argv[1:2])
