"""The Wilson-Fisher fixed-point function in 2 < d < 4: continuation in d and its checks.

At d = 3 Newton on the collocated fixed-point equation starts from the polynomial fixed
point of order :data:`~rgsym.solve.pde.START_ORDER`
(:func:`~rgsym.workflows.fixed_function.polynomial_start`).
Elsewhere that start can lie in the basin of another solution (below d = 3 the
tricritical one; issue 14 found kappa* = 0 with u*'' < 0 at d = 2.5), so the solution is
followed in d from d = 3 instead, in steps of at most :data:`MAX_STEP`: each step starts
Newton from the previous u*' (in units of the loop prefactor c_d = 4 v_d / d, which
carries the d dependence of the scales), on [0, rho_max] with rho_max a fixed multiple of
the previous kappa*.  Every accepted step is checked (:func:`wilson_fisher_problem`):

- kappa* > 0 and u*''(kappa*) > 0: a minimum (the Wilson-Fisher potential of the
  Wetterich LPA is in the broken regime, u*'(0) < 0, for every 2 < d < 4);
- u*' has exactly one node on the grid;
- the discretised stability operator has exactly one relevant eigenvalue (u itself is
  not an unknown, so the trivial theta = d of the vacuum energy is absent).

A step whose solution fails a check, or whose kappa* jumps, is halved; when the step
becomes too small the search ends with a :class:`~rgsym.errors.SolveError` saying what
was found.  The grid follows d through rho_max (the large-field power law
u*' ~ rho^{2/(d-2)} is not imposed but comes out of the collocated ODE at rho_max).

References
----------
- A. Codello, N. Defenu, G. D'Odorico, Phys. Rev. D 91 (2015) 105003, arXiv:1410.3308
  (the LPA multicritical potentials and their nodes in 2 < d < 4).
- E. L. Allgower, K. Georg, *Introduction to Numerical Continuation Methods*, SIAM (2003), ch. 2.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from rgsym.errors import SolveError
from rgsym.solve.spectrum import kind, snap

log = logging.getLogger(__name__)

#: Where the Wilson-Fisher solution is reached from (see :mod:`rgsym.solve.continuation`).
ANCHOR_DIMENSION = Fraction(3)
#: Largest step in d: kappa*/c_d changes by a few per cent per step down to d ~ 2.2.
MAX_STEP = Fraction(1, 10)
#: Smallest step before the branch is declared lost.
MIN_STEP = Fraction(1, 640)
#: kappa*/c_d may change by at most this fraction in one step (more is a jump to another solution).
JUMP = 0.25


def loop_prefactor(d: float) -> float:
    """c_d = 4 v_d / d with v_d = 1/(2^{d+1} pi^{d/2} Gamma(d/2)) (REFERENCES.md conventions).

    Only used to carry a solution from one d to the next (u and rho scale with c_d).

    Parameters
    ----------
    d
        The dimension.

    Returns
    -------
    float

    Examples
    --------
    >>> round(loop_prefactor(3.0) * 6 * math.pi**2, 12)
    1.0
    """
    v = 1.0 / (2.0 ** (d + 1) * math.pi ** (d / 2) * math.gamma(d / 2))
    return 4.0 * v / d


@dataclass(frozen=True)
class Start:
    """A start for Newton at the requested d: u*'(rho) and kappa*."""

    derivative: Callable[[np.ndarray], np.ndarray] | np.polynomial.Chebyshev
    kappa: float


def count_nodes(values: np.ndarray) -> int:
    """Sign changes of a sampled function (zeros on a sample point count once).

    Parameters
    ----------
    values
        The samples, in order.

    Returns
    -------
    int

    Examples
    --------
    >>> count_nodes(np.array([-1.0, 0.0, 2.0, 1.0, -3.0]))
    2
    """
    signs = np.sign(values[values != 0])
    return int(np.count_nonzero(signs[1:] != signs[:-1]))


#: Two grids resolve an eigenvalue when they agree on it to this (relative to max(1, |theta|)).
#: The exponents differ by ~1e-10 between the grids, the spurious boundary modes by O(1) or more.
SPECTRAL_MATCH = 1e-4


@dataclass(frozen=True)
class Spectrum:
    """The eigenvalues theta = -eig(J) that two grids agree on, and nu, omega from them.

    ``error`` is max(|delta nu|, |delta omega|) between the two grids.
    """

    theta: tuple[complex, ...]
    nu: float
    omega: float
    error: float


def converged_spectrum(jacobian: np.ndarray, check: np.ndarray) -> Spectrum:
    """theta = -eig(J) of the main grid that the check grid reproduces, by descending real part.

    A spectral discretisation has eigenvalues that belong to the grid, not to the operator: they
    move when the grid changes (Boyd, *Chebyshev and Fourier Spectral Methods*, 2nd ed. (2001),
    sec. 7.5, "eigenvalue drift").  Near d = 4 the collocated boundary row gives a pair with real
    part ~ +100 that would pass for a relevant direction.

    Parameters
    ----------
    jacobian, check
        The collocated stability operator on the main and on the check grid.

    Returns
    -------
    Spectrum

    Raises
    ------
    SolveError
        If no relevant or no irrelevant real eigenvalue is resolved.
    """
    main = sorted((complex(-e) for e in np.linalg.eigvals(jacobian)), key=lambda z: (-z.real, -z.imag))
    other = np.array([complex(-e) for e in np.linalg.eigvals(check)])
    theta, drift = [], []
    for t in main:
        gap = float(np.min(np.abs(other - t)))
        if gap <= SPECTRAL_MATCH * max(1.0, abs(t)):
            theta.append(snap(t))
            drift.append(gap)
    # nu and omega as in rgsym.solve.spectrum.nu_omega, each with its drift between the grids
    pairs = list(zip(theta, drift, strict=True))
    positive = [(t.real, g) for t, g in pairs if kind(t) == "relevant" and t.imag == 0]
    negative = [(t.real, g) for t, g in pairs if kind(t) == "irrelevant"]
    if not positive or not negative:
        raise SolveError("the discretised stability operator has no resolved relevant or irrelevant "
                         "real direction; this is not a Wilson-Fisher fixed point")
    top, top_gap = max(positive)
    least, least_gap = max(negative)
    return Spectrum(tuple(theta), 1.0 / top, -least, max(top_gap / top**2, least_gap))


