"""Polchinski vs Wetterich LPA at equal polynomial order (Ising, d = 3): what the truncations do.

Prints, for each order M of u' around the running minimum, nu and omega of the Wetterich LPA (Litim
regulator) and of the Polchinski LPA (Litim-type cutoff), against the converged full-potential
values of both.  For the Polchinski truncation two searches are made: Newton from the exact
fixed point's Taylor coefficients (does the truncation have a fixed point near the true one?) and
rgsym's multi-start search at that order (what fixed point does it have at all?).

Run: python benchmarks/polchinski_truncations.py [orders...]
"""

from __future__ import annotations

import sys

import numpy as np

from rgsym.errors import SolveError
from rgsym.pipeline import critical_exponents, numeric_system
from rgsym.solve.exponents import compute_exponents, select_critical
from rgsym.solve.fixed_points import FixedPoint, Truncated, multistart, solve_from
from rgsym.spec import parse_spec
from rgsym.workflows.fixed_function import fixed_function, polchinski_fixed_function


def spec(equation: str, order: int, potential: str = "polynomial"):  # type: ignore[no-untyped-def]
    flow = {"equation": equation, **({"cutoff": "litim"} if equation == "polchinski" else {})}
    return parse_spec({"theory": {"d": 3, "N": 1}, "truncation": {"order": order, "potential": potential},
                       "flow": flow}, f"{equation}.toml")


def main(orders: list[int]) -> None:
    exact_p = polchinski_fixed_function(spec("polchinski", 1, "full"))
    exact_w = fixed_function(spec("wetterich", 1, "full"))
    print(f"full potential: Polchinski nu = {exact_p.nu:.12f} omega = {exact_p.omega:.12f}")
    print(f"full potential: Wetterich  nu = {exact_w.nu:.12f} omega = {exact_w.omega:.12f}")
    print(f"differences: {exact_p.nu - exact_w.nu:.1e} {exact_p.omega - exact_w.omega:.1e}")
    rho = np.array(exact_p.rho)
    w = np.polynomial.Chebyshev.fit(rho, np.array(exact_p.derivative), rho.size - 1, domain=[0, rho[-1]])
    print("M | Wetterich nu, omega | Polchinski near exact "
          "| Polchinski multi-start (nu, omega, kappa/kappa*)")
    for m in orders:
        try:
            _, ew = critical_exponents(spec("wetterich", m))
            wet = f"{ew.nu:.10f} {ew.omega:.10f}"
        except SolveError:
            wet = "none"
        numeric = numeric_system(spec("polchinski", m))
        derivs = [float(w.deriv(k)(exact_p.kappa)) for k in range(1, m + 1)]
        start = np.array([exact_p.kappa, *derivs])[: len(numeric.scales)] / numeric.scales
        truncated = Truncated(numeric, len(numeric.scales))
        near = solve_from(truncated, start)
        flags = tuple(c.is_minimum for c in numeric.system.couplings)
        near_text = "none"
        if near is not None:
            e = compute_exponents(numeric, FixedPoint(numeric.system.names, tuple(near * numeric.scales),
                                                      0.0, m, flags))
            near_text = f"{e.nu} {e.omega}"
        found = [FixedPoint(numeric.system.names, tuple(x * numeric.scales), 0.0, m, flags)
                 for x in multistart(truncated, starts=200)]
        chosen = select_critical([(fp, compute_exponents(numeric, fp)) for fp in found])
        multi = "none"
        if chosen is not None:
            fp, e = chosen
            multi = f"{e.nu:.6f} {e.omega:.6f} {fp.values[0] / exact_p.kappa:.4f}"
        print(f"{m:2d} | {wet} | {near_text} | {multi}", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16])
