"""Gauss-Legendre nodes of the threshold quadrature: the same bits on every machine.

``numpy.polynomial.legendre.leggauss`` gave nodes differing in the last digit between
platforms, and the generated C and NumPy files (and their golden copies) with them
(issue 12 §5).  :func:`rgsym.threshold.gauss_legendre` works in exact binary fixed point (Python
integers) and rounds once.
"""

from __future__ import annotations

import hashlib

import mpmath
import numpy as np
import pytest

from rgsym.threshold import NODES_PER_INTERVAL, _legendre, gauss_legendre

#: SHA-256 of the little-endian bytes of the 240 nodes then the 240 weights, as computed on
#: x86-64 Linux; any platform (or numpy/LAPACK version) that gives other bits fails here.
DIGEST = "d4262eeb80c7f4e8f2eeefdb55b3b04be4a03b79ca19f6d01668cc0131a6dfc5"


def test_the_rule_is_bit_identical_everywhere() -> None:
    x, w = _legendre()
    assert x.size == w.size == NODES_PER_INTERVAL
    data = x.astype("<f8").tobytes() + w.astype("<f8").tobytes()
    assert hashlib.sha256(data).hexdigest() == DIGEST


@pytest.mark.parametrize("n", [1, 2, 3, 7, 20])
def test_nodes_are_the_correctly_rounded_roots(n: int) -> None:
    """Against mpmath's own Legendre polynomial: each node is the root rounded to nearest
    (so within half an ulp), each weight 2 / ((1 - x^2) P_n'(x)^2) likewise."""
    x, w = gauss_legendre(n)
    with mpmath.workdps(50):
        for node, weight in zip(x, w, strict=True):
            root = mpmath.findroot(lambda t: mpmath.legendre(n, t), mpmath.mpf(float(node)))
            slope = mpmath.diff(lambda t: mpmath.legendre(n, t), root)
            exact_weight = 2 / ((1 - root**2) * slope**2)
            assert abs(node - root) <= np.spacing(abs(node)) / 2 + mpmath.mpf(10) ** -40
            assert abs(weight - exact_weight) <= np.spacing(weight) / 2 + mpmath.mpf(10) ** -40


def test_the_rule_integrates_polynomials_exactly() -> None:
    """Degree up to 2n - 1 exactly; in doubles to a few ulps of the sum (the reason of 1e-15)."""
    x, w = _legendre()
    for k in (0, 2, 10, 100, 478):
        assert float(np.dot(w, x**k)) == pytest.approx(2 / (k + 1), rel=1e-15, abs=1e-15)
