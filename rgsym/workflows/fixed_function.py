"""The fixed-point function of the full potential, from a spec.

The solvers take a derived flow (:func:`rgsym.solve.pde.solve_fixed_function`,
:func:`rgsym.polchinski.fixed_function.solve_polchinski`); this module derives it and finds
the start on the Wilson-Fisher branch, which takes further derivations: the polynomial fixed
point of order :data:`~rgsym.solve.pde.START_ORDER` at d = 3, and the full-potential flow at
each step of the continuation in d (see :mod:`rgsym.solve.pde_branch` for the steps and checks).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from rgsym.errors import SolveError, UnsupportedError
from rgsym.pipeline import critical_exponents, derive, derive_flow
from rgsym.project import PotentialFlow
from rgsym.solve import pde
from rgsym.solve.continuation import dimension_steps
from rgsym.solve.pde import POINTS, RHO_MAX_FACTOR, START_ORDER, FixedFunction
from rgsym.solve.pde_branch import (
    ANCHOR_DIMENSION,
    JUMP,
    MAX_STEP,
    MIN_STEP,
    Start,
    carry,
    converged_spectrum,
    count_nodes,
    loop_prefactor,
    points_at,
    rho_max_factor_at,
    wilson_fisher_problem,
)
from rgsym.solve.spectrum import relevant_count
from rgsym.spec import TheorySpec
from rgsym.spec_variants import at_dimension, exact_dimension

log = logging.getLogger(__name__)


def fixed_function(spec: TheorySpec, points: int = POINTS,
                   rho_max_factor: float = RHO_MAX_FACTOR) -> FixedFunction:
    """The Wilson-Fisher fixed-point function u*(rho) of the LPA and its exponents.

    Parameters
    ----------
    spec
        A spec with ``truncation.potential = "full"``, one O(N) multiplet, numeric d > 2 and N.
    points
        Chebyshev degree of the main grid; a check grid has ``points + points // 2``.
    rho_max_factor
        rho_max in units of kappa* (estimated from the order-4 polynomial fixed point at d = 3,
        or the continuation in d elsewhere, then from a first solve).

    Raises
    ------
    UnsupportedError
        If the spec is not a full-potential single-multiplet spec with numeric d > 2.
    SolveError
        If Newton does not converge or the two grids disagree.

    Returns
    -------
    FixedFunction
        See :func:`rgsym.solve.pde.solve_fixed_function`.
    """
    if spec.flow.equation == "polchinski":  # its own outer boundary (rgsym.polchinski.fixed_function)
        result = polchinski_fixed_function(spec)
        relevant = relevant_count(result.theta)
        problem = wilson_fisher_problem(result.kappa, result.mass, count_nodes(np.array(result.derivative)),
                                        relevant)
        if problem is not None:
            raise SolveError(f"the Polchinski solution found at d = {float(spec.theory.d):g} is not the "
                             f"Wilson-Fisher fixed point: {problem}")
        return result
    flow = derive(spec)
    if not isinstance(flow, PotentialFlow):
        raise UnsupportedError(spec.source, "truncation.potential",
                               "the fixed-point function needs 'full'")
    if spec.theory.d == 2 and spec.theory.is_single_multiplet:  # a physics answer, not bad input
        from rgsym.solve.two_dimensions import two_dimensional_report

        components = spec.theory.blocks[0].components
        raise SolveError(two_dimensional_report(flow, components if isinstance(components, int) else 0))
    eq = pde.collocation_equation(flow)  # its UnsupportedError (symbolic d or N, d <= 2) first
    return pde.solve_fixed_function(flow.name, eq, wilson_fisher_start(spec, points, rho_max_factor),
                                    points, rho_max_factor)


def polchinski_fixed_function(spec: TheorySpec, points: int | None = None,
                              rho_max: float | None = None) -> FixedFunction:
    """The Wilson-Fisher fixed point v*(rho) of the Polchinski LPA and its exponents
    (:func:`rgsym.polchinski.fixed_function.solve_polchinski` on the derived flow).

    Parameters
    ----------
    spec
        A spec with ``flow.equation = "polchinski"``, ``truncation.potential = "full"``, one
        O(N) multiplet and numbers for d > 2 and N.
    points
        Chebyshev degree of the main grid (default :data:`rgsym.polchinski.fixed_function.POINTS`).
    rho_max
        Outer end of the grid; by default from the loop coefficient.

    Raises
    ------
    UnsupportedError
        If the spec is not a full-potential Polchinski spec with numbers for d > 2 and N.
    SolveError
        If Newton does not converge or the two grids disagree.
    """
    import sympy as sp

    from rgsym.polchinski.cutoffs import CUTOFFS
    from rgsym.polchinski.derive import propagator_kernels
    from rgsym.polchinski.fixed_function import POINTS as POLCHINSKI_POINTS
    from rgsym.polchinski.fixed_function import asymptotics, solve_polchinski

    flow = derive(spec)
    if spec.flow.equation != "polchinski" or not isinstance(flow, PotentialFlow):
        raise UnsupportedError(spec.source, "flow.equation",
                               "needs flow.equation = 'polchinski' and truncation.potential = 'full'")
    eq = pde.collocation_equation(flow)
    tail = asymptotics(flow)
    # |c_loop|, the coefficient of the Laplacian
    loop = float(abs(propagator_kernels(CUTOFFS[spec.flow.cutoff or "litim"], spec.theory.d).loop))
    return solve_polchinski(flow.name, eq, tail, loop, float(sp.sympify(spec.theory.blocks[0].components)),
                            POLCHINSKI_POINTS if points is None else points, rho_max)


def polynomial_start(spec: TheorySpec) -> tuple[float, Callable[[np.ndarray], np.ndarray]]:
    """kappa* and u*'(rho) from the polynomial fixed point of order :data:`START_ORDER`.

    u*' = sum_n lambda_n (rho - kappa)^(n-1) / (n-1)!, the Taylor polynomial around the
    minimum (Litim hep-th/0203006, sec. 3).

    Parameters
    ----------
    spec
        The full-potential spec; its polynomial twin (same theory, regulator) is solved.

    Returns
    -------
    tuple
        (kappa*, a function rho -> u*'(rho) of the polynomial fixed point).

    References
    ----------
    Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006, sec. 3 (the expansion around the minimum).
    """
    poly = replace(spec, truncation=replace(spec.truncation, potential="polynomial",
                                            expand_around="minimum", order=START_ORDER))
    fp, _ = critical_exponents(poly)
    values = fp.as_dict()
    kappa = values["kappa"]
    coefficients = [(n, values[f"lambda_{n}"]) for n in range(2, START_ORDER + 2)]

    def derivative(rho: np.ndarray) -> np.ndarray:
        return np.asarray(sum(lam * (rho - kappa) ** (n - 1) / math.factorial(n - 1)
                              for n, lam in coefficients), dtype=float)

    return kappa, derivative


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
    target = exact_dimension(spec)
    if not 2 < target < 4:
        raise SolveError(f"no Wilson-Fisher fixed-point function at d = {float(target):g}: it exists "
                         "for 2 < d < 4 (at d = 4 it merges with the Gaussian point)")
    kappa, derivative = polynomial_start(at_dimension(spec, ANCHOR_DIMENSION))
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

    ``flow`` (a PotentialFlow) replaces the spec's own, e.g. at a real N
    (:mod:`rgsym.workflows.n_continuation`).
    """
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
        relevant = relevant_count(converged_spectrum(jac, check_jac).theta)
    except SolveError as exc:
        return str(exc)
    kappa_new = pde._zero(main, float(grid.rho[-1]))
    problem = wilson_fisher_problem(kappa_new, float(main.deriv()(kappa_new)), count_nodes(w), relevant)
    if problem is not None:
        return problem
    return main, kappa_new
