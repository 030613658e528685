"""Threshold: loop integrals of a regulator that have no closed form.

    T_c(w) = v_d int_0^oo dy y^(d/2-1) [(2 - eta) r(y) - 2 y r'(y)] prod_i (y + r(y) + w_i)^(-c_i)

:class:`ThresholdIntegral` is the symbolic object (a sympy Function of the masses
w_i, carrying the shape r as a Lambda, d, eta and the propagator counts c); its
derivative in w_i is -c_i T_{c + e_i}.  :class:`Quadrature` evaluates it
numerically on precomputed nodes, vectorised over masses, with no scipy call per
evaluation.  The nodes: y = s^2 removes the y^(d/2-1) endpoint behaviour, the
intervals between the shape's breakpoints are mapped to (0, 1) (the last one by
s = t / (1 - t)) and each gets Gauss-Legendre points (:data:`NODES_PER_INTERVAL`;
:func:`finer_nodes` doubles them for the convergence check of :mod:`rgsym.solve.quadrature_check`).

Over 400 lines: the deterministic Gauss-Legendre rule and the high-precision weights belong with
the nodes they make.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import ArgumentIndexError

from rgsym.symbols import angular_factor, y

#: Gauss-Legendre points per interval; 1e-12 relative accuracy is checked in the tests.
NODES_PER_INTERVAL = 240


class ThresholdIntegral(sp.Function):
    """T_c(w_1, ..., w_n) for a regulator shape r(y).

    Arguments: ``(Lambda(y, r(y)), d, eta, Tuple(c_1, ..., c_n), w_1, ..., w_n)``.

    Examples
    --------
    >>> import sympy as sp
    >>> from rgsym.symbols import y
    >>> w = sp.Symbol("w")
    >>> t = ThresholdIntegral(sp.Lambda(y, sp.exp(-y)), 3, 0, sp.Tuple(1), w)
    >>> t.diff(w)
    -ThresholdIntegral(Lambda(y, exp(-y)), 3, 0, (2,), w)
    """

    is_commutative = True  # a number; sympy would otherwise ask the Lambda argument

    @classmethod
    def eval(cls, *args: sp.Basic) -> None:
        """Sympy's automatic evaluation hook: never evaluates, so T_c stays symbolic.

        Numbers come from :meth:`evalf` (through :class:`Quadrature`) instead.

        Parameters
        ----------
        *args
            The arguments of the function (see the class docstring).

        Returns
        -------
        None
        """
        return None

    @property
    def shape(self) -> sp.Lambda:
        """The regulator shape r as ``Lambda(y, r(y))``, y = q^2 / k^2.

        Returns
        -------
        sympy.Lambda
        """
        return self.args[0]

    @property
    def counts(self) -> tuple[int, ...]:
        """The propagator counts c_i, one per mass.

        Returns
        -------
        tuple of int
        """
        return tuple(int(c) for c in self.args[3])

    @property
    def masses(self) -> tuple[sp.Expr, ...]:
        """The dimensionless masses w_i, one per propagator type.

        Returns
        -------
        tuple of sympy.Expr
        """
        return tuple(self.args[4:])

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        """Derivative in the ``argindex``-th argument: d T_c / d w_i = -c_i T_{c + e_i}.

        Parameters
        ----------
        argindex
            One-based position in ``args``; the masses start at 5.

        Returns
        -------
        sympy.Expr

        Raises
        ------
        sympy.core.function.ArgumentIndexError
            For the shape, d, eta or the counts, which are not differentiated.
        """
        i = argindex - 5
        if i < 0:
            raise ArgumentIndexError(self, argindex)
        counts = list(self.counts)
        c = counts[i]
        counts[i] += 1
        return -c * type(self)(*self.args[:3], sp.Tuple(*counts), *self.masses)

    def _eval_derivative(self, s: sp.Symbol) -> sp.Expr:
        """Chain rule through the masses only (shape, d, eta and counts are constants)."""
        return sp.Add(*[m.diff(s) * self.fdiff(5 + k) for k, m in enumerate(self.masses)
                        if m.has(s)])

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        counts = ",".join(str(c) for c in self.counts)
        masses = ", ".join(printer._print(m) for m in self.masses)
        return rf"T^{{({counts})}}\!\left({masses}\right)"

    def nodes(self) -> Quadrature:
        """The quadrature nodes and weights of this integral (d and eta must be numbers)."""
        return quadrature(self.shape, float(self.args[1]), float(self.args[2]))

    def has_numbers(self) -> bool:
        """Whether d (and eta) are numbers, so that :meth:`nodes` exists."""
        return bool(sp.sympify(self.args[1]).is_number and sp.sympify(self.args[2]).is_number)

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        values = [m.evalf(prec) for m in self.masses]
        if not (self.has_numbers() and all(v.is_number for v in values)):
            return None
        out = self.nodes().evaluate(self.counts, np.array([[float(v) for v in values]]))
        return sp.Float(float(out[0]), prec)


class WeightedThreshold(ThresholdIntegral):
    """v_d int_0^oo dy y^(d/2-1) f(y) prod_i (y + r(y) + w_i)^(-c_i) for a weight f(y).

    Arguments: ``(Lambda(y, r(y)), d, Lambda(y, f(y)), Tuple(c_1, ..., c_n), w_1, ..., w_n)``:
    the third argument, eta for :class:`ThresholdIntegral` (whose weight is the regulator
    insertion (2 - eta) r - 2 y r'), is the weight itself.  LPA' needs such integrals for the
    momentum derivative of the two-point function (:mod:`rgsym.anomalous`).  The derivative
    rule in the masses is the same.
    """

    @property
    def weight(self) -> sp.Lambda:
        """The weight f as a Lambda in y."""
        return self.args[2]

    def nodes(self) -> Quadrature:
        """The quadrature nodes with this weight (d must be a number)."""
        return weighted_quadrature(self.shape, float(self.args[1]), self.weight)

    def has_numbers(self) -> bool:
        """Whether d is a number, so that :meth:`nodes` exists."""
        return bool(sp.sympify(self.args[1]).is_number)

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        counts = ",".join(str(c) for c in self.counts)
        masses = ", ".join(printer._print(m) for m in self.masses)
        return rf"T^{{({counts})}}_{{[{printer._print(self.weight.expr)}]}}\!\left({masses}\right)"


@dataclass(frozen=True)
class Quadrature:
    """Nodes and weights for the threshold integrals of one shape, d and eta."""

    d: float
    eta: float
    y: np.ndarray
    r: np.ndarray
    weight: np.ndarray  # v_d * dy * y^(d/2-1) * [(2 - eta) r - 2 y r']

    def evaluate(self, counts: tuple[int, ...], masses: np.ndarray) -> np.ndarray:
        """T_c at masses of shape (batch, n); returns shape (batch,)."""
        return self.evaluate_many(np.array([counts], dtype=float), masses)[:, 0]

    def evaluate_many(self, counts: np.ndarray, masses: np.ndarray) -> np.ndarray:
        """T_c for every row c of ``counts`` (k, n) at masses (batch, n); returns (batch, k).

        Where y + r(y) + w vanishes or changes sign on the nodes the integral does not
        exist (the propagator has a pole): the result is nan there.
        """
        masses = np.atleast_2d(masses)
        den = self.y[None, :, None] + self.r[None, :, None] + masses[:, None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            log_inv = -np.log(den)  # (batch, nodes, n)
            power = np.exp(log_inv @ counts.T)  # (batch, nodes, k)
        return np.einsum("bnk,n->bk", power, self.weight)


def quadrature(shape: sp.Lambda, d: float, eta: float) -> Quadrature:
    """Precompute the nodes for a shape, :data:`NODES_PER_INTERVAL` per interval (cached by the
    shape, d, eta and the node count, so that :func:`finer_nodes` takes effect)."""
    return _quadrature(shape, d, eta, NODES_PER_INTERVAL)


@cache
def _quadrature(shape: sp.Lambda, d: float, eta: float, nodes: int) -> Quadrature:
    (var,) = shape.variables
    r_expr = shape.expr.subs(var, y)
    insertion = (2 - eta) * r_expr - 2 * y * sp.diff(r_expr, y)
    return _build_quadrature(r_expr, d, insertion, eta, nodes)


def weighted_quadrature(shape: sp.Lambda, d: float, weight: sp.Lambda) -> Quadrature:
    """Nodes for :class:`WeightedThreshold`: the weight f(y) in place of the regulator insertion
    (cached with the node count, as :func:`quadrature`)."""
    return _weighted_quadrature(shape, d, weight, NODES_PER_INTERVAL)


@cache
def _weighted_quadrature(shape: sp.Lambda, d: float, weight: sp.Lambda, nodes: int) -> Quadrature:
    (var,) = shape.variables
    r_expr = shape.expr.subs(var, y)
    (wvar,) = weight.variables
    return _build_quadrature(r_expr, d, weight.expr.subs(wvar, y), float("nan"), nodes, precise=True)


@contextmanager
def finer_nodes(factor: int = 2) -> Iterator[int]:
    """Within the block, :data:`NODES_PER_INTERVAL` is ``factor`` times its value (the count is
    yielded): integrals and :class:`Quadrature` objects made there use the finer rule.  For the
    convergence check of :mod:`rgsym.solve.quadrature_check`; not thread-safe.

    Parameters
    ----------
    factor
        How many times the present node count.

    Yields
    ------
    int
        The node count per interval inside the block.
    """
    global NODES_PER_INTERVAL
    saved = NODES_PER_INTERVAL
    NODES_PER_INTERVAL = factor * saved
    try:
        yield NODES_PER_INTERVAL
    finally:
        NODES_PER_INTERVAL = saved


def quadrature_fingerprint() -> str:
    """What a cached number computed with quadrature thresholds depends on beyond the betas:
    the node count per interval and the digits of the precise weights (for cache keys)."""
    return (f"gauss-legendre {NODES_PER_INTERVAL} per interval, {PRECISE_DIGITS} digits, "
            f"values rounded from {ROUNDING_DIGITS} digits")


#: Decimal digits for weights evaluated with mpmath (:func:`weighted_quadrature`).
PRECISE_DIGITS = 40


def _build_quadrature(r_expr: sp.Expr, d: float, insertion: sp.Expr, eta: float, nodes: int,
                      precise: bool = False) -> Quadrature:
    """Gauss-Legendre nodes for r(y) and weights v_d dy y^(d/2-1) insertion(y).

    ``precise`` evaluates the insertion with mpmath at :data:`PRECISE_DIGITS` digits: weights
    with second derivatives of a shape such as y/(e^y - 1) cancel like 1/y^3 near y = 0, which
    in doubles costs 1e-7 of the integral.  Otherwise r(y), the insertion and s^(d-1) are
    evaluated with mpmath and rounded to the nearest double (:func:`_rounded_values`), not with
    NumPy's ``exp`` and ``power``: those differ in the last bit between CPUs (SIMD variants), and
    y/(e^y - 1) near y = 0 turns one bit into 4e-13, which showed in the emitted C tables.
    """
    breaks = sorted(_breakpoints(r_expr))
    s_nodes, s_weights = _nodes([float(np.sqrt(b)) for b in breaks], nodes)
    yy = s_nodes**2
    if precise:
        ins_val = _precise_values(insertion, yy)
    else:
        ins_val = _rounded_values(insertion, yy)
    r_val = _rounded_values(r_expr, yy)
    v_d = float(angular_factor(sp.Float(d)))
    # dy y^(d/2-1) = 2 s^(d-1) ds
    weight = v_d * s_weights * 2 * _rounded_powers(s_nodes, d - 1) * ins_val
    weight[~np.isfinite(weight)] = 0.0
    return Quadrature(d, eta, yy, r_val, weight)


def _breakpoints(r_expr: sp.Expr) -> set[float]:
    """y values where a Piecewise shape changes branch."""
    points: set[float] = set()
    for pw in r_expr.atoms(sp.Piecewise):
        for _, cond in pw.args:
            for rel in cond.atoms(sp.core.relational.Relational):
                for side in (rel.lhs, rel.rhs):
                    if side.is_number and side > 0:
                        points.add(float(side))
    return points


def _nodes(breaks: list[float], count: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes in s on [0, b1], [b1, b2], ..., [b_last, oo), ``count`` per interval."""
    x, w = _legendre(count)
    t, wt = (x + 1) / 2, w / 2
    edges = [0.0, *breaks]
    nodes, weights = [], []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        nodes.append(a + (b - a) * t)
        weights.append((b - a) * wt)
    start = edges[-1]
    nodes.append(start + t / (1 - t))  # [start, oo)
    weights.append(wt / (1 - t) ** 2)
    return np.concatenate(nodes), np.concatenate(weights)


def _legendre(count: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_legendre_rule` of ``count`` points, by default :data:`NODES_PER_INTERVAL`."""
    return _legendre_rule(NODES_PER_INTERVAL if count is None else count)


@cache
def _legendre_rule(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre points and weights on [-1, 1], the same bits on every platform.

    ``numpy.polynomial.legendre.leggauss`` solves an eigenvalue problem with the platform's
    LAPACK, whose last digit varies between machines (and the generated files with it); here
    the nodes come from :func:`gauss_legendre` in exact-precision mpmath arithmetic, correctly
    rounded to doubles.  Computed once per process and count.
    """
    x, w = gauss_legendre(count)
    x.flags.writeable = False
    w.flags.writeable = False
    return x, w


def gauss_legendre(n: int, digits: int = PRECISE_DIGITS) -> tuple[np.ndarray, np.ndarray]:
    """The n-point Gauss-Legendre rule on [-1, 1] at ``digits`` digits, rounded to doubles.

    Newton's method on P_n from the asymptotic guess cos(pi (i - 1/4) / (n + 1/2)), P_n and
    P_n' by the three-term recurrence, first in doubles and then in exact binary fixed point
    (Python integers scaled by 2^bits, ``digits + 20`` decimal digits) until the step is below
    10^-(digits + 5); w_i = 2 / ((1 - x_i^2) P_n'(x_i)^2).  Integer arithmetic is the same on
    every machine (the double-precision start only decides how many steps are needed), and the
    fixed-point recurrence is ~10 times faster than mpmath numbers; each value is rounded to the
    nearest double (the rounding error of the recurrence, ~n 2^-bits, is 15 digits below the
    tolerance).

    Parameters
    ----------
    n
        Number of points.
    digits
        Working precision in decimal digits.

    Returns
    -------
    tuple of numpy.ndarray
        Nodes (ascending) and weights.

    References
    ----------
    Abramowitz and Stegun, *Handbook of Mathematical Functions* (1964), 25.4.29 (the weights);
    Press et al., *Numerical Recipes*, 3rd ed. (2007), sec. 4.6.1 (the Newton iteration).

    Examples
    --------
    >>> x, w = gauss_legendre(3)
    >>> [float(v) for v in x], [float(v) for v in w * 9]
    ([-0.7745966692414834, 0.0, 0.7745966692414834], [5.0, 8.0, 5.0])
    """
    import mpmath

    nodes, weights = np.empty(n), np.empty(n)
    guess = np.cos(np.pi * (np.arange(1, n + 1) - 0.25) / (n + 0.5))
    for _ in range(8):  # in doubles first: a guess good to ~1e-16, refined below in fixed point
        p, dp = _legendre_and_derivative(n, guess)
        guess = guess - p / dp
    bits = math.ceil((digits + 20) * math.log2(10))
    one = 1 << bits
    tolerance = one // 10 ** (digits + 5)
    with mpmath.workdps(digits + 10):
        for i in range(1, n // 2 + 1):  # the rule is symmetric: x_(n+1-i) = -x_i
            x = int(mpmath.mpf(float(guess[i - 1])) * one)  # the double, exactly
            for _ in range(100):
                p, dp = _legendre_fixed(n, x, bits)
                step = (p << bits) // dp
                x -= step
                if abs(step) < tolerance:  # dp is then P_n' at x to ~digits + 5 digits
                    break
            xm, dpm = mpmath.mpf(x) / one, mpmath.mpf(dp) / one
            nodes[n - i], nodes[i - 1] = _nearest_double(xm), -_nearest_double(xm)
            weights[n - i] = weights[i - 1] = _nearest_double(2 / ((1 - xm * xm) * dpm * dpm))
        if n % 2:  # the middle node x = 0
            _, dp = _legendre_and_derivative(n, mpmath.mpf(0))
            nodes[n // 2], weights[n // 2] = 0.0, _nearest_double(2 / (dp * dp))
    return nodes, weights


def _legendre_fixed(n: int, x: int, bits: int) -> tuple[int, int]:
    """P_n and P_n' at x 2^-bits, in fixed point (integers scaled by 2^bits), by the recurrence of
    :func:`_legendre_and_derivative`."""
    one = 1 << bits
    previous, current = one, x
    for k in range(1, n):
        previous, current = current, ((2 * k + 1) * ((x * current) >> bits) - k * previous) // (k + 1)
    derivative = (n * (((x * current) >> bits) - previous) << bits) // (((x * x) >> bits) - one)
    return current, derivative


def _legendre_and_derivative(n: int, x: Any) -> tuple[Any, Any]:
    """P_n(x) and P_n'(x) by (k + 1) P_{k+1} = (2k + 1) x P_k - k P_{k-1} (mpmath numbers)."""
    previous, current = 1, x
    for k in range(1, n):
        previous, current = current, ((2 * k + 1) * x * current - k * previous) / (k + 1)
    return current, n * (x * current - previous) / (x * x - 1)


def _nearest_double(value: Any) -> float:
    """An mpmath number rounded to the nearest double (``float()`` may round differently)."""
    from mpmath import libmp

    return float(libmp.to_float(value._mpf_, rnd=libmp.round_nearest))


def _precise_values(expr: sp.Expr, points: np.ndarray) -> np.ndarray:
    """``expr`` at each point (a double, taken as exact) with mpmath, rounded to doubles.

    The weights of the fermion loops (:mod:`rgsym.fermion_thresholds`) are sums of terms that
    diverge like powers of 1/y and cancel (powers of e^y - 1 in denominators, written out): at
    the first node (y = 6e-10) :data:`PRECISE_DIGITS` digits left an exact zero in a denominator,
    and that node's weight was lost (doubling the nodes then moved the LPA' eta_phi by 4 %).  So
    each value is taken at ``PRECISE_DIGITS`` and at twice, four times ... as many, until two
    agree to :data:`AGREED_DIGITS` (relative to max(|value|, 1)); the result depends on the
    expression and the point only.

    Points where the value is not a finite real number become nan (their weight is then 0).
    """

    # common subexpressions once: the fermion weights repeat e^y and sqrt((y + r)/y) hundreds of
    # times (10x faster at the same digits)
    f = sp.lambdify(y, expr, "mpmath", cse=True)
    out = np.empty(points.shape)
    for i, point in enumerate(points):
        try:
            value = _agreed_value(f, float(point))
            out[i] = value.real if value.imag == 0 else np.nan
        except (ZeroDivisionError, OverflowError, ValueError, TypeError):
            out[i] = np.nan
    return out


def _rounded_values(expr: sp.Expr, points: np.ndarray) -> np.ndarray:
    """``expr`` at each point (a double, taken as exact), evaluated with mpmath at
    :data:`ROUNDING_DIGITS` digits and rounded to the nearest double: the same bits on every CPU
    and NumPy version.  Points where the value is not a finite real number become nan."""
    import mpmath

    f = sp.lambdify(y, expr, "mpmath")
    out = np.empty(points.shape)
    with mpmath.workdps(ROUNDING_DIGITS):
        for i, point in enumerate(points):
            try:
                value = mpmath.mpmathify(f(mpmath.mpf(float(point))))
            except (ZeroDivisionError, OverflowError, ValueError, TypeError):
                out[i] = np.nan
                continue
            out[i] = float(value.real) if value.imag == 0 and mpmath.isfinite(value) else np.nan
    return out


def _rounded_powers(base: np.ndarray, exponent: float) -> np.ndarray:
    """``base ** exponent`` element by element in mpmath, rounded to doubles (see
    :func:`_rounded_values`)."""
    import mpmath

    with mpmath.workdps(ROUNDING_DIGITS):
        power = mpmath.mpf(exponent)
        return np.array([float(mpmath.mpf(float(b)) ** power) for b in base])


#: Digits for :func:`_rounded_values`: 2 * 17 so that rounding the mpmath value to a double is
#: rounding the exact value, but for cancellations worse than 1e-17 (the shapes' cancel like y).
ROUNDING_DIGITS = 34

#: Digits on which two precisions must agree in :func:`_precise_values` (a double needs 17).
AGREED_DIGITS = 24
#: Most doublings of the working precision (40 * 2^4 = 640 digits) before giving up.
MAX_DOUBLINGS = 4


def _agreed_value(f: Any, point: float) -> complex:
    """f(point) at doubling precision until two successive values agree (see :func:`_precise_values`).

    A precision at which the cancellations leave an exact zero in a denominator counts as no
    value (the next one is tried).

    Raises
    ------
    ValueError
        If no two successive precisions up to :data:`MAX_DOUBLINGS` doublings agree (the weight
        is not finite there).
    """
    import mpmath

    digits, previous = PRECISE_DIGITS, None
    for _ in range(MAX_DOUBLINGS + 1):
        with mpmath.workdps(digits):
            try:
                value = mpmath.mpc(f(mpmath.mpf(point)))
            except (ZeroDivisionError, OverflowError):
                value = None
            if value is not None and previous is not None:
                scale = max(abs(value), mpmath.mpf(1))
                if abs(value - previous) <= scale * mpmath.mpf(10) ** (-AGREED_DIGITS):
                    return complex(_nearest_double(value.real), _nearest_double(value.imag))
        previous = value
        digits *= 2
    raise ValueError(f"no agreement up to {digits // 2} digits at y = {point}")
