"""Fixed functions: coupled fixed-point ODEs in rho, solved by Chebyshev collocation.

The derivative expansion beyond the LPA gives K coupled flows d_t f_k = E_k(rho, f, f', f'';
s) for functions f_k(rho) (u', z, y, ...) and a few scalars s (eta) that normalisation conditions
such as z(rho_0) = 1 fix.  This module solves E_k = 0 for all k, with the scalars as unknowns, and
takes the exponents from the linearised flow.  It is generic: the equations come in as sympy
expressions in a :class:`FixedFunctionSystem`, and loop integrals may stay as
:class:`sympy.Integral` over a momentum variable, compiled to Gauss-Legendre sums.

Method
------
- Unknowns: f_k at the n + 1 Chebyshev-Gauss-Lobatto points of [0, rho_max] (the grid and
  differentiation matrices of :func:`rgsym.solve.pde.chebyshev_grid`), and the scalars.
- Equations: E_k collocated at every point, ends included (rho = 0 is a regular singular point;
  at rho_max the scaling terms dominate, as in :mod:`rgsym.solve.pde`), plus one row per
  condition f_k(rho_0) = value (rho_0 anywhere in the interval, through the Chebyshev
  interpolant).  The system is square.
- Newton (MINPACK hybrj) with the exact Jacobian: the partial derivatives dE_k/d(f_j, f_j',
  f_j'', s) are derived symbolically (through the integrals) and compiled with lambdify.
- Scalar equations at a point rho_0 (:class:`PointEquation`): a normalisation f(rho_0) = value
  (:class:`Condition`), any constraint 0 = G(f(rho_0), f'(rho_0), f''(rho_0), s) such as an implicit
  eta equation, or the flow d_t s = G of a scalar coupling read off at rho_0 (the Yukawa coupling).
  rho_0 may itself be a scalar unknown, the running minimum kappa with its constraint f(kappa) = 0.
- Exponents: along the flow the constraints hold at every t, so a perturbation obeys
  d_t df = J_f df + J_s ds, d_t ds_flowing = G_f df + G_s ds and C df + C_s ds = 0.  With
  df ~ exp(-theta t) this is the generalised eigenvalue problem A v = lambda B v, A the collocated
  Jacobian, B the identity on the functions and the flowing scalars and 0 on the constraints,
  theta = -lambda (the infinite eigenvalues of the singular B are dropped).  Only eigenvalues that a
  second, finer grid reproduces are kept (spectral eigenvalue drift, Boyd, *Chebyshev and Fourier
  Spectral Methods*, sec. 7.5).  nu = 1/theta_max, omega = -(least negative theta).
- Integrals: each ``Integral(f, (y, a, b))`` is mapped by y = s^2 (which removes the y^(d/2-1)
  branch point at integer d) and summed on Gauss-Legendre nodes in s; an infinite upper limit is
  cut at :data:`INFINITE_CUT` (the integrands of smooth regulators decay like exp(-y)).  Symbols
  that stand for functions of y alone (``node_functions``: the regulator r(y) and its derivatives,
  whose closed forms cancel catastrophically at small y) are evaluated at the nodes once, with
  mpmath at :data:`NODE_DIGITS` digits, and passed in as numbers.

Length: about 700 lines, because compiling integrals (with their node functions), the point
equations, assembling the block Jacobian, the generalised eigenproblem and the two-stage driver
belong together; splitting them would put the half-built system between modules.

References
----------
- Canet, Delamotte, Mouhanna, Vidal, PRD 67 (2003) 065004, hep-th/0211055 (O(d^2) fixed functions).
- Borchardt, Knorr, PRD 91 (2015) 105011, arXiv:1502.07511 (pseudo-spectral methods for the FRG).
- Trefethen, *Spectral Methods in MATLAB*, SIAM (2000), ch. 6; Boyd, *Chebyshev and Fourier
  Spectral Methods*, 2nd ed., Dover (2001), ch. 4 and sec. 7.5.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import scipy.linalg
import symengine as se
import sympy as sp
from scipy.optimize import root

from rgsym.errors import SolveError
from rgsym.solve.pde import ChebyshevGrid, chebyshev_grid
from rgsym.solve.spectrum import theta_json

#: Gauss-Legendre nodes per loop integral (in s = sqrt(y)).  Litim integrands are rational in s
#: on [0, 1] and the exponential ones Gaussian-like, so 64 nodes give ~1e-14 (tested).
NODES = 64
#: Upper end in y of an integral written to infinity: exp(-60) * 60^2 ~ 1e-23 of the integrand.
INFINITE_CUT = 60.0
#: max |E| on the grid after Newton; E is of order one, the spectral D^2 amplifies rounding.
RESIDUAL_TOLERANCE = 1e-9
#: Two eigenvalues of the main and the check grid are the same when closer than this (relative).
SPECTRAL_MATCH = 1e-4
#: Imaginary parts below this (relative to |theta|) are rounding.
REAL_TOLERANCE = 1e-8
#: Working digits of the node functions: the third derivative of y/(exp(y) - 1) at the smallest node
#: (y ~ 1e-5) loses ~eps/y^3, 15 digits; 50 leave 35.
NODE_DIGITS = 50

#: A start value for each function by name: rho -> f(rho) on the grid.
Start = Mapping[str, Callable[[np.ndarray], np.ndarray]]


@dataclass(frozen=True)
class FixedFunction:
    """One unknown function f(rho) and the symbols of f, f', f'' in the equations."""

    name: str
    value: sp.Symbol
    first: sp.Symbol
    second: sp.Symbol


