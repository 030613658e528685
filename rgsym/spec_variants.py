"""Spec variants: the same theory and truncation at another dimension.

The continuations in d (:func:`rgsym.pipeline.follow_wilson_fisher`,
:mod:`rgsym.workflows.fixed_function`, :mod:`rgsym.workflows.multicritical`) derive the spec at a
sequence of exact dimensions; these two helpers make those specs.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import sympy as sp

from rgsym.spec import TheorySpec


def at_dimension(spec: TheorySpec, d: Fraction) -> TheorySpec:
    """The spec at dimension ``d``.

    Parameters
    ----------
    spec
        Any spec.
    d
        The dimension.

    Returns
    -------
    TheorySpec
    """
    return replace(spec, theory=replace(spec.theory, d=sp.Rational(d.numerator, d.denominator)))


def exact_dimension(spec: TheorySpec) -> Fraction:
    """The spec's numeric dimension as a fraction.

    Parameters
    ----------
    spec
        A spec with a numeric d.

    Returns
    -------
    fractions.Fraction
    """
    d = spec.theory.d
    if d.is_Rational:
        return Fraction(int(d.p), int(d.q))
    return Fraction(float(d)).limit_denominator(10**6)


