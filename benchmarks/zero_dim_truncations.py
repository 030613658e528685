"""Benchmark: polynomial truncations of the zero-dimensional O(N) model against the exact values.

Keitel & Bartosch, arXiv:1109.3013 (REFERENCES.md, "Zero-dimensional O(N) model"): with
m^2 = lambda = 1 the exact Gamma^(2) = N/<phi.phi> and lambda_eff come from ordinary integrals;
in d = 0 the LPA is exact, so the full potential must reproduce them and the polynomial
truncations around zero field (orders 2 to 16, i.e. u up to rho^3 .. rho^17; the vertex
expansion of order 2(m + 1) has the same betas as order m) must converge to them.

It prints, per N, the relative error of gamma2 = U'(0) and lambda_eff = 3 U''(0) at k_ir = 1e-4
for every order, the full-potential result (derivations/zero_dim_on.toml, k_ir = 1e-5), and the
run time of each flow as a ratio to the full-potential flow measured in the same run.
Nothing is asserted.  Run ``python benchmarks/zero_dim_truncations.py [--orders 2:16] [--n 1,4]``
with this checkout importable (``PYTHONPATH=.``).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
from scipy.integrate import quad

SPEC = Path(__file__).resolve().parents[1] / "derivations" / "zero_dim_on.toml"


def exact(n: int, m2: float = 1.0, lam: float = 1.0) -> dict[str, float]:
    """gamma2 and lambda_eff from I_n = int_0^oo r^(N-1+2n) exp(-S) dr (REFERENCES.md)."""
    moments = [quad(lambda r, j=j: r ** (n - 1 + 2 * j) * math.exp(-(m2 * r * r / 2 + lam * r**4 / 24)),
                    0.0, np.inf, epsabs=0.0, epsrel=1e-13)[0] for j in range(3)]
    phi2, phi4 = moments[1] / moments[0], moments[2] / moments[0]
    g, a = phi2 / n, phi4 / (n * (n + 2))
    return {"gamma2": n / phi2, "lambda_eff": -3 * (a - g * g) / g**4}


def table(n: int, orders: range) -> list[str]:
    from rgsym.spec import load_spec
    from rgsym.workflows.flow import flow_couplings, flow_potential

    reference = exact(n)
    start = time.perf_counter()
    full = flow_potential(load_spec(SPEC, [f"theory.N={n}"])).observables
    baseline = time.perf_counter() - start
    lines = [f"N = {n}: exact gamma2 = {reference['gamma2']:.12g}, "
             f"lambda_eff = {reference['lambda_eff']:.12g}",
             f"{'truncation':>16} {'rel. err gamma2':>16} {'rel. err lambda_eff':>20} {'time / full':>12}"]
    rows = [("full potential", full, 1.0)]
    for order in orders:
        spec = load_spec(SPEC, [f"theory.N={n}", "truncation.potential='polynomial'",
                                f"truncation.order={order}", "bare.k_ir=1e-4"])
        start = time.perf_counter()
        obs = flow_couplings(spec).observables
        rows.append((f"order {order}", obs, (time.perf_counter() - start) / baseline))
    for label, obs, ratio in rows:
        errors = [obs[key] / reference[key] - 1 for key in ("gamma2", "lambda_eff")]
        lines.append(f"{label:>16} {errors[0]:16.2e} {errors[1]:20.2e} {ratio:12.2f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", default="2:16", help="first:last truncation.order (default 2:16)")
    parser.add_argument("--n", default="1,4", help="comma-separated N (default 1,4)")
    args = parser.parse_args()
    first, last = (int(x) for x in args.orders.split(":"))
    for n in (int(x) for x in args.n.split(",")):
        print("\n".join(table(n, range(first, last + 1))))
        print()


if __name__ == "__main__":
    main()
