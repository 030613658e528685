"""Regulators: the registry of regulator shape functions.

A regulator is R_k(q^2) = Z k^2 r(y) with y = q^2 / k^2.  Each entry states its
shape r(y) piecewise on intervals of y, so that the loop integration in
:mod:`rgsym.integrate` can be done symbolically piece by piece.  New regulators
are added by adding an entry to :data:`REGULATORS`; nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from rgsym.symbols import y


@dataclass(frozen=True)
class Piece:
    """r(y) = ``shape`` for ``lower <= y < upper``."""

    lower: sp.Expr
    upper: sp.Expr
    shape: sp.Expr


@dataclass(frozen=True)
class Regulator:
    """A regulator shape function.

    Attributes
    ----------
    name
        Registry key (``regulator.kind`` in a spec).
    pieces
        r(y) on consecutive intervals of y covering [0, oo).
    parameters
        Names of the spec keys the shape depends on.
    reference
        Where the regulator was introduced.
    """

    name: str
    pieces: tuple[Piece, ...]
    parameters: tuple[str, ...]
    reference: str

    def shape(self) -> sp.Expr:
        """r(y) as one sympy Piecewise expression."""
        return sp.Piecewise(*[(p.shape, y < p.upper) for p in self.pieces[:-1]],
                            (self.pieces[-1].shape, True))


LITIM = Regulator(
    name="litim",
    pieces=(Piece(sp.Integer(0), sp.Integer(1), 1 - y), Piece(sp.Integer(1), sp.oo, sp.Integer(0))),
    parameters=(),
    reference="Litim, Phys. Lett. B486 (2000) 92, hep-th/0005245; Phys. Rev. D64 (2001) 105007",
)

#: Registry: ``regulator.kind`` -> regulator.
REGULATORS: dict[str, Regulator] = {r.name: r for r in (LITIM,)}
