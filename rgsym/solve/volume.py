"""Volume: the full-potential flow by finite volumes in the field phi, through the broken phase.

The Chebyshev method of lines of :mod:`rgsym.solve.flow` works in rho = phi.phi/2 with one
global polynomial.  In the broken phase the inner region rho < rho_0 flattens as k -> 0 and
a kink forms at its edge; the polynomial undershoots (Gibbs) and meets the propagator pole
1 + w = 0 near k ~ 0.3, which the exact flow never reaches.  Here the same derived flow is
written in the radial field phi = sqrt(2 rho) and discretised so that it cannot cross the pole:

- **Field variable.**  In the dimensionful d_t U|_rho of :func:`rgsym.solve.flow.dimensionful_flow`
  put rho = phi^2/2, U'(rho) = v/phi and U''(rho) = (m - v/phi)/phi^2, with v = V'(phi) and
  m = V''(phi) the radial Hessian eigenvalue (v/phi is the Goldstone one).  This gives
  d_t V = P(k, phi, v, m) (:func:`field_flux`, sympy, nothing typed in); for N = 1 only m appears.
- **Conservation form.**  d_t m = d^2 P / d phi^2: the curvature is a density whose flux is
  d P / d phi.  m lives at the cell centres phi_j = (j + 1/2) h of a uniform grid on
  [0, sqrt(2 rho_max)]; v at the nodes is the exact sum h sum_{l<i} m_l, and
  d_t m_j = (P_{j+1} - 2 P_j + P_{j-1}) / h^2.  The semi-discrete scheme is monotone (P falls
  as m grows), so it has a discrete comparison principle and no over- or undershoot at the kink.
  At phi = 0, P is even (mirror cell); at phi_max, P is extrapolated quadratically (d^3 P = 0).
- **The pole as a coordinate.**  The state is y_j = ln(R_k(0) + m_j), the log of the inverse
  radial propagator at zero momentum.  This is an exact change of variables, not a floor: the
  pole is at y = -inf and the stiff solver controls the *relative* error of R_k + m, which in
  the flat region falls like k^3 (1 + w ~ k / (6 pi^2 phi_0^2) in d = 3) while m -> -R_k.
  The Goldstone eigenvalue v/phi is a weighted mean of m over [0, phi], so it stays above the
  pole too.
- **Time stepping.**  BDF with the exact Jacobian: tridiagonal and sparse for N = 1, dense
  lower-Hessenberg (through v) for N > 1.

Read off at k_ir: the minimum phi_0 is the zero of the outer branch of v, a quadratic through
three nodes just outside the flat region (the kink cell itself is smeared over one cell and would
only give first order); the curvature at the minimum is that branch's slope there (the radial
mass); convexity is asked of U_k + R_k, which the exact flow keeps convex at every k, and the
non-convexity left in U_k (at most R_k(0) = k_ir^2 for Litim) vanishes as k_ir -> 0.

References
----------
- D. F. Litim, J. M. Pawlowski, L. Vergara, hep-th/0602140 (convexity from the flow; the
  flat inner region and 1 + w -> 0+).
- E. Grossi, N. Wink, arXiv:1903.09503; A. Koenigstein et al., arXiv:2108.02504 (the LPA flow
  in the field as a conservation law, solved by finite volumes).
- R. J. LeVeque, *Finite Volume Methods for Hyperbolic Problems* (CUP, 2002).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp
from scipy import sparse
from scipy.integrate import solve_ivp

from rgsym.errors import SolveError, UnsupportedError

if TYPE_CHECKING:
    from rgsym.solve.flow import BareTable

log = logging.getLogger(__name__)

#: Cells in phi on [0, sqrt(2 rho_max)].  For the shipped double well (m2 = -0.3) to k_ir = 1e-3:
#: ~4 s, rho_0 converged to ~1e-6 and the curvature at the minimum to ~4e-4 (second order).
CELLS = 400
#: Tolerances of BDF on y = ln(R_k + m): relative errors of the inverse propagator.  Halving both
#: changes rho_0 by less than its grid error at CELLS.
RTOL = 1e-9
ATOL = 1e-10
#: Nodes, counted from the first node outside the flat region, through which the outer branch
#: of v = V'(phi) is extrapolated to its zero (skipping the smeared kink cell).
OUTER_OFFSET = 2

PHI, V, M = sp.symbols("phi v m", real=True)


@dataclass(frozen=True)
class FieldFlux:
    """d_t V(phi) = P(k, phi, v, m) compiled, with its partials in v and m."""

    flux: sp.Expr
    value: Callable[..., Any]
    by_v: Callable[..., Any]
    by_m: Callable[..., Any]
    has_v: bool


@dataclass(frozen=True)
class VolumeGrid:
    """Uniform cells on [0, phi_max]: m at the centres, v = V' at the nodes."""

    cells: int
    phi_max: float

    @property
    def h(self) -> float:
        """The cell width in phi."""
        return self.phi_max / self.cells

    @property
    def centres(self) -> np.ndarray:
        """phi at the cell centres."""
        return (np.arange(self.cells) + 0.5) * self.h

    @property
    def nodes(self) -> np.ndarray:
        """phi at the cell faces, 0 to phi_max."""
        return np.arange(self.cells + 1) * self.h


