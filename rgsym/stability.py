"""The stability matrix d beta_i / d g_j, built row by row when a row is first used.

At order 40 the symbolic matrix is 41 x 41 derivatives of betas that print to some
80 MB: building it takes longer than everything else in a derivation, and ``rgsym
derive`` never looks at it.  :class:`LazyStability` is a sequence of rows that
differentiates beta_i the first time row i is asked for, so that the derivation stays
cheap and a solver that needs only a leading block (the order-1 sub-system of the
fixed-point search) differentiates only that block's betas.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
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
        self.betas: Sequence[se.Basic] = betas if isinstance(betas, LazyBetas) else tuple(betas)
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


class LazyBetas(Sequence[se.Basic]):
    """Beta functions kept as the cache's tokens and read the first time each is used.

    A warm run whose compiled code comes from the cache (:mod:`rgsym.solve.numeric`) never
    needs the expressions: reading the 21 betas of order 20 took 0.7 s.  ``digest`` is the
    SHA-256 of the tokens: equality and hashing go by it (never reading a beta), and the
    compiled code of these betas is cached under it.  A token list that is not one
    :func:`rgsym.expression.read_postfix` accepts raises its error when that beta is read.

    Parameters
    ----------
    tokens
        One token list per beta, as :func:`rgsym.expression.write_postfix` writes them.
    read
        Tokens -> expression (:func:`rgsym.expression.read_postfix`).
    digest
        The SHA-256 of the tokens, or what computes it; by default computed from the tokens.
        Either way it is computed on first use: ``rgsym derive`` needs none, and at order 40 it
        takes a second.
    """

    __slots__ = ("tokens", "_digest", "_read", "_values")

    def __init__(self, tokens: Sequence[Any], read: Callable[[Any], se.Basic],
                 digest: str | Callable[[], str] = "") -> None:
        self.tokens = tuple(tokens)
        self._digest = digest
        self._read = read
        self._values: dict[int, se.Basic] = {}

    @property
    def digest(self) -> str:
        """The SHA-256 of the tokens (as compact JSON), hex.

        Returns
        -------
        str
        """
        if callable(self._digest):
            self._digest = self._digest()
        if not self._digest:
            self._digest = hashlib.sha256(json.dumps(self.tokens, separators=(",", ":")).encode()).hexdigest()
        return self._digest

    @property
    def reader(self) -> Callable[[Any], se.Basic]:
        """What reads one beta from its tokens.

        Returns
        -------
        callable
        """
        return self._read

    def _at(self, i: int) -> se.Basic:
        found = self._values.get(i)
        if found is None:
            found = self._values[i] = self._read(self.tokens[i])
        return found

    def __len__(self) -> int:
        return len(self.tokens)

    @overload
    def __getitem__(self, index: int) -> se.Basic: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[se.Basic, ...]: ...

    def __getitem__(self, index: int | slice) -> se.Basic | tuple[se.Basic, ...]:
        if isinstance(index, slice):
            return tuple(self._at(i) for i in range(len(self))[index])
        n = len(self)
        if not -n <= index < n:
            raise IndexError("beta index out of range")
        return self._at(index % n)

    def __iter__(self) -> Iterator[se.Basic]:
        return (self._at(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyBetas):
            return self.digest == other.digest
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.digest)

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (tuple(self),))

    def __repr__(self) -> str:
        return f"LazyBetas({len(self)} betas, {len(self._values)} read, sha256 {self.digest[:12]})"
