"""Fixed function: the Polchinski LPA fixed point v*(rho) without a polynomial truncation.

The collocation machinery is that of :mod:`rgsym.solve.pde` (Chebyshev grid, w = v' as the
unknown, G = d_rho of the PDE, exact Jacobian).  Only the outer boundary differs.

Why the outer boundary differs
------------------------------
In the Wetterich LPA the loop term dies away at large rho.  In the Polchinski LPA it does not:
the fixed point tends to v' -> w_inf = 1/c_tree (the Legendre image of a potential that grows
faster than rho), and the linearised fixed-point equation around it,

    g_0 delta + g_1 delta' + g_2 delta'' = 0,   g_1 ~ (d+2) rho,  g_2 ~ -2 |c_loop| rho,

has one solution delta ~ rho^-p (p = lim rho g_0 / g_1 = 2/(d+2) in the LPA) and one growing
like exp((d+2) rho / (2 |c_loop|)).  A Chebyshev grid cannot suppress the second one when the
equation is merely collocated at rho_max (tried: spurious theta of order 10^3 and nu off in the
third digit).  So the last row imposes the power law instead: rho w'' + (p + 1) w' = 0.  Both
w_inf and p are derived from the PDE with sympy, not typed in.  That row is a boundary condition,
not a flow equation, so the exponents are the finite eigenvalues of the pencil (J, M) with
M = diag(1, ..., 1, 0).

References
----------
- T. R. Morris, JHEP 0507 (2005) 027, hep-th/0503161 (Polchinski LPA; large-field behaviour).
- J. Borchardt, B. Knorr, Phys. Rev. D 91 (2015) 105011, arXiv:1502.07511 (collocation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import sympy as sp
from scipy.optimize import root

from rgsym.errors import SolveError, UnsupportedError
from rgsym.project import PotentialFlow
from rgsym.solve.pde import (
    AGREEMENT_TOLERANCE,
    RESIDUAL_TOLERANCE,
    ChebyshevGrid,
    CollocationEquation,
    FixedFunction,
    _assemble,
    _interpolant,
    chebyshev_grid,
    residual_and_jacobian,
    stability_exponents,
)

#: Chebyshev degree of the main grid.  At d = 3 (Litim-type cutoff) nu and omega agree with the
#: Wetterich values to ~1e-12 from about 80 points (tests/literature/test_polchinski_wetterich.py).
POINTS = 100
#: rho_max = RHO_MAX_KAPPAS * 2 b (2 b = 2 N |c_loop| estimates kappa*), kept within
#: [RHO_MAX_LOOPS[0], RHO_MAX_LOOPS[1]] |c_loop|.  Measured at d = 3: the power-law row neglects
#: corrections of relative size rho^-p (omega moved by 1.6e-8 between rho_max = 20 |c| and 80 |c|
#: at N = 1, and by 5e-11 beyond); the w'' coefficient is 2 |c_loop| rho whatever N, so beyond
#: ~400 |c_loop| the grid no longer resolves the boundary layer at rho_max (N = 10 failed at 400,
#: N = 20 worked at 200-400, N = 1, 2, 4 at 80-160).
RHO_MAX_KAPPAS = 10.0
RHO_MAX_LOOPS = (80.0, 300.0)


@dataclass(frozen=True)
class Asymptotics:
    """v*' -> w_inf + A rho^-p at large rho, derived from the PDE."""

    w_inf: float
    p: float


def asymptotics(flow: PotentialFlow) -> Asymptotics:
    """Large-rho behaviour of the fixed point: the non-zero root w_inf of G(rho, w, 0, 0) and p.

    Raises
    ------
    UnsupportedError
        If the flow has no such power-law tail (e.g. a Wetterich flow).
    """
    rho, u = flow.invariant, flow.potential
    w0, w1, w2 = sp.symbols("w0 w1 w2")
    g = sp.diff(flow.rhs, rho)
    for k, symbol in ((3, w2), (2, w1), (1, w0)):
        g = g.subs(sp.Derivative(u, (rho, k)), symbol)
    flat = sp.simplify(g.subs({w1: 0, w2: 0}))
    roots = [r for r in sp.solve(flat, w0) if r != 0 and not r.has(rho)]
    if len(roots) != 1:
        raise UnsupportedError(flow.spec_source, "flow.equation",
                               "this flow has no rho-independent large-field value of u'")
    w_inf = roots[0]
    at = {w0: w_inf, w1: 0, w2: 0}
    p = sp.limit(rho * sp.diff(g, w0).subs(at) / sp.diff(g, w1).subs(at), rho, sp.oo)
    if not (p.is_number and p > 0):
        raise UnsupportedError(flow.spec_source, "flow.equation", f"no decaying tail (p = {p})")
    return Asymptotics(float(w_inf), float(p))


