"""Flow: integrate the derived flow in RG time t = ln(k / k_uv) from a bare potential to k_ir.

The engine derives the flow of the *dimensionless* potential u(rho~) (a
:class:`~rgsym.project.PotentialFlow`) or of dimensionless couplings (a
:class:`~rgsym.betasystem.BetaSystem`).  Towards k -> 0 the dimensionless
variables run away (u' ~ U'/k^2), so the flow is integrated in dimensionful
variables, which converge.  The conversion is derived, not typed in:
:func:`rgsym.project.scaling_coefficients` gives (A, B) in

    d_t u|_rho~ = k^A d_t U|_rho + A u + B rho~ u',

so with no loop term U is constant exactly when u(rho~) = k^A U(k^B rho~).  The loop
term is the derived rhs minus A u + B rho~ u'; putting u(rho~) = k^A U(k^B rho~) into it
and multiplying by k^-A gives d_t U|_rho (:func:`dimensionful_flow`).  A coupling
g = d^n u at the expansion point is k^(A + nB) times its dimensionful value (kappa:
k^-B), which converts the betas.

Full potential: the method of lines on the Chebyshev grid of :mod:`rgsym.solve.pde`
for W = U' (the differentiated flow, so U itself never enters), integrated by the
stiff BDF method of scipy with the exact (dense) Jacobian of the collocated equation.
The propagator denominators R_k + U' and R_k + U' + 2 rho U'' are watched: reaching
zero (the pole 1 + w -> 0) stops the flow with a :class:`~rgsym.errors.SolveError`.
At k_ir the potential is checked for convexity in phi (U' >= 0 and U' + 2 rho U'' >= 0).

Broken phase: as the inner region flattens a kink forms at the minimum; the global polynomial
undershoots it and meets the pole (near k ~ 0.3 for the shipped double well), which the exact
flow never reaches.  :func:`integrate_potential` then starts again from k_uv with finite volumes in
the field phi (:mod:`rgsym.solve.volume`, :func:`flow_potential_in_phi`), which follow the flow
to k_ir and read off rho_0, the curvature there and the convexity of U_k + R_k.

References
----------
- C. Wetterich, Phys. Lett. B301 (1993) 90 (the exact flow equation).
- J. Keitel, L. Bartosch, J. Phys. A45 (2012) 105401, arXiv:1109.3013 (the
  zero-dimensional O(N) model as an exact benchmark; R_k = k^2).
- D. F. Litim, J. M. Pawlowski, L. Vergara, hep-th/0602140 (convexity of the
  effective potential from the flow; the inner region flattens only as k -> 0).
- J. Borchardt, B. Knorr, Phys. Rev. D 91 (2015) 105011, arXiv:1502.07511
  (pseudo-spectral methods for flows).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from rgsym.betasystem import BetaSystem
from rgsym.context import FlowContext, required_context
from rgsym.errors import SolveError, SpecError, UnsupportedError
from rgsym.pde_form import W_SYMBOLS, differentiated_flow
from rgsym.project import PotentialFlow, scaling_coefficients
from rgsym.solve.pde import ChebyshevGrid, CollocationEquation, chebyshev_grid, residual_and_jacobian
from rgsym.threshold import ThresholdIntegral

if TYPE_CHECKING:
    from rgsym.solve.fixed_points import FixedPoint
    from rgsym.solve.numeric import NumericSystem

log = logging.getLogger(__name__)

#: Relative tolerance of the BDF integration: the zero-dimensional benchmark asks for 1e-6,
#: and the error accumulated over ~25 units of t stays ~100 times below this.
RTOL = 1e-10
#: Absolute tolerance, in units of max|U'| of the bare potential.
ATOL = 1e-12
#: (R_k(0) + smallest Hessian eigenvalue) / R_k(0) below this counts as the propagator pole.
POLE_TOLERANCE = 1e-9
#: How many scales (log-spaced from k_uv to k_ir) are kept for plots and JSON.
SNAPSHOTS = 7
#: Scales kept of a flow of couplings (a trajectory in the phase portrait).
TRAJECTORY_POINTS = 41
#: Negative curvature below -CONVEXITY_TOLERANCE * max|U'| at k_ir is reported as non-convex;
#: the scale is rounding of the spectral derivative, ~1e4 times double precision.
CONVEXITY_TOLERANCE = 1e-10


class BareTable(Protocol):
    """The start of a flow in RG time, as the solvers read it (the spec's [bare] table is one):
    the dimensionful potential U_Lambda(rho) at k_uv, the scale k_ir where the flow stops, and
    the grid (rho_max, Chebyshev points, finite volumes in phi; None: the default)."""

    @property
    def k_uv(self) -> float:
        """The scale where the flow starts."""

    @property
    def k_ir(self) -> float:
        """The scale where it stops."""

    @property
    def rho_max(self) -> float:
        """The end of the rho grid."""

    @property
    def points(self) -> int:
        """Chebyshev points of the grid."""

    @property
    def cells(self) -> int | None:
        """Finite volumes in phi (None: :data:`rgsym.solve.volume.CELLS`)."""

    def expression(self, rho: sp.Symbol) -> sp.Expr:
        """U_Lambda as an expression in ``rho``."""


@dataclass(frozen=True)
class GridEquation:
    """d_t W = G(k, rho, W, W', W'') for the dimensionful W = U', compiled.

    ``dimensionful`` is d_t U|_rho (sympy, in ``k`` and the potential function ``U``);
    ``pole_offset`` is min_y (y + r(y)): the propagators are 1/(k^2 pole_offset + mass) at worst.
    """

    dimensionful: sp.Expr
    equation: sp.Expr
    flow: Callable[..., Any]
    partials: tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]
    pole_offset: float

    def at_scale(self, k: float) -> CollocationEquation:
        """The equation at one k, in the form :func:`rgsym.solve.pde.residual_and_jacobian` takes."""
        p0, p1, p2 = (partial(p, k) for p in self.partials)
        return CollocationEquation(math.nan, partial(self.flow, k), (p0, p1, p2), _no_potential)


def _no_potential(*_: Any) -> Any:
    raise NotImplementedError("a flow has no fixed-point potential")


@dataclass(frozen=True)
class FlowResult:
    """A flow from k_uv to k_ir and what is read off at k_ir.

    ``scales`` are the k of the snapshots (k_uv first, k_ir last); ``derivatives[i]`` (U')
    and ``potentials[i]`` (U - U(0)) are the values on ``rho`` at ``scales[i]``.
    ``observables`` are read off at k_ir: ``gamma2`` = U'(0), ``lambda_eff`` = 3 U''(0),
    ``phi2`` = N / gamma2 = <phi.phi> (d = 0 only), ``rho0`` (the minimum), ``phase``.
    """

    name: str
    method: str
    rho: tuple[float, ...]
    scales: tuple[float, ...]
    derivatives: tuple[tuple[float, ...], ...]
    potentials: tuple[tuple[float, ...], ...]
    observables: dict[str, Any] = field(hash=False)
    convex: bool = True
    convexity: str = ""
    steps: int = 0
    couplings: dict[str, float] = field(default_factory=dict, hash=False)
    history: tuple[tuple[float, ...], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready dictionary.

        The observables are merged in at the top level; ``u_prime`` holds U' on ``rho`` at
        each of ``scales``.  ``potentials`` and ``history`` are not included.

        Returns
        -------
        dict
        """
        return {"name": self.name, "method": self.method, **self.observables, "convex": self.convex,
                "convexity": self.convexity, "steps": self.steps, "couplings": self.couplings,
                "scales": list(self.scales), "rho": list(self.rho),
                "u_prime": [list(d) for d in self.derivatives]}


def dimensionful_flow(flow: PotentialFlow, d: sp.Expr, k: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """d_t U|_rho from the dimensionless PDE: (rhs in k, rho and U(rho); the function U(rho)).

    The loop term is the derived rhs minus the derived scaling terms A u + B rho~ u'; in it
    u(rho~) = k^A U(k^B rho~) at rho~ = k^-B rho (see the module docstring).  LPA only (eta = 0).

    >>> from rgsym.spec import parse_spec
    >>> from rgsym.pipeline import derive_flow
    >>> spec = parse_spec({"theory": {"d": 0, "N": 1}, "truncation": {"potential": "full",
    ...     "expand_around": "zero"}, "regulator": {"kind": "mass"}})
    >>> k = sp.Symbol("k", positive=True)
    >>> rhs, big_u = dimensionful_flow(derive_flow(spec), spec.theory.d, k)
    >>> sp.simplify(rhs - k**2 / (k**2 + sp.diff(big_u, big_u.args[0])
    ...             + 2 * big_u.args[0] * sp.diff(big_u, big_u.args[0], 2)))
    0
    """
    rho, u = flow.invariant, flow.potential
    a_coeff, b_coeff = scaling_coefficients(d, sp.Integer(0))
    loop = flow.rhs - a_coeff * u - b_coeff * rho * sp.diff(u, rho)
    big_u = sp.Function("U")
    x = sp.Dummy("x", positive=True)
    dimensionless = sp.Lambda(x, k**a_coeff * big_u(k**b_coeff * x))
    converted = loop.replace(u.func, dimensionless).doit().subs(rho, k ** (-b_coeff) * rho).doit()
    rhs = (k ** (-a_coeff) * converted).doit()
    if rhs.has(sp.Subs) or rhs.has(u.func):
        raise UnsupportedError(flow.spec_source, "truncation.potential",
                               "could not write the flow in dimensionful variables")
    return rhs, big_u(rho)


def grid_equation(flow: PotentialFlow) -> GridEquation:
    """Differentiate d_t U once in rho and compile G(k, rho, W, W', W'') and its partials
    (d and the regulator from the flow's context).

    Raises
    ------
    UnsupportedError
        For symbolic d or N, or a loop integral without a closed form (quadrature only).
    """
    if flow.parameters:
        raise UnsupportedError(flow.spec_source, "theory", "a flow needs numbers for "
                               + ", ".join(map(str, flow.parameters)))
    context = wetterich_context(flow)
    k = sp.Symbol("k", positive=True)
    rhs, big_u = dimensionful_flow(flow, context.d, k)
    g = differentiated_flow(rhs, flow.invariant, big_u)
    if g.has(big_u) or g.atoms(ThresholdIntegral):
        raise UnsupportedError(flow.spec_source, "regulator.kind",
                               "the full-potential flow needs loop integrals in closed form "
                               "(litim, or d = 0); use truncation.potential = 'polynomial'")
    args = (k, flow.invariant, *W_SYMBOLS)
    compiled = sp.lambdify(args, g, "numpy")
    partials = tuple(sp.lambdify(args, sp.diff(g, s), "numpy") for s in W_SYMBOLS)
    return GridEquation(rhs, g, compiled, (partials[0], partials[1], partials[2]), pole_offset(context))


def wetterich_context(value: PotentialFlow | BetaSystem) -> FlowContext:
    """The context of a flow of the Wetterich equation (a flow in RG time integrates the effective
    potential); a one-line error for any other flow.

    Parameters
    ----------
    value
        The derived flow or system.

    Returns
    -------
    FlowContext
    """
    context = required_context(value, "rgsym flow")
    if context.equation != "wetterich":
        raise UnsupportedError(value.spec_source, "flow.equation", "flows in RG time integrate the "
                               "Wetterich equation (the effective potential); use 'wetterich'")
    return context


def pole_offset(context: FlowContext) -> float:
    """min over y >= 0 of y + r(y): R_k + q^2 >= k^2 times this, so a Hessian eigenvalue m
    makes a propagator singular at m = -k^2 pole_offset (1 + w = 0 for the Litim regulator)."""
    from rgsym.symbols import y

    shape = context.regulator.shape()
    if context.d == 0:
        return float(sp.limit(shape, y, 0, "+"))  # the d = 0 measure sits at y = 0
    values = sp.lambdify(y, y + shape, "numpy")(np.linspace(1e-9, 20.0, 20001))
    return float(np.min(values))


def hessian_eigenvalues(rho: np.ndarray, w: np.ndarray, dw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The field-space Hessian of U(phi.phi/2) on a constant background: U' (the N - 1
    Goldstone directions) and U' + 2 rho U'' (the radial direction)."""
    return w, w + 2.0 * rho * dw


def integrate_potential(flow: PotentialFlow, bare: BareTable, progress: bool = False) -> FlowResult:
    """Integrate the full-potential flow from the [bare] potential at k_uv down to k_ir.

    :func:`rgsym.workflows.flow.flow_potential` derives ``flow`` from the spec.

    Parameters
    ----------
    flow
        The derived full-potential flow (one O(N) multiplet, numeric d, N); its context gives
        d, N and the regulator.
    bare
        The start and the scales (the spec's [bare] table).
    progress
        Show a progress bar (tqdm) on stderr.

    Raises
    ------
    SolveError
        When the integrator fails.  When the Chebyshev flow meets the propagator pole
        (:class:`PoleReached`; the broken phase) the flow is redone by finite volumes in phi
        (:func:`flow_potential_in_phi`); that result's ``method`` says so.
    """
    eq = grid_equation(flow)
    grid = chebyshev_grid(bare.points, bare.rho_max)
    start, boundary = _bare_start(bare, flow.invariant, grid)
    log.info("flow of U' on %d Chebyshev points in [0, %g] from k = %g to %g", grid.points,
             bare.rho_max, bare.k_uv, bare.k_ir)
    try:
        sol = _integrate_grid(eq, grid, bare, start, boundary, _snapshot_times(bare), progress)
    except PoleReached as pole:
        log.info("%s; switching to finite volumes in phi", pole)
        return flow_potential_in_phi(flow, bare, eq, bare.cells)
    log.info("BDF done: %d right-hand-side evaluations, %d Jacobians", sol.nfev, sol.njev)
    derivatives = [sol.y[:, i] for i in range(sol.y.shape[1])]
    check_resolution(grid, start, derivatives[-1], bare)
    scales = tuple(float(bare.k_uv * math.exp(t)) for t in sol.t)
    observables = _observables_of_grid(wetterich_context(flow), grid, derivatives[-1])
    final = derivatives[-1]
    convex, text = _convexity(grid.rho, final, grid.d1 @ final, scales[-1], eq.pole_offset)
    return FlowResult(flow.name, f"BDF, Chebyshev collocation on {bare.points + 1} points in [0, "
                      f"{bare.rho_max:g}]", tuple(map(float, grid.rho)), scales,
                      tuple(tuple(map(float, w)) for w in derivatives),
                      tuple(tuple(map(float, _antiderivative(grid, w))) for w in derivatives),
                      observables, convex, text, int(sol.nfev))


#: Largest ratio of the last Chebyshev coefficients of the flow's correction U_k' - U_Lambda' to its
#: largest one for which the grid counts as resolving the flow.  Resolved flows of the shipped
#: specs give 1e-13 to 1e-10; rho_max = 100 for the Ising flow gives 3e-4 with lambda_eff already
#: 1 % off, rho_max = 1e6 gives 0.99 (lambda_eff = the bare value): 1e-6 is far from both.
RESOLUTION_TOLERANCE = 1e-6


def check_resolution(grid: ChebyshevGrid, start: np.ndarray, final: np.ndarray, bare: BareTable) -> None:
    """Refuse a result the grid cannot resolve: the flow's correction must have decaying coefficients.

    The flow changes U' mostly where rho is small against k^2 / U''; when the grid is too
    coarse there (bare.rho_max far too large, too few points) the correction lives on the first
    node only, its Chebyshev coefficients stop decaying, and U''(0) stays at its bare value.

    Parameters
    ----------
    grid
        The Chebyshev grid.
    start, final
        U' on the grid at k_uv and at k_ir.
    bare
        The [bare] table, for the message.

    Raises
    ------
    SolveError
        When the last three coefficients are above :data:`RESOLUTION_TOLERANCE` times the largest.

    References
    ----------
    Boyd, *Chebyshev and Fourier Spectral Methods*, 2nd ed., Dover (2001), sec. 2.12 (the decay
    of the coefficients as the test of resolution).
    """
    correction = final - start
    x = 2.0 * grid.rho / float(grid.rho[-1]) - 1.0
    coefficients = np.abs(np.polynomial.chebyshev.chebfit(x, correction, grid.points - 1))
    largest = float(np.max(coefficients))
    if largest == 0.0 or not np.isfinite(largest):
        return
    ratio = float(np.max(coefficients[-3:])) / largest
    if ratio > RESOLUTION_TOLERANCE:
        raise SolveError(f"the grid does not resolve the flow: the Chebyshev coefficients of "
                         f"U_k' - U_Lambda' at k_ir do not decay (last/largest = {ratio:.1e}, at most "
                         f"{RESOLUTION_TOLERANCE:g} allowed), so U''(0) would be wrong; lower "
                         f"bare.rho_max (now {bare.rho_max:g}) towards the region where U changes, "
                         f"or raise bare.points (now {bare.points})")


def _bare_start(bare: BareTable, rho: sp.Symbol,
                grid: ChebyshevGrid) -> tuple[np.ndarray, tuple[np.float64, np.float64]]:
    """U_Lambda' on the grid, and (U_Lambda'', U_Lambda''') at rho_max."""
    derivative = sp.diff(bare.expression(rho), rho)
    values = np.asarray(sp.lambdify(rho, derivative, "numpy")(grid.rho), dtype=float)
    edge = float(grid.rho[-1])
    # numpy scalars, not Python floats: a division by zero in the lambdified flow at rho_max is then
    # inf under np.errstate, not a ZeroDivisionError (seen with numpy 1.24)
    second, third = (np.float64(sp.diff(derivative, rho, n).subs(rho, edge)) for n in (1, 2))
    return np.broadcast_to(values, grid.rho.shape).copy(), (second, third)


def _snapshot_times(bare: BareTable) -> np.ndarray:
    """t = ln(k/k_uv) of the snapshots: log-spaced in k, k_uv first and k_ir last."""
    return np.linspace(0.0, math.log(bare.k_ir / bare.k_uv), SNAPSHOTS)


def _integrate_grid(eq: GridEquation, grid: ChebyshevGrid, bare: BareTable, start: np.ndarray,
                    boundary: tuple[np.float64, np.float64], times: np.ndarray, progress: bool) -> Any:
    """BDF with the exact Jacobian; stops at the pole or fails with a SolveError.

    At rho_max the flow is a diffusion (the W'' term) that needs a boundary condition:
    collocated there with one-sided spectral derivatives it grows spurious modes.  Instead
    W(rho_max) flows with W' and W'' frozen at their bare values ``boundary``: at large rho
    the flow of U'' is suppressed by the large masses, and the error diffuses inwards only
    a distance sqrt(int D dt), far less than rho_max (tests/solve/test_flow.py varies rho_max).
    """
    offset = eq.pole_offset

    def rhs_and_jacobian(t: float, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        at_k = eq.at_scale(bare.k_uv * math.exp(t))
        with np.errstate(all="ignore"):
            g, jac = residual_and_jacobian(at_k, grid, w)
            # rho_max: the derivatives are frozen at their bare values (see the docstring)
            args = (grid.rho[-1], w[-1], *boundary)
            g[-1] = at_k.flow(*args)
            jac[-1, :] = 0.0
            jac[-1, -1] = at_k.partials[0](*args)
        return g, jac

    def pole(t: float, w: np.ndarray) -> float:
        regulator = offset * (bare.k_uv * math.exp(t)) ** 2
        lowest = min(float(np.min(m)) for m in hessian_eigenvalues(grid.rho, w, grid.d1 @ w))
        return (regulator + lowest) / regulator - POLE_TOLERANCE

    pole.terminal = True  # type: ignore[attr-defined]
    scale = max(1.0, float(np.max(np.abs(start))))
    with _progress_bar(progress, float(-times[-1])) as bar:
        def rhs(t: float, w: np.ndarray) -> np.ndarray:
            bar(-t)
            return rhs_and_jacobian(t, w)[0]

        sol = solve_ivp(rhs, (0.0, float(times[-1])), start, method="BDF", t_eval=times, events=pole,
                        jac=lambda t, w: rhs_and_jacobian(t, w)[1], rtol=RTOL, atol=ATOL * scale)
    where = f"{grid.points} Chebyshev points on [0, {grid.rho[-1]:g}]"
    if sol.status == 1:
        k = bare.k_uv * math.exp(float(sol.t_events[0][0]))
        w = sol.y_events[0][0]
        phase = f"broken phase, U'(0) = {w[0]:.3g}" if w[0] < 0 else "symmetric phase"
        raise PoleReached(f"the flow reached the propagator pole 1 + w -> 0 (R_k plus a Hessian "
                         f"eigenvalue within {POLE_TOLERANCE:g} R_k of zero) at k = {k:.4g} ({phase}) "
                         f"with BDF on {where}: "
                         "the inner region of the potential flattens towards convexity; stop above it "
                         f"with bare.k_ir > {k:.3g}, or try more bare.points")
    if not sol.success or not np.all(np.isfinite(sol.y)):
        k = bare.k_uv * math.exp(float(sol.t[-1])) if sol.t.size else bare.k_uv
        raise SolveError(f"BDF on {where} stopped at k = {k:.4g} ({sol.message}); "
                         "try other bare.points or bare.rho_max, or a larger bare.k_ir")
    return sol


class PoleReached(SolveError):
    """The Chebyshev flow met the propagator pole (:func:`integrate_potential` then uses finite volumes)."""


def flow_potential_in_phi(flow: PotentialFlow, bare: BareTable, eq: GridEquation,
                          cells: int | None = None) -> FlowResult:
    """The flow by finite volumes in phi (:mod:`rgsym.solve.volume`): through the broken phase.

    Convexity at k_ir is asked of U_k + R_k (kept convex by the exact flow at every k): the
    Hessian eigenvalues must stay above -R_k(0) = -offset k_ir^2, the non-convexity U_k keeps
    until k -> 0; ``observables['convexity_residual']`` is what is left of it.
    """
    from rgsym.solve import volume

    k = sp.Symbol("k", positive=True)
    rhs, big_u = dimensionful_flow(flow, wetterich_context(flow).d, k)
    times = _snapshot_times(bare)
    size = volume.CELLS if cells is None else cells
    grid, sol, curvatures = volume.flow_potential_volume(bare, rhs, big_u, k, eq.pole_offset, times,
                                                         size)
    log.info("BDF done: %d right-hand-side evaluations, %d Jacobians", sol.nfev, sol.njev)
    scales = tuple(float(bare.k_uv * math.exp(t)) for t in sol.t)
    profiles = [volume.on_rho(grid, m) for m in curvatures]
    observables = volume.volume_observables(grid, curvatures[-1], scales[-1], eq.pole_offset)
    bound = observables["regulator_mass"] * (1.0 + 1e-9)
    convex = observables["lowest_eigenvalue"] >= -bound
    text = (f"convex up to R_k(0) = {observables['regulator_mass']:.3g} at k_ir (U_k + R_k convex): "
            f"min(U', U' + 2 rho U'') = {observables['lowest_eigenvalue']:.3g}")
    if not convex:
        warnings.warn(f"the IR potential is not convex: {text}", UserWarning, stacklevel=3)
    return FlowResult(flow.name, f"BDF, finite volumes in phi on {size} cells in [0, "
                      f"{grid.phi_max:.4g}] (y = ln(R_k + V''))", tuple(map(float, profiles[0][0])),
                      scales, tuple(tuple(map(float, p[1])) for p in profiles),
                      tuple(tuple(map(float, p[2])) for p in profiles), observables, convex, text,
                      int(sol.nfev))


class _progress_bar:  # noqa: N801 - used as a function in a with statement
    """A tqdm bar over RG time when ``enabled`` (a TTY); otherwise does nothing."""

    def __init__(self, enabled: bool, total: float) -> None:
        self.bar: Any = None
        self.done = 0.0
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self.bar = tqdm(total=round(total, 2), unit="t", desc="rgsym flow", leave=False,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| t = -{n:.2f}/-{total:.2f}")

    def __call__(self, reached: float) -> None:
        if self.bar is not None and reached > self.done + 0.01:
            self.bar.update(round(reached - self.done, 2))
            self.done = round(self.done + round(reached - self.done, 2), 2)

    def __enter__(self) -> _progress_bar:
        return self

    def __exit__(self, *_: Any) -> None:
        if self.bar is not None:
            self.bar.close()


def _antiderivative(grid: ChebyshevGrid, w: np.ndarray) -> np.ndarray:
    """U(rho) - U(0) from U' on the grid (the interpolating polynomial, integrated exactly)."""
    poly = np.polynomial.Chebyshev.fit(grid.rho, w, grid.points - 1, domain=[0.0, float(grid.rho[-1])])
    return np.asarray(poly.integ(lbnd=0.0)(grid.rho), dtype=float)


def _observables_of_grid(context: FlowContext, grid: ChebyshevGrid, w: np.ndarray) -> dict[str, Any]:
    poly = np.polynomial.Chebyshev.fit(grid.rho, w, grid.points - 1, domain=[0.0, float(grid.rho[-1])])
    rho0 = 0.0 if w[0] >= 0 else float(brentq(poly, 0.0, float(grid.rho[-1]))) if w[-1] > 0 else math.nan
    return _observables(context, float(w[0]), float((grid.d1 @ w)[0]), rho0)


def _observables(context: FlowContext, gamma2: float, second: float, rho0: float) -> dict[str, Any]:
    """gamma2 = U'(0), lambda_eff = 3 U''(0) and, at d = 0, phi2 = <phi.phi> = N / gamma2.

    In zero dimensions <phi_a phi_b> = (Gamma^(2))^-1_ab at phi = 0 and Gamma^(2)_ab = U'(0)
    delta_ab (Keitel, Bartosch, arXiv:1109.3013; REFERENCES.md).
    """
    n = context.fields[0].components
    out: dict[str, Any] = {"gamma2": gamma2, "lambda_eff": 3.0 * second, "rho0": rho0,
                           "phase": "symmetric" if gamma2 > 0 else "broken"}
    if context.d == 0:
        out["phi2"] = float(n) / gamma2 if isinstance(n, int) else None
    return out


def _convexity(rho: np.ndarray, w: np.ndarray, dw: np.ndarray, k: float, offset: float) -> tuple[bool, str]:
    """Is U convex in phi at k_ir (both Hessian eigenvalues >= 0 up to rounding)?"""
    goldstone, radial = hessian_eigenvalues(rho, w, dw)
    lowest = np.minimum(goldstone, radial)
    i = int(np.argmin(lowest))
    tolerance = CONVEXITY_TOLERANCE * max(1.0, float(np.max(np.abs(w))))
    if lowest[i] >= -tolerance:
        return True, "convex"
    text = (f"the IR potential is not convex: min(U', U' + 2 rho U'') = {lowest[i]:.3g} "
            f"at rho = {rho[i]:.4g} "
            f"(R_k(0) = {offset * k * k:.3g} at k_ir = {k:.3g}); the inner region becomes flat only as "
            "k -> 0: lower bare.k_ir")
    warnings.warn(text, UserWarning, stacklevel=3)
    return False, text


def coupling_exponents(system: BetaSystem, d: sp.Expr) -> np.ndarray:
    """e_i with g_i = k^(e_i) G_i (dimensionless = k^e times dimensionful).

    d^n u at the expansion point: A + n B; kappa (a value of rho~ = k^-B rho): -B.
    """
    a_coeff, b_coeff = scaling_coefficients(d, sp.Integer(0))
    exps = [-b_coeff if c.is_minimum else a_coeff + b_coeff * sum(c.index) for c in system.couplings]
    return np.array([float(e) for e in exps])


def integrate_couplings(numeric: NumericSystem, bare: BareTable, progress: bool = False) -> FlowResult:
    """Integrate the betas of a polynomial truncation (around zero) from the [bare] potential.

    The couplings start at the Taylor coefficients of U_Lambda at rho = 0; the dimensionful
    couplings G_i = k^(-e_i) g_i flow by d_t G_i = k^(-e_i) (beta_i(g) - e_i g_i).
    :func:`rgsym.workflows.flow.flow_couplings` derives and compiles ``numeric`` from the spec;
    d and N come from the system's context.
    """
    system = numeric.system
    context = wetterich_context(system)
    exps = coupling_exponents(system, context.d)
    rho = sp.Symbol("rho")
    bare_u = bare.expression(rho)
    start = np.array([float(sp.diff(bare_u, rho, sum(c.index)).subs(rho, 0)) for c in system.couplings])
    times = np.linspace(0.0, math.log(bare.k_ir / bare.k_uv), TRAJECTORY_POINTS)
    log.info("flow of %d couplings from k = %g to %g", len(start), bare.k_uv, bare.k_ir)
    sol = _integrate_couplings(numeric, exps, start, bare, times, progress)
    log.info("BDF done: %d right-hand-side evaluations, %d Jacobians", sol.nfev, sol.njev)
    final = sol.y[:, -1]
    values = dict(zip(system.names, map(float, final), strict=True))
    by_index = {sum(c.index): float(v) for c, v in zip(system.couplings, final, strict=True)}
    rho0 = 0.0 if by_index[1] >= 0 else math.nan
    observables = _observables(context, by_index[1], by_index.get(2, 0.0), rho0)
    scales = tuple(float(bare.k_uv * math.exp(t)) for t in sol.t)
    return FlowResult(system.name, "BDF on the betas (dimensionful couplings)", (), scales, (), (),
                      observables, True, "", int(sol.nfev), values,
                      tuple(tuple(map(float, sol.y[:, i])) for i in range(sol.y.shape[1])))


def _integrate_couplings(numeric: Any, exps: np.ndarray, start: np.ndarray, bare: BareTable,
                         times: np.ndarray, progress: bool) -> Any:
    def rhs(t: float, big_g: np.ndarray) -> np.ndarray:
        k = bare.k_uv * math.exp(t)
        g = k**exps * big_g
        return np.asarray(k ** (-exps) * (numeric.rhs(g) - exps * g))

    def jac(t: float, big_g: np.ndarray) -> np.ndarray:
        k = bare.k_uv * math.exp(t)
        g = k**exps * big_g
        j = numeric.jacobian(g) - np.diag(exps)
        return np.asarray((k ** (-exps))[:, None] * j * (k**exps)[None, :])

    scale = max(1.0, float(np.max(np.abs(start))))
    with _progress_bar(progress, float(-times[-1])) as bar:
        def tracked(t: float, big_g: np.ndarray) -> np.ndarray:
            bar(-t)
            with np.errstate(all="ignore"):
                return rhs(t, big_g)

        sol = solve_ivp(tracked, (0.0, float(times[-1])), start, method="BDF", t_eval=times, jac=jac,
                        rtol=RTOL, atol=ATOL * scale)
    if not sol.success or not np.all(np.isfinite(sol.y)):
        k = bare.k_uv * math.exp(float(sol.t[-1])) if sol.t.size else bare.k_uv
        raise SolveError(f"BDF on the {len(start)} betas stopped at k = {k:.4g} ({sol.message}); the "
                         "truncated flow may have reached its pole 1 + w = 0: try a larger bare.k_ir")
    return sol


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise SpecError("", "--plot", "needs matplotlib: pip install 'rgsym[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_potential_flow(result: FlowResult, path: str) -> None:
    """U(phi) - U(0) and U'(rho) at the snapshot scales, as PNG (matplotlib, Agg backend)."""
    plt = _pyplot()
    rho = np.array(result.rho)
    phi = np.sqrt(2.0 * rho)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
    colours = plt.cm.viridis(np.linspace(0.0, 0.9, len(result.scales)))
    for k, u, w, colour in zip(result.scales, result.potentials, result.derivatives, colours, strict=True):
        label = f"k = {k:.3g}"
        left.plot(np.concatenate([-phi[::-1], phi]), np.concatenate([np.array(u)[::-1], u]),
                  color=colour, label=label)
        right.plot(rho, w, color=colour, label=label)
    left.set_xlabel("φ (radial)")
    left.set_ylabel("U_k(φ) − U_k(0)")
    right.set_xlabel("ρ = φ·φ/2")
    right.set_ylabel("U_k'(ρ)")
    right.axhline(0.0, color="black", lw=0.5)
    right.legend(fontsize=7)
    obs = result.observables
    fig.suptitle(f"{result.name}\nat k_ir: U'(0) = {obs['gamma2']:.6g}, 3U''(0) = {obs['lambda_eff']:.6g}, "
                 f"{obs['phase']} phase", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110)
    plt.close(fig)


def draw_phase_portrait(numeric: NumericSystem, fixed: Sequence[FixedPoint],
                        result: FlowResult | None, path: str) -> None:
    """The flow field of a two-coupling system (towards the IR), its ``fixed`` points and the
    dimensionless trajectory of ``result``, as PNG (:func:`rgsym.workflows.flow.plot_phase_portrait`
    derives the system and finds the points)."""
    system = numeric.system
    points = [np.array(fp.values) for fp in fixed]
    trajectory = _dimensionless_trajectory(system, result)
    xs, ys = _window([*points, *trajectory[:1]])
    grid_x, grid_y = np.meshgrid(xs, ys)
    flat = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    with np.errstate(all="ignore"):
        beta = np.array([numeric.rhs(g) for g in flat])
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.streamplot(grid_x, grid_y, -beta[:, 0].reshape(grid_x.shape), -beta[:, 1].reshape(grid_x.shape),
                  density=1.2, color="tab:blue", linewidth=0.7)
    for p in points:
        ax.plot(p[0], p[1], "r*", ms=12)
    if len(trajectory):
        ax.plot(trajectory[:, 0], trajectory[:, 1], "k.-", lw=1, label="flow from the bare potential")
        ax.legend(fontsize=7)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel(system.names[0])
    ax.set_ylabel(system.names[1])
    ax.set_title(f"{system.name}\narrows towards the IR (k decreasing); ★ fixed points", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110)
    plt.close(fig)


def _dimensionless_trajectory(system: BetaSystem, result: FlowResult | None) -> np.ndarray:
    """g_i = k^(e_i) G_i at the snapshot scales (only k_uv when the couplings were not kept)."""
    if result is None or not result.history:
        return np.zeros((0, 2))
    exps = coupling_exponents(system, required_context(system, "--plot").d)
    return np.array([k**exps * np.array(g) for k, g in zip(result.scales, result.history, strict=True)])


def _window(points: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """A 40 x 40 grid around the given points (at least [-1, 1]^2)."""
    if not points:
        points = [np.zeros(2)]
    arr = np.array(points)
    lo, hi = arr.min(axis=0), arr.max(axis=0)
    span = np.maximum(hi - lo, 1.0)
    lo, hi = lo - 0.5 * span, hi + 0.5 * span
    return np.linspace(lo[0], hi[0], 40), np.linspace(lo[1], hi[1], 40)
