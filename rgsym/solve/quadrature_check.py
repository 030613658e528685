"""Quadrature check: a fixed point found with quadrature thresholds must survive finer nodes.

With a smooth regulator the threshold integrals are Gauss-Legendre sums
(:mod:`rgsym.threshold`).  Too few nodes give betas with a quadrature error, and their zeros
need not be near the zeros of the true betas: a chiral Ising LPA' spec with the exponential
regulator and unconverged thresholds once reported a near-Gaussian point (h2 = 0.003) with exit 0.
:func:`check_quadrature` re-evaluates the flow at the reported point with twice the nodes
(:func:`rgsym.threshold.finer_nodes`): the betas must still vanish there, the point refined on
the finer betas must stay where it was, and nu, omega and the anomalous dimensions must agree,
each to the tolerance below; otherwise :class:`~rgsym.errors.SolveError` (exit 1) says what was
found.  Systems without quadrature thresholds pass unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import sympy as sp

from rgsym.errors import SolveError
from rgsym.solve.exponents import Exponents, compute_exponents
from rgsym.solve.fixed_points import FixedPoint
from rgsym.solve.numeric import NumericSystem, WithThresholds, compile_system

#: Largest |beta_i / scale_i| of the finer betas at the reported point.  The node doubling moves
#: the betas by 1e-16 relative at 240 nodes (tests/literature/test_gny_regulators.py), and the
#: polished point has residuals of ~1e-14: 1e-8 leaves six orders for both, while a point of
#: unconverged quadrature is off by the quadrature error itself.
RESIDUAL_TOLERANCE = 1e-8
#: Largest move of the point refined on the finer betas, in scaled couplings, relative to
#: max(1, |x|): the same margin as the residual.
POINT_TOLERANCE = 1e-8
#: Largest change of nu, omega (relative) and of each eta (absolute): the exponents move by the
#: point's move times the conditioning of the stability matrix (below 1e2 for the GNY points).
EXPONENT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class QuadratureCheck:
    """What the finer quadrature found at a fixed point."""

    nodes: int
    fine_nodes: int
    residual: float
    moved: float
    changes: tuple[tuple[str, float, float], ...]

    @property
    def passed(self) -> bool:
        """Whether the residual, the move and every exponent change are within tolerance."""
        return (self.residual <= RESIDUAL_TOLERANCE and self.moved <= POINT_TOLERANCE
                and all(_differ(name, a, b) <= EXPONENT_TOLERANCE for name, a, b in self.changes))

    def describe(self) -> str:
        """One line: the figures against their tolerances."""
        parts = [f"|beta| = {self.residual:.2g} at the point (tolerance {RESIDUAL_TOLERANCE:g})",
                 f"the point moves by {self.moved:.2g} (tolerance {POINT_TOLERANCE:g})"]
        parts += [f"{name} {a:.10g} -> {b:.10g}" for name, a, b in self.changes
                  if not _differ(name, a, b) <= EXPONENT_TOLERANCE]
        return (f"with {self.fine_nodes} instead of {self.nodes} quadrature nodes per interval: "
                + "; ".join(parts))


def _differ(name: str, a: float, b: float) -> float:
    """The change from a to b: relative for nu and omega, absolute for an eta (nan: infinite)."""
    if not (np.isfinite(a) and np.isfinite(b)):
        return 0.0 if a == b else float("inf")
    if name.startswith("eta"):
        return abs(b - a)
    return abs(b - a) / max(abs(a), 1e-300)


def check_quadrature(numeric: NumericSystem, fp: FixedPoint, ex: Exponents) -> QuadratureCheck | None:
    """Re-evaluate the flow at ``fp`` with twice the quadrature nodes (None without thresholds).

    Parameters
    ----------
    numeric
        The compiled system the point was found with.
    fp, ex
        The reported fixed point and its exponents.

    Returns
    -------
    QuadratureCheck or None
        The figures; None when the system has no quadrature thresholds.

    Raises
    ------
    SolveError
        If the check fails: the point is not a fixed point of the flow with converged thresholds.
    """
    system = numeric.system
    if not system.thresholds:
        return None
    from rgsym import threshold

    nodes = threshold.NODES_PER_INTERVAL
    g = np.array(fp.values, dtype=float)
    before = _exponent_values(numeric, ex)
    with threshold.finer_nodes() as fine_nodes:
        fine = _finer(numeric)
        with np.errstate(all="ignore"):
            residual = float(np.max(np.abs(fine.exact_rhs(g) / fine.scales)))
            try:
                fine_ex = compute_exponents(fine, fp)
            except (ArithmeticError, ValueError, np.linalg.LinAlgError):
                fine_ex = None
            changes: tuple[tuple[str, float, float], ...] = ()
            if fine_ex is None:
                moved = float("inf")
            else:
                x, x_fine = g / fine.scales, np.array(fine_ex.fixed_point.values) / fine.scales
                moved = float(np.max(np.abs(x_fine - x)) / max(1.0, float(np.max(np.abs(x)))))
                after = _exponent_values(fine, fine_ex)
                changes = tuple((name, before[name], after[name]) for name in before)
    if not np.isfinite(residual):
        residual = float("inf")
    result = QuadratureCheck(nodes, fine_nodes, residual, moved, changes)
    if not result.passed:
        raise SolveError(f"the fixed point found ({_point_text(fp)}) is not converged in the quadrature of "
                         f"the threshold integrals: {result.describe()}; it is a zero of the betas with "
                         f"{nodes} nodes, not of the converged flow (raise "
                         "rgsym.threshold.NODES_PER_INTERVAL, "
                         "or use regulator.kind = 'litim')")
    return result


def _finer(numeric: NumericSystem) -> NumericSystem:
    """``numeric`` with its thresholds on the present (finer) nodes: the compiled betas kept, the
    quadrature rebuilt (the exact betas and stability matrix are built when first asked for)."""
    rhs = numeric.rhs_function
    values = dict(numeric.values)
    if isinstance(rhs, WithThresholds):
        return replace(numeric, rhs_function=WithThresholds.build(numeric.system, rhs.inner, values),
                       jacobian_function=None)
    return replace(compile_system(numeric.system, values, numeric.backend), jacobian_function=None)


def _exponent_values(numeric: NumericSystem, ex: Exponents) -> dict[str, float]:
    """nu, omega and every eta of the system at the exponents' point (nan for an absent one)."""
    values = {"nu": float("nan") if ex.nu is None else ex.nu,
              "omega": float("nan") if ex.omega is None else ex.omega, "eta": ex.eta}
    at = {s.name: sp.Float(v) for s, v in zip(numeric.system.symbols, ex.fixed_point.values, strict=True)}
    parameters = {s.name: sp.Float(v) for s, v in numeric.values}
    for name, expr in numeric.system.etas:
        expr = sp.sympify(expr)
        numbers = {s: at.get(s.name, parameters.get(s.name, s)) for s in expr.free_symbols}
        values[name] = float(expr.xreplace(numbers).evalf())
    return values


def _point_text(fp: FixedPoint) -> str:
    return ", ".join(f"{name} = {value:.6g}" for name, value in zip(fp.names, fp.values, strict=True))