@dataclass(frozen=True)
class Condition:
    """A normalisation f(point) = value, one per scalar unknown."""

    function: str
    point: float
    value: float


@dataclass(frozen=True)
class PointEquation:
    """A scalar equation read off at one point rho_0: a constraint 0 = G, or the flow d_t s = G of a
    scalar coupling s (the Yukawa coupling h^2 at the minimum).

    G is an expression in the variable rho (set to rho_0), the functions' symbols (f, f', f'' at
    rho_0) and the scalars.  rho_0 is a number, or one of the scalars (a running minimum kappa, fixed
    by its own constraint f(kappa) = 0).  A :class:`Condition` is the constraint f(point) - value.
    """

    expression: sp.Expr
    point: float | sp.Symbol
    flow_of: sp.Symbol | None = None
    label: str = ""


@dataclass(frozen=True)
class FixedFunctionSystem:
    """The fixed-point problem d_t f_k = equations[k] = 0, k = 1..K.

    Attributes
    ----------
    variable
        The invariant rho.
    functions
        The K unknown functions, in the order of ``equations``.
    equations
        E_k(rho, f, f', f'', scalars, parameters); may contain ``Integral`` over a dummy variable.
    scalars
        Unknown constants (eta), as many as ``conditions``.
    conditions
        Normalisations that fix the scalars.
    parameters
        (symbol, number) pairs substituted before compiling (d, N, alpha, ...).
    name
        A label for messages.
    node_functions
        (symbol, expression in the integrals' variable) pairs: symbols in the integrands that are
        functions of the integration variable alone, evaluated at the nodes in high precision.
    point_equations
        Further scalar equations at a point (after ``conditions``; together as many as ``scalars``).
    """

    variable: sp.Symbol
    functions: tuple[FixedFunction, ...]
    equations: tuple[sp.Expr, ...]
    scalars: tuple[sp.Symbol, ...] = ()
    conditions: tuple[Condition, ...] = ()
    parameters: tuple[tuple[sp.Symbol, float], ...] = ()
    name: str = "fixed functions"
    node_functions: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()
    point_equations: tuple[PointEquation, ...] = ()

    def __post_init__(self) -> None:
        if len(self.functions) != len(self.equations):
            raise ValueError(f"{self.name}: {len(self.functions)} functions but "
                             f"{len(self.equations)} equations")
        if len(self.scalars) != len(self.conditions) + len(self.point_equations):
            raise ValueError(f"{self.name}: {len(self.scalars)} scalars but "
                             f"{len(self.conditions) + len(self.point_equations)} conditions")
        names = [f.name for f in self.functions]
        for c in self.conditions:
            if c.function not in names:
                raise ValueError(f"{self.name}: condition on {c.function!r}; "
                                 f"functions are {', '.join(names)}")
        for e in self.point_equations:
            for s in (e.point, e.flow_of):
                if isinstance(s, sp.Symbol) and s not in self.scalars:
                    raise ValueError(f"{self.name}: {e.label or e.expression}: {s} is not a scalar")

    @property
    def scalar_equations(self) -> tuple[PointEquation, ...]:
        """The conditions as constraints f(point) - value, then the point equations: one per scalar."""
        by_name = {f.name: f for f in self.functions}
        constraints = tuple(PointEquation(by_name[c.function].value - c.value, c.point,
                                          label=f"{c.function}({c.point}) = {c.value}")
                            for c in self.conditions)
        return constraints + self.point_equations