def field_flux(rhs: sp.Expr, big_u: sp.Expr) -> sp.Expr:
    """d_t U|_rho (in U'(rho), U''(rho)) as d_t V|_phi in v = V'(phi), m = V''(phi).

    >>> k, r = sp.symbols("k rho", positive=True)
    >>> u = sp.Function("U")(r)
    >>> field_flux(k**5 / (k**2 + u.diff(r) + 2 * r * u.diff(r, 2)), u)
    k**5/(k**2 + m)
    """
    rho = big_u.args[0]
    out = rhs.subs(sp.Derivative(big_u, (rho, 2)), (M - V / PHI) / PHI**2)
    out = out.subs(sp.Derivative(big_u, rho), V / PHI).subs(rho, PHI**2 / 2)
    out = sp.simplify(out)
    if out.has(big_u.func) or out.has(sp.Derivative):
        raise UnsupportedError("", "truncation.potential", "the flow depends on U itself or on "
                               "higher derivatives; finite volumes need d_t U(U', U'')")
    return out


def compile_flux(flux: sp.Expr, k: sp.Symbol) -> FieldFlux:
    """Lambdify P and dP/dv, dP/dm in (k, phi, v, m)."""
    args = (k, PHI, V, M)
    value, by_v, by_m = (sp.lambdify(args, e, "numpy") for e in (flux, flux.diff(V), flux.diff(M)))
    return FieldFlux(flux, value, by_v, by_m, flux.has(V))


def ghost_laplacian(cells: int, h: float) -> sparse.csr_matrix:
    """(P_{j+1} - 2 P_j + P_{j-1}) / h^2 with P_{-1} = P_0 (even) and P_n = 3P_{n-1} - 3P_{n-2} + P_{n-3}."""
    lap = sparse.diags([np.ones(cells - 1), -2.0 * np.ones(cells), np.ones(cells - 1)], [-1, 0, 1],
                       format="lil")
    lap[0, 0] += 1.0
    lap[cells - 1, cells - 1] += 3.0
    lap[cells - 1, cells - 2] += -3.0
    lap[cells - 1, cells - 3] += 1.0
    return sparse.csr_matrix(lap.tocsr() / h**2)


def node_derivative(grid: VolumeGrid, m: np.ndarray) -> np.ndarray:
    """v = V'(phi) at the nodes: V'(0) = 0 and the exact integral of the cell-wise constant m."""
    return np.concatenate([[0.0], np.cumsum(m) * grid.h])


def _centre_derivative(grid: VolumeGrid, m: np.ndarray) -> np.ndarray:
    """v at the cell centres: h (sum_{l<j} m_l + m_j / 2)."""
    return (np.cumsum(m) - 0.5 * m) * grid.h


@dataclass(frozen=True)
class VolumeFlow:
    """The semi-discrete flow d_t y = F(t, y) on a grid, with its Jacobian."""

    flux: FieldFlux
    grid: VolumeGrid
    k_uv: float
    offset: float
    laplacian: sparse.csr_matrix

    def regulator(self, t: float) -> float:
        """R_k(0) + q^2 at its minimum: offset * k^2 (k^2 for Litim)."""
        k = self.k_uv * math.exp(t)
        return self.offset * k * k

    def rhs(self, t: float, y: np.ndarray) -> np.ndarray:
        """d_t y per cell at RG time t (y = ln(R_k(0) + V'') of each cell): the flux differences
        of the engine's right-hand side, divided by R_k + V''."""
        k, a = self.k_uv * math.exp(t), self.regulator(t)
        m = np.exp(y) - a
        p = self.flux.value(k, self.grid.centres, _centre_derivative(self.grid, m), m)
        with np.errstate(all="ignore"):
            lap = self.laplacian @ np.broadcast_to(p, m.shape)
            return np.asarray(np.exp(-y) * (lap + 2.0 * a))

    def jacobian(self, t: float, y: np.ndarray) -> Any:
        """d(rhs)/dy, exact: tridiagonal (sparse) for one component, dense for N > 1."""
        k, a = self.k_uv * math.exp(t), self.regulator(t)
        e = np.exp(y)
        m = e - a
        x, v = self.grid.centres, _centre_derivative(self.grid, m)
        lap = self.laplacian
        p = np.broadcast_to(self.flux.value(k, x, v, m), m.shape)
        by_m = np.broadcast_to(self.flux.by_m(k, x, v, m), m.shape)
        diagonal = sparse.diags(np.exp(-y) * (lap @ p + 2.0 * a))
        if not self.flux.has_v:
            return sparse.csc_matrix(sparse.diags(np.exp(-y)) @ lap @ sparse.diags(by_m * e) - diagonal)
        by_v = np.broadcast_to(self.flux.by_v(k, x, v, m), m.shape)
        n = self.grid.cells
        dv_dm = self.grid.h * (np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n))
        dp_dm = np.diag(by_m) + by_v[:, None] * dv_dm
        return np.exp(-y)[:, None] * (lap @ dp_dm) * e[None, :] - diagonal.toarray()


