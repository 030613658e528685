"""Taylor: a flow program (:mod:`rgsym.program`) evaluated in truncated Taylor arithmetic.

The betas and their exact Jacobian at a point come from series arithmetic on numbers: the
coefficients of V, the threshold integrals and the scaling part are evaluated with their
gradients in the couplings (forward-mode differentiation: every number carries its n first
derivatives), the resolvent expansion of :func:`rgsym.loop.resolvent_expansion` runs on
:class:`NumericSeries`, and the projection gives the betas.  The cost grows like order^3 (order^4
with the Jacobian), where the expanded betas grow like the number of partitions of the order:
at order 40 they hold 260 000 terms that symengine's LLVM backend does not compile in 30 minutes.

Two arithmetics: doubles (a batch of points at once, for the search) and 256-bit mpmath numbers
(:data:`rgsym.solve.numeric.SUBSTITUTION_BITS`, one point: the refined fixed point and the
stability matrix the exponents come from, as the substitution into the exact betas gives for
the compiled backends).  :class:`TaylorSystem` is a :class:`~rgsym.solve.numeric.NumericSystem`
whose exact betas, exact stability matrix and 256-bit Newton steps come from the program.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import numpy as np
import symengine as se

from rgsym.program import FlowProgram
from rgsym.series import Exponent
from rgsym.solve.numeric import SUBSTITUTION_BITS, NumericSystem, _artefact_key, _backend


class Monomials:
    """The monomials x^e of weighted degree <= max_weight and the table of their products.

    Monomials are sorted by weight; the product table lists every pair (i, j) whose product
    fits, grouped by the index k of the product, so a series product is one gather, one
    elementwise product and one ``np.add.reduceat``.
    """

    def __init__(self, weights: tuple[int, ...], max_weight: int) -> None:
        self.weights, self.max_weight = weights, max_weight
        ranges = [range(max_weight // w + 1) for w in weights]
        exps = [e for e in itertools.product(*ranges) if _weight(e, weights) <= max_weight]
        exps.sort(key=lambda e: (_weight(e, weights), e))
        self.exponents: tuple[Exponent, ...] = tuple(exps)
        self.index = {e: k for k, e in enumerate(exps)}
        self.weight = np.array([_weight(e, weights) for e in exps], dtype=int)
        pairs = [(self.index[tuple(a + b for a, b in zip(e1, e2, strict=True))], i, j)
                 for i, e1 in enumerate(exps) for j, e2 in enumerate(exps)
                 if self.weight[i] + self.weight[j] <= max_weight]
        pairs.sort()
        self._pairs = np.array(pairs, dtype=int).reshape(-1, 3)
        self._tables: dict[tuple[int, int], tuple[np.ndarray, ...]] = {}

    def __len__(self) -> int:
        return len(self.exponents)

    def table(self, low_a: int, low_b: int) -> tuple[np.ndarray, ...]:
        """(i, j, starts, targets) of the pairs with weight(i) >= low_a and weight(j) >= low_b."""
        found = self._tables.get((low_a, low_b))
        if found is None:
            k, i, j = self._pairs.T
            keep = (self.weight[i] >= low_a) & (self.weight[j] >= low_b)
            k, i, j = k[keep], i[keep], j[keep]
            targets, starts = np.unique(k, return_index=True)
            found = self._tables[(low_a, low_b)] = (i, j, starts, targets)
        return found


def _weight(e: Exponent, weights: tuple[int, ...]) -> int:
    return sum(k * w for k, w in zip(e, weights, strict=True))


class Arithmetic:
    """Doubles (``bits`` None) or mpmath numbers of ``bits`` bits, and how constants become them."""

    def __init__(self, bits: int | None = None) -> None:
        self.bits = bits
        if bits is None:
            self.ctx = None
            self.dtype: Any = float
        else:
            import mpmath

            self.ctx = mpmath.MPContext()
            self.ctx.prec = bits
            self.dtype = object

    def number(self, value: Any) -> Any:
        """A symengine constant (or a Python number) in this arithmetic."""
        if self.ctx is None:
            return float(value)
        value = se.sympify(value)
        if value.is_Integer:
            return self.ctx.mpf(int(value))
        if value.is_Rational:
            p, q = value.get_num_den()
            return self.ctx.mpf(int(p)) / int(q)
        return self.ctx.mpf(str(value.n(self.bits, real=True)))

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        """An array of zeros of this arithmetic."""
        if self.ctx is None:
            return np.zeros(shape)
        out = np.empty(shape, dtype=object)
        out.fill(self.ctx.zero)
        return out


def jet_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Numbers with their first derivatives (last axis: value, then d/dg_1 ... d/dg_n), multiplied."""
    if a.shape[-1] == 1 and b.shape[-1] == 1:
        return a * b
    out = np.empty(np.broadcast_shapes(a.shape, b.shape), dtype=np.result_type(a, b))
    out[..., 0] = a[..., 0] * b[..., 0]
    out[..., 1:] = a[..., :1] * b[..., 1:] + a[..., 1:] * b[..., :1]
    return out


