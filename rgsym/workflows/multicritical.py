"""The multicritical family of the O(N) LPA: Gaussian, Wilson-Fisher, tricritical, ...

Below d_c(n) = 2n/(n - 1) the phi^{2n} multicritical fixed point exists (n = 2: Wilson-Fisher
below 4, n = 3: tricritical below 3, n = 4 below 8/3, n = 5 below 5/2, ...).  It branches off
the Gaussian point along the Gaussian eigenfunction whose eigenvalue theta_n = d - n(d - 2)
changes sign at d_c(n).  Linearising the LPA around u = 0 (with the Litim regulator, loop
prefactor c = 4 v_d/d) gives

    x f'' + (N/2 - x) f' + n f = 0,   x = (d - 2) rho / (2 c),

Laguerre's equation: f = L_n^{(N/2 - 1)}(x) and u' ~ f' ~ L_{n-1}^{(N/2)}(x), a polynomial with
n - 1 nodes.  So the phi^{2n} point has n - 1 relevant directions in the symmetric sector (u is
not among the unknowns, so the trivial theta = d is absent) and u*' has n - 1 nodes
(Codello, Defenu, D'Odorico, PRD 91 (2015) 105003, arXiv:1410.3308; Morris, PLB 345 (1995) 139,
hep-th/9410141 for d = 2).  A solution is named only when both numbers agree and d < d_c(n).

The full-potential solutions are found by Newton on the collocated equation from these
Laguerre shapes at a range of amplitudes; only solutions whose relevant eigenvalues two grids
agree on (:func:`~rgsym.solve.pde_branch.converged_spectrum`) are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import genlaguerre

from rgsym.errors import SolveError
from rgsym.solve.multicritical_names import critical_dimension, multicritical_name
from rgsym.solve.spectrum import relevant_count, theta_json
from rgsym.spec import TheorySpec

#: Amplitudes (relative to max |guess|) tried for each Laguerre shape: the multicritical u*'
#: is of order 0.1-1 in these units at 2.2 < d < 3 and shrinks like d_c - d near d_c (measured).
AMPLITUDES = tuple(s * 10.0 ** e for e in np.arange(-2.0, 1.01, 0.25) for s in (1.0, -1.0))
#: rho_max in units of the largest node of the Laguerre shape (measured: 3 resolves d = 2.5 with
#: 40 points, and keeps the spurious boundary modes away from the relevant ones).
RANGE = 3.0


@dataclass(frozen=True)
class MulticriticalPoint:
    """One fixed-point function of the family: its name, the counts that name it, exponents."""

    name: str
    relevant: int
    nodes: int
    theta: tuple[complex, ...]
    nu: float
    omega: float
    u_prime_at_zero: float
    rho: tuple[float, ...]
    derivative: tuple[float, ...]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (the first eight thetas; complex ones as ``{"re", "im"}``).

        Returns
        -------
        dict
        """
        return {"name": self.name, "relevant_directions": self.relevant, "nodes": self.nodes,
                "nu": self.nu, "omega": self.omega, "u_prime_at_zero": self.u_prime_at_zero,
                "theta": [theta_json(t) for t in self.theta[:8]]}


def multicritical_functions(spec: TheorySpec, points: int = 40) -> list[MulticriticalPoint]:
    """Every member of the multicritical family found at the spec's d (full potential, Wetterich).

    Parameters
    ----------
    spec
        A full-potential spec of one O(N) multiplet with numeric 2 < d < 4.
    points
        The Chebyshev degree (doubled below d = 5/2, as for the Wilson-Fisher point).

    Returns
    -------
    list of MulticriticalPoint
        By the number of relevant directions; the Wilson-Fisher point comes from
        :func:`rgsym.workflows.fixed_function.fixed_function` (continuation in d from d = 3).
    """
    from rgsym.solve.pde_branch import count_nodes
    from rgsym.workflows.fixed_function import fixed_function

    d = float(spec.theory.d)
    found: dict[int, MulticriticalPoint] = {}
    try:
        wf = fixed_function(spec)
        found[1] = MulticriticalPoint("Wilson-Fisher", 1, count_nodes(np.array(wf.derivative)), wf.theta,
                                      wf.nu, wf.omega, wf.derivative[0], wf.rho, wf.derivative)
    except SolveError:
        if d == 2:  # no family to list: the reason (rgsym.solve.two_dimensions) is the answer
            raise
    relevant, misses = 2, 0
    while d < critical_dimension(relevant) and relevant <= MAX_RELEVANT and misses < 2:
        point = follow_multicritical(spec, relevant, points)
        if point is not None:
            found[relevant] = point
        misses = 0 if point is not None else misses + 1
        relevant += 1
    return [found[k] for k in sorted(found)]


