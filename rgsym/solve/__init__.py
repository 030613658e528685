"""Solve: fixed points, critical exponents and flows of a BetaSystem."""

from rgsym.solve.exponents import Exponents, compute_exponents
from rgsym.solve.fixed_points import FixedPoint, find_fixed_points
from rgsym.solve.numeric import NumericSystem, compile_system

__all__ = [
    "Exponents",
    "FixedPoint",
    "NumericSystem",
    "compile_system",
    "compute_exponents",
    "find_fixed_points",
]