def integrate_volume(flow: VolumeFlow, start: np.ndarray, times: np.ndarray) -> Any:
    """BDF from y(t = 0) = ``start`` through ``times``, Radau where BDF gives up; else a SolveError.

    Deep in the flat inner region R_k + V'' -> 0 exponentially (y below -25 at k ~ 1e-3 for the
    shipped double well), and BDF's step control can fail there ("step size less than spacing
    between numbers"; scipy >= 1.14 at k = 6.8e-4 for k_ir = 1e-4).  The flow then goes on from the
    last snapshot reached with Radau (implicit Runge-Kutta of order 5, L-stable), which gets
    through at about three times the cost; the method line of the result is unchanged.
    """
    sol = _solve(flow, start, times, "BDF")
    if not sol.success and sol.t.size and np.all(np.isfinite(sol.y)):
        reached = float(sol.t[-1])
        rest = times[times < reached]
        log.info("BDF stopped at t = %.4g (%s); continuing with Radau", reached, sol.message)
        more = _solve(flow, sol.y[:, -1], np.concatenate([[reached], rest]), "Radau")
        more.t = np.concatenate([sol.t, more.t[1:]])
        more.y = np.concatenate([sol.y, more.y[:, 1:]], axis=1)
        more.nfev, more.njev = sol.nfev + more.nfev, sol.njev + more.njev
        sol = more
    if not sol.success or not np.all(np.isfinite(sol.y)):
        k = flow.k_uv * math.exp(float(sol.t[-1])) if sol.t.size else flow.k_uv
        raise SolveError(f"BDF and Radau on {flow.grid.cells} finite volumes in phi on "
                         f"[0, {flow.grid.phi_max:.4g}] stopped at k = {k:.4g} ({sol.message}); "
                         "try other bare.rho_max or a larger bare.k_ir")
    return sol


def _solve(flow: VolumeFlow, start: np.ndarray, times: np.ndarray, method: str) -> Any:
    """``solve_ivp`` from ``times[0]`` to ``times[-1]`` with the exact Jacobian."""
    return solve_ivp(flow.rhs, (float(times[0]), float(times[-1])), start, method=method, t_eval=times,
                     jac=flow.jacobian, rtol=RTOL, atol=ATOL)


def bare_curvature(bare: BareTable, rho: sp.Symbol, grid: VolumeGrid) -> np.ndarray:
    """m = V''(phi) of the bare potential at the cell centres."""
    potential = bare.expression(rho).subs(rho, PHI**2 / 2)
    values = sp.lambdify(PHI, sp.diff(potential, PHI, 2), "numpy")(grid.centres)
    return np.broadcast_to(np.asarray(values, dtype=float), grid.centres.shape).copy()


def outer_branch(grid: VolumeGrid, v: np.ndarray) -> tuple[float, float]:
    """(phi_0, V''(phi_0+)): the zero of the outer branch of v and its slope there.

    The branch is the quadratic through three nodes starting OUTER_OFFSET nodes beyond the
    first non-negative node; (0, V''(0)) when v >= 0 everywhere (symmetric phase), (nan, nan)
    when v < 0 up to phi_max.
    """
    if np.all(v[1:] >= 0.0):
        return 0.0, math.nan
    negative = np.nonzero(v[1:] < 0.0)[0]
    first = int(negative[-1]) + 2
    if first + OUTER_OFFSET + 2 > grid.cells:
        return math.nan, math.nan
    index = np.arange(first + OUTER_OFFSET, first + OUTER_OFFSET + 3)
    coeffs = np.polyfit(grid.nodes[index], v[index], 2)
    roots = np.roots(coeffs)
    real = roots[np.isreal(roots)].real
    phi0 = float(real[np.argmin(np.abs(real - grid.nodes[first]))])
    return phi0, float(np.polyval(np.polyder(coeffs), phi0))