#: The search stops after this many relevant directions (the phi^{2n} points exist below
#: d_c = 2n/(n - 1), all of them as d -> 2; each costs a continuation), or after two members in
#: a row are not found (measured at N = 1: the phi^12 point is not picked up at d_c - 0.1 = 2.3).
MAX_RELEVANT = 6


#: The branch of the point with k relevant directions is picked up this far below d_c(k), where
#: it is close to the Gaussian eigenfunction, and followed in d from there; but at most half way
#: to d_c(k + 1), below which Newton from the Laguerre shape can land on the next member (at
#: d = 2.3 the L_5 shape gave the phi^14 point, d_c = 7/3, instead of phi^12, d_c = 2.4).
ONSET = 0.1


def onset(relevant: int) -> float:
    """How far below d_c(k) the branch with k relevant directions is picked up.

    Parameters
    ----------
    relevant
        k, at least 2.

    Returns
    -------
    float

    Examples
    --------
    >>> [round(onset(k), 4) for k in (2, 3, 4, 5)]
    [0.1, 0.0833, 0.05, 0.0333]
    """
    return min(ONSET, 0.5 * (critical_dimension(relevant) - critical_dimension(relevant + 1)))
#: Steps in d along a multicritical branch.
STEP = 0.05
#: rho_max tried at each step, relative to the carried one: below d ~ 2.25 Newton on the carried
#: range stalls at a residual of a few 1e-9 on the check grid while 1.5 times the range converges
#: (measured for the tricritical point at d = 2.23 with 80 and 120 points).
RHO_MAX_RETRIES = (1.0, 1.5, 0.75)


def follow_multicritical(spec: TheorySpec, relevant: int, points: int = 40,
                         path: list[tuple[float, MulticriticalPoint]] | None = None
                         ) -> MulticriticalPoint | None:
    """The phi^{2(k+1)} point (k = ``relevant``) at the spec's d, by continuation from near d_c(k).

    Parameters
    ----------
    spec
        A full-potential spec of one O(N) multiplet with numeric d < d_c(k).
    relevant
        k, at least 2.
    points
        The Chebyshev degree (doubled below d = 5/2).
    path
        If given, every accepted step (d, point) is appended to it.

    Returns
    -------
    MulticriticalPoint or None
        None when the branch is not found near d_c(k) or is lost on the way (every step must keep
        k nodes and k relevant directions, steps are halved down to 1/64 of :data:`STEP`).
    """
    from rgsym.spec_variants import at_dimension, exact_dimension

    target = float(exact_dimension(spec))
    if not target < critical_dimension(relevant):
        return None
    # picked up onset(k) below d_c (within ONSET of d_c the point is so close to the Gaussian one that
    # Newton from the Laguerre shape falls onto w = 0), then followed down or up to the target
    d = critical_dimension(relevant) - onset(relevant)
    here = _from_laguerre(at_dimension(spec, _fraction(d)), relevant, points)
    point = next((p for p in here if p.relevant == relevant), None)
    if path is not None and point is not None:
        path.append((d, point))
    step = STEP
    while point is not None and abs(target - d) > 1e-12:
        d_new = max(target, d - step) if target < d else min(target, d + step)
        nxt = _carried(at_dimension(spec, _fraction(d_new)), point, d, relevant, points)
        if nxt is None:
            if step < STEP / 64:
                return None
            step /= 2
            continue
        point, d, step = nxt, d_new, min(STEP, 2 * step)
        if path is not None:
            path.append((d, point))
    return point


def _fraction(d: float) -> Any:
    from fractions import Fraction

    return Fraction(d).limit_denominator(10**4)


