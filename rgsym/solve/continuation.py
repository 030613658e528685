"""Continuation in the dimension: the Wilson-Fisher point identified, not selected.

Away from d = 3 a polynomial truncation has several non-Gaussian fixed points: the
multicritical points that branch off the Gaussian one below d_c = 2n/(n - 1), and
spurious roots of the truncation.  Picking "the most stable one" among whatever a
multi-start search happened to find is a guess, and a wrong one below d ~ 2.7 (issue 14).
So the Wilson-Fisher point is *identified*:

1. At d = 3 (:data:`ANCHOR_DIMENSION`) it is the only non-Gaussian fixed point with
   exactly one relevant direction (the tricritical point merges with the Gaussian one
   there, and higher multicritical points exist only below 8/3).
2. It is followed in d to the requested dimension in steps of at most :data:`MAX_STEP`:
   at each step Newton starts from the linear extrapolation of the last two points (a
   secant predictor), the corrected point must stay close to the prediction, and the
   number of relevant directions must still be one.  A step that fails is halved.
3. When the branch gains a relevant direction, or cannot be followed, the search stops
   with a :class:`~rgsym.errors.SolveError` that says what was found: the polynomial
   truncation no longer describes the Wilson-Fisher point there.

Nothing depends on the order in which a global search finds roots, so the answer does
not depend on rounding (or on whether the betas came from the derivation cache).

References
----------
- E. L. Allgower, K. Georg, *Introduction to Numerical Continuation Methods*, SIAM (2003),
  ch. 2 (predictor-corrector continuation).
- A. Codello, N. Defenu, G. D'Odorico, Phys. Rev. D 91 (2015) 105003, arXiv:1410.3308
  (the multicritical O(N) fixed points of the LPA as functions of d).
- D. F. Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006 (the expansion around the minimum).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from rgsym.errors import SolveError
from rgsym.solve.exponents import Exponents, compute_exponents
from rgsym.solve.fixed_points import FixedPoint, Truncated, find_fixed_points, solve_from
from rgsym.solve.numeric import NumericSystem

log = logging.getLogger(__name__)

#: Where the Wilson-Fisher point is unambiguous: between d_c = 3 of the tricritical point
#: and d = 4, where it merges with the Gaussian point.
ANCHOR_DIMENSION = Fraction(3)
#: Largest step in d.  nu(d) of the LPA changes by less than 0.05 per such step down to
#: d ~ 2.3 (N = 1), so the secant predictor is good to a few per cent.
MAX_STEP = Fraction(1, 20)
#: Smallest step before the branch is declared lost.
MIN_STEP = Fraction(1, 1280)
#: The corrected point may differ from the predicted one by this much (max norm of the
#: scaled couplings, relative to 1 + |x|): more means Newton jumped to another branch.
JUMP = 0.1


@dataclass(frozen=True)
class BranchPoint:
    """One step of a continuation: the dimension, the number of relevant directions and nu."""

    d: float
    relevant: int
    nu: float | None


@dataclass(frozen=True)
class Branch:
    """The Wilson-Fisher point at the requested d and the path that reached it.

    Attributes
    ----------
    point, exponents
        The fixed point and its exponents, computed with the spec's own compiled system.
    path
        Every accepted step from :data:`ANCHOR_DIMENSION` on.
    """

    point: FixedPoint
    exponents: Exponents
    path: tuple[BranchPoint, ...]


def is_wilson_fisher(exponents: Exponents) -> bool:
    """A non-Gaussian point with exactly one relevant direction.

    For one O(N) multiplet every coupling of the truncation is O(N) symmetric, and the
    vacuum energy is not among them, so there is no trivial relevant direction to discount.

    Parameters
    ----------
    exponents
        The exponents at the point.

    Returns
    -------
    bool
    """
    return not exponents.fixed_point.is_gaussian and exponents.relevant == 1


def anchor_point(numeric: NumericSystem, d: float = float(ANCHOR_DIMENSION)) -> tuple[FixedPoint, Exponents]:
    """The Wilson-Fisher point where it is unambiguous: the unique non-Gaussian point with one
    relevant direction among those found by :func:`~rgsym.solve.fixed_points.find_fixed_points`.

    Parameters
    ----------
    numeric
        The compiled system, at d = :data:`ANCHOR_DIMENSION` for a continuation.
    d
        Its dimension, for the message.

    Returns
    -------
    tuple
        The point and its exponents.

    Raises
    ------
    SolveError
        If there is no such point, or more than one.
    """
    try:
        points = find_fixed_points(numeric)
    except SolveError as exc:
        raise SolveError(f"no Wilson-Fisher fixed point at d = {d:g}: {exc}") from None
    found = [(fp, compute_exponents(numeric, fp)) for fp in points]
    candidates = [(fp, ex) for fp, ex in found if is_wilson_fisher(ex)]
    if len(candidates) != 1:
        others = [ex.relevant for fp, ex in found if not fp.is_gaussian]
        detail = ("no non-Gaussian fixed point was found" if not others else
                  f"{len(candidates)} of the {len(others)} non-Gaussian fixed points found have one relevant "
                  f"direction (relevant directions: {', '.join(map(str, others))})")
        raise SolveError(
            f"no unique Wilson-Fisher fixed point at d = {d:g}: tried a multi-start search and "
            f"continuation in the truncation order; {detail}"
            + ("; it merges with the Gaussian point at d = 4" if d >= 4 else "")
            + "; try another truncation.order or truncation.expand_around")
    return candidates[0]


def dimension_steps(start: Fraction, target: Fraction, step: Fraction) -> Fraction:
    """The next dimension from ``start`` towards ``target``, at most ``step`` away.

    Parameters
    ----------
    start, target
        The current and the requested dimension.
    step
        The largest step (positive).

    Returns
    -------
    fractions.Fraction
        ``target`` when it is within ``step``.

    Examples
    --------
    >>> dimension_steps(Fraction(3), Fraction(5, 2), Fraction(1, 20))
    Fraction(59, 20)
    >>> dimension_steps(Fraction(3), Fraction(301, 100), Fraction(1, 20))
    Fraction(301, 100)
    """
    if abs(target - start) <= step:
        return target
    return start + step if target > start else start - step


def follow_branch(compiled: Callable[[Fraction], NumericSystem], target: Fraction,
                  final: Callable[[], NumericSystem], truncation: str) -> Branch:
    """The Wilson-Fisher point of a family of systems, followed in d from :data:`ANCHOR_DIMENSION`.

    :func:`rgsym.pipeline.follow_wilson_fisher` builds the family from a spec.

    Parameters
    ----------
    compiled
        The betas compiled at an exact dimension (one symbolic-d derivation, or one per d).
    target
        The requested dimension, 2 < d < 4.
    final
        Gives the system at ``target`` itself (the spec's own compiled system, whose exponents
        are reported); called when the last step is taken.
    truncation
        What the truncation is, for messages (e.g. "the polynomial truncation of order 6 around
        minimum").

    Returns
    -------
    Branch
        The point, its exponents (from ``final``) and the path.

    Raises
    ------
    SolveError
        If the anchor is not unique, or if the branch gains a relevant direction or cannot be
        followed before ``target``.
    """
    fp, ex = anchor_point(compiled(ANCHOR_DIMENSION))
    scaled = np.array(fp.values) / compiled(ANCHOR_DIMENSION).scales
    path = [BranchPoint(float(ANCHOR_DIMENSION), ex.relevant, ex.nu)]
    d, previous = ANCHOR_DIMENSION, None
    step = MAX_STEP
    while d != target:
        d_new = dimension_steps(d, target, step)
        numeric = final() if d_new == target else compiled(d_new)
        predicted = scaled if previous is None else _secant(previous, (d, scaled), d_new)
        moved = _correct(numeric, predicted, fp)
        if moved is None:
            if step / 2 < MIN_STEP:
                raise SolveError(_lost_message(target, truncation, d, path))
            step /= 2
            continue
        fp, ex = moved
        path.append(BranchPoint(float(d_new), ex.relevant, ex.nu))
        if ex.relevant != 1:
            raise SolveError(_gained_message(target, truncation, float(d_new), ex, path))
        previous = (d, scaled)
        d, scaled = d_new, np.array(fp.values) / numeric.scales
        step = min(MAX_STEP, step * 2)
    return Branch(fp, ex, tuple(path))


def _secant(before: tuple[Fraction, np.ndarray], last: tuple[Fraction, np.ndarray],
            d: Fraction) -> np.ndarray:
    """Linear extrapolation of the last two points of the branch to ``d``."""
    slope = float((d - last[0]) / (last[0] - before[0]))
    return last[1] + (last[1] - before[1]) * slope


def _correct(numeric: NumericSystem, predicted: np.ndarray, template: FixedPoint
             ) -> tuple[FixedPoint, Exponents] | None:
    """Newton from the predicted point; None when it fails or lands too far away."""
    system = Truncated(numeric, len(predicted))
    x = solve_from(system, predicted)
    if x is None or np.max(np.abs(x - predicted) / (1.0 + np.abs(predicted))) > JUMP:
        return None
    fp = replace(template, values=tuple(float(v) for v in x * numeric.scales), residual=system.residual(x))
    ex = compute_exponents(numeric, fp)
    return ex.fixed_point, ex  # refined to rounding on the exact betas


def _gained_message(target: Fraction, truncation: str, d: float, ex: Exponents,
                    path: list[BranchPoint]) -> str:
    last_good = path[-2].d if len(path) > 1 else float(ANCHOR_DIMENSION)
    return (f"no Wilson-Fisher fixed point at d = {float(target):g}: followed from d = 3, the "
            f"nearest fixed point has {ex.relevant} relevant directions from d = {d:g} on (one "
            f"down to d = {last_good:g}, nu = {path[-2].nu if len(path) > 1 else ex.nu:.6g}); "
            f"{truncation} does not converge here; use the full potential "
            "(truncation.potential = 'full', rgsym fixed-function)")


def _lost_message(target: Fraction, truncation: str, d: Fraction, path: list[BranchPoint]) -> str:
    return (f"no Wilson-Fisher fixed point at d = {float(target):g}: followed from d = 3 with one "
            f"relevant direction down to d = {float(d):g} (nu = {path[-1].nu:.6g}), the branch of "
            f"{truncation} cannot be followed further (Newton fails with steps down to "
            f"{float(MIN_STEP):g} in d); use the full potential (truncation.potential = 'full', "
            "rgsym fixed-function)")
