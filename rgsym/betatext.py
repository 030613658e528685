"""The betas as text for ``rgsym derive``, fast also at order 40.

Small systems are printed by sympy (its term order, which the documentation shows).
sympy converts a beta from symengine at some 0.4 ms a term and prints it at
about as much again, which at order 40 (290 000 terms, 74 MB of text) would take
minutes: above :data:`SYMPY_MAX_TERMS` terms the betas are printed by symengine
instead (its own deterministic term order), at some 10 MB/s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rgsym.symbols import to_sympy_shared

if TYPE_CHECKING:
    from rgsym.betasystem import BetaSystem

#: Systems with more top-level terms than this (summed over the betas; about order 17 of the
#: O(N) LPA around the minimum) are printed by symengine.
SYMPY_MAX_TERMS = 2000


def beta_texts(system: BetaSystem) -> list[str]:
    """Each beta function of ``system`` as one line of text, in the order of its couplings.

    Parameters
    ----------
    system
        The derived betas.

    Returns
    -------
    list of str
        sympy's ``str`` of each beta for a small system (converted by
        :func:`rgsym.symbols.to_sympy_shared`), or one with quadrature thresholds (whose integrals
        only sympy prints); symengine's ``str`` for a large one.
    """
    if system.thresholds:
        printer = memo_printer()
        return [printer.doprint(b) for b in system.betas]
    betas = printed_betas(system)
    if not _more_terms_than(betas, SYMPY_MAX_TERMS):
        printer = memo_printer()
        return [printer.doprint(b) for b in to_sympy_shared(betas)]
    return [str(b) for b in betas]


def printed_betas(system: BetaSystem) -> Sequence[Any]:
    """The symengine betas to print: the derived ones when the system rebuilds its betas on first
    use (:func:`rgsym.cache.rebuilt_lazily`, a fresh derivation with the cache off), whose text is
    the same and which need no rebuilding; ``system.fast_betas`` otherwise.

    Parameters
    ----------
    system
        The derived betas.

    Returns
    -------
    sequence of symengine.Basic
    """
    from rgsym.expression import rebuild_postfix
    from rgsym.stability import LazyBetas

    betas = system.fast_betas
    if isinstance(betas, LazyBetas) and betas.reader is rebuild_postfix:
        return betas.tokens
    return betas


def _more_terms_than(betas: Sequence[Any], limit: int) -> bool:
    """Whether the betas have more than ``limit`` top-level terms in all: counted until the
    limit is passed (the terms of the large betas are built as objects to be counted, 1.5 s at
    order 40)."""
    total = 0
    for b in betas:
        total += max(len(b.args), 1)
        if total > limit:
            return True
    return False


def memo_printer() -> Any:
    """A sympy ``StrPrinter`` that prints each distinct subexpression once.

    The betas repeat the same sums and powers thousands of times; the text of a
    subexpression does not depend on where it stands (the parentheses are added by the
    parent), so remembering it gives sympy's output 5x faster at order 24.

    Returns
    -------
    sympy.printing.str.StrPrinter
        A fresh printer (its memory lives as long as it does).
    """
    from sympy.printing.str import StrPrinter

    class _MemoStrPrinter(StrPrinter):
        def __init__(self) -> None:
            super().__init__()
            self._memo: dict[Any, str] = {}

        def _print(self, expr: Any, **kwargs: Any) -> str:
            if kwargs:
                return str(super()._print(expr, **kwargs))
            try:
                return self._memo[expr]
            except KeyError:
                text = self._memo[expr] = str(super()._print(expr))
                return text
            except TypeError:  # unhashable: lists, dicts
                return str(super()._print(expr))

    return _MemoStrPrinter()
