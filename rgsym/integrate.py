"""Integrate: momentum traces become threshold functions of the regulator.

Every term of the expanded trace is a loop integral with one regulator insertion
d_t R_k and a product of propagators of the representative components,

    T_c(w) = (1/2) k^-d int d^dq/(2pi)^d  d_t R_k  prod_i [ (Z k^2)^... / (Z q^2 + R_k + m_i) ]^c_i
           = v_d int_0^oo dy y^(d/2-1) [ (2 - eta) r(y) - 2 y r'(y) ] prod_i (y + r(y) + w_i)^-c_i,

with w_i = m_i / (Z k^2).  In the notation of Berges, Tetradis and Wetterich
(hep-ph/0005122, eq. 2.16) T_1(w) = 2 v_d l_0^d(w) and T_{n+1}(w) = 2 v_d l_n^d(w) / n.

The integral is done with sympy on each piece of the regulator.  Where the
propagator denominators do not depend on y on a piece (the optimised regulator)
the result is exact and closed; elsewhere a later issue supplies quadrature.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from rgsym.errors import UnsupportedError
from rgsym.expand import FlowTrace
from rgsym.regulators import REGULATORS, Piece, Regulator
from rgsym.spec import RegulatorSpec
from rgsym.symbols import angular_factor, y


@dataclass(frozen=True)
class LoopIntegrals:
    """The loop part of d_t u after the momentum integration.

    Attributes
    ----------
    trace
        The expanded trace the integrals were taken of.
    regulator
        The regulator used.
    thresholds
        Propagator counts c -> the threshold integral T_c as a sympy expression of the masses.
    """

    trace: FlowTrace
    regulator: Regulator
    thresholds: tuple[tuple[tuple[int, ...], sp.Expr], ...]

    def __repr__(self) -> str:
        shown = ", ".join(f"T{c} = {e}" for c, e in self.thresholds[:3])
        return f"LoopIntegrals(regulator={self.regulator.name!r}, {shown}, ...)"


def integrate_loops(trace: FlowTrace, regulator: RegulatorSpec) -> LoopIntegrals:
    """Replace every propagator-count pattern of the trace by its threshold integral."""
    reg = REGULATORS[regulator.kind]
    d, eta = trace.d, trace.eta
    thresholds = tuple(
        (counts, threshold_integral(reg, counts, trace.masses, d, eta)) for counts in trace.patterns
    )
    return LoopIntegrals(trace, reg, thresholds)


def threshold_integral(reg: Regulator, counts: tuple[int, ...], masses: tuple[sp.Expr, ...],
                       d: sp.Expr, eta: sp.Expr, kinetic: sp.Expr = y) -> sp.Expr:
    """T_c(w) for a regulator, propagator counts c and dimensionless masses w.

    Examples
    --------
    >>> import sympy as sp
    >>> from rgsym.regulators import LITIM
    >>> w = sp.Symbol("w")
    >>> sp.simplify(threshold_integral(LITIM, (1,), (w,), sp.Integer(4), sp.Integer(0)))
    1/(32*pi**2*(w + 1))
    """
    total = sp.Integer(0)
    for k, piece in enumerate(reg.pieces):
        measure = _piece_measure(reg, k, d, eta)
        if measure == 0:
            continue
        den = sp.expand(kinetic + piece.shape)
        product = sp.Integer(1)
        for c, w in zip(counts, masses, strict=True):
            if c == 0:
                continue
            if den.has(y):
                raise UnsupportedError(
                    "", "regulator.kind",
                    f"{reg.name!r} needs numerical threshold integrals, not available yet",
                )
            product *= (den + w) ** (-c)
        total += measure * product
    return angular_factor(d) * total


@cache
def _piece_measure(reg: Regulator, k: int, d: sp.Expr, eta: sp.Expr) -> sp.Expr:
    """int over piece k of y^(d/2-1) [(2 - eta) r - 2 y r'] dy (denominators excluded)."""
    piece: Piece = reg.pieces[k]
    regulator_insertion = (2 - eta) * piece.shape - 2 * y * sp.diff(piece.shape, y)
    if sp.expand(regulator_insertion) == 0:
        return sp.Integer(0)
    dd = sp.Dummy("dd", positive=True)
    result = sp.integrate(y ** (dd / 2 - 1) * regulator_insertion, (y, piece.lower, piece.upper))
    return sp.simplify(result.subs(dd, d))
