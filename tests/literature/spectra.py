"""Shared helpers of the exact-identity tests of multi-field models: the single-field O(N)
exponents to compare with, and equality of two spectra to a stated tolerance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rgsym.pipeline import exponents
from rgsym.solve.exponents import Exponents
from rgsym.spec import parse_spec


def single(n: int, order: int, around: str) -> Exponents:
    """The non-Gaussian point of the single-field O(n) LPA, Litim, d = 3, at ``order`` around
    ``around`` ("zero" or "minimum")."""
    spec = parse_spec({"theory": {"d": 3, "N": n},
                       "truncation": {"order": order, "expand_around": around}}, "o_n")
    (ex,) = [ex for fp, ex in exponents(spec) if not fp.is_gaussian]
    return ex


def by_real(values: Sequence[complex]) -> np.ndarray:
    """The values sorted by descending real part (then imaginary part)."""
    return np.array(sorted(values, key=lambda t: (-t.real, -t.imag)))


def same(ours: Sequence[complex], theirs: Sequence[complex], tolerance: float) -> bool:
    """Whether two spectra have the same length and agree, sorted, to ``tolerance`` (rel. and abs.)."""
    a, b = by_real(ours), by_real(theirs)
    return len(a) == len(b) and bool(np.allclose(a, b, rtol=tolerance, atol=tolerance))