class NumericSeries:
    """A truncated series whose coefficients are numbers with first derivatives.

    ``data[m, p, 0]`` is the coefficient of monomial m at point p of the batch,
    ``data[m, p, 1 + j]`` its derivative in coupling j.  ``low`` is the smallest weight a
    coefficient may be nonzero at (from the structure, not the values: the terms kept are
    exactly those the symbolic expansion keeps).  It has the interface of
    :class:`rgsym.series.Series` that :func:`rgsym.loop.resolvent_expansion` uses.
    """

    __slots__ = ("basis", "arith", "data", "low")

    def __init__(self, basis: Monomials, arith: Arithmetic, data: np.ndarray, low: int) -> None:
        self.basis, self.arith, self.data, self.low = basis, arith, data, low

    @property
    def weights(self) -> tuple[int, ...]:
        """Weight of each expansion variable."""
        return self.basis.weights

    @property
    def max_weight(self) -> int:
        """The truncation: largest weighted degree kept."""
        return self.basis.max_weight

    def min_weight(self) -> int:
        """Smallest weight a coefficient may be nonzero at (``max_weight + 1``: none)."""
        return min(self.low, self.max_weight + 1)

    def is_zero(self) -> bool:
        """Whether no coefficient can be nonzero (all truncated)."""
        return self.low > self.max_weight

    def _like(self, data: np.ndarray, low: int) -> NumericSeries:
        return NumericSeries(self.basis, self.arith, data, low)

    def unit(self) -> NumericSeries:
        """The constant series 1 in the same arithmetic, points and derivatives."""
        data = self.arith.zeros(self.data.shape)
        data[0, :, 0] = self.arith.number(1)
        return self._like(data, 0)

    def scale(self, factor: Any) -> NumericSeries:
        """The series times a constant (a symengine number) or a jet of shape (points, 1 + n)."""
        if isinstance(factor, np.ndarray):
            return self._like(jet_product(self.data, factor[None]), self.low)
        return self._like(self.data * self.arith.number(factor), self.low)

    def __add__(self, other: NumericSeries) -> NumericSeries:
        return self.sum_with([other])

    def sum_with(self, others: Iterable[NumericSeries]) -> NumericSeries:
        """This series plus ``others`` (same basis, points and derivatives)."""
        data, low = self.data, self.low
        for s in others:
            data = data + s.data
            low = min(low, s.low)
        return self._like(data, low)

    def __mul__(self, other: NumericSeries) -> NumericSeries:
        low = self.low + other.low
        if low > self.max_weight:
            return self._like(self.arith.zeros(self.data.shape), low)
        i, j, starts, targets = self.basis.table(self.low, other.low)
        products = jet_product(self.data[i], other.data[j])
        out = self.arith.zeros(self.data.shape)
        out[targets] = np.add.reduceat(products, starts, axis=0)
        return self._like(out, low)


