"""Couplings: the named running couplings of a truncation (a leaf module: it imports no stage).

A coupling is the value of a derivative of the dimensionless potential at the expansion point
(or the running minimum kappa itself); its multi-index says which derivative.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from rgsym import symbols

MultiIndex = tuple[int, ...]


@dataclass(frozen=True)
class Coupling:
    """A running coupling: ``value`` of the potential derivative ``index`` (or kappa)."""

    name: str
    latex: str
    index: MultiIndex
    is_minimum: bool = False

    @property
    def symbol(self) -> sp.Symbol:
        """The real sympy symbol of this coupling (see `rgsym.symbols.coupling`).

        Returns
        -------
        sympy.Symbol
            The same object for the same ``name``.
        """
        return symbols.coupling(self.name)

    @property
    def order(self) -> int:
        """Lowest truncation order that contains this coupling (order = degree of u')."""
        return 1 if self.is_minimum else max(1, sum(self.index) - 1)
