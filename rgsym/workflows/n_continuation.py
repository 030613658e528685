"""Continuation in N: the Wilson-Fisher point of the O(N) LPA at real N, reached from an integer N.

The number of field components enters the betas only as a parameter (the trace over the
Goldstone modes gives N - 1 times the same loop), so the truncation derived once with N
symbolic defines the flow at every real N: N = 0 (self-avoiding walks), N = -2 (Gaussian
exponents in every d), non-integer N between the physical ones, large N.  At such N there is no
d = 3 anchor of its own to identify the Wilson-Fisher point by; it is identified where it is
unambiguous, at the spec's integer N (continuation in d from d = 3,
:func:`rgsym.pipeline.follow_wilson_fisher`), and followed in N in steps of at most
:data:`MAX_N_STEP` with the same predictor-corrector and checks as the continuation in d: a secant
predictor, a Newton corrector that may not jump, and exactly one relevant direction at every step.

References
----------
- A. Codello, N. Defenu, G. D'Odorico, Phys. Rev. D 91 (2015) 105003, arXiv:1410.3308 (the O(N)
  exponents for continuous N and d).
- R. Balian, G. Toulouse, Phys. Rev. Lett. 30 (1973) 544; M. E. Fisher, Phys. Rev. Lett. 30
  (1973) 679 (N = -2: Gaussian exponents, nu = 1/2, in every d).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from rgsym import symbols
from rgsym.errors import SolveError
from rgsym.pipeline import follow_wilson_fisher
from rgsym.solve.continuation import BranchPoint, _correct, _secant
from rgsym.solve.exponents import Exponents
from rgsym.solve.fixed_points import FixedPoint
from rgsym.spec import TheorySpec

#: Largest step in N (nu(N) of the LPA changes by less than 0.02 per unit of N at d = 3 for
#: 0 <= N <= 4, so a step of 1/4 keeps the secant prediction within a few per mille).
MAX_N_STEP = Fraction(1, 4)
#: Smallest step before the branch is declared lost.
MIN_N_STEP = Fraction(1, 1024)
#: At large N the step may be this fraction of N (nu - 1/(d-2) ~ 1/N changes slowly there).
RELATIVE_N_STEP = Fraction(1, 8)
#: theta_1 = 1/nu may change by at most this much in one step (measured: 0.023 per 1/4 in N at
#: d = 3 between N = 0.25 and 0.1; a jump to a spurious root of the polynomial moved it by 0.29).
THETA_JUMP = 0.1


def largest_step(current: Fraction) -> Fraction:
    """The largest step in N from ``current``.

    Parameters
    ----------
    current
        The current N.

    Returns
    -------
    fractions.Fraction

    Examples
    --------
    >>> largest_step(Fraction(1)), largest_step(Fraction(16))
    (Fraction(1, 4), Fraction(2, 1))
    """
    return max(MAX_N_STEP, abs(current) * RELATIVE_N_STEP)


@dataclass(frozen=True)
class NBranch:
    """The Wilson-Fisher point at the requested N and the path in N that reached it.

    ``path`` holds (N, relevant directions, nu) per accepted step; its ``d`` field is N.
    """

    n: float
    point: FixedPoint
    exponents: Exponents
    path: tuple[BranchPoint, ...]


def with_symbolic_n(spec: TheorySpec) -> TheorySpec:
    """The spec with N symbolic, after checking it is one O(N) multiplet with an integer N.

    Parameters
    ----------
    spec
        The start.

    Returns
    -------
    TheorySpec

    Raises
    ------
    SolveError
        For several fields, invariants, or a symbolic N.
    """
    theory = spec.theory
    integer = isinstance(theory.blocks[0].components, int)
    if not theory.is_single_multiplet or theory.invariants or not integer:
        raise SolveError("continuation in N needs one O(N) multiplet with an integer N to start from")
    block = replace(theory.blocks[0], components=symbols.N)
    return replace(spec, theory=replace(theory, blocks=(block,)))


def follow_wilson_fisher_in_n(spec: TheorySpec, n: float, backend: str = "symengine") -> NBranch:
    """The Wilson-Fisher point of the spec's truncation at real N = ``n``, by continuation in N.

    Parameters
    ----------
    spec
        A polynomial truncation of one O(N) multiplet with numeric d and integer N (the start).
    n
        The requested number of components (any real number).
    backend
        How the betas are evaluated (:data:`rgsym.solve.numeric.BACKENDS`).

    Returns
    -------
    NBranch

    Raises
    ------
    SolveError
        If the spec is not a single O(N) multiplet with integer N, if the start cannot be
        identified, or if the branch gains a relevant direction or is lost before ``n``.
    """
    from rgsym.betasystem import BetaSystem
    from rgsym.pipeline import derive
    from rgsym.solve.numeric import compile_system

    theory = spec.theory
    symbolic_spec = with_symbolic_n(spec)
    start_n = Fraction(theory.blocks[0].components)
    target = Fraction(n).limit_denominator(10**6)
    if not target > 0:
        raise SolveError(f"continuation in N of a polynomial truncation needs N > 0, got {n:g}: its "
                         "couplings are scaled by a factor proportional to N; use the full potential "
                         "(follow_fixed_function_in_n)")
    branch = follow_wilson_fisher(spec, backend)
    system = derive(symbolic_spec)
    if not isinstance(system, BetaSystem) or symbols.N not in system.parameters:
        raise SolveError("the truncation does not depend on N as a parameter; nothing to continue")

    def compiled(value: Fraction):  # type: ignore[no-untyped-def]
        return compile_system(system, {symbols.N: float(value)}, backend)

    fp, ex = branch.point, branch.exponents
    numeric = compiled(start_n)
    scaled = np.array(fp.values) / numeric.scales
    path = [BranchPoint(float(start_n), ex.relevant, ex.nu)]
    current, previous, step = start_n, None, MAX_N_STEP
    while current != target:
        new = target if abs(target - current) <= step else current + (step if target > current else -step)
        numeric = compiled(new)
        predicted = scaled if previous is None else _secant(previous, (current, scaled), new)
        moved = _correct(numeric, predicted, fp)
        if moved is not None and moved[1].nu and ex.nu and abs(1 / moved[1].nu - 1 / ex.nu) > THETA_JUMP:
            moved = None  # a jump to another root, not the branch
        if moved is None or moved[1].relevant != 1:
            if step / 2 < MIN_N_STEP:
                found = "Newton fails" if moved is None else f"{moved[1].relevant} relevant directions"
                raise SolveError(f"no Wilson-Fisher fixed point at N = {n:g}: followed from N = "
                                 f"{int(start_n)} with one relevant direction to N = {float(current):g} "
                                 f"(nu = {path[-1].nu:.6g}); the next step (N = {float(new):g}) finds "
                                 f"{found}")
            step /= 2
            continue
        fp, ex = moved
        path.append(BranchPoint(float(new), ex.relevant, ex.nu))
        previous = (current, scaled)
        current, scaled = new, np.array(fp.values) / numeric.scales
        step = min(largest_step(current), step * 2)
    return NBranch(float(target), fp, ex, tuple(path))


def follow_fixed_function_in_n(spec: TheorySpec, n: float, points: int | None = None,
                               rho_max_factor: float | None = None) -> tuple[Any, tuple[BranchPoint, ...]]:
    """The Wilson-Fisher fixed-point function (full potential) at real N = ``n``, by continuation.

    Each step solves the collocated fixed-point equation from the previous u*' (rgsym.solve.
    pde_branch's step, with the flow derived once for symbolic N and N substituted) and checks
    kappa* > 0, u*''(kappa*) > 0, one node of u*' and one relevant direction; the result is
    checked on two grids as in :func:`rgsym.workflows.fixed_function.fixed_function`.

    Parameters
    ----------
    spec
        A Wetterich full-potential spec of one O(N) multiplet with integer N (the start) and
        numeric 2 < d < 4.
    n
        The requested N (any real number for which the branch exists; N = 0 and N < 0 included).
    points, rho_max_factor
        As for :func:`rgsym.workflows.fixed_function.fixed_function` (its defaults when None).

    Returns
    -------
    tuple
        The :class:`~rgsym.solve.pde.FixedFunction` at N = ``n`` and the path (N, 1, nu) per step.

    Raises
    ------
    SolveError
        If the branch fails a check before ``n`` with steps down to :data:`MIN_N_STEP`.
    """
    from rgsym.pipeline import derive
    from rgsym.project import PotentialFlow
    from rgsym.solve import pde
    from rgsym.solve.pde_branch import carry, converged_spectrum, points_at, rho_max_factor_at
    from rgsym.workflows.fixed_function import _step, fixed_function

    points = pde.POINTS if points is None else points
    factor = pde.RHO_MAX_FACTOR if rho_max_factor is None else rho_max_factor
    theory = spec.theory
    symbolic_spec = with_symbolic_n(spec)
    start = fixed_function(spec, points, factor)
    symbolic = derive(symbolic_spec)
    if not isinstance(symbolic, PotentialFlow) or symbols.N not in symbolic.parameters:
        raise SolveError("the full-potential flow does not depend on N; nothing to continue")

    def flow_at(value: Fraction) -> PotentialFlow:
        exact = sp.Rational(value.numerator, value.denominator)
        return replace(symbolic, rhs=symbolic.rhs.subs(symbols.N, exact),
                       parameters=tuple(p for p in symbolic.parameters if p != symbols.N))

    d = float(theory.d)
    size, span = points_at(d, points), rho_max_factor_at(d, factor)
    current, target = Fraction(theory.blocks[0].components), Fraction(n).limit_denominator(10**6)
    derivative: Any = np.polynomial.Chebyshev.fit(start.rho, start.derivative, len(start.rho) - 1,
                                                  domain=[0.0, start.rho[-1]])
    kappa, previous_kappa, step = start.kappa, None, MAX_N_STEP
    path = [BranchPoint(float(current), 1, start.nu)]
    while current != target:
        new = target if abs(target - current) <= step else current + (step if target > current else -step)
        predicted = kappa if previous_kappa is None else kappa + (kappa - previous_kappa[1]) * float(
            (new - current) / (current - previous_kappa[0]))
        found = _step(spec, carry(derivative, 1.0, 1.0, d), max(predicted, 0.5 * kappa), size, span,
                      flow=flow_at(new))
        if isinstance(found, str) or abs(found[1] - predicted) > 0.25 * abs(predicted):
            if step / 2 < MIN_N_STEP:
                why = found if isinstance(found, str) else f"kappa* jumps from {kappa:.6g} to {found[1]:.6g}"
                raise SolveError(f"no Wilson-Fisher fixed-point function at N = {n:g}: followed from N = "
                                 f"{theory.blocks[0].components} to N = {float(current):g} (kappa* = "
                                 f"{kappa:.6g}); the next step (N = {float(new):g}) finds {why}")
            step /= 2
            continue
        previous_kappa = (current, kappa)
        derivative, kappa = found
        current, step = new, min(largest_step(new), step * 2)
        path.append(BranchPoint(float(current), 1, None))
    flow = flow_at(target)
    eq = pde.collocation_equation(flow)
    grid = pde.chebyshev_grid(size, span * kappa)
    w = pde.solve_collocation(eq, grid, carry(derivative, 1.0, 1.0, d)(grid.rho))
    resid, jac = pde.residual_and_jacobian(eq, grid, w)
    main = pde._interpolant(grid, w)
    check = pde.chebyshev_grid(size + size // 2, span * kappa)
    _, check_jac = pde.residual_and_jacobian(eq, check, pde.solve_collocation(eq, check, main(check.rho)))
    spectrum = converged_spectrum(jac, check_jac)
    pde._check_wilson_fisher(eq, main, w, spectrum.theta)
    if spectrum.error > pde.AGREEMENT_TOLERANCE * max(spectrum.nu, spectrum.omega):
        raise SolveError(f"at N = {n:g} the exponents on two grids differ by {spectrum.error:.2e}")
    result = pde._assemble(f"{flow.name} at N = {float(target):g}", eq, grid, w, resid, spectrum.theta,
                           spectrum.nu, spectrum.omega, spectrum.error, main)
    return result, tuple(path[:-1]) + (BranchPoint(float(target), 1, spectrum.nu),)
