"""Cutoffs: the registry of UV cutoff functions K(y), y = p^2 / Lambda^2, of the Polchinski equation.

The Wilsonian action is S = (1/2) phi . Delta^-1 . phi + S_int with the UV-regularised
propagator Delta(p) = K(p^2/Lambda^2) / p^2, K(0) = 1 and K -> 0 fast at large y.  Each
entry states K piecewise (reusing :class:`rgsym.regulators.Piece`) so that the momentum
integral of d_t Delta is done piece by piece with sympy.

The "litim" cutoff is the one whose infrared complement gives the Litim regulator:
p^2 / (1 - K) = p^2 + R_k with R_k = (Lambda^2 - p^2) theta(Lambda^2 - p^2), so
K(y) = (1 - y) theta(1 - y) (Morris, hep-th/0503161, sec. 2).

References
----------
- J. Polchinski, Nucl. Phys. B231 (1984) 269.
- T. R. Morris, JHEP 0507 (2005) 027, hep-th/0503161.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from rgsym.regulators import Piece
from rgsym.symbols import y


@dataclass(frozen=True)
class Cutoff:
    """A UV cutoff function K(y) on consecutive intervals of y covering [0, oo)."""

    name: str
    pieces: tuple[Piece, ...]
    reference: str

    def shape(self) -> sp.Expr:
        """K(y) as one sympy expression (Piecewise when there are several pieces)."""
        if len(self.pieces) == 1:
            return self.pieces[0].shape
        return sp.Piecewise(*[(p.shape, y < p.upper) for p in self.pieces[:-1]],
                            (self.pieces[-1].shape, True))


LITIM_TYPE = Cutoff("litim", (Piece(sp.Integer(0), sp.Integer(1), 1 - y),
                              Piece(sp.Integer(1), sp.oo, sp.Integer(0))),
                    "Morris, hep-th/0503161: 1 - K gives the Litim regulator (Litim, hep-th/0005245)")
EXPONENTIAL = Cutoff("exponential", (Piece(sp.Integer(0), sp.oo, sp.exp(-y)),),
                     "Polchinski, Nucl. Phys. B231 (1984) 269; Morris, hep-th/0503161")

#: Registry: ``flow.cutoff`` -> cutoff.
CUTOFFS: dict[str, Cutoff] = {c.name: c for c in (EXPONENTIAL, LITIM_TYPE)}
#: The cutoff of a Polchinski spec that does not name one.
DEFAULT_CUTOFF = "litim"
