"""Fixed points: zeros of the beta functions, by continuation in the truncation order.

A polynomial truncation of order m is a sub-system of the one of order M > m:
its betas are the first k(m) betas of order M with the higher couplings set to
zero (beta of d^a u involves couplings up to |a| + 1 only).  So one compiled
system serves every order.  At the lowest order a deterministic multi-start
search finds every fixed point it can, on that order's betas compiled on their
own (a few small expressions: a call costs a fraction of one of the whole
system, and the search makes thousands; it runs once per compiled system and
process, :func:`base_search`); each point is then carried up one order at a
time, by Newton steps from the lower order's point where they stay near it,
else by a homotopy (:func:`continue_point`), and a multi-start at the target
order is the fallback.  Newton steps are steered by central differences in the sub-system's
couplings only: 2k evaluations of the betas in one batched call, not 2n; along the walk the
evaluations are memoised by the bits of the point (:class:`Evaluations`), since each order starts
where the order below ended.  The steps are
MINPACK's hybrj, called in scipy's compiled module without importing ``scipy.optimize``
(:func:`hybrj`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import numpy as np
import symengine as se
import sympy as sp

from rgsym.errors import SolveError
from rgsym.solve.numeric import NumericSystem, compile_system
from rgsym.stability import LazyBetas, LazyStability

log = logging.getLogger(__name__)

#: A solution counts when max |beta_i / scale_i| is below this: the scaled betas are of
#: order one, so this is about 1e5 times double-precision rounding.  It is strict on
#: purpose: near a fixed point with a marginal direction (the Gaussian in d = 3 has
#: one) a looser test accepts points where beta is merely quadratically small.
RESIDUAL_TOLERANCE = 1e-11
#: Two solutions are the same when they differ by less than this (scaled couplings).  Points
#: along a nearly marginal direction (the N = 2 cubic point has theta ~ 1e-11) converge only
#: to ~1e-6, so a tighter test would list one fixed point several times.
SAME_POINT = 1e-5
#: :func:`continue_point` keeps the Newton solution from the lower order's point when no
#: inherited coupling moved by more than this fraction of max(1, its size); a larger move may be a
#: jump to another fixed point, and the homotopy decides.  Measured at the Wilson-Fisher point:
#: 0.46 from order 1 to 2, 0.07 to 3, below 5e-3 from order 4 on.
DIRECT_SHIFT = 0.05
#: ... and no eigenvalue of its (central-difference) Jacobian is below this in size: a marginal
#: direction (theta ~ 1e-10 at the decoupled points of the two-scalar model) showed there as
#: eigenvalues of 3e-6; the Wilson-Fisher point's smallest is omega ~ 0.66.
DIRECT_MARGINAL = 1e-4
#: :func:`small_system` compiles sub-systems of at most this many couplings on their own.
SMALL_SYSTEM = 6
#: Most points at which an :class:`Evaluations` memo keeps the betas (then it starts afresh): the
#: walk of :func:`fixed_points_by_order` to order 20 evaluates them at some 300 distinct points ...
EVALUATIONS_LIMIT = 2048
#: ... and most points at which it keeps their central differences (2k evaluations each): some 70
#: at order 20.
DIFFERENCES_LIMIT = 256
#: The step of the central differences of :meth:`Truncated.jacobian`, relative to the scale of the
#: coupling (that of :meth:`~rgsym.solve.numeric.NumericSystem.approximate_jacobian`).
DIFFERENCE_STEP = 1e-6


@dataclass(frozen=True)
class FixedPoint:
    """A zero of the beta functions.

    Attributes
    ----------
    names, values
        The couplings (dimensionless, unscaled) in the order of the ``BetaSystem``.
    residual
        max_i |beta_i| relative to the size of its linear terms (see :meth:`Truncated.residual`).
    order
        The truncation order it was found at.
    minimum_flags
        Which couplings are the position of the running minimum (kappa).

    References
    ----------
    Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006, sec. 4.
    """

    names: tuple[str, ...]
    values: tuple[float, ...]
    residual: float
    order: int
    minimum_flags: tuple[bool, ...] = ()

    @property
    def interactions(self) -> tuple[float, ...]:
        """Values of the couplings other than the minimum position kappa."""
        flags = self.minimum_flags or (False,) * len(self.values)
        return tuple(v for v, m in zip(self.values, flags, strict=True) if not m)

    @property
    def is_gaussian(self) -> bool:
        """Whether every interaction (all couplings but kappa) vanishes, to within 1e-8.

        Returns
        -------
        bool
        """
        return bool(np.max(np.abs(self.interactions), initial=0.0) < 1e-8)

    def as_dict(self) -> dict[str, float]:
        """The fixed point as a JSON-ready mapping coupling name -> value (unscaled).

        Returns
        -------
        dict
        """
        return dict(zip(self.names, self.values, strict=True))

    def __repr__(self) -> str:
        vals = ", ".join(f"{n}={v:.10g}" for n, v in zip(self.names, self.values, strict=True))
        return f"FixedPoint(order={self.order}, {vals})"

    def latex_rows(self) -> list[str]:
        """One ``name & value`` row of a LaTeX array per coupling."""
        pairs = zip(self.names, self.values, strict=True)
        return [f"{coupling_latex(n)} & {latex_number(v)}" for n, v in pairs]

    def _repr_latex_(self) -> str:
        """The couplings at the fixed point as a LaTeX table, for Jupyter."""
        kind = "Gaussian" if self.is_gaussian else "non-Gaussian"
        return latex_table([rf"\text{{{kind} fixed point, order {self.order}}} & ", *self.latex_rows()])


def coupling_latex(name: str) -> str:
    """LaTeX of a coupling name: ``lambda_1_0`` -> ``\\lambda_{1,0}`` (as :class:`Coupling` writes it).

    Examples
    --------
    >>> coupling_latex("lambda_1_0")
    '\\\\lambda_{1,0}'
    """
    head, *rest = name.split("_")
    symbol = sp.latex(sp.Symbol(head))
    return f"{symbol}_{{{','.join(rest)}}}" if rest else symbol


def latex_number(x: complex) -> str:
    """A float (or complex) with 10 significant digits, exponent in LaTeX form."""
    if isinstance(x, complex) and x.imag != 0:
        return f"{latex_number(x.real)} {'+' if x.imag >= 0 else '-'} {latex_number(abs(x.imag))}\\,i"
    text = f"{float(x.real if isinstance(x, complex) else x):.10g}"
    mantissa, _, exponent = text.partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa


def latex_table(rows: Sequence[str]) -> str:
    """Rows ``left & right`` as a two-column LaTeX array between ``$$``.

    Parameters
    ----------
    rows
        LaTeX rows, each ``left & right``.

    Returns
    -------
    str
        Display math for Jupyter's ``_repr_latex_``.
    """
    body = " \\\\\n".join(rows)
    return f"$$\\begin{{array}}{{lr}}\n{body}\n\\end{{array}}$$"


class Betas:
    """The compiled betas of one system (all ``n`` of them) at points of the couplings and at
    their central differences in the first couplings (:meth:`Truncated.jacobian`).

    At one point, symengine's LLVM code is called through ``eval_real``, which checks the sizes
    and runs the same compiled code as a call of the function: 10 us at order 20, where the call,
    which works out the shape of its argument, took 17 us (2 us and 7 us for the betas of order 1).
    """

    def __init__(self, numeric: NumericSystem) -> None:
        self.function = numeric.rhs_function
        self.steps = DIFFERENCE_STEP * numeric.scales
        self._one: Callable[[np.ndarray, np.ndarray], Any] | None = getattr(self.function, "eval_real", None)

    def at(self, g: np.ndarray) -> np.ndarray:
        """The betas at one point ``g`` (all ``n`` couplings, unscaled), not to be changed."""
        if self._one is not None:
            out = np.empty(g.size)
            try:
                self._one(g, out)
                return out
            except (ValueError, TypeError):  # not n doubles in, n betas out: checked before it runs
                self._one = None
        return np.asarray(self.function(g), dtype=float).reshape(-1)

    def differences(self, g: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The betas at g + h_j e_j and at g - h_j e_j for j < k, h = :attr:`steps`, as rows
        (k, n) each, all 2k points in one call; not to be changed."""
        return self._differences(g, 0, k)

    def _differences(self, g: np.ndarray, start: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Those of :meth:`differences` for start <= j < k, in one call."""
        m = k - start
        points = np.empty((2, m, g.size))
        points[:] = g
        rows = np.arange(m)
        points[0, rows, rows + start] += self.steps[start:k]
        points[1, rows, rows + start] -= self.steps[start:k]
        out = np.asarray(self.function(points.reshape(2 * m, g.size)), dtype=float).reshape(2, m, -1)
        return out[0], out[1]


class Evaluations(Betas):
    """:class:`Betas` memoised by the exact bits of the point.

    A search asks for the same points again: the residual at the point Newton's method ended
    at, where it evaluated the betas already, and, one order up, the same point of the couplings
    (the new ones zero), whose differences in the couplings it inherits are those of the order
    below.  One memo shared along the walk of :func:`fixed_points_by_order` evaluates the betas at
    1043 instead of 1524 points at order 20, and every value is the one the search would have
    computed without it, bit for bit (see :meth:`differences`).  The memo belongs
    to one compiled system (its betas and parameter values), lives as long as the search that
    made it, and keeps at most ``limit`` points' betas and ``limit_differences`` points'
    differences: when full, it is emptied.
    """

    def __init__(self, numeric: NumericSystem, limit: int = EVALUATIONS_LIMIT,
                 limit_differences: int = DIFFERENCES_LIMIT) -> None:
        super().__init__(numeric)
        self.limits = (limit, limit_differences)
        #: Whether the compiled function evaluates each point of a batch on its own, the same bits
        #: as alone (symengine's LLVM code, which has ``eval_real``).
        self.pointwise = self._one is not None
        self._values: dict[bytes, np.ndarray] = {}
        self._known: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}

    def at(self, g: np.ndarray) -> np.ndarray:
        """The betas at one point ``g`` (all ``n`` couplings, unscaled), not to be changed."""
        key = g.tobytes()
        found = self._values.get(key)
        if found is None:
            found = super().at(g)
            _keep(self._values, key, found, self.limits[0])
        return found

    def differences(self, g: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`Betas.differences`, those at the points not yet known evaluated in one call.

        Only symengine's LLVM code (:attr:`pointwise`) has the first k of more points, or points
        added to those of fewer: the generated NumPy module evaluates a batch with SIMD loops,
        whose last bit may depend on where in the batch a point is.
        """
        key = g.tobytes()
        plus, minus = self._known.get(key) or (g[:0], g[:0])
        if len(plus) == k or (self.pointwise and len(plus) > k):
            return plus[:k], minus[:k]
        if self.pointwise and len(plus):
            more = self._differences(g, len(plus), k)
            plus, minus = np.vstack([plus, more[0]]), np.vstack([minus, more[1]])
        else:
            plus, minus = self._differences(g, 0, k)
        _keep(self._known, key, (plus, minus), self.limits[1])
        return plus, minus


def _keep(memo: dict[bytes, Any], key: bytes, value: Any, limit: int) -> None:
    """``memo[key] = value``, the memo emptied first when it holds ``limit`` entries (none kept
    when ``limit`` is 0)."""
    if len(memo) >= limit:
        memo.clear()
        if limit <= 0:
            return
    memo[key] = value


class Truncated:
    """The first ``k`` betas of a system, with every coupling beyond ``k`` set to zero.

    Works in scaled couplings x = g / scale.
    """

    def __init__(self, numeric: NumericSystem, k: int, evaluations: Betas | None = None) -> None:
        """The first ``k`` betas of ``numeric``, evaluated through ``evaluations`` (default: no
        memo; :func:`fixed_points_by_order` shares an :class:`Evaluations` along its walk).

        Raises
        ------
        ValueError
            If ``evaluations`` evaluates another compiled function than ``numeric``'s.
        """
        if evaluations is not None and evaluations.function is not numeric.rhs_function:
            raise ValueError("the evaluations are those of another compiled system")
        self.numeric = numeric
        self.k = k
        self.n = len(numeric.system.couplings)
        self.evaluations = evaluations or Betas(numeric)
        self._last: tuple[bytes, np.ndarray] | None = None  # the last Jacobian, by its point's bits

    def full(self, x: np.ndarray) -> np.ndarray:
        """The full coupling vector: ``x`` in the first ``k`` entries, zeros beyond.

        Parameters
        ----------
        x
            The ``k`` scaled couplings of the sub-system.

        Returns
        -------
        numpy.ndarray
            The ``n`` scaled couplings of the whole system.
        """
        z = np.zeros(self.n)
        z[: self.k] = x
        return z

    def rhs(self, x: np.ndarray) -> np.ndarray:
        """The first ``k`` scaled betas, beta_i / scale_i, at scaled couplings ``x``.

        Parameters
        ----------
        x
            The ``k`` scaled couplings x = g / scale.

        Returns
        -------
        numpy.ndarray
            ``k`` values.
        """
        scales = self.numeric.scales[: self.k]
        if self.k == self.n:
            g = x * scales
        else:
            g = np.zeros(self.n)
            g[: self.k] = x * scales
        return self.evaluations.at(g)[: self.k] / scales

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """The k x k block of the Jacobian of the scaled betas, by central differences.

        The differences are taken in the first ``k`` couplings only, the 2k points in one
        call of the compiled betas (those the memo :attr:`evaluations` does not know yet: the
        order below's at the same point of the couplings): the block equals that of
        :meth:`~rgsym.solve.numeric.NumericSystem.scaled_jacobian`, at 2k instead of 2n
        evaluations.  Only meant to steer Newton iterations; exponents use the exact
        stability matrix (:meth:`rgsym.solve.numeric.NumericSystem.jacobian`).

        Parameters
        ----------
        x
            The ``k`` scaled couplings x = g / scale.

        Returns
        -------
        numpy.ndarray
            d(beta_i / scale_i) / d x_j for i, j < k.
        """
        key = np.asarray(x, dtype=float).tobytes()
        if self._last is not None and self._last[0] == key:
            return self._last[1].copy()
        k, scales = self.k, self.numeric.scales
        plus, minus = self.evaluations.differences(self.full(x) * scales, k)
        h = self.evaluations.steps[:k]
        j = ((plus[:, :k] - minus[:, :k]) / (2 * h[:, None])).T * scales[None, :k] / scales[:k, None]
        self._last = (key, j)
        return j.copy()

    def is_physical(self, x: np.ndarray) -> bool:
        """A true minimum (kappa >= 0, u''(kappa) > 0) when expanding around one, and no
        propagator beyond its pole (1 + w > 0)."""
        g = self.full(x) * self.numeric.scales
        couplings = self.numeric.system.couplings
        if couplings[0].is_minimum and len(couplings[0].index) == 1 and (x[0] < -1e-12 or x[1] < 1e-8):
            return False
        kappas = [i for i, c in enumerate(couplings[:self.k]) if c.is_minimum]
        if len(couplings[0].index) > 1 and any(x[i] < -1e-12 for i in kappas):
            return False  # several blocks: rgsym.solve.backgrounds checks the minimum itself
        return bool(np.all(self.numeric.masses(g) > -1.0))

    def residual(self, x: np.ndarray) -> float:
        """max_i |beta_i| relative to the size of its linear terms, max(1, sum_j |J_ij x_j|).

        High-order betas carry factorially large coefficients, so an absolute test
        would reject converged solutions at high order.
        """
        r = self.rhs(x)
        if not np.all(np.isfinite(r)):
            return float("inf")
        size = np.maximum(1.0, np.abs(self.jacobian(x)) @ np.abs(x))
        return float(np.max(np.abs(r) / size, initial=0.0))


def order_sizes(numeric: NumericSystem) -> dict[int, int]:
    """Truncation order m -> number of couplings k(m) of the order-m sub-system.

    Parameters
    ----------
    numeric
        A compiled system whose couplings are sorted by truncation order.

    Returns
    -------
    dict
        Order m -> k(m); the order-m system is the first k(m) betas with the rest set to zero.

    Raises
    ------
    ValueError
        If the couplings are not sorted by order.
    """
    orders = [c.order for c in numeric.system.couplings]
    if orders != sorted(orders):
        raise ValueError("couplings must be ordered by truncation order")
    return {m: sum(1 for o in orders if o <= m) for m in range(1, max(orders) + 1)}


def sub_system(numeric: NumericSystem, k: int) -> NumericSystem:
    """The first ``k`` betas with the couplings beyond ``k`` set to zero, compiled on their own.

    The lowest orders' betas are a few small expressions, and a call of them costs a
    fraction of a call of the whole system; a multi-start search makes thousands.
    Only for symengine's LLVM (the default backend): the generated-code backends would
    generate and build code again, so they get ``numeric`` itself back.

    Parameters
    ----------
    numeric
        The compiled system, couplings sorted by truncation order (:func:`order_sizes`).
    k
        How many couplings to keep.

    Returns
    -------
    NumericSystem
        A system in the first ``k`` couplings, with the same parameter values and scales.
    """
    system = numeric.system
    if numeric.backend not in ("symengine", "taylor") or k >= len(system.couplings):
        return numeric
    dropped = system.couplings[k:]
    fast_zero = {se.Symbol(c.name): se.Integer(0) for c in dropped}
    zero = {c.symbol: sp.Integer(0) for c in dropped}
    betas = tuple(b.xreplace(fast_zero) for b in system.fast_betas[:k])
    # d beta_i / d g_j with the dropped couplings set to zero afterwards or before: the same
    stability = (LazyStability(betas, [se.Symbol(c.name) for c in system.couplings[:k]])
                 if isinstance(system.fast_stability, LazyStability) else
                 tuple(tuple(e.xreplace(fast_zero) for e in row[:k]) for row in system.fast_stability[:k]))
    part = replace(system, couplings=system.couplings[:k], fast_betas=betas, fast_stability=stability,
                   masses=tuple(sp.sympify(m).xreplace(zero) for m in system.masses),
                   scales=system.scales[:k],
                   thresholds=tuple((name, t.xreplace(zero)) for name, t in system.thresholds))
    digest = numeric.betas_digest()
    return compile_system(part, dict(numeric.values), betas_key=f"{digest}:first {k}" if digest else "")


Vector = Callable[[np.ndarray], np.ndarray]


def hybrj(fun: Vector, jac: Vector, start: np.ndarray, xtol: float, maxfev: int = 0) -> np.ndarray:
    """MINPACK's hybrj (Powell's hybrid method with a given Jacobian): the last iterate.

    Exactly what ``scipy.optimize.root(fun, start, jac=jac, method="hybr", options={"xtol": xtol,
    "maxfev": maxfev})`` computes, ``.x`` (factor 100, no diag), but called in scipy's compiled
    MINPACK module directly: importing ``scipy.optimize`` for it took 0.4-0.9 s, most of a warm
    ``rgsym exponents``.  Where that module cannot be loaded on its own, ``root`` itself is used.

    Parameters
    ----------
    fun, jac
        The function and its Jacobian (rows: components of ``fun``).
    start
        The first iterate.
    xtol
        MINPACK's relative tolerance between iterates.
    maxfev
        Most calls of ``fun`` (0: MINPACK's default, 100 (n + 1)).

    Returns
    -------
    numpy.ndarray
        The last iterate, converged or not: callers check the residual.
    """
    x0 = np.asarray(start, dtype=float).flatten()
    minpack = _minpack()
    if minpack is None:
        from scipy.optimize import root

        return np.asarray(root(fun, x0, jac=jac, method="hybr",
                               options={"xtol": xtol, "maxfev": maxfev}).x)
    n = x0.size
    first: dict[str, np.ndarray] = {}

    def checked(f: Vector, name: str, shape: tuple[int, ...]) -> Vector:
        """``f``, its first value's shape checked as ``root`` does (MINPACK trusts shapes): the
        value is MINPACK's own first call, not an extra evaluation."""
        def call(x: np.ndarray) -> np.ndarray:
            value = f(x)
            if name not in first:
                first[name] = value
                if np.shape(value) != shape:
                    raise ValueError(f"expected shape {shape}, got {np.shape(value)}")
            return value
        return call

    return np.asarray(minpack._hybrj(checked(fun, "fun", (n,)), checked(jac, "jac", (n, n)), x0, (), 1, 0,
                                     xtol, maxfev or 100 * (n + 1), 100, None)[0])


@cache
def _minpack() -> Any:
    """scipy's compiled MINPACK module, loaded without ``scipy.optimize`` (None if it cannot be)."""
    import importlib.machinery
    import importlib.util
    from pathlib import Path

    try:
        import scipy

        folder = Path(scipy.__file__).parent / "optimize"
        path = next(p for suffix in importlib.machinery.EXTENSION_SUFFIXES
                    if (p := folder / f"_minpack{suffix}").is_file())
        spec = importlib.util.spec_from_file_location("scipy.optimize._minpack", path)
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except (ImportError, OSError, StopIteration):
        return None
    return module if hasattr(module, "_hybrj") else None


def solve_from(system: Truncated, start: np.ndarray) -> np.ndarray | None:
    """Newton-type solve (MINPACK hybrj); None when it fails or is unphysical.

    Parameters
    ----------
    system
        The truncated system in scaled couplings.
    start
        The starting point.

    Returns
    -------
    numpy.ndarray or None
        A solution whose residual is below :data:`RESIDUAL_TOLERANCE` and which is physical
        (:meth:`Truncated.is_physical`).

    References
    ----------
    More, Garbow, Hillstrom, User Guide for MINPACK-1, ANL-80-74 (1980) (hybrj).
    """
    with np.errstate(all="ignore"):
        try:
            x = hybrj(system.rhs, system.jacobian, start, xtol=1e-14, maxfev=400)
        except (ValueError, ZeroDivisionError, FloatingPointError, OverflowError):
            return None
        if not np.all(np.isfinite(x)) or system.residual(x) > RESIDUAL_TOLERANCE:
            return None
    return x if system.is_physical(x) else None


def multistart(system: Truncated, starts: int = 0, seed: int = 20021) -> list[np.ndarray]:
    """Solve from deterministic log-uniform random starts; return distinct solutions.

    Parameters
    ----------
    system
        The truncated system in scaled couplings.
    starts
        The number of starts (0: a default that grows with the number of couplings).
    seed
        The seed of the generator: the same starts in every run.

    Returns
    -------
    list of numpy.ndarray
        The distinct solutions (closer than :data:`SAME_POINT` counts as the same).
    """
    n = system.k
    starts = starts or 60 * n
    rng = np.random.default_rng(seed)
    minimum = np.array([c.is_minimum for c in system.numeric.system.couplings[:n]], dtype=bool)
    found: list[np.ndarray] = []
    for _ in range(starts):
        mag = 10.0 ** rng.uniform(-3, 1.5, size=n)
        sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
        sign[minimum] = 1.0
        x = solve_from(system, mag * sign)
        if x is not None:
            _add_distinct(found, x)
    zero = np.zeros(n)
    if not minimum.any() and system.residual(zero) < RESIDUAL_TOLERANCE and not _contains(found, zero):
        found.append(zero)
    return found


def _contains(found: Sequence[np.ndarray], x: np.ndarray) -> bool:
    return any(np.allclose(f, x, rtol=SAME_POINT, atol=SAME_POINT) for f in found)


def _add_distinct(found: list[np.ndarray], x: np.ndarray) -> None:
    if not _contains(found, x):
        found.append(x)


def continue_point(system: Truncated, start: np.ndarray, known: int,
                   steer: Truncated | None = None) -> np.ndarray | None:
    """Carry a solution of the order below to this order: by Newton's method from it, else by
    homotopy.

    First the whole system is solved from the lower order's point, padded with zeros
    (:func:`solve_from`); the solution is kept when no inherited coupling moved by more than
    :data:`DIRECT_SHIFT` of max(1, its size) and the point is isolated (no eigenvalue of the
    Jacobian below :data:`DIRECT_MARGINAL`: along a marginal direction, as at the
    decoupled points of the two-scalar model, where a point ends depends on the path, and the
    homotopy's is kept).
    At the Wilson-Fisher point from order 4 on the shifts are below 5e-3 and fall with the
    order, and the step costs a fifth of the homotopy's evaluations (order 20: 54 Jacobians
    instead of 398 over the walk).  Otherwise (a larger shift, or no convergence) the homotopy
    follows the point.  With the first ``known`` couplings inherited, the old betas are evaluated with
    the new couplings multiplied by s and the new betas in full.  At s = 0 the old
    equations are the lower-order system, already solved; s is stepped to 1 with
    step halving when a corrector fails.

    Parameters
    ----------
    system
        The system at this order.
    start
        The solution of the order below, padded with zeros.
    known
        How many couplings the order below has.
    steer
        The same betas, compiled on their own (:func:`small_system`), to follow the homotopy on:
        cheaper to call; the last step is taken on ``system`` (default: ``system`` itself).

    Returns
    -------
    numpy.ndarray or None
        The solution at this order, or None when the homotopy cannot be followed.

    References
    ----------
    Allgower, Georg, Introduction to Numerical Continuation Methods, SIAM (2003), ch. 2 and 10.
    """

    path = steer or system

    def h(z: np.ndarray, s: float) -> np.ndarray:
        if s == 1.0:
            return path.rhs(z)
        zs = z.copy()
        zs[known:] *= s
        return np.concatenate([path.rhs(zs)[:known], path.rhs(z)[known:]])

    def jac(z: np.ndarray, s: float) -> np.ndarray:
        if s == 1.0:
            return path.jacobian(z)
        zs = z.copy()
        zs[known:] *= s
        low = path.jacobian(zs).copy()
        low[:, known:] *= s
        return np.vstack([low[:known], path.jacobian(z)[known:]])

    def correct(g: np.ndarray, s: float) -> np.ndarray | None:
        try:
            x = hybrj(lambda z: h(z, s), lambda z: jac(z, s), g, xtol=1e-14)
        except (ValueError, FloatingPointError, ZeroDivisionError):
            return None
        res = h(x, s)
        ok = np.all(np.isfinite(x)) and np.all(np.isfinite(res))
        if not ok:
            return None
        size = np.maximum(1.0, np.abs(jac(x, s)) @ np.abs(x))
        return x if np.max(np.abs(res) / size) < RESIDUAL_TOLERANCE else None

    direct = solve_from(system, start)
    if (direct is not None and np.all(np.abs(direct[:known] - start[:known])
                                      <= DIRECT_SHIFT * np.maximum(1.0, np.abs(start[:known])))
            and np.min(np.abs(np.linalg.eigvals(system.jacobian(direct))), initial=np.inf) > DIRECT_MARGINAL):
        return direct
    s, step = 0.0, 0.25
    with np.errstate(all="ignore"):
        g = correct(start, 0.0)
        if g is None:
            return solve_from(system, start)
        while s < 1.0:
            s_new = min(1.0, s + step)
            nxt = correct(g, s_new)
            if nxt is not None:
                g, s, step = nxt, s_new, min(2 * step, 0.5)
            elif step > 1 / 256:
                step /= 2
            else:
                return None
    return solve_from(system, g)


def fixed_points_by_order(numeric: NumericSystem, base: int = 1
                          ) -> Iterator[tuple[int, Truncated, list[np.ndarray]]]:
    """The continuation of :func:`find_fixed_points`, order by order.

    Parameters
    ----------
    numeric
        The compiled system at the highest order.
    base
        The order where the multi-start search runs.

    Yields
    ------
    tuple
        (order m, the order-m sub-system, the scaled solutions carried to order m), from
        ``base`` to the order of ``numeric``: ``rgsym exponents --orders`` reads every order off
        one compiled system and one walk (:func:`rgsym.workflows.convergence.run_convergence`).
        The sub-systems share one :class:`Evaluations` memo, made for this walk.
    """
    sizes = order_sizes(numeric)
    target = max(sizes)
    base = min(base, target)
    points = base_search(numeric, sizes[base])
    log.info("order %d: %d fixed points from multi-start", base, len(points))
    evaluations = Evaluations(numeric)  # this walk's memo, shared by its orders
    yield base, Truncated(numeric, sizes[base], evaluations), points
    pending: list[np.ndarray] = []  # lost at some order: retried at the next ones
    for order in range(base + 1, target + 1):
        nxt = Truncated(numeric, sizes[order], evaluations)
        carried: list[np.ndarray] = []
        lost: list[np.ndarray] = []
        for x in points + pending:
            start = np.concatenate([x, np.zeros(nxt.k - len(x))])
            sol = continue_point(nxt, start, len(x), small_system(numeric, nxt.k))
            if sol is not None:
                _add_distinct(carried, sol)
            else:
                lost.append(start)
        points, pending = carried, lost
        log.info("order %d: %d fixed points carried, %d pending", order, len(points), len(pending))
        yield order, nxt, points


def base_search(numeric: NumericSystem, k: int) -> list[np.ndarray]:
    """:func:`multistart` on the first ``k`` betas compiled on their own (:func:`sub_system`),
    run once per compiled system and process (kept in ``numeric.searches``).

    The search is deterministic and depends on nothing but the sub-system: every target order,
    every ``--orders`` step and every later call in the process would repeat it (at order 1 of
    the O(N) LPA it made 8453 calls of the betas, most of a repeated order-20 search).

    Parameters
    ----------
    numeric
        The compiled system, couplings sorted by truncation order (:func:`order_sizes`).
    k
        How many couplings the base order has.

    Returns
    -------
    list of numpy.ndarray
        The distinct scaled solutions (copies: callers may change them).
    """
    key = f"multistart on the first {k} couplings"
    found = numeric.searches.get(key)
    if found is None:
        found = numeric.searches[key] = multistart(Truncated(sub_system(numeric, k), k))
    return [x.copy() for x in found]


def small_system(numeric: NumericSystem, k: int) -> Truncated | None:
    """The first ``k`` betas compiled on their own (:func:`sub_system`) while they are a few small
    expressions (k at most :data:`SMALL_SYSTEM`), once per process (kept in ``numeric.searches``);
    None beyond.

    The homotopy of :func:`continue_point` runs at the lowest orders (at the Wilson-Fisher point
    to orders 2 and 3 only), where a call of the whole compiled system costs several of these.

    Parameters
    ----------
    numeric
        The compiled system, couplings sorted by truncation order (:func:`order_sizes`).
    k
        How many couplings to keep.

    Returns
    -------
    Truncated or None
    """
    if (k > SMALL_SYSTEM or numeric.backend not in ("symengine", "taylor")
            or k >= len(numeric.system.couplings)):
        return None
    key = f"the first {k} betas compiled"
    found = numeric.searches.get(key)
    if found is None:
        found = numeric.searches[key] = Truncated(sub_system(numeric, k), k)
    return found


def restricted(numeric: NumericSystem, k: int) -> NumericSystem:
    """The first ``k`` betas with the couplings beyond ``k`` set to zero, evaluated through the
    compiled code of the whole system (nothing is compiled: compare :func:`sub_system`).

    Its exact stability matrix is that of the sub-system's own expressions, so its exponents are
    those of the lower truncation order.  It is made once per ``k`` (kept in ``numeric.parts``).

    Parameters
    ----------
    numeric
        The compiled system, couplings sorted by truncation order (:func:`order_sizes`).
    k
        How many couplings to keep.

    Returns
    -------
    NumericSystem
    """
    system = numeric.system
    n = len(system.couplings)
    if k >= n:
        return numeric
    found = numeric.parts.get(k)
    if found is not None:
        return found
    fast_zero = {se.Symbol(c.name): se.Integer(0) for c in system.couplings[k:]}
    zero = {c.symbol: sp.Integer(0) for c in system.couplings[k:]}
    digest = numeric.betas_digest()
    whole = system.fast_betas
    # each beta is cut when first used, and named by the whole system's digest, so that its
    # exact stability matrix at a point is kept in the cache like the whole system's
    betas: Sequence[se.Basic] = (
        LazyBetas(range(k), lambda i: whole[i].xreplace(fast_zero),
                  hashlib.sha256(f"{digest}:first {k}".encode()).hexdigest())
        if digest else tuple(b.xreplace(fast_zero) for b in whole[:k]))
    part = replace(system, couplings=system.couplings[:k],
                   fast_betas=betas,  # type: ignore[arg-type]  # a LazyBetas reads like the tuple
                   fast_stability=LazyStability(betas, [se.Symbol(c.name) for c in system.couplings[:k]]),
                   masses=tuple(sp.sympify(m).xreplace(zero) for m in system.masses),
                   scales=system.scales[:k],
                   thresholds=tuple((name, t.xreplace(zero)) for name, t in system.thresholds))
    masses = None if numeric.masses_function is None else _Padded(numeric.masses_function, n, None)
    made = numeric.parts[k] = replace(numeric, system=part, rhs_function=_Padded(numeric.rhs_function, n, k),
                                      masses_function=masses, scales=numeric.scales[:k])
    return made


class _Padded:
    """A compiled function of n couplings called with the first k of them (the rest zero);
    ``keep`` of its outputs are returned (all when None)."""

    def __init__(self, function: Any, n: int, keep: int | None) -> None:
        self.function, self.n, self.keep = function, n, keep

    def __call__(self, g: np.ndarray) -> np.ndarray:
        g = np.asarray(g, dtype=float)
        full = np.zeros((*g.shape[:-1], self.n))
        full[..., : g.shape[-1]] = g
        out = np.asarray(self.function(full), dtype=float)
        out = out.reshape(*g.shape[:-1], -1)
        return out if self.keep is None else out[..., : self.keep]


def as_fixed_points(current: Truncated, points: Sequence[np.ndarray], order: int) -> list[FixedPoint]:
    """Scaled solutions of ``current`` as :class:`FixedPoint` s of its order (names, values,
    residual), Gaussian points first, then by the size of the coupling vector.

    Each point is refined to the fixed point of the truncated system, to rounding
    (:meth:`~rgsym.solve.numeric.NumericSystem.polish`, on :func:`restricted` below the top
    order): the search stops at a residual of 1e-11, where the tiny high couplings are known to
    a few digits, and the printed couplings and every matrix built at the point would inherit
    that (omega moved by 2e-8 between backends at order 20).
    """
    system = current.numeric.system
    k = current.k
    flags = tuple(c.is_minimum for c in system.couplings[:k])
    numeric = restricted(current.numeric, k)
    scales = current.numeric.scales[:k]
    refined = [numeric.polish(x * scales) for x in points]
    fps = [FixedPoint(system.names[:k], tuple(float(v) for v in g),
                      current.residual(g / scales), order, flags) for g in refined]
    return sorted(fps, key=lambda f: (not f.is_gaussian, float(np.linalg.norm(f.values))))


def _stored_points(key: str, k: int) -> list[np.ndarray] | None:
    """The points :func:`find_fixed_points` kept in the cache under ``key`` (None if there are none)."""
    if not key:
        return None
    from rgsym import cache

    stored = cache.load("fixed_points", key)
    if not isinstance(stored, list) or not stored or not all(
            isinstance(x, list) and len(x) == k and all(isinstance(v, float) and np.isfinite(v) for v in x)
            for x in stored):
        return None
    return [np.array(x, dtype=float) for x in stored]


def find_fixed_points(numeric: NumericSystem, base: int = 1) -> list[FixedPoint]:
    """All fixed points found at the truncation order of ``numeric``.

    The search is deterministic (the same compiled code takes the same steps), so from
    :data:`~rgsym.solve.numeric.MEMO_MIN_COUPLINGS` couplings on its points are kept in the cache
    under the digest of the betas (:meth:`~rgsym.solve.numeric.NumericSystem.memo_key`): a warm
    ``rgsym exponents`` at order 20 skips the search (1.7 s of its 3.2 s under load).

    Parameters
    ----------
    numeric
        The compiled system at the target order.
    base
        The order where the multi-start search runs.

    Returns
    -------
    list of FixedPoint
        Gaussian points first, then by the size of the coupling vector.

    Raises
    ------
    SolveError
        If neither continuation nor a multi-start search at the target order finds one.

    References
    ----------
    Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006, sec. 4 (continuation in the order of the
    expansion around the minimum); Allgower, Georg, Introduction to Numerical Continuation
    Methods, SIAM (2003), ch. 2 and 10.
    """
    sizes = order_sizes(numeric)
    target = max(sizes)
    current = Truncated(numeric, sizes[target])
    key = numeric.memo_key("fixed_points", f"base {base}")
    points = _stored_points(key, current.k)
    if points is None:
        *_, (_, current, points) = fixed_points_by_order(numeric, base)  # the last order's
        if not points:
            points = multistart(current, starts=200 * current.k)
        if key and points:
            from rgsym import cache

            cache.store("fixed_points", key, [[float(v) for v in x] for x in points],
                        f"fixed points of {numeric.system.name} (scaled couplings)")
    if not points:
        raise SolveError(
            f"no fixed point found at order {target}: tried a multi-start search at order {base}, "
            f"continuation to order {target}, then a multi-start search at order {target}; "
            "try another truncation.expand_around or a lower truncation.order"
        )
    return as_fixed_points(current, points, target)
