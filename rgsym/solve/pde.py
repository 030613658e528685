"""PDE: the fixed-point function u*(rho) of the LPA flow by Chebyshev collocation.

The engine derives the full-potential flow d_t u = F(rho, u, u', u'') as a
:class:`~rgsym.project.PotentialFlow`.  This module solves d_t u = 0 as a
boundary-value problem without a polynomial truncation and takes the critical
exponents from the discretised stability operator.

Formulation
-----------
The unknown is w = u'.  Differentiating the flow once in rho gives
d_t w = G(rho, w, w', w''): the term -d u becomes -d u' and u itself drops out,
so the problem is a second-order ODE for w with no integration constant, and
the trivial vacuum-energy eigenvalue theta = d of the u-equation is removed (the
polynomial route around the minimum has no u(kappa) coupling either, so both
routes share one spectrum).  u* follows algebraically from F = 0, which is
linear in u.

Boundaries
----------
- rho = 0: the coefficient of w'' (from 2 rho u'') vanishes, a regular singular
  point.  Collocating the ODE at rho = 0 is the regularity condition; nothing
  else is imposed.
- rho = rho_max: the ODE is collocated there too.  At large rho the loop term
  is O(rho^{-2/(d-2)}) smaller than the scaling terms, so the ODE at rho_max is
  (d-2) rho w' - 2 w = (small loop corrections): the Wilson-Fisher asymptotic
  w ~ A rho^{2/(d-2)} with its corrections, not a truncated version of it.  The
  other solution of the linearised ODE grows like exp(c rho^{...}) (the w''
  coefficient is small there), so the interior is insensitive to rho_max once
  rho_max is a few times kappa*.  Imposing instead the pure power law
  w'' = (p-1) w'/rho at rho_max was tried and is less accurate at small rho_max.

The exponents are theta = -eig(J), with J the Jacobian of the collocated G,
which is the discretised stability operator of d_t w = G.  Every result is
computed on two grids and the difference is reported as the discretisation error.

References
----------
- D. F. Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006 (LPA with the optimised regulator).
- C. Bervillier, A. Jüttner, D. F. Litim, Nucl. Phys. B783 (2007) 213, hep-th/0701172
  (high-precision LPA fixed point and exponents).
- J. Borchardt, B. Knorr, Phys. Rev. D 91 (2015) 105011, arXiv:1502.07511
  (pseudo-spectral methods for the functional RG).
- L. N. Trefethen, *Spectral Methods in MATLAB* (SIAM, 2000), ch. 6 (the differentiation matrix).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from scipy.optimize import brentq, root

from rgsym.errors import SolveError, UnsupportedError
from rgsym.pde_form import W_SYMBOLS, differentiated_flow
from rgsym.project import PotentialFlow
from rgsym.solve.pde_branch import (
    Start,
    carry,
    converged_spectrum,
    count_nodes,
    points_at,
    rho_max_factor_at,
    wilson_fisher_problem,
)
from rgsym.solve.spectrum import nu_omega, relevant_count, stability_thetas, theta_json

log = logging.getLogger(__name__)

#: Collocation points (polynomial degree) of the main grid.  At d = 3 the exponents are
#: converged to rounding (~1e-12) from about 32 points (see tests/solve/test_pde.py).
POINTS = 40
#: rho_max in units of the polynomial estimate of kappa*.  Below ~4 the domain is too
#: short for the loop term to have died away; far beyond ~10 the w'' coefficient is so
#: small at rho_max that the Chebyshev grid needs more points.
RHO_MAX_FACTOR = 5.0
#: The collocated residual max|G| must fall below this; G is of order one on the grid,
#: so this is ~1e5 times double-precision rounding (the spectral D^2 amplifies rounding).
RESIDUAL_TOLERANCE = 1e-9
#: The two grids must agree on nu and omega to this (relative), or the solve is rejected.
AGREEMENT_TOLERANCE = 1e-6
#: Order of the polynomial fixed point (around the minimum) that seeds Newton.
START_ORDER = 4


@dataclass(frozen=True)
class CollocationEquation:
    """d_t w = G(rho, w, w', w'') for w = u', compiled, with its partial derivatives.

    ``potential`` gives u from (rho, w, w') at a fixed point (F = 0 solved for u).
    """

    dimension: float
    flow: Callable[..., Any]
    partials: tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]
    potential: Callable[..., Any]


@dataclass(frozen=True)
class ChebyshevGrid:
    """Chebyshev-Gauss-Lobatto points on [0, rho_max], ascending, with D and D^2."""

    rho: np.ndarray
    d1: np.ndarray
    d2: np.ndarray

    @property
    def points(self) -> int:
        """Number of grid points, n + 1 for a grid of polynomial degree n.

        Returns
        -------
        int
        """
        return int(self.rho.size)


@dataclass(frozen=True)
class FixedFunction:
    """The fixed-point function of the LPA and its critical exponents.

    ``rho``, ``derivative`` (u*'), ``potential`` (u*) are the values at the collocation
    points.  ``discretisation_error`` is max(|delta nu|, |delta omega|) between the main
    grid and a grid with half as many points again.
    """

    name: str
    rho: tuple[float, ...]
    derivative: tuple[float, ...]
    potential: tuple[float, ...]
    kappa: float
    mass: float
    theta: tuple[complex, ...]
    nu: float
    omega: float
    residual: float
    discretisation_error: float
    asymptotic_exponent: float
    points: int
    rho_max: float

    def as_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready dictionary.

        Only the first eight thetas are kept; complex ones are written as ``{"re": ..., "im": ...}``.
        ``mass`` (u*'' at the minimum kappa) is stored under the key ``lambda``, and the grid values
        under ``rho``, ``u`` and ``u_prime``.

        Returns
        -------
        dict
        """
        return {
            "name": self.name, "nu": self.nu, "omega": self.omega,
            "theta": [theta_json(t) for t in self.theta[:8]],
            "kappa": self.kappa, "lambda": self.mass,
            "residual": self.residual, "discretisation_error": self.discretisation_error,
            "asymptotic_exponent": self.asymptotic_exponent,
            "points": self.points, "rho_max": self.rho_max,
            "rho": list(self.rho), "u": list(self.potential), "u_prime": list(self.derivative),
        }

    def _repr_png_(self) -> bytes | None:
        """u* and u*' against rho, for Jupyter (None without matplotlib)."""
        import importlib.util
        import tempfile
        from pathlib import Path

        if importlib.util.find_spec("matplotlib") is None:
            return None
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder, "u.png")
            plot_fixed_function(self, str(path))
            return path.read_bytes()


def collocation_equation(flow: PotentialFlow) -> CollocationEquation:
    """Differentiate the PDE once in rho and compile G(rho, w, w', w'') and dG/d(w, w', w'').

    Parameters
    ----------
    flow
        The full-potential flow from :func:`rgsym.pipeline.derive`, with numeric d and N.

    Raises
    ------
    UnsupportedError
        If the flow still has free parameters (symbolic d or N), or d <= 2.
    """
    if flow.parameters:
        names = ", ".join(map(str, flow.parameters))
        raise UnsupportedError(flow.spec_source, "theory",
                               f"the fixed-point function needs numbers for {names}")
    from rgsym.threshold import ThresholdIntegral

    if flow.rhs.has(ThresholdIntegral):
        raise UnsupportedError(flow.spec_source, "regulator.kind",
                               "the fixed-point function is solved with closed threshold functions "
                               "('litim', 'mass', 'sharp'); this regulator needs quadrature there, which "
                               "the collocation solver does not do yet: use a polynomial truncation")
    rho, u = flow.invariant, flow.potential
    w0, w1, w2 = W_SYMBOLS
    g = differentiated_flow(flow.rhs, rho, u)
    if g.has(u):
        raise UnsupportedError(flow.spec_source, "truncation.potential",
                               "the differentiated flow still depends on u itself")
    us = sp.Symbol("u0")
    at_fixed_point = flow.rhs.subs(sp.Derivative(u, (rho, 2)), w1).subs(sp.Derivative(u, rho), w0)
    # F = a u + rest with a = -d (the scaling term); u* = -rest / a, no general solver needed
    linear = at_fixed_point.subs(u, us)
    slope = sp.diff(linear, us)
    if slope.has(us) or slope == 0:
        raise UnsupportedError(flow.spec_source, "truncation.potential",
                               "d_t u = 0 is not linear in u; cannot recover u* from u*'")
    u_expr = -linear.subs(us, 0) / slope
    args = (rho, w0, w1, w2)
    partials = tuple(sp.lambdify(args, sp.diff(g, s), "numpy") for s in (w0, w1, w2))
    dimension = -float(sp.diff(flow.rhs, u))
    if not dimension > 2:
        raise UnsupportedError(flow.spec_source, "theory.d",
                               "the fixed-point function is solved for d > 2 only")
    return CollocationEquation(dimension, sp.lambdify(args, g, "numpy"),
                               (partials[0], partials[1], partials[2]),
                               sp.lambdify((rho, w0, w1), u_expr, "numpy"))


def chebyshev_grid(n: int, rho_max: float) -> ChebyshevGrid:
    """Chebyshev points rho_j = rho_max (1 - cos(pi j/n))/2 and the differentiation matrix.

    Trefethen, *Spectral Methods in MATLAB*, program cheb.m (negative-sum trick for the
    diagonal).

    >>> g = chebyshev_grid(8, 2.0)
    >>> bool(np.allclose(g.d1 @ g.rho**3, 3 * g.rho**2))
    True

    Parameters
    ----------
    n
        The polynomial degree (n + 1 points).
    rho_max
        The right end of the interval.

    Returns
    -------
    ChebyshevGrid

    References
    ----------
    Trefethen, Spectral Methods in MATLAB, SIAM (2000), ch. 6 (the differentiation matrix, mapped
    from [-1, 1] to [0, rho_max]).
    """
    x = np.cos(np.pi * np.arange(n + 1) / n)
    c = np.where((np.arange(n + 1) == 0) | (np.arange(n + 1) == n), 2.0, 1.0) * (-1.0) ** np.arange(n + 1)
    dx = x[:, None] - x[None, :]
    d = np.outer(c, 1.0 / c) / (dx + np.eye(n + 1))
    d -= np.diag(d.sum(axis=1))
    rho = rho_max * (1.0 + x[::-1]) / 2.0
    d1 = d[::-1, ::-1] * (2.0 / rho_max)
    return ChebyshevGrid(rho, d1, d1 @ d1)


def residual_and_jacobian(eq: CollocationEquation, grid: ChebyshevGrid,
                          w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """G at the collocation points and its Jacobian dG_i/dw_j (the stability operator).

    Parameters
    ----------
    eq
        The compiled equation.
    grid
        The collocation grid.
    w
        u' at the grid points.

    Returns
    -------
    tuple of numpy.ndarray
        G_i and dG_i/dw_j = dG/dw delta_ij + dG/dw' D_ij + dG/dw'' D2_ij.
    """
    a, b, c = w, grid.d1 @ w, grid.d2 @ w
    args = (grid.rho, a, b, c)
    g0, g1, g2 = (np.broadcast_to(p(*args), w.shape) for p in eq.partials)
    jac = np.diag(g0) + g1[:, None] * grid.d1 + g2[:, None] * grid.d2
    return np.asarray(eq.flow(*args), dtype=float), jac


def solve_collocation(eq: CollocationEquation, grid: ChebyshevGrid, start: np.ndarray) -> np.ndarray:
    """Newton-type solve (MINPACK hybrj, exact Jacobian) of G = 0 at every point.

    Raises
    ------
    SolveError
        If the residual does not fall below :data:`RESIDUAL_TOLERANCE`.

    Parameters
    ----------
    eq, grid
        The equation and the grid.
    start
        u' at the grid points to start from.

    Returns
    -------
    numpy.ndarray
        u*' at the grid points.

    References
    ----------
    Boyd, Chebyshev and Fourier Spectral Methods, 2nd ed., Dover (2001), ch. 4 (collocation with
    Newton's method).
    """
    with np.errstate(all="ignore"):
        sol = root(lambda w: residual_and_jacobian(eq, grid, w), start, jac=True, method="hybr",
                   options={"xtol": 1e-14, "maxfev": 200})
        resid, _ = residual_and_jacobian(eq, grid, sol.x)
    worst = float(np.max(np.abs(resid))) if np.all(np.isfinite(resid)) else math.inf
    if worst > RESIDUAL_TOLERANCE:
        raise SolveError(f"Chebyshev collocation with {grid.points} points on [0, {grid.rho[-1]:.6g}] "
                         f"did not converge (max residual {worst:.2e}; MINPACK: {sol.message.strip()}); "
                         "tried Newton from the polynomial fixed point of order "
                         f"{START_ORDER} around the minimum")
    return np.asarray(sol.x)


def stability_exponents(jacobian: np.ndarray) -> tuple[tuple[complex, ...], float, float]:
    """theta = -eig(J) by descending real part; nu = 1/theta_max, omega = -theta of the
    least irrelevant direction (:mod:`rgsym.solve.spectrum`; REFERENCES.md conventions)."""
    theta = stability_thetas(jacobian)
    nu, omega = nu_omega(theta)
    if nu is None or omega is None:
        raise SolveError("the discretised stability operator has no relevant or no irrelevant "
                         "real direction; this is not a Wilson-Fisher fixed point")
    return theta, nu, omega


def _interpolant(grid: ChebyshevGrid, values: np.ndarray) -> np.polynomial.Chebyshev:
    """The degree-n polynomial through the collocation values."""
    return np.polynomial.Chebyshev.fit(grid.rho, values, grid.points - 1,
                                       domain=[0.0, float(grid.rho[-1])])


def solve_fixed_function(name: str, eq: CollocationEquation, begin: Start, points: int = POINTS,
                         rho_max_factor: float = RHO_MAX_FACTOR) -> FixedFunction:
    """The Wilson-Fisher fixed-point function u*(rho) of a Wetterich LPA flow and its exponents.

    :func:`rgsym.workflows.fixed_function.fixed_function` takes a spec, derives the flow and
    finds ``begin`` (the polynomial fixed point at d = 3, the continuation in d elsewhere).

    Parameters
    ----------
    name
        The flow's name (:attr:`rgsym.project.PotentialFlow.name`), carried into the result.
    eq
        :func:`collocation_equation` of the full-potential flow of one O(N) multiplet.
    begin
        u*' and kappa* to start Newton from, on the Wilson-Fisher branch.
    points
        Chebyshev degree of the main grid; a check grid has ``points + points // 2``.
    rho_max_factor
        rho_max in units of kappa* (first of ``begin``, then of a first solve).

    Raises
    ------
    SolveError
        If Newton does not converge, the solution is not the Wilson-Fisher point or the two
        grids disagree.

    Returns
    -------
    FixedFunction
        u*' on the grid, kappa*, nu, omega, the thetas and the discretisation error estimated
        from the second grid.

    References
    ----------
    Bervillier, Juttner, Litim, Nucl. Phys. B783 (2007) 213, hep-th/0701172 (the LPA fixed-point
    function and its exponents, to 12 digits); Trefethen, Spectral Methods in MATLAB, SIAM (2000),
    ch. 6.
    """
    # a first solve on rho_max_factor times the estimate of kappa*, then the grid [0, factor kappa*]
    rho_max_factor = rho_max_factor_at(eq.dimension, rho_max_factor)
    points = points_at(eq.dimension, points)
    first = chebyshev_grid(points, rho_max_factor * begin.kappa)
    first_w = solve_collocation(eq, first, carry(begin.derivative, 1.0, 1.0, eq.dimension)(first.rho))
    rho_max = rho_max_factor * _zero(_interpolant(first, first_w), float(first.rho[-1]))
    if not rho_max > 0:
        raise SolveError(f"the solution found at d = {eq.dimension:g} has no minimum (u*'(0) >= 0); "
                         "it is not the Wilson-Fisher fixed point")
    grid = chebyshev_grid(points, rho_max)
    w = solve_collocation(eq, grid, _interpolant(first, first_w)(grid.rho))
    resid, jac = residual_and_jacobian(eq, grid, w)
    main = _interpolant(grid, w)
    check_grid = chebyshev_grid(points + points // 2, rho_max)
    check_w = solve_collocation(eq, check_grid, main(check_grid.rho))
    _, check_jac = residual_and_jacobian(eq, check_grid, check_w)
    # only eigenvalues that both grids resolve: spurious boundary modes (|theta| ~ 100 near d = 4)
    # move with the grid
    spectrum = converged_spectrum(jac, check_jac)
    theta = spectrum.theta
    _check_wilson_fisher(eq, main, w, theta)
    nu, omega, error = spectrum.nu, spectrum.omega, spectrum.error
    if error > AGREEMENT_TOLERANCE * max(nu, omega):
        raise SolveError(f"the exponents on {points} and {check_grid.points - 1} Chebyshev points "
                         f"on [0, {rho_max:.6g}] differ by {error:.2e}; try other points or rho_max")
    return _assemble(name, eq, grid, w, resid, theta, nu, omega, error, main)


def _check_wilson_fisher(eq: CollocationEquation, main: np.polynomial.Chebyshev, w: np.ndarray,
                         theta: tuple[complex, ...]) -> None:
    """Raise unless the solution is a minimum-type potential with one node and one relevant direction."""
    kappa = _zero(main, float(main.domain[1]))
    relevant = relevant_count(theta)
    problem = wilson_fisher_problem(kappa, float(main.deriv()(kappa)), count_nodes(w), relevant)
    if problem is not None:
        raise SolveError(f"the solution found at d = {eq.dimension:g} is not the Wilson-Fisher fixed "
                         f"point: {problem}")


def _assemble(name: str, eq: CollocationEquation, grid: ChebyshevGrid, w: np.ndarray, resid: np.ndarray,
              theta: tuple[complex, ...], nu: float, omega: float, error: float,
              main: np.polynomial.Chebyshev) -> FixedFunction:
    rho = grid.rho
    dw = grid.d1 @ w
    u = np.asarray(eq.potential(rho, w, dw), dtype=float)
    kappa = _zero(main, float(rho[-1]))
    mass = float(main.deriv()(kappa))
    asymptotic = float(rho[-1] * dw[-1] / w[-1])
    return FixedFunction(name, tuple(map(float, rho)), tuple(map(float, w)), tuple(map(float, u)),
                         kappa, mass, theta, nu, omega, float(np.max(np.abs(resid))), error,
                         asymptotic, grid.points - 1, float(rho[-1]))


def _zero(poly: np.polynomial.Chebyshev, rho_max: float) -> float:
    """The sign change of u*' (the minimum kappa*), or 0 in the symmetric phase."""
    if poly(0.0) >= 0:
        return 0.0
    return float(brentq(poly, 0.0, rho_max, xtol=1e-15, rtol=4 * np.finfo(float).eps))


def plot_fixed_function(result: FixedFunction, path: str) -> None:
    """Plot u*(rho) and u*'(rho) into ``path`` (matplotlib, Agg backend).

    Parameters
    ----------
    result
        A solved fixed-point function.
    path
        The PNG file to write (the CLI passes a temporary name and renames it).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # two panels: u* is tiny next to u*' at large rho, and one axis would hide it
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6, 6), sharex=True)
    top.plot(result.rho, result.potential, label="u*(ρ)")
    bottom.plot(result.rho, result.derivative, color="C1", label="u*'(ρ)")
    for ax, label in ((top, "u*"), (bottom, "u*'")):
        ax.axvline(result.kappa, color="grey", lw=0.8, ls=":", label="κ*")
        ax.axhline(0.0, color="black", lw=0.5)
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    bottom.set_xlabel("ρ")
    top.set_title(f"{result.name}\nν = {result.nu:.10f}, ω = {result.omega:.10f}", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