@dataclass(frozen=True)
class _Compiled:
    """Expressions of some arguments with their nonzero partial derivatives: values in doubles
    (LLVM, a batch of points) or 256-bit numbers (substitution, one point)."""

    arguments: tuple[se.Symbol, ...]
    expressions: tuple[se.Basic, ...]
    partials: tuple[tuple[int, int, se.Basic], ...]  # (expression, argument, derivative)

    @classmethod
    def of(cls, arguments: Sequence[se.Symbol], expressions: Sequence[se.Basic]) -> _Compiled:
        partials = []
        for q, e in enumerate(expressions):
            free = e.free_symbols
            for j, s in enumerate(arguments):
                if s in free:
                    derivative = se.diff(e, s)
                    if derivative != 0:
                        partials.append((q, j, derivative))
        return cls(tuple(arguments), tuple(expressions), tuple(partials))

    @cached_property
    def _doubles(self) -> Any:
        every = [*self.expressions, *(d for _, _, d in self.partials)]
        return se.Lambdify(list(self.arguments), every, backend=_backend(), cse=True)

    @cached_property
    def _rows(self) -> tuple[np.ndarray, np.ndarray]:
        return (np.array([q for q, _, _ in self.partials], dtype=int),
                np.array([j for _, j, _ in self.partials], dtype=int))

    def at(self, x: np.ndarray, arith: Arithmetic, jacobian: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Values (points, expressions) and, with ``jacobian``, partials (points, expressions,
        arguments) at the points ``x`` (points, arguments)."""
        if arith.ctx is None:
            raw = np.asarray(self._doubles(x), dtype=float).reshape(x.shape[0], -1)
        else:
            raw = np.array([self._precise(row, arith, jacobian) for row in x], dtype=object)
            raw = raw.reshape(x.shape[0], -1)
        m = len(self.expressions)
        values = raw[:, :m]
        if not jacobian:
            return values, None
        partials = arith.zeros((x.shape[0], m, len(self.arguments)))
        q, j = self._rows
        partials[:, q, j] = raw[:, m:]
        return values, partials

    def _precise(self, row: np.ndarray, arith: Arithmetic, jacobian: bool) -> list[Any]:
        assert arith.ctx is not None and arith.bits is not None
        ctx, bits = arith.ctx, arith.bits
        subs = {s: se.RealMPFR(ctx.nstr(v, bits // 3 + 5, strip_zeros=False), bits)
                for s, v in zip(self.arguments, row, strict=True)}
        every = [*self.expressions, *(d for _, _, d in self.partials)] if jacobian else self.expressions
        out = [ctx.mpf(str(se.sympify(e.xreplace(subs)).n(bits, real=True))) for e in every]
        if not jacobian:
            out += [ctx.zero] * len(self.partials)
        return out


class ProgramEvaluator:
    """The betas of a :class:`~rgsym.program.FlowProgram` (and their Jacobian) at points."""

    def __init__(self, program: FlowProgram) -> None:
        self.program = program
        self.basis = Monomials(program.weights, program.max_weight)
        self.inputs = _Compiled.of(program.couplings, program.inputs)
        flows = tuple(s for _, s in program.flow_symbols)
        self.projection = _Compiled.of((*program.couplings, *flows), program.projection)
        self.keys = {key: q for key, q in program.thresholds}
        self._cuts: dict[int, tuple[Monomials, np.ndarray]] = {}

    @property
    def size(self) -> int:
        """Number of couplings."""
        return len(self.program.couplings)

    def _cut(self, keep: int) -> tuple[Monomials, np.ndarray]:
        """The series truncation the first ``keep`` betas need, and where each F_e of the
        projection sits in it (-1: beyond it, not read by those betas).

        The first k betas of the projection read the flow's Taylor coefficients up to some
        weight only (around the minimum: up to the order of coupling k), and truncating the
        products there changes none of the coefficients below it.
        """
        found = self._cuts.get(keep)
        if found is None:
            prog = self.program
            used = set().union(*(p.free_symbols for p in prog.projection[:keep])) if keep else set()
            top = max((_weight(e, prog.weights) for e, s in prog.flow_symbols if s in used), default=0)
            basis = self.basis if top >= prog.max_weight else Monomials(prog.weights, top)
            rows = np.array([basis.index.get(e, -1) for e, _ in prog.flow_symbols], dtype=int)
            found = self._cuts[keep] = (basis, rows)
        return found

    def betas(self, g: np.ndarray, arith: Arithmetic, jacobian: bool = False, keep: int | None = None
              ) -> tuple[np.ndarray, np.ndarray | None]:
        """beta at the points g (points, n), and with ``jacobian`` d beta_i / d g_j (points, n, n).

        With ``keep`` = k only the first k betas and their derivatives in the first k couplings
        are computed (a sub-system of a lower truncation order: the series are cut where those
        betas stop reading them, and the numbers carry k derivatives instead of n).
        """
        from rgsym.loop import resolvent_expansion

        prog = self.program
        n = self.size
        k = n if keep is None else keep
        basis, rows = self._cut(k)
        x = np.asarray(g, dtype=arith.dtype).reshape(-1, n)
        if arith.ctx is not None:
            x = np.array([[arith.ctx.mpf(v) for v in row] for row in x], dtype=object)
        points = x.shape[0]
        width = 1 + (k if jacobian else 0)
        values, partials = self.inputs.at(x, arith, jacobian)

        def jet(q: int) -> np.ndarray:
            out = arith.zeros((points, width))
            out[:, 0] = values[:, q]
            if partials is not None:
                out[:, 1:] = partials[:, q, :k]
            return out

        def series(entries: Sequence[tuple[Exponent, int]]) -> NumericSeries:
            data = arith.zeros((len(basis), points, width))
            kept = [(e, q) for e, q in entries if e in basis.index]
            for e, q in kept:
                data[basis.index[e]] = jet(q)
            low = min((_weight(e, prog.weights) for e, _ in kept), default=basis.max_weight + 1)
            return NumericSeries(basis, arith, data, low)

        fluct: list[list[Any]] = [[None] * prog.modes for _ in range(prog.modes)]
        for i, j, entries in prog.insertion_layout:
            fluct[i][j] = fluct[j][i] = series(entries)
        terms = resolvent_expansion(fluct, prog.multiplicities, prog.weights, basis.max_weight, prog.signs)
        flow = series(prog.scaling)
        parts: list[Any] = []
        for key, s in terms:
            q = self.keys.get(key)
            if q is None:
                raise ValueError(f"{prog.name}: the numeric expansion met {key}, "
                                 "which the symbolic one dropped")
            parts.append(s.scale(jet(q)))
        flow = flow.sum_with(parts)
        coefficients = arith.zeros((len(rows), points, width))  # (flows, points, width)
        inside = rows >= 0
        coefficients[inside] = flow.data[rows[inside]]
        args = np.concatenate([x, np.moveaxis(coefficients[..., 0], 0, 1)], axis=1)
        beta, dp = self.projection.at(args, arith, jacobian)
        if not jacobian:
            return beta[:, :k], None
        assert dp is not None
        # d beta / d g = dP/dg + dP/dF dF/dg
        dp = dp[:, :k]
        if arith.ctx is None:
            return beta[:, :k], dp[:, :, :k] + np.einsum("pif,fpj->pij", dp[:, :, n:], coefficients[..., 1:])
        return beta[:, :k], _object_chain(dp, coefficients, n, k)


def _object_chain(dp: np.ndarray, coefficients: np.ndarray, n: int, k: int) -> np.ndarray:
    """dP/dg + dP/dF dF/dg for arrays of mpmath numbers (einsum does not take objects)."""
    out = dp[:, :, :k].copy()
    for p in range(dp.shape[0]):
        out[p] = out[p] + dp[p, :, n:].dot(coefficients[:, p, 1:])
    return out


@dataclass(frozen=True)
class DoublesFunction:
    """beta(g) in doubles for one point (n,) or a batch (..., n): the ``rhs_function`` of
    :class:`TaylorSystem`; with ``jacobian`` the Jacobian (..., n * n) instead."""

    evaluator: ProgramEvaluator
    jacobian: bool = False

    def __call__(self, g: np.ndarray) -> np.ndarray:
        g = np.asarray(g, dtype=float)
        flat = g.reshape(-1, g.shape[-1])
        with np.errstate(all="ignore"):
            beta, jac = self.evaluator.betas(flat, Arithmetic(), self.jacobian)
        out = jac.reshape(flat.shape[0], -1) if self.jacobian and jac is not None else beta
        return out.reshape(*g.shape[:-1], -1)


@dataclass(frozen=True)
class TaylorSystem(NumericSystem):
    """A :class:`~rgsym.solve.numeric.NumericSystem` evaluated by its flow program.

    The betas and their Jacobian for the search are evaluated in doubles; the exact betas, the
    exact stability matrix and the 256-bit Newton steps of
    :meth:`~rgsym.solve.numeric.NumericSystem.precise_point` in 256-bit numbers, through the same
    program.  A sub-system of the first k couplings (:func:`rgsym.solve.fixed_points.restricted`)
    evaluates the whole program with the others at zero and keeps its first k betas.
    """

    evaluator: ProgramEvaluator | None = None

    def _precise(self, g: Sequence[Any], jacobian: bool) -> tuple[np.ndarray, np.ndarray | None]:
        assert self.evaluator is not None
        arith = _precise_arithmetic()
        n, k = self.evaluator.size, len(self.system.couplings)
        full = [arith.ctx.mpf(v) for v in g] + [arith.ctx.zero] * (n - k)
        beta, jac = self.evaluator.betas(np.array([full], dtype=object), arith, jacobian, k)
        return beta[0], (None if jac is None else jac[0])

    @cached_property
    def _exact_rhs_function(self) -> Any:
        def rounded(g: np.ndarray) -> np.ndarray:
            points = np.atleast_2d(np.asarray(g, dtype=float))
            out = np.array([[float(v) for v in self._precise(list(p), False)[0]] for p in points])
            return out if np.ndim(g) > 1 else out[0]

        return rounded

    @cached_property
    def _exact_jacobian_function(self) -> Any:
        def rounded(g: np.ndarray) -> np.ndarray:
            _, jac = self._precise(list(np.asarray(g, dtype=float)), True)
            assert jac is not None
            return np.array([[float(v) for v in row] for row in jac])

        return rounded

    def _digest(self) -> str:
        return _artefact_key("taylor", self.betas_digest())

    def betas_digest(self) -> str:
        """The program's digest: it names the same betas as the expanded ones (whose digest needs
        all of them rebuilt, 10 s at order 40)."""
        assert self.evaluator is not None
        return self.evaluator.program.digest

    def jacobian(self, g: np.ndarray) -> np.ndarray:
        """d beta_i / d g_j in doubles, by forward differentiation through the program."""
        assert self.evaluator is not None
        g = np.asarray(g, dtype=float)
        n, k = self.evaluator.size, g.size
        full = np.zeros(n)
        full[:k] = g
        with np.errstate(all="ignore"):
            _, jac = self.evaluator.betas(full, Arithmetic(), True, k)
        assert jac is not None
        return np.asarray(jac[0], dtype=float)

    def _precise_betas(self, point: list[Any]) -> list[Any]:
        return list(self._precise(point, False)[0])

    def _precise_matrix(self, point: list[Any]) -> list[list[Any]]:
        _, jac = self._precise(point, True)
        assert jac is not None
        return [list(row) for row in jac]


@cache
def _precise_arithmetic() -> Any:
    """The 256-bit arithmetic (one mpmath context for the process)."""
    return Arithmetic(SUBSTITUTION_BITS)


def taylor_system(system: Any, program: FlowProgram, values: dict[Any, float] | None = None) -> TaylorSystem:
    """The system ``system`` (a BetaSystem, for the couplings, scales and masses) evaluated by
    ``program``.

    Parameters
    ----------
    system
        The BetaSystem of the same truncation.
    program
        Its flow program (:func:`rgsym.program.build_program`).
    values
        Numbers for parameters (none are left in a program; kept for the memo keys).

    Returns
    -------
    TaylorSystem
    """
    import sympy as sp

    names = tuple(c.name for c in system.couplings)
    if names != tuple(str(s) for s in program.couplings):
        raise ValueError(f"the program's couplings {program.couplings} are not the system's {names}")
    evaluator = ProgramEvaluator(program)
    syms = [se.Symbol(c.name) for c in system.couplings]
    masses = [se.sympify(sp.sympify(m)) for m in system.masses]
    plain = {s: se.Symbol(str(s)) for m in masses for s in m.free_symbols}
    masses = [m.xreplace(plain) for m in masses]
    mass_f = se.Lambdify(syms, masses, backend=_backend(), cse=True) if masses else None
    scales = np.array([float(sp.sympify(s)) for s in system.scales] if system.scales else [1.0] * len(syms))
    return TaylorSystem(system, DoublesFunction(evaluator), mass_f, scales, tuple((values or {}).items()),
                        DoublesFunction(evaluator, jacobian=True), "taylor", evaluator)