def _carried(spec: TheorySpec, point: MulticriticalPoint, d_old: float, relevant: int,
             points: int) -> MulticriticalPoint | None:
    """One continuation step: Newton from ``point`` carried to the spec's d, checked."""
    from rgsym.solve.pde_branch import carry, loop_prefactor, rho_max_factor_at

    d = float(spec.theory.d)
    old = np.polynomial.Chebyshev.fit(point.rho, point.derivative, len(point.rho) - 1,
                                      domain=[0.0, point.rho[-1]])
    c_old, c_new = loop_prefactor(d_old), loop_prefactor(d)
    guess = carry(old, c_old, c_new, d)
    # the grid follows d as for the Wilson-Fisher point: rho in units of c, shorter below d = 5/2
    rho_max = point.rho[-1] * c_new / c_old * rho_max_factor_at(d, 5.0) / rho_max_factor_at(d_old, 5.0)
    for stretch in RHO_MAX_RETRIES:
        found = _solve(spec, guess, rho_max * stretch, points)
        if found is not None and found.relevant == relevant:
            return found
    return None


def _solve(spec: TheorySpec, guess: Any, rho_max: float, points: int) -> MulticriticalPoint | None:
    """Newton on two grids from ``guess``; the named point, or None."""
    from rgsym.pipeline import derive_flow
    from rgsym.project import PotentialFlow
    from rgsym.solve import pde
    from rgsym.solve.pde_branch import converged_spectrum, count_nodes, points_at

    d = float(spec.theory.d)
    flow = derive_flow(spec)
    assert isinstance(flow, PotentialFlow)
    eq = pde.collocation_equation(flow)
    size = points_at(d, points)
    grid, check = pde.chebyshev_grid(size, rho_max), pde.chebyshev_grid(size + size // 2, rho_max)
    try:
        w = pde.solve_collocation(eq, grid, guess(grid.rho))
        main = pde._interpolant(grid, w)
        w2 = pde.solve_collocation(eq, check, main(check.rho))
        spectrum = converged_spectrum(pde.residual_and_jacobian(eq, grid, w)[1],
                                      pde.residual_and_jacobian(eq, check, w2)[1])
    except SolveError:
        return None
    relevant = relevant_count(spectrum.theta)
    nodes = count_nodes(w)
    name = multicritical_name(relevant, nodes, d)
    if name.startswith("unidentified") or not _omega_resolved(spectrum.omega, d, relevant):
        return None
    return MulticriticalPoint(name, relevant, nodes, spectrum.theta, spectrum.nu, spectrum.omega,
                              float(w[0]), tuple(map(float, grid.rho)), tuple(map(float, w)))


#: How far (per unit of d_c - d) the least irrelevant theta of the phi^{2n} point may lie below the
#: Gaussian theta_n = d - n(d - 2) it branches from: measured -3.8 (n = 3), -5.5 (n = 4), -6.9 (n = 5)
#: times (d_c - d) near d_c, about -3 at d = 2.1 (tricritical).
OMEGA_SHIFT = 10.0
#: And a fixed margin (the spacing of the Gaussian thetas is d - 2 >= 0 ... 2).
OMEGA_MARGIN = 0.5


def _omega_resolved(omega: float, d: float, relevant: int) -> bool:
    """Whether -omega is the continuation of the Gaussian theta_{k+1} and not a grid mode.

    Within ~0.01 of d_c the potential is ~1e-4 and the least irrelevant theta (~ -0.02) can fail
    the two-grid match while a boundary mode (theta ~ -27 at d = 2.99) passes: such a point is
    not reported (measured; its nu is right, its omega would not be).
    """
    gaussian = d - (relevant + 1) * (d - 2.0)
    return -omega >= gaussian - OMEGA_MARGIN - OMEGA_SHIFT * (critical_dimension(relevant) - d)


def _from_laguerre(spec: TheorySpec, degree: int, points: int) -> list[MulticriticalPoint]:
    """Newton from amplitude * L_degree^{(N/2)}: the distinct named solutions found."""
    from rgsym.solve.pde_branch import loop_prefactor

    d = float(spec.theory.d)
    components = spec.theory.blocks[0].components
    shape = genlaguerre(degree, float(components) / 2.0)
    unit = 2.0 * loop_prefactor(d) / (d - 2.0)  # rho = unit * x
    rho_max = RANGE * float(np.max(np.real(shape.roots))) * unit
    scale = float(np.max(np.abs(shape(np.linspace(0.0, rho_max / unit, 200)))))
    out: list[MulticriticalPoint] = []
    for amplitude in AMPLITUDES:
        point = _solve(spec, lambda rho, a=amplitude: a * shape(rho / unit) / scale, rho_max, points)
        if point is not None and not any(p.relevant == point.relevant for p in out):
            out.append(point)
    return out