@dataclass(frozen=True)
class FixedFunctionResult:
    """Fixed functions on the grid, the scalars, and the exponents.

    ``values[name]`` are f(rho) at ``rho``; ``discretisation_error`` is max(|delta nu|,
    |delta omega|, |delta s|) between the main grid and the check grid.
    """

    rho: tuple[float, ...]
    values: Mapping[str, tuple[float, ...]]
    scalars: Mapping[str, float]
    theta: tuple[complex, ...]
    nu: float
    omega: float
    residual: float
    discretisation_error: float
    points: int
    rho_max: float

    def interpolant(self, name: str) -> np.polynomial.Chebyshev:
        """The Chebyshev interpolant of f_name on [0, rho_max]."""
        return np.polynomial.Chebyshev.fit(self.rho, self.values[name], len(self.rho) - 1,
                                           domain=[0.0, self.rho_max])

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (the first eight thetas; complex ones as ``{"re", "im"}``)."""
        return {
            "nu": self.nu, "omega": self.omega, **self.scalars,
            "theta": [theta_json(t) for t in self.theta[:8]],
            "residual": self.residual, "discretisation_error": self.discretisation_error,
            "points": self.points, "rho_max": self.rho_max, "rho": list(self.rho),
            **{name: list(v) for name, v in self.values.items()},
        }


@dataclass(frozen=True)
class _Compiled:
    """E_k and its gradient, callable on the grid: evaluate(rho, columns) -> (E, dE) lists."""

    symbols: tuple[sp.Symbol, ...]
    outer: tuple[Callable[..., Any], ...]
    integrals: tuple[tuple[Callable[..., Any], float, float, np.ndarray], ...]
    nodes: int
    points: tuple[Callable[..., Any], ...] = ()


def gradient(expr: sp.Expr, wrt: tuple[sp.Symbol, ...]) -> list[sp.Expr]:
    """d expr / d w for each w, differentiated by symengine (15-20 times faster than sympy here).

    The free symbols go through plain stand-ins, so that Dummy symbols survive the round trip;
    an expression symengine cannot take is differentiated by sympy instead.

    >>> a, b = sp.symbols("a b")
    >>> gradient(a**2 * sp.exp(b), (a, b))
    [2*a*exp(b), a**2*exp(b)]
    """
    symbols = sorted(expr.free_symbols | set(wrt), key=sp.default_sort_key)
    plain = [sp.Symbol(f"_gradient_{j}") for j in range(len(symbols))]
    back = dict(zip(plain, symbols, strict=True))
    there = expr.xreplace(dict(zip(symbols, plain, strict=True)))
    try:
        converted = se.sympify(there)
        derivatives = [sp.sympify(converted.diff(se.Symbol(str(plain[symbols.index(w)])))) for w in wrt]
    except (RuntimeError, TypeError, NotImplementedError, sp.SympifyError):
        return [sp.diff(expr, w) for w in wrt]
    return [d.xreplace(back) for d in derivatives]


#: Compiled systems of this process, by what compiling depends on (not the conditions, so the
#: stages of :func:`solve_around_minimum` and a re-solve with another normalisation point share one).
_COMPILED: dict[tuple[Any, ...], _Compiled] = {}
_COMPILED_KEEP = 8


def compile_system(system: FixedFunctionSystem, nodes: int = NODES) -> _Compiled:
    """Lambdify E_k and dE_k/d(f, f', f'', s) for every k, integrals as quadrature sums.

    Parameters
    ----------
    system
        The problem; its parameters are substituted first.
    nodes
        Gauss-Legendre nodes per integral.

    Returns
    -------
    _Compiled
        Kept for the process: the same equations are compiled once.
    """
    key = (system.variable, system.functions, system.equations, system.scalars, system.parameters,
           system.node_functions, nodes, tuple(_at_point(system, e) for e in system.scalar_equations))
    if key not in _COMPILED:
        if len(_COMPILED) >= _COMPILED_KEEP:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = _compile_system(system, nodes)
    return _COMPILED[key]


def _compile_system(system: FixedFunctionSystem, nodes: int) -> _Compiled:
    rho = system.variable
    unknowns = tuple(s for f in system.functions for s in (f.value, f.first, f.second)) + system.scalars
    params = dict(system.parameters)
    equations = [sp.sympify(e).subs(params) for e in system.equations]
    outer_exprs, integrals = [], []
    all_found: list[sp.Integral] = []
    for e in equations:
        for i in sorted(e.atoms(sp.Integral), key=sp.default_sort_key):
            if i not in all_found:
                all_found.append(i)
    names = [sp.Dummy(f"I{j}") for j in range(len(all_found))]
    replace = dict(zip(all_found, names, strict=True))
    for e in equations:
        o = e.xreplace(replace)
        grad = gradient(o, (*unknowns, *names))
        outer_exprs.append(sp.lambdify((rho, *unknowns, *names), [o, *grad], "numpy", cse=True))
    s = sp.Dummy("s", positive=True)
    for integral in all_found:
        if len(integral.limits) != 1 or len(integral.limits[0]) != 3:
            raise SolveError(f"{system.name}: only one-dimensional definite integrals are compiled, "
                             f"got {integral}")
        var, low, high = integral.limits[0]
        low_f = float(low)
        high_f = INFINITE_CUT if high == sp.oo else float(high)
        if low_f < 0:
            raise SolveError(f"{system.name}: an integral over y from {low_f} < 0 cannot use y = s^2")
        body = integral.function.subs(var, s**2) * 2 * s
        grad = gradient(body, unknowns)
        at_nodes = tuple(sym for sym, _ in system.node_functions)
        a, b = math.sqrt(low_f), math.sqrt(high_f)
        values = node_values(system.node_functions, var, quadrature_nodes(a, b, nodes)[0])
        integrals.append((sp.lambdify((s, rho, *unknowns, *at_nodes), [body, *grad], "numpy", cse=True),
                          a, b, values))
    points = []
    for e in system.scalar_equations:
        g = _at_point(system, e).subs(params)
        if g.atoms(sp.Integral):
            raise SolveError(f"{system.name}: {e.label or e.expression}: an equation at a point is compiled "
                             "without integrals")
        points.append(sp.lambdify(unknowns, [g, *gradient(g, unknowns)], "numpy", cse=True))
    return _Compiled(unknowns, tuple(outer_exprs), tuple(integrals), nodes, tuple(points))


def _at_point(system: FixedFunctionSystem, equation: PointEquation) -> sp.Expr:
    """G with rho set to the point (a number, exact when it is an integer, or the scalar kappa)."""
    point = equation.point
    if not isinstance(point, sp.Symbol):
        point = sp.Integer(int(point)) if float(point).is_integer() else sp.Float(point)
    return sp.sympify(equation.expression).xreplace({system.variable: point})


def quadrature_nodes(a: float, b: float, nodes: int = NODES) -> tuple[np.ndarray, np.ndarray]:
    """The Gauss-Legendre nodes in s on [a, b] and their weights, as the integrals are summed.

    >>> x, w = quadrature_nodes(0.0, 2.0, 4)
    >>> round(float(w.sum()), 12)
    2.0
    """
    x, w = _legendre(nodes)
    return a + (b - a) * (x + 1) / 2, w * (b - a) / 2


def node_values(functions: tuple[tuple[sp.Symbol, sp.Expr], ...], variable: sp.Symbol,
                s_nodes: np.ndarray) -> np.ndarray:
    """Each node function at y = s^2 for every node s, with mpmath at :data:`NODE_DIGITS` digits.

    Returns
    -------
    numpy.ndarray
        Shape (len(functions), len(s_nodes)); the doubles nearest to the values.
    """
    import mpmath

    out = np.empty((len(functions), len(s_nodes)))
    with mpmath.workdps(NODE_DIGITS):
        for i, (_, expr) in enumerate(functions):
            f = sp.lambdify(variable, expr, "mpmath")
            out[i] = [float(f(mpmath.mpf(float(s)) ** 2)) for s in s_nodes]
    return out


@cache
def _legendre(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """The deterministic Gauss-Legendre rule of :func:`rgsym.threshold.gauss_legendre` (the same
    doubles with every numpy)."""
    from rgsym.threshold import gauss_legendre

    return gauss_legendre(nodes)


def _evaluate(compiled: _Compiled, rho: np.ndarray,
              columns: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(E_k, dE_k/dunknowns stacked (U, n))] at the grid points."""
    n, count = rho.size, len(compiled.symbols)
    x, w = _legendre(compiled.nodes)
    values, grads = [], []
    for f, a, b, at_nodes in compiled.integrals:
        s = (a + (b - a) * (x + 1) / 2)[None, :]
        weights = w * (b - a) / 2
        cols = [np.broadcast_to(c[:, None], (n, compiled.nodes)) for c in columns]
        # a Piecewise (a regular limit at rho = 0) evaluates both branches: the unused one may divide
        # by zero there; a non-finite residual that is used is caught by the Newton iteration
        with np.errstate(divide="ignore", invalid="ignore"):
            parts = f(s, rho[:, None], *cols, *(v[None, :] for v in at_nodes))
        parts = [np.broadcast_to(p, (n, compiled.nodes)) @ weights for p in parts]
        values.append(parts[0])
        grads.append(np.array(parts[1:]))
    out = []
    for g in compiled.outer:
        parts = [np.broadcast_to(np.asarray(p, dtype=float), (n,)) for p in g(rho, *columns, *values)]
        e, direct, via = parts[0], np.array(parts[1:1 + count]), parts[1 + count:]
        total = direct.copy()
        for coefficient, gi in zip(via, grads, strict=True):
            total += coefficient[None, :] * gi
        out.append((e, total))
    return out


def _real(v: Any) -> float:
    """A real number, or NaN where the expression left the reals (sqrt(2 kappa) at a trial kappa < 0):
    Newton then steps back."""
    z = complex(v)
    return z.real if z.imag == 0 else math.nan


def _interpolation_row(grid: ChebyshevGrid, point: float) -> np.ndarray:
    """The row L with L @ f = (Chebyshev interpolant of f)(point)."""
    rho_max = float(grid.rho[-1])
    x = 2 * grid.rho / rho_max - 1
    vander = np.polynomial.chebyshev.chebvander(x, grid.points - 1)
    at = np.polynomial.chebyshev.chebvander(np.array([2 * point / rho_max - 1]), grid.points - 1)
    return np.asarray(np.linalg.solve(vander.T, at[0]))


def residual_and_jacobian(system: FixedFunctionSystem, compiled: _Compiled, grid: ChebyshevGrid,
                          unknowns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The collocated residual (E_k at the points, then the conditions) and its Jacobian.

    Parameters
    ----------
    system, compiled, grid
        The problem, its compiled form and the grid.
    unknowns
        f_1 .. f_K at the points, then the scalars.

    Returns
    -------
    tuple of numpy.ndarray
        (residual, Jacobian), both of size K (n + 1) + S.
    """
    n, k_count, s_count = grid.points, len(system.functions), len(system.scalars)
    fs = [unknowns[i * n:(i + 1) * n] for i in range(k_count)]
    scalars = unknowns[k_count * n:]
    columns: list[np.ndarray] = []
    for f in fs:
        columns += [f, grid.d1 @ f, grid.d2 @ f]
    columns += [np.full(n, v) for v in scalars]
    size = k_count * n + s_count
    resid, jac = np.empty(size), np.zeros((size, size))
    for k, (e, grad) in enumerate(_evaluate(compiled, grid.rho, columns)):
        rows = slice(k * n, (k + 1) * n)
        resid[rows] = e
        for j in range(k_count):
            g0, g1, g2 = grad[3 * j], grad[3 * j + 1], grad[3 * j + 2]
            jac[rows, j * n:(j + 1) * n] = np.diag(g0) + g1[:, None] * grid.d1 + g2[:, None] * grid.d2
        for i in range(s_count):
            jac[rows, k_count * n + i] = grad[3 * k_count + i]
    d3 = grid.d1 @ grid.d2
    for i, (eq, compiled_eq) in enumerate(zip(system.scalar_equations, compiled.points, strict=True)):
        moving = system.scalars.index(eq.point) if isinstance(eq.point, sp.Symbol) else None
        row = _interpolation_row(grid, float(scalars[moving]) if moving is not None else float(eq.point))
        at_point = [row, row @ grid.d1, row @ grid.d2, row @ d3]
        at = [r @ f for f in fs for r in at_point[:3]]
        value, *partial = (_real(v) for v in compiled_eq(*at, *scalars))
        r = k_count * n + i
        resid[r] = value
        for j in range(k_count):
            jac[r, j * n:(j + 1) * n] = sum(partial[3 * j + m] * at_point[m] for m in range(3))
        jac[r, k_count * n:] = partial[3 * k_count:]
        if moving is not None:  # the point moves with kappa: d/dkappa of f^(m)(kappa) is f^(m+1)(kappa)
            jac[r, k_count * n + moving] += sum(partial[3 * j + m] * float(at_point[m + 1] @ f)
                                                for j, f in enumerate(fs) for m in range(3))
    return resid, jac


def _newton(system: FixedFunctionSystem, compiled: _Compiled, grid: ChebyshevGrid,
            start: np.ndarray) -> tuple[np.ndarray, float]:
    with np.errstate(all="ignore"):
        sol = root(lambda v: residual_and_jacobian(system, compiled, grid, v), start, jac=True,
                   method="hybr", options={"xtol": 1e-14, "maxfev": 400})
        resid, _ = residual_and_jacobian(system, compiled, grid, sol.x)
    worst = float(np.max(np.abs(resid))) if np.all(np.isfinite(resid)) else math.inf
    if worst > RESIDUAL_TOLERANCE:
        raise SolveError(f"{system.name}: Chebyshev collocation with {grid.points} points on "
                         f"[0, {grid.rho[-1]:.6g}] did not converge (max residual {worst:.2e}; MINPACK: "
                         f"{sol.message.strip()}); try another start or rho_max")
    return np.asarray(sol.x), worst


def linearised_spectrum(system: FixedFunctionSystem, jacobian: np.ndarray, points: int) -> np.ndarray:
    """theta = -lambda of A v = lambda B v (module docstring), finite ones only, unsorted.

    Parameters
    ----------
    system
        The problem (for the numbers of functions and scalars).
    jacobian
        The collocated Jacobian at the fixed functions (conditions included).
    points
        Grid points n + 1.

    Returns
    -------
    numpy.ndarray
    """
    size = jacobian.shape[0]
    mass = np.zeros((size, size))
    first = len(system.functions) * points
    mass[:first, :first] = np.eye(first)
    for i, e in enumerate(system.scalar_equations):  # d_t s = G: the row of G has s on the left
        if e.flow_of is not None:
            mass[first + i, first + system.scalars.index(e.flow_of)] = 1.0
    lam = scipy.linalg.eig(jacobian, mass, right=False, homogeneous_eigvals=True)
    alpha, beta = lam
    finite = np.abs(beta) > 1e-12 * np.maximum(1.0, np.abs(alpha))
    return np.asarray(-alpha[finite] / beta[finite])


def _matched(main: np.ndarray, check: np.ndarray) -> tuple[list[complex], list[float]]:
    theta, drift = [], []
    for t in sorted(main, key=lambda z: (-z.real, -z.imag)):
        gap = float(np.min(np.abs(check - t)))
        if gap <= SPECTRAL_MATCH * max(1.0, abs(t)):
            real = abs(t.imag) <= REAL_TOLERANCE * max(1.0, abs(t))
            theta.append(complex(t.real, 0.0) if real else complex(t))
            drift.append(gap)
    return theta, drift


def _check_interval(system: FixedFunctionSystem, rho_max: float) -> None:
    if not rho_max > 0:
        raise ValueError(f"{system.name}: rho_max must be positive, got {rho_max}")
    outside = [c for c in system.conditions if not 0 <= c.point <= rho_max]
    if outside:
        c = outside[0]
        raise ValueError(f"{system.name}: the condition on {c.function!r} at rho = {c.point} "
                         f"is outside the grid [0, {rho_max}]")
    fixed = [e for e in system.point_equations if not isinstance(e.point, sp.Symbol)]
    for e in fixed:
        if not 0 <= float(e.point) <= rho_max:
            raise ValueError(f"{system.name}: {e.label or e.expression} at rho = {e.point} is outside the "
                             f"grid [0, {rho_max}]")


def _start_vector(system: FixedFunctionSystem, grid: ChebyshevGrid,
                  start: Start, scalars: Mapping[str, float]) -> np.ndarray:
    missing = [f.name for f in system.functions if f.name not in start] + \
        [str(s) for s in system.scalars if str(s) not in scalars]
    if missing:
        raise ValueError(f"{system.name}: no start value for {', '.join(missing)}")
    return np.concatenate([np.asarray(start[f.name](grid.rho), dtype=float) * np.ones(grid.points)
                           for f in system.functions] + [np.array([scalars[str(s)] for s in system.scalars])])


def fixed_functions_on_grid(system: FixedFunctionSystem, start: Start,
                            scalars: Mapping[str, float], rho_max: float, points: int = 40,
                            nodes: int = NODES) -> tuple[dict[str, np.polynomial.Chebyshev],
                                                         dict[str, float]]:
    """Newton on one grid only, no exponents: a cheap first solve to place rho_max.

    Parameters
    ----------
    system, start, scalars, rho_max, points, nodes
        As for :func:`solve_fixed_functions`.

    Returns
    -------
    tuple
        (the Chebyshev interpolant of each function by name, the scalars by name).
    """
    _check_interval(system, rho_max)
    compiled = compile_system(system, nodes)
    grid = chebyshev_grid(points, rho_max)
    x, _ = _newton(system, compiled, grid, _start_vector(system, grid, start, scalars))
    n = grid.points
    fitted = {f.name: np.polynomial.Chebyshev.fit(grid.rho, x[i * n:(i + 1) * n], n - 1,
                                                  domain=[0.0, rho_max])
              for i, f in enumerate(system.functions)}
    values = x[len(system.functions) * n:]
    return fitted, {str(s): float(v) for s, v in zip(system.scalars, values, strict=True)}


def solve_fixed_functions(system: FixedFunctionSystem, start: Start,
                          scalars: Mapping[str, float], rho_max: float, points: int = 40,
                          nodes: int = NODES) -> FixedFunctionResult:
    """The fixed functions of ``system`` on [0, rho_max], the scalars and the exponents.

    Parameters
    ----------
    system
        The problem.
    start
        For each function name, rho -> f(rho) to start Newton from (e.g. the LPA u*' and z = 1).
    scalars
        Start values of the scalars, by symbol name.
    rho_max
        Right end of the grid (a few times the minimum of the potential).
    points
        Chebyshev degree of the main grid; the check grid has ``points + points // 2``.
    nodes
        Gauss-Legendre nodes per loop integral.

    Returns
    -------
    FixedFunctionResult

    Raises
    ------
    SolveError
        If Newton fails on either grid, or no relevant or irrelevant direction is resolved.
    """
    _check_interval(system, rho_max)
    compiled = compile_system(system, nodes)
    grid = chebyshev_grid(points, rho_max)
    x, worst = _newton(system, compiled, grid, _start_vector(system, grid, start, scalars))
    _, jac = residual_and_jacobian(system, compiled, grid, x)
    n = grid.points
    k_count = len(system.functions)
    main = {f.name: x[i * n:(i + 1) * n] for i, f in enumerate(system.functions)}
    fitted = {name: np.polynomial.Chebyshev.fit(grid.rho, v, n - 1, domain=[0.0, rho_max])
              for name, v in main.items()}
    check_grid = chebyshev_grid(points + points // 2, rho_max)
    check_start = np.concatenate([fitted[f.name](check_grid.rho) for f in system.functions]
                                 + [x[k_count * n:]])
    y, _ = _newton(system, compiled, check_grid, check_start)
    _, check_jac = residual_and_jacobian(system, compiled, check_grid, y)
    theta, drift = _matched(linearised_spectrum(system, jac, n),
                            linearised_spectrum(system, check_jac, check_grid.points))
    positive = [(t.real, g) for t, g in zip(theta, drift, strict=True) if t.real > 0 and t.imag == 0]
    negative = [(t.real, g) for t, g in zip(theta, drift, strict=True) if t.real < 0]
    if not positive or not negative:
        shown = ", ".join(f"{t.real:.6g}" + (f"{t.imag:+.3g}i" if t.imag else "") for t in theta[:6])
        raise SolveError(f"{system.name}: the two grids agree on {len(positive)} relevant and "
                         f"{len(negative)} irrelevant direction(s) (theta = {shown or 'none'}); nu and omega "
                         "need one of each: the fixed point was found, but its exponents are not resolved "
                         "on this grid")
    top, top_gap = max(positive)
    least, least_gap = max(negative)
    scalar_gap = float(np.max(np.abs(x[k_count * n:] - y[k_count * check_grid.points:]), initial=0.0))
    return FixedFunctionResult(
        tuple(map(float, grid.rho)), {k: tuple(map(float, v)) for k, v in main.items()},
        {str(s): float(v) for s, v in zip(system.scalars, x[k_count * n:], strict=True)},
        tuple(theta), 1.0 / top, -least, worst, max(top_gap / top**2, least_gap, scalar_gap), points, rho_max)


def power_law_extension(f: Callable[[np.ndarray], np.ndarray], edge: float,
                        power: float) -> Callable[[np.ndarray], np.ndarray]:
    """f on [0, edge] and f(edge) (rho/edge)^power beyond (a polynomial interpolant explodes there).

    >>> g = power_law_extension(lambda r: r**2, 1.0, 1.0)
    >>> g(np.array([0.5, 2.0])).tolist()
    [0.25, 2.0]
    """
    at_edge = f(np.array([edge]))[0]

    def extended(r: np.ndarray) -> np.ndarray:
        return np.where(r <= edge, f(np.minimum(r, edge)), at_edge * (np.maximum(r, edge) / edge) ** power)

    return extended


def solve_around_minimum(system: FixedFunctionSystem, start: Start, scalars: Mapping[str, float],
                         first_rho_max: float, potential: str, powers: Mapping[str, float],
                         factor: float = 8.0, points: int = 40) -> tuple[FixedFunctionResult, float]:
    """Two stages: a cheap solve on [0, first_rho_max] places the minimum kappa (the zero of
    ``potential``, i.e. u'), then the full solve runs on [0, factor kappa].

    The start of the second stage is the first solution, continued beyond first_rho_max by the
    large-rho power laws ``powers`` (u' ~ rho^(2/(d-2)), z ~ const at eta ~ 0).  On the O(d^2) Ising
    problem, factor 3 moved nu by 2e-6 against factor 5 to 8, which agree to 1e-9.

    Parameters
    ----------
    system, start, scalars
        As for :func:`solve_fixed_functions`.
    first_rho_max
        The interval of the first stage (e.g. that of the LPA fixed function).
    potential
        The function whose zero is the minimum kappa.
    powers
        Large-rho exponent of each function, for the continuation of the start.
    factor, points
        rho_max = factor kappa; the Chebyshev degree of the main grid.

    Returns
    -------
    tuple
        (the result, kappa from the first stage).

    Raises
    ------
    SolveError
        If the first solution has no minimum in (0, first_rho_max), or a solve fails.
    """
    fitted, first_scalars = fixed_functions_on_grid(system, start, scalars, first_rho_max, 32)
    roots = np.asarray(fitted[potential].roots(), dtype=complex)
    zeros = [float(r.real) for r in roots if abs(r.imag) < 1e-12 and 0 < r.real < first_rho_max]
    if not zeros:
        raise SolveError(f"{system.name}: {potential} has no zero in (0, {first_rho_max:.6g}); "
                         "no minimum, not the Wilson-Fisher fixed point")
    kappa = min(zeros)
    extended = {f.name: power_law_extension(fitted[f.name], first_rho_max, powers.get(f.name, 0.0))
                for f in system.functions}
    return solve_fixed_functions(system, extended, first_scalars, factor * kappa, points), kappa