def _system(eq: CollocationEquation, grid: ChebyshevGrid, tail: Asymptotics,
            w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """G at the interior and rho = 0 points, the power-law row at rho_max; and the Jacobian."""
    resid, jac = residual_and_jacobian(eq, grid, w)
    resid, jac = resid.copy(), jac.copy()
    edge = grid.rho[-1] * grid.d2[-1] + (tail.p + 1) * grid.d1[-1]
    edge = edge / np.max(np.abs(edge))  # a condition, not an equation of order one: normalise
    resid[-1] = edge @ w
    jac[-1] = edge
    return resid, jac


def _solve_on(eq: CollocationEquation, grid: ChebyshevGrid, tail: Asymptotics, start: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, tuple[complex, ...], float, float]:
    with np.errstate(all="ignore"):
        sol = root(lambda w: _system(eq, grid, tail, w), start, jac=True, method="hybr",
                   options={"xtol": 1e-14, "maxfev": 400})
        resid, jac = _system(eq, grid, tail, sol.x)
    worst = float(np.max(np.abs(resid))) if np.all(np.isfinite(resid)) else math.inf
    if worst > RESIDUAL_TOLERANCE:
        raise SolveError(f"Polchinski fixed function: collocation with {grid.points} points on "
                         f"[0, {grid.rho[-1]:.6g}] did not converge (max residual {worst:.2e})")
    mass = np.eye(grid.points)
    mass[-1, -1] = 0.0  # the boundary row does not evolve
    eig = scipy.linalg.eig(jac, mass, right=False)
    finite = eig[np.isfinite(eig)]
    theta, nu, omega = stability_exponents(np.diag(finite))
    return np.asarray(sol.x), resid, theta, nu, omega


def solve_polchinski(name: str, eq: CollocationEquation, tail: Asymptotics, loop: float, components: float,
                     points: int = POINTS, rho_max: float | None = None) -> FixedFunction:
    """The Wilson-Fisher fixed point v*(rho) of a Polchinski LPA flow and its exponents.

    Newton starts from w = (rho - 2b)/(rho + 2b) w_inf, b = N |c_loop| (a shape with one zero and
    the right large-field limit, nothing more); the result is checked on a second grid with half
    as many points again, as in :func:`rgsym.solve.pde.solve_fixed_function`.
    :func:`rgsym.workflows.fixed_function.polchinski_fixed_function` derives the flow from a spec.

    Parameters
    ----------
    name
        The flow's name (:attr:`rgsym.project.PotentialFlow.name`), carried into the result.
    eq
        :func:`rgsym.solve.pde.collocation_equation` of the full-potential Polchinski flow of one
        O(N) multiplet.
    tail
        Its large-field behaviour (:func:`asymptotics`).
    loop
        |c_loop|, the coefficient of the Laplacian (:func:`rgsym.polchinski.derive.propagator_kernels`).
    components
        N.
    points
        Chebyshev degree of the main grid.
    rho_max
        Outer end of the grid; by default from :data:`RHO_MAX_KAPPAS` and :data:`RHO_MAX_LOOPS`.

    Raises
    ------
    SolveError
        If Newton does not converge or the two grids disagree.
    """
    unit = loop * components
    if rho_max is None:
        rho_max = min(max(RHO_MAX_KAPPAS * 2 * unit, RHO_MAX_LOOPS[0] * loop), RHO_MAX_LOOPS[1] * loop)
    grid = chebyshev_grid(points, rho_max)
    start = (grid.rho - 2 * unit) / (grid.rho + 2 * unit) * tail.w_inf
    w, resid, theta, nu, omega = _solve_on(eq, grid, tail, start)
    main = _interpolant(grid, w)
    check = chebyshev_grid(points + points // 2, rho_max)
    _, _, _, nu2, omega2 = _solve_on(eq, check, tail, main(check.rho))
    error = max(abs(nu - nu2), abs(omega - omega2))
    if error > AGREEMENT_TOLERANCE * max(nu, omega):
        raise SolveError(f"Polchinski fixed function: {points} and {check.points - 1} points differ "
                         f"by {error:.2e} in the exponents")
    return _assemble(name, eq, grid, w, resid, theta, nu, omega, error, main)