def wilson_fisher_problem(kappa: float, mass: float, nodes: int, relevant: int) -> str | None:
    """What is wrong with a solution as the Wilson-Fisher fixed point, or None.

    Parameters
    ----------
    kappa
        The minimum of u* (0 when u*'(0) >= 0).
    mass
        u*''(kappa*).
    nodes
        Sign changes of u*' on the grid.
    relevant
        Positive eigenvalues of the stability operator.

    Returns
    -------
    str or None

    Examples
    --------
    >>> wilson_fisher_problem(0.1, 2.0, 1, 1) is None
    True
    >>> wilson_fisher_problem(0.0, -2.7, 0, 2)
    "kappa* = 0 with u*''(kappa*) = -2.7 (a maximum, not a minimum), 2 relevant directions"
    """
    problems = []
    if not kappa > 0 or not mass > 0:
        kind = "a maximum, not a minimum" if mass < 0 else "no minimum"
        problems.append(f"kappa* = {kappa:.6g} with u*''(kappa*) = {mass:.6g} ({kind})")
    if nodes != 1:
        problems.append(f"u*' has {nodes} nodes")
    if relevant != 1:
        problems.append(f"{relevant} relevant directions")
    return ", ".join(problems) or None


def carry(poly: np.polynomial.Chebyshev | Callable[[np.ndarray], np.ndarray], c_old: float,
          c_new: float, d_new: float) -> Callable[[np.ndarray], np.ndarray]:
    """u*' carried from one d to the next: rho in units of c_d, and beyond the old grid the
    large-field power law rho^{2/(d-2)} of the new d (a Chebyshev series extrapolates badly).

    Parameters
    ----------
    poly
        u*' at the old d: a Chebyshev interpolant (its domain is the old grid) or a function.
    c_old, c_new
        The loop prefactors :func:`loop_prefactor` at the old and the new d.
    d_new
        The new dimension.

    Returns
    -------
    callable
        rho -> the guess for u*' at the new d.
    """
    edge = float(poly.domain[1]) if isinstance(poly, np.polynomial.Chebyshev) else math.inf
    power = 2.0 / (d_new - 2.0)

    def guess(rho: np.ndarray) -> np.ndarray:
        old = np.asarray(rho, dtype=float) * c_old / c_new
        inside = np.asarray(poly(np.minimum(old, edge)), dtype=float)
        if math.isinf(edge):
            return inside
        tail = float(poly(np.array([edge]))[0]) * (np.maximum(old, edge) / edge) ** power
        return np.where(old <= edge, inside, tail)

    return guess


def rho_max_factor_at(d: float, factor: float) -> float:
    """rho_max / kappa* at dimension d: ``factor`` at d = 3, longer above, shorter near d = 2.

    - Above d = 3 the loop term decays only like rho^{-2/(d-2)} relative to the scaling terms
      (rho^{-1} at d = 4), and at 5 kappa* the collocated boundary row then produces a spurious
      pair of eigenvalues with real part ~ +60 (measured at d = 3.5 with 40 points); at 40 kappa*
      the spectrum is clean with 40 and 80 points up to d = 3.9.  Just above d = 3, 40 kappa* is
      too long for 40 points (the two grids differ by 3e-6 at d = 3.05), hence a smooth growth
      to eight times ``factor`` at d = 3.5.
    - Below d = 5/2, u*' grows like rho^{2/(d-2)} (rho^{10} at d = 2.2): the range is cut so that
      (rho_max/kappa*)^{2/(d-2)} stays at its d = 5/2 value factor^4 = 625; with 5 kappa* at
      d = 2.3 spurious complex eigenvalues appear, with 3 kappa* (80 points) the spectrum is clean.

    Parameters
    ----------
    d
        The dimension.
    factor
        The factor at d = 3 (:data:`rgsym.solve.pde.RHO_MAX_FACTOR` by default).

    Returns
    -------
    float
    """
    if d < 2.5:
        return float(factor ** (2.0 * (d - 2.0)))
    return factor * 8.0 ** min(1.0, max(0.0, 2.0 * (d - 3.0)))


def points_at(d: float, points: int) -> int:
    """Chebyshev degree at dimension d: ``points``, doubled below d = 5/2.

    Below d = 5/2 the potential is steeper (u*' ~ rho^{2/(d-2)}): with 40 points at d = 2.3 the
    second eigenvalue is resolved to 3e-4 only, with 80 points to 1e-6.

    Parameters
    ----------
    d
        The dimension.
    points
        The degree at d >= 5/2.

    Returns
    -------
    int
    """
    return points if d >= 2.5 else 2 * points