def volume_observables(grid: VolumeGrid, m: np.ndarray, k: float, offset: float) -> dict[str, Any]:
    """What is read off at k_ir: U'(0), 3U''(0), rho_0, the curvature there, convexity numbers.

    U'(rho = 0) = V''(0) and 3 U''(0) = V''''(0) come from the even quadratic through the first
    two cells.  ``convexity_residual`` = max(0, -min Hessian eigenvalue); ``regulator_mass`` =
    R_k(0) at k_ir bounds it.  ``inner_depth`` = max |U(phi) - U(0)| for phi <= phi_0 is what is
    left of the double well in the flattened region (k_ir^2 phi_0^2 / 2 for Litim).
    """
    v = node_derivative(grid, m)
    second = (m[1] - m[0]) / grid.h**2
    gamma2 = float(m[0] - second * grid.h**2 / 8)
    phi0, curvature = outer_branch(grid, v)
    if phi0 == 0.0:
        curvature = gamma2  # symmetric phase: the minimum is phi = 0, V''(0) = U'(0)
    goldstone = v[1:] / grid.nodes[1:]
    lowest = float(min(np.min(m), np.min(goldstone)))
    potential = np.concatenate([[0.0], np.cumsum(0.5 * (v[1:] + v[:-1]) * grid.h)])
    inner = grid.nodes <= phi0
    depth = float(np.max(np.abs(potential[inner]))) if math.isfinite(phi0) else math.nan
    return {"gamma2": gamma2, "lambda_eff": float(second), "rho0": 0.5 * phi0 * phi0,
            "phase": "symmetric" if gamma2 > 0 else "broken", "curvature": curvature,
            "lowest_eigenvalue": lowest, "convexity_residual": max(0.0, -lowest),
            "regulator_mass": offset * k * k, "inner_depth": depth}


def flow_potential_volume(bare: BareTable, rhs: sp.Expr, big_u: sp.Expr,
                          k: sp.Symbol, offset: float, times: np.ndarray,
                          cells: int = CELLS) -> tuple[VolumeGrid, Any, list[np.ndarray]]:
    """Integrate d_t m = d^2 P from the bare potential; (grid, BDF solution, m at ``times``).

    ``rhs``, ``big_u`` are d_t U|_rho from :func:`rgsym.solve.flow.dimensionful_flow`,
    ``offset`` min_y (y + r(y)) (:func:`rgsym.solve.flow.pole_offset`), ``bare`` the start.
    """
    flux = compile_flux(field_flux(rhs, big_u), k)
    grid = VolumeGrid(cells, math.sqrt(2.0 * bare.rho_max))
    start = bare_curvature(bare, big_u.args[0], grid)
    if np.any(offset * bare.k_uv**2 + start <= 0.0):
        raise SolveError(f"the bare potential has V'' <= -R_k(0) at k_uv = {bare.k_uv:g}: the flow "
                         "starts beyond the propagator pole; raise bare.k_uv")
    volume = VolumeFlow(flux, grid, bare.k_uv, offset, ghost_laplacian(grid.cells, grid.h))
    log.info("flow of V''(phi) on %d finite volumes in [0, %.4g] from k = %g to %g", cells,
             grid.phi_max, bare.k_uv, bare.k_ir)
    sol = integrate_volume(volume, np.log(offset * bare.k_uv**2 + start), times)
    curvatures = [np.exp(sol.y[:, i]) - volume.regulator(float(sol.t[i])) for i in range(sol.y.shape[1])]
    return grid, sol, curvatures


def on_rho(grid: VolumeGrid, m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rho, U'(rho), U(rho) - U(0)) at the nodes: U' = v / phi (V''(0) at phi = 0)."""
    v = node_derivative(grid, m)
    nodes = grid.nodes
    w = np.concatenate([[m[0] - (m[1] - m[0]) / 8], v[1:] / nodes[1:]])
    potential = np.concatenate([[0.0], np.cumsum(0.5 * (v[1:] + v[:-1]) * grid.h)])
    return 0.5 * nodes**2, w, potential


__all__ = ["CELLS", "FieldFlux", "VolumeFlow", "VolumeGrid", "bare_curvature", "compile_flux",
           "field_flux", "flow_potential_volume", "ghost_laplacian", "integrate_volume",
           "node_derivative", "on_rho", "outer_branch", "volume_observables"]
