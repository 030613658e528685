"""The Wilson-Fisher fixed-point function in 2 < d < 4: continuation in d and its checks.

At d = 3 Newton on the collocated fixed-point equation starts from the polynomial fixed
point of order :data:`~rgsym.solve.pde.START_ORDER` (:func:`~rgsym.solve.pde.polynomial_start`).
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
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np
import sympy as sp

from rgsym.errors import SolveError
from rgsym.spec import TheorySpec

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
#: Imaginary parts below this (relative to |theta|) are rounding.
REAL_TOLERANCE = 1e-8


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
            theta.append(complex(t.real, 0.0) if abs(t.imag) <= REAL_TOLERANCE * max(1.0, abs(t)) else t)
            drift.append(gap)
    positive = [(t.real, g) for t, g in zip(theta, drift, strict=True) if t.real > 0 and t.imag == 0]
    negative = [(t.real, g) for t, g in zip(theta, drift, strict=True) if t.real < 0]
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


def wilson_fisher_start(spec: TheorySpec, points: int, rho_max_factor: float) -> Start:
    """A start at the spec's d that lies on the Wilson-Fisher branch (continuation from d = 3).

    Parameters
    ----------
    spec
        A Wetterich full-potential spec of one O(N) multiplet with numeric 2 < d < 4.
    points
        Chebyshev degree of the grid used along the way.
    rho_max_factor
        rho_max in units of the previous kappa*.

    Returns
    -------
    Start
        At d = 3 the order-4 polynomial fixed point; elsewhere the solution at the last step
        before the requested d, rescaled to it.

    Raises
    ------
    SolveError
        If d is outside (2, 4), or the branch cannot be followed with every check passing.
    """
    from rgsym.solve import pde
    from rgsym.solve.continuation import dimension_steps

    target = exact_dimension(spec)
    if not 2 < target < 4:
        raise SolveError(f"no Wilson-Fisher fixed-point function at d = {float(target):g}: it exists "
                         "for 2 < d < 4 (at d = 4 it merges with the Gaussian point)")
    kappa, derivative = pde.polynomial_start(at_dimension(spec, ANCHOR_DIMENSION))
    if target == ANCHOR_DIMENSION:
        return Start(derivative, kappa)
    d, step = ANCHOR_DIMENSION, MAX_STEP
    while d != target:
        d_new = dimension_steps(d, target, step)
        scale = loop_prefactor(float(d_new)) / loop_prefactor(float(d))
        guess = carry(derivative, loop_prefactor(float(d)), loop_prefactor(float(d_new)), float(d_new))
        found = _step(at_dimension(spec, d_new), guess, kappa * scale,
                      points_at(float(d_new), points), rho_max_factor_at(float(d_new), rho_max_factor))
        if isinstance(found, str):
            if step / 2 < MIN_STEP:
                raise SolveError(f"no Wilson-Fisher fixed-point function at d = {float(target):g}: "
                                 f"followed from d = 3 to d = {float(d):g}, the next step "
                                 f"(d = {float(d_new):g}) finds {found}")
            step /= 2
            continue
        derivative, kappa_new = found
        if abs(kappa_new - kappa * scale) > JUMP * kappa * scale:
            if step / 2 >= MIN_STEP:
                step /= 2
                continue
        log.info("d = %s: kappa* = %.6g", d_new, kappa_new)
        d, kappa, step = d_new, kappa_new, min(MAX_STEP, step * 2)
    return Start(derivative, kappa)


def _step(spec: TheorySpec, guess: Callable[[np.ndarray], np.ndarray], kappa: float, points: int,
          rho_max_factor: float, flow: object | None = None
          ) -> tuple[Callable[[np.ndarray], np.ndarray], float] | str:
    """Solve at one d from ``guess``; the interpolant and kappa*, or what was wrong.

    ``flow`` (a PotentialFlow) replaces the spec's own, e.g. at a real N (rgsym.solve.n_continuation).
    """
    from rgsym.pipeline import derive_flow
    from rgsym.project import PotentialFlow
    from rgsym.solve import pde

    flow = derive_flow(spec) if flow is None else flow
    assert isinstance(flow, PotentialFlow)
    eq = pde.collocation_equation(flow)
    grid = pde.chebyshev_grid(points, rho_max_factor * kappa)
    try:
        w = pde.solve_collocation(eq, grid, guess(grid.rho))
    except SolveError:
        return "no solution of the collocated equation near the previous one"
    _, jac = pde.residual_and_jacobian(eq, grid, w)
    main = pde._interpolant(grid, w)
    check = pde.chebyshev_grid(points + points // 2, float(grid.rho[-1]))
    try:
        _, check_jac = pde.residual_and_jacobian(eq, check, pde.solve_collocation(eq, check, main(check.rho)))
        relevant = sum(1 for t in converged_spectrum(jac, check_jac).theta if t.real > 0)
    except SolveError as exc:
        return str(exc)
    kappa_new = pde._zero(main, float(grid.rho[-1]))
    problem = wilson_fisher_problem(kappa_new, float(main.deriv()(kappa_new)), count_nodes(w), relevant)
    if problem is not None:
        return problem
    return main, kappa_new
