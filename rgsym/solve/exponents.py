"""Exponents: critical exponents from the stability matrix at a fixed point.

theta = -eig(B), B_ij = d beta_i / d g_j at the fixed point, sorted by descending
real part; nu = 1 / theta_1 for the largest positive theta, and omega = -theta
for the irrelevant theta closest to zero (REFERENCES.md conventions;
Litim, hep-th/0203006, sec. 4; computed by :mod:`rgsym.solve.spectrum`).  eta is the
system's anomalous dimension at the fixed point (LPA'; zero in the LPA).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import sympy as sp

from rgsym.solve.fixed_points import FixedPoint, Truncated, latex_number, latex_table
from rgsym.solve.numeric import NumericSystem
from rgsym.solve.spectrum import nu_omega, relevant_count, stability_thetas, theta_json


@dataclass(frozen=True)
class Exponents:
    """Critical exponents at one fixed point."""

    fixed_point: FixedPoint
    theta: tuple[complex, ...]
    nu: float | None
    omega: float | None
    eta: float

    @property
    def relevant(self) -> int:
        """Number of relevant directions: the thetas with positive real part
        (:func:`rgsym.solve.spectrum.relevant_count`).

        A complex pair counts twice.

        Returns
        -------
        int
        """
        return relevant_count(self.theta)

    def _repr_latex_(self) -> str:
        """nu, omega, the thetas and the fixed point as a LaTeX table, for Jupyter."""
        def value(x: float | None) -> str:
            return r"\text{n/a}" if x is None else latex_number(x)

        rows = [rf"\nu & {value(self.nu)}", rf"\omega & {value(self.omega)}", rf"\eta & {value(self.eta)}"]
        rows += [rf"\theta_{{{i}}} & {latex_number(t)}" for i, t in enumerate(self.theta, start=1)]
        rows.append(rf"\hline \text{{fixed point, order {self.fixed_point.order}}} & ")
        return latex_table(rows + self.fixed_point.latex_rows())

    def as_dict(self) -> dict[str, Any]:
        """The exponents and their fixed point as a JSON-ready dictionary.

        Complex thetas are written as ``{"re": ..., "im": ...}``, real ones as numbers.

        Returns
        -------
        dict
            Keys ``nu``, ``omega``, ``eta``, ``theta``, ``relevant_directions``,
            ``fixed_point`` (coupling name -> value) and ``order``.
        """
        return {
            "nu": self.nu,
            "omega": self.omega,
            "eta": self.eta,
            "theta": [theta_json(t) for t in self.theta],
            "relevant_directions": self.relevant,
            "fixed_point": self.fixed_point.as_dict(),
            "order": self.fixed_point.order,
        }


def compute_exponents(numeric: NumericSystem, fp: FixedPoint) -> Exponents:
    """theta, nu and omega at ``fp``, refined first to the fixed point of the truncated system.

    ``fp`` is refined by :meth:`~rgsym.solve.numeric.NumericSystem.polish` (Newton steps on the
    correctly rounded betas; a point from :func:`~rgsym.solve.fixed_points.find_fixed_points` is
    already refined, and costs nothing here), and the thetas come from the exact stability
    matrix (:meth:`~rgsym.solve.numeric.NumericSystem.exact_jacobian`) on every backend: the
    exponents are those of the truncation, to rounding, whatever the backend and the path of
    the search.  At order 16 around zero field the search's own point (residual 2e-14) was
    7.8e-6 away from the fixed point in the scaled couplings, along a direction with singular
    value 2e-9, and its nu was off by 1.5e-5.

    Parameters
    ----------
    numeric
        The compiled system.
    fp
        An approximate fixed point of it.

    Returns
    -------
    Exponents
        With the refined point as ``fixed_point``.
    """
    fp = polished(numeric, fp)
    theta = stability_thetas(numeric.exact_jacobian(np.array(fp.values)))
    nu, omega = nu_omega(theta)
    return Exponents(fp, theta, nu, omega, anomalous_dimension_at(numeric, fp))


def polished(numeric: NumericSystem, fp: FixedPoint) -> FixedPoint:
    """``fp`` refined by :meth:`~rgsym.solve.numeric.NumericSystem.polish` (itself when the
    refinement does not move it).

    The residual is recomputed at the refined point (:meth:`Truncated.residual`).
    """
    g = np.array(fp.values, dtype=float)
    refined = numeric.polish(g)
    if np.array_equal(refined, g):
        return fp
    x = refined / numeric.scales
    return replace(fp, values=tuple(float(v) for v in refined),
                   residual=Truncated(numeric, g.size).residual(x))


def anomalous_dimension_at(numeric: NumericSystem, fp: FixedPoint) -> float:
    """eta at a fixed point: the system's eta(g) (LPA'), 0 in the LPA."""
    eta = sp.sympify(numeric.system.eta).subs(dict(numeric.values))
    if eta.is_zero:
        return 0.0
    couplings = numeric.system.symbols
    value = eta.xreplace(dict(zip(couplings, map(sp.Float, fp.values), strict=True)))
    return float(value)


def select_critical(points: list[tuple[FixedPoint, Exponents]]) -> tuple[FixedPoint, Exponents] | None:
    """The most stable non-Gaussian fixed point: fewest relevant directions, then largest omega."""
    candidates = [(fp, ex) for fp, ex in points if not fp.is_gaussian and ex.relevant >= 1]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (p[1].relevant, -(p[1].omega or 0.0)))
