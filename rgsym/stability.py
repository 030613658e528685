"""The stability matrix d beta_i / d g_j, built row by row when a row is first used.

At order 40 the symbolic matrix is 41 x 41 derivatives of betas that print to some
80 MB: building it takes longer than everything else in a derivation, and ``rgsym
derive`` never looks at it.  :class:`LazyStability` is a sequence of rows that
differentiates beta_i the first time row i is asked for, so that the derivation stays
cheap and a solver that needs only a leading block (the order-1 sub-system of the
fixed-point search) differentiates only that block's betas.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import symengine as se

Row = tuple[se.Basic, ...]


class LazyStability(Sequence[Row]):
    """Rows d beta_i / d g_j (j over ``symbols``), each differentiated on first access.

    Equality and hashing go by the betas and symbols, so they never force a row; pickling
    keeps the rows already built.

    Parameters
    ----------
    betas
        The beta functions, symengine expressions.
    symbols
        The couplings g_j, in the order of the columns.
    rows
        Rows already known, by index (from a pickle).

    Examples
    --------
    >>> x, y = se.symbols("x y")
    >>> m = LazyStability((x * y, x**2), (x, y))
    >>> m[1]
    (2*x, 0)
    >>> len(m), m.built
    (2, 1)
    """

    __slots__ = ("betas", "symbols", "_rows")

    def __init__(self, betas: Sequence[se.Basic], symbols: Sequence[se.Symbol],
                 rows: dict[int, Row] | None = None) -> None:
        self.betas = tuple(betas)
        self.symbols = tuple(symbols)
        self._rows: dict[int, Row] = dict(rows or {})

    def row(self, i: int) -> Row:
        """Row i of the matrix, d beta_i / d g_j for every j (differentiated once).

        Parameters
        ----------
        i
            Index of the beta function, 0 <= i < len(self).

        Returns
        -------
        tuple of symengine.Basic
        """
        found = self._rows.get(i)
        if found is None:
            found = self._rows[i] = tuple(se.diff(self.betas[i], s) for s in self.symbols)
        return found

    @property
    def built(self) -> int:
        """How many rows have been differentiated so far.

        Returns
        -------
        int
        """
        return len(self._rows)

    def __len__(self) -> int:
        return len(self.betas)

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Row, ...]: ...

    def __getitem__(self, index: int | slice) -> Row | tuple[Row, ...]:
        if isinstance(index, slice):
            return tuple(self.row(i) for i in range(len(self))[index])
        n = len(self)
        if not -n <= index < n:
            raise IndexError("stability matrix row out of range")
        return self.row(index % n)

    def __iter__(self) -> Iterator[Row]:
        return (self.row(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyStability):
            return self.betas == other.betas and self.symbols == other.symbols
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.betas, self.symbols))

    def __reduce__(self) -> tuple[Any, ...]:
        return (LazyStability, (self.betas, self.symbols, dict(self._rows)))

    def __repr__(self) -> str:
        return f"LazyStability({len(self)} x {len(self.symbols)}, {self.built} rows built)"
