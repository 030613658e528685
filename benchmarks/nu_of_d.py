"""nu(d) of the O(N) LPA (Litim regulator) for N = 1..4, with the multicritical branches: docs/nu_of_d.png.

Left: nu of the Wilson-Fisher fixed-point function (full potential, followed in d from d = 3) for
N = 1, 2, 3, 4, the large-N limit 1/(d - 2), and the polynomial truncation of order 12 around the
minimum where it still has a Wilson-Fisher point (it stops with "use the full potential" below).
Middle: nu of the multicritical points of the Ising (N = 1) LPA (tricritical, phi^8, phi^10, phi^12),
each followed from just below d_c = 2n/(n - 1), where nu = 1/2, down to d = 2.1.
Right: their relevant eigenvalues theta_i, each branching off the Gaussian values
theta_n = d - n(d - 2) at d_c.

Run: python benchmarks/nu_of_d.py [docs/nu_of_d.png]   (about ten minutes; prints the tables)
"""

from __future__ import annotations

import sys
import time

import numpy as np

from rgsym.errors import SolveError
from rgsym.pipeline import critical_exponents
from rgsym.spec import load_spec
from rgsym.workflows.fixed_function import fixed_function
from rgsym.workflows.multicritical import MulticriticalPoint, critical_dimension, follow_multicritical

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


#: The multicritical branches are drawn from d_c - NEAR (nu = 1/2 + O(eps^2) there) down to LAST.
NEAR, LAST = 0.01, 2.1


def branch(k: int) -> list[tuple[float, MulticriticalPoint]]:
    """The Ising multicritical point with k relevant directions from d_c - NEAR down to LAST."""
    up: list[tuple[float, MulticriticalPoint]] = []
    down: list[tuple[float, MulticriticalPoint]] = []
    follow_multicritical(load_spec(FULL, [f"theory.d={critical_dimension(k) - NEAR:.6f}"]), k, path=up)
    follow_multicritical(load_spec(FULL, [f"theory.d={LAST}"]), k, path=down)
    return sorted({round(d, 9): p for d, p in up + down}.items(), reverse=True)


def main(out: str = "docs/nu_of_d.png") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = time.perf_counter()
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.6))
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
    for k in (2, 3, 4, 5):
        path = branch(k)
        if not path:
            print(f"k = {k}: not found")
            continue
        print(f"k = {k} ({path[0][1].name}): {len(path)} points, d = {path[-1][0]:.4f}..{path[0][0]:.4f}")
        ds = [d for d, _ in path]
        for d, p in path[:: max(1, len(path) // 6)]:
            thetas = ", ".join(f"{t.real:.5f}" for t in p.theta[:k + 1])
            print(f"   d = {d:.4f}: nu = {p.nu:.8f}, theta = {thetas}")
        label = f"{path[0][1].name} (d_c = {critical_dimension(k):.3g})"
        middle.plot(ds, [p.nu for _, p in path], "-", color=f"C{k}", label=label)
        for i in range(k):
            right.plot(ds, [p.theta[i].real for _, p in path], "-", color=f"C{k}",
                       label=label if i == 0 else None)
    middle.axhline(0.5, color="k", lw=0.7, ls=":")
    middle.set(xlabel="d", ylabel="ν", xlim=(2.05, 3.05),
               title="Ising multicritical points: ν(d) (1/2 + O(ε²) at d_c)")
    middle.legend(fontsize=8)
    near_two = np.linspace(2.05, 3.05, 200)
    for m in range(1, 7):  # the Gaussian eigenvalues of rho^m
        right.plot(near_two, near_two - m * (near_two - 2), "k:", lw=0.7)
    right.set(xlabel="d", ylabel="relevant θ", ylim=(0, 2.2), xlim=(2.05, 3.05),
              title="their relevant θ (dotted: Gaussian d − m(d−2))")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110, metadata={"Software": None})
    print(f"wrote {out} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main(*sys.argv[1:2])
