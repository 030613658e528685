"""Numeric: a BetaSystem with numbers for its parameters, compiled for fast evaluation.

The betas are compiled with symengine's LLVM backend.  Newton iterations are
steered by central differences of the compiled betas, which is cheap and good
enough to converge.  The stability matrix at a fixed point, from which the
exponents come, is the exact symbolic Jacobian of the BetaSystem: the
eigenvalues of the non-normal stability matrix are sensitive, and finite
differences that are good to 1e-7 move omega at order 16 by 2e-3.

The exponents need that matrix at a few points only, so by default it is not
compiled: numbers are substituted into the exact expressions
(:class:`Substitution`), which symengine folds with 256-bit floating point (MPFR)
as it rebuilds them.  At order 20 that takes 0.2 s a point, where compiling the
matrix with LLVM took 220 s.  The precision costs 1.25x over doubles and buys
the matrix correctly rounded: its expanded entries cancel, and in doubles the
compiled matrix was off by 1e-8 of its largest entry at order 16, the
substituted one by 6e-5 at order 24 (benchmarks/derive_lpa.py).  The
generated-code backends (``"c"``, ``"numpy"``) bring their own compiled
Jacobian, for callers that need it at many points.

A warm run reuses what a previous one built (issue 15): the LLVM code of the betas and masses
is kept in the cache under the digest of the betas, the parameter values and the compile
options (:func:`rgsym.emit.compiler.cached_llvm`), and the exact stability matrix at a point
under the same digest and the point's bits (:meth:`NumericSystem.exact_jacobian`): the same
code takes the same steps to the same point, so a warm ``rgsym exponents`` at order 20 reads
neither betas nor compiler.  The 256-bit matrix stays the only route to the exponents: a
sixth-order stencil of the compiled betas in the scaled couplings is good to 3e-14 of the
largest entry, but the far eigenvalues of this non-normal matrix are so ill-conditioned that
at order 20 they moved by 6e-5 (relative; the first-order bound |V^-1| |E| |V| said 4e-3),
which the printed thetas would show; from order 12 on the bound exceeds 1e-10.

From order 25 on, the LPA systems are evaluated in truncated Taylor arithmetic instead
(:class:`rgsym.solve.taylor.TaylorSystem`, a subclass: its exact betas, exact stability matrix
and 256-bit Newton steps come from the flow program through :meth:`_precise_betas` and
:meth:`_precise_matrix`, and its memo keys from the program's digest).

The fixed point itself is refined on the correctly rounded betas (:meth:`NumericSystem.polish`),
and, where the scaled Jacobian is too ill-conditioned for double-precision steps to pin it down
(above :data:`PRECISE_CONDITION`: the 3D LPA from order 23 on), by Newton steps in 256-bit
arithmetic (:meth:`NumericSystem.precise_point`).  This module is over 400 lines because the
compiled system, its exact matrices and the refinement of its points share the memo and cache
keys kept here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from typing import Any

import numpy as np
import symengine as se
import sympy as sp

from rgsym.backend_names import BACKENDS
from rgsym.betasystem import BetaSystem
from rgsym.errors import SpecError
from rgsym.threshold import Quadrature, ThresholdIntegral

log = logging.getLogger(__name__)

#: Step of :meth:`NumericSystem.accurate_scaled_jacobian`, in the scaled couplings.
STENCIL_STEP = 1e-4
#: The sixth-order central difference: (offset, weight / h) pairs.
_STENCIL = tuple((k, w / 60) for k, w in ((3, 1), (2, -9), (1, 45), (-1, -45), (-2, 9), (-3, -1)))
#: Most chord steps of :meth:`NumericSystem.polish` (three reach rounding at order 20).
POLISH_STEPS = 8
#: :meth:`NumericSystem.polish` stops when no coupling moves by more than this many units in the
#: last place (the steps jitter at some 15 units; omega moves by 5e-14 for 1e-14 in g).
POLISH_ULPS = 64

#: :meth:`NumericSystem.polish` refines the point in 256-bit arithmetic
#: (:meth:`NumericSystem.precise_point`) when the condition number of the scaled Jacobian
#: exceeds this: double-precision steps then leave the point uncertain by cond * eps = 2e-5 of
#: its size along the weakest direction.  The Wilson-Fisher point of the 3D LPA reaches it
#: above order 20 (4.6e9 there; 7e15 at order 32).
PRECISE_CONDITION = 1e11
#: ... but not when the Jacobian has an eigenvalue (a theta) below this in size: then it is
#: singular, not merely ill-conditioned (a marginal or decoupled direction, e.g. a free field of
#: the two-scalar model, theta ~ 1e-10), the fixed point is not isolated, and refining it only
#: moves it along that direction.
MARGINAL = 1e-6
#: :meth:`NumericSystem.precise_point` stops when no coupling moves by more than this fraction of
#: its size: far below the rounding to doubles that follows (the next step is some 2e-5 times
#: smaller still: the chord steps at order 32 fell by that factor each, from 1e2 to 2e-42, so the
#: 256-bit noise is further down).
PRECISE_STEP = 1e-25
#: Systems with fewer couplings do not keep their exact stability matrix in the cache: it took
#: 0.04 s at 13 couplings (order 12 around the minimum), 0.2 s at 17 and 0.9 s at 21.
MEMO_MIN_COUPLINGS = 13

_PARAMETER_KEYS = {"d": "theory.d", "N": "theory.N", "M": "theory.fields", "epsilon": "theory.d"}


@dataclass(frozen=True)
class NumericSystem:
    """Compiled right-hand side and stability matrix of a flow in its couplings.

    ``rhs(g)`` returns beta(g); ``jacobian(g)`` returns d beta_i / d g_j.
    """

    system: BetaSystem
    rhs_function: Any
    masses_function: Any
    scales: np.ndarray
    values: tuple[tuple[sp.Symbol, float], ...] = ()
    jacobian_function: Any = None  # given by the generated-code backends; else by substitution
    backend: str = "symengine"

    def rhs(self, g: np.ndarray) -> np.ndarray:
        """beta(g), d g / dt with t = ln k, at one point of the couplings."""
        return np.asarray(self.rhs_function(np.asarray(g, dtype=float)), dtype=float).reshape(-1)

    @cached_property
    def _jacobian_function(self) -> Any:
        if self.jacobian_function is not None:
            return self.jacobian_function
        return self._exact_jacobian_function

    @cached_property
    def _exact_jacobian_function(self) -> Any:
        values = dict(self.values)
        constants = tuple((se.Symbol(k.name), _double(v)) for k, v in values.items())
        flat = tuple(e for row in self.system.fast_stability for e in row)
        syms = tuple(se.Symbol(c.name) for c in self.system.couplings)
        if not self.system.thresholds:
            return Substitution(syms, flat, constants)
        tsyms = tuple(se.Symbol(name) for name, _ in self.system.thresholds)
        return WithThresholds.build(self.system, Substitution(syms + tsyms, flat, constants), values)

    def jacobian(self, g: np.ndarray) -> np.ndarray:
        """d beta_i / d g_j: the generated code's compiled Jacobian (``"c"``, ``"numpy"``,
        ``"sympy"`` backends), else :meth:`exact_jacobian`."""
        g = np.asarray(g, dtype=float)
        if self.jacobian_function is None:
            return self.exact_jacobian(g)
        return np.asarray(self._jacobian_function(g), dtype=float).reshape(g.size, g.size)

    def exact_jacobian(self, g: np.ndarray) -> np.ndarray:
        """d beta_i / d g_j from the exact symbolic stability matrix, correctly rounded, whatever
        the backend (see the module docstring).

        The exponents come from this matrix: a compiled Jacobian in doubles loses digits to
        cancellation in its expanded entries, which moved omega at order 20 by 2e-8 between
        the symengine and NumPy backends; this one gives the same omega on every backend.

        Parameters
        ----------
        g
            One point of the couplings (unscaled).

        Returns
        -------
        numpy.ndarray
            The n x n matrix.
        """
        g = np.asarray(g, dtype=float)
        known = self._stability_at.get(g.tobytes())
        if known is not None:
            return known.copy()
        key = self._point_key("stability", g)
        stored = None
        if key:
            from rgsym import cache

            stored = cache.load("stability", key)
        if _is_matrix(stored, g.size):
            matrix = np.array(stored, dtype=float).reshape(g.size, g.size)
        else:
            matrix = np.asarray(self._exact_jacobian_function(g), dtype=float).reshape(g.size, g.size)
            if key and np.all(np.isfinite(matrix)):
                cache.store("stability", key, [float(v) for v in matrix.reshape(-1)],
                            f"exact stability matrix of {self.system.name} at one point")
        self._stability_at[g.tobytes()] = matrix
        return matrix.copy()

    @cached_property
    def _stability_at(self) -> dict[bytes, np.ndarray]:
        """:meth:`exact_jacobian` memoised in the process, by the point's bits (the cache keeps it
        across runs; 0.2 s a point at order 20): a fixed point's matrix is asked for by the branch
        search (its directions, then once per candidate branch), the symmetry sectors and the
        exponents; on the N = 3 diagonal of the cubic model one matrix took 1.7 s at 8 couplings
        (below :data:`MEMO_MIN_COUPLINGS`, so not kept on disk)."""
        return {}

    def memo_key(self, kind: str, *parts: str) -> str:
        """A key naming exactly these betas, parameter values, compile options and ``parts``, for
        a result a later run may read from the cache instead of computing it again ("" when the
        betas have no digest or the system has fewer than :data:`MEMO_MIN_COUPLINGS` couplings:
        then nothing is kept).

        Parameters
        ----------
        kind, parts
            What is kept, and what else it depends on.

        Returns
        -------
        str
        """
        digest = self._digest()
        if not digest or len(self.system.couplings) < MEMO_MIN_COUPLINGS:
            return ""
        return _artefact_key(kind, digest, self.backend, *parts)

    def betas_digest(self) -> str:
        """The digest that names the betas (of a system read from the cache; "" otherwise): the
        compiled sub-systems of :mod:`rgsym.solve.fixed_points` are kept under it."""
        return getattr(self.system.fast_betas, "digest", "")

    def _digest(self) -> str:
        """What names these betas and parameter values in memo keys ("" when nothing names them)."""
        return _betas_key(self.system, dict(self.values), "")

    def _point_key(self, kind: str, g: np.ndarray) -> str:
        """A key naming exactly these betas, parameter values and point ("" when the betas have
        no digest, see :func:`compile_system`): :meth:`exact_jacobian` keeps its values in the
        cache under it, since a later run finds the same point to the last bit (same compiled
        code, same steps) and rebuilding the 256-bit matrix took 0.9 s at order 20.  Smaller
        systems (below :data:`MEMO_MIN_COUPLINGS`) are not kept: their matrix is cheaper to build
        than an entry is to write."""
        digest = self._digest()
        if not digest or g.size < MEMO_MIN_COUPLINGS:
            return ""
        return _artefact_key(kind, digest, g.astype(float).tobytes().hex())

    @cached_property
    def _exact_rhs_function(self) -> Any:
        values = dict(self.values)
        constants = tuple((se.Symbol(k.name), _double(v)) for k, v in values.items())
        syms = tuple(se.Symbol(c.name) for c in self.system.couplings)
        if not self.system.thresholds:
            return Substitution(syms, tuple(self.system.fast_betas), constants)
        tsyms = tuple(se.Symbol(name) for name, _ in self.system.thresholds)
        inner = Substitution(syms + tsyms, tuple(self.system.fast_betas), constants)
        return WithThresholds.build(self.system, inner, values)

    def exact_rhs(self, g: np.ndarray) -> np.ndarray:
        """beta(g) correctly rounded: numbers substituted into the exact betas (see
        :class:`Substitution`), whatever the backend.

        Parameters
        ----------
        g
            One point of the couplings (unscaled).

        Returns
        -------
        numpy.ndarray
        """
        return np.asarray(self._exact_rhs_function(np.asarray(g, dtype=float)), dtype=float).reshape(-1)

    @cached_property
    def parts(self) -> dict[int, NumericSystem]:
        """Sub-systems of the first k couplings made from this one, by k
        (:func:`rgsym.solve.fixed_points.restricted` keeps them here, so that their refined points
        and stability rows are computed once)."""
        return {}

    @cached_property
    def searches(self) -> dict[str, Any]:
        """Results of deterministic searches on this compiled system, kept for the process by a
        key naming the search (:func:`rgsym.solve.fixed_points.fixed_points_by_order` keeps its
        multi-start at the base order and that order's compiled sub-system here: the same code
        takes the same steps, so a second search would find the same points)."""
        return {}

    @cached_property
    def _polished(self) -> dict[bytes, np.ndarray]:
        """:meth:`polish` memoised in the process: start point bits -> result (and result ->
        result, so that polishing a polished point costs nothing)."""
        return {}

    def polish(self, g: np.ndarray, steps: int = POLISH_STEPS) -> np.ndarray:
        """A fixed point refined by Newton steps on the correctly rounded betas.

        The search stops at a residual of about 1e-11 in the scaled couplings x = g / scale,
        in which the high couplings are tiny (x_n falls off geometrically at the Wilson-Fisher
        point, to 1e-18 at order 20): they are known to a few digits, or not at all, and the
        exponents inherit that (omega moved by 2e-8 between backends at order 20).  Here the
        residual is :meth:`exact_rhs` and the steps use :meth:`accurate_scaled_jacobian` at
        ``g`` (a chord method: three steps reach rounding at order 20), until a step changes
        no coupling by more than :data:`POLISH_ULPS` units in the last place.  The result does
        not depend on the backend: only the steering matrix does, not the equations solved.
        If the steps do not converge, the one of the start and the iterates with the smallest
        largest scaled residual is returned (the first step may raise it: at order 16 around
        zero field the start is 7.8e-6 off along a direction of singular value 2e-9, and the
        residual went from 2e-14 to 3e-10 before falling to rounding).

        The result is kept in the process and, from :data:`MEMO_MIN_COUPLINGS` couplings on, in
        the cache under the betas' digest and the start point's bits (:meth:`_point_key`): a warm
        run then needs neither the betas nor the 256-bit arithmetic (reading the order-20 betas
        took 0.7 s).

        Parameters
        ----------
        g
            An approximate zero of the betas (unscaled).
        steps
            At most this many Newton steps.

        Returns
        -------
        numpy.ndarray
            The refined point, or ``g`` itself when no step lowered the residual.
        """
        g = np.asarray(g, dtype=float)
        known = self._polished.get(g.tobytes())
        if known is not None:
            return known.copy()
        # "256": the result includes the 256-bit refinement (entries kept before it are not read)
        key = self._point_key(f"polish 256 above {PRECISE_CONDITION:g}", g)
        stored = _stored_vector(key, g.size)
        result = stored if stored is not None else self._polish(g, steps)
        if key and stored is None:
            from rgsym import cache

            cache.store("polish", key, [float(v) for v in result],
                        f"fixed point of {self.system.name} refined on the exact betas")
        self._polished[g.tobytes()] = result
        self._polished[result.tobytes()] = result
        return result.copy()

    def _polish(self, g: np.ndarray, steps: int) -> np.ndarray:
        """The chord iteration of :meth:`polish`, not memoised."""
        x = g / self.scales
        with np.errstate(all="ignore"):
            r = self.exact_rhs(g) / self.scales
            if not np.all(np.isfinite(r)) or not np.any(r):
                return g
            jac = self.accurate_scaled_jacobian(x)
            if not np.all(np.isfinite(jac)):
                return g
            try:
                lu = _lu(jac)
            except np.linalg.LinAlgError:
                return g
            best, best_size = g, float(np.max(np.abs(r)))
            for _ in range(steps):
                dx = lu(r)
                x = x - dx
                r = self.exact_rhs(x * self.scales) / self.scales
                if not np.all(np.isfinite(r)):
                    break
                if float(np.max(np.abs(r))) < best_size:
                    best, best_size = x * self.scales, float(np.max(np.abs(r)))
                if np.all(np.abs(dx) <= POLISH_ULPS * np.finfo(float).eps * np.abs(x)):
                    best = x * self.scales  # converged: the same point on every backend
                    break
        if (np.linalg.cond(jac) > PRECISE_CONDITION and not self.system.thresholds
                and np.min(np.abs(np.linalg.eigvals(jac)), initial=np.inf) > MARGINAL):
            precise = self.precise_point(best)
            if precise is not None:
                return precise
        return best

    def precise_point(self, g: np.ndarray, jacobians: int = 3) -> np.ndarray | None:
        """The fixed point near ``g`` found by Newton steps in :data:`SUBSTITUTION_BITS`-bit
        arithmetic, rounded to doubles (None if the steps do not converge).

        At high truncation orders the scaled Jacobian is so ill-conditioned (condition number
        4.6e9 at order 20, 7e15 at order 32, in the Wilson-Fisher point of the 3D LPA: the top
        betas, which carry the truncation, fix a direction along the low couplings only weakly)
        that double-precision Newton steps stop anywhere in a region of relative size cond * eps
        around the fixed point: at order 32 two points with residuals of 1e-16 and 1e-18 had
        omega 1.7e-7 apart.  Here the betas and the exact stability matrix are evaluated by
        substitution (:class:`Substitution`) and the linear systems solved by mpmath, all with
        256-bit numbers: a chord iteration on the matrix at ``g`` (a new matrix, a Newton step,
        when it stalls, at most ``jacobians`` matrices), until no coupling moves by more than
        :data:`PRECISE_STEP` of its size.  Only the rounding to doubles is left: omega is then reproducible to
        rounding, whatever the backend and the point the search stopped at.

        Parameters
        ----------
        g
            An approximate fixed point (unscaled), e.g. from :meth:`polish` in doubles.
        jacobians
            At most this many 256-bit stability matrices.

        Returns
        -------
        numpy.ndarray or None
        """
        import mpmath

        ctx = mpmath.MPContext()
        ctx.prec = SUBSTITUTION_BITS
        constants: dict[se.Basic, se.Basic] = {se.Symbol(k.name): _double(v) for k, v in self.values}
        constants[se.pi] = se.pi.n(SUBSTITUTION_BITS, real=True)
        syms = [se.Symbol(c.name) for c in self.system.couplings]
        point = [ctx.mpf(float(v)) for v in g]
        floor = ctx.mpf(10) ** -30
        scales = [ctx.mpf(float(s)) for s in self.scales]

        def numbers(at: list[Any]) -> dict[se.Basic, se.Basic]:
            found = dict(constants)
            found.update({s: se.RealMPFR(ctx.nstr(v, 80, strip_zeros=False), SUBSTITUTION_BITS)
                          for s, v in zip(syms, at, strict=True)})
            return found

        def evaluate(exprs: Any, at: list[Any]) -> Any:
            subs = numbers(at)
            return [ctx.mpf(str(se.sympify(e.xreplace(subs)).n(SUBSTITUTION_BITS, real=True))) for e in exprs]

        def stability(at: list[Any]) -> list[list[Any]]:
            hook = self._precise_matrix(at)
            if hook is not None:
                return [[ctx.mpf(v) for v in row] for row in hook]
            return [evaluate(row, at) for row in self.system.fast_stability]

        def betas_at(at: list[Any]) -> list[Any]:
            hook = self._precise_betas(at)
            if hook is not None:
                return [ctx.mpf(v) for v in hook]
            return evaluate(self.system.fast_betas, at)

        try:
            for _ in range(jacobians):
                # in the scaled couplings g / scale: mpmath's pivot test is relative to the norm
                matrix = ctx.matrix([[e * s / r for e, s in zip(row, scales, strict=True)]
                                     for row, r in zip(stability(point), scales, strict=True)])
                last = None
                for _ in range(12):
                    betas = betas_at(point)
                    residual = ctx.matrix([b / r for b, r in zip(betas, scales, strict=True)])
                    step = [d * s for d, s in zip(ctx.lu_solve(matrix, residual), scales, strict=True)]
                    point = [p - d for p, d in zip(point, step, strict=True)]
                    # the step relative to each coupling (to 1e-30 of its scale where it vanishes)
                    size = max((abs(d) / max(abs(p), floor * s)
                                for p, d, s in zip(point, step, scales, strict=True)), default=ctx.zero)
                    log.debug("precise_point: step %s", ctx.nstr(size, 3))
                    if size < PRECISE_STEP:
                        return np.array([float(p) for p in point])
                    if last is not None and size > last / 10:
                        break  # the chord stalls: a new matrix at this point
                    last = size
        except (ZeroDivisionError, ValueError, TypeError, RuntimeError) as error:
            log.warning("%s: no 256-bit refinement of the fixed point (%s)", self.system.name, error)
            return None
        log.warning("%s: the 256-bit refinement of the fixed point did not converge", self.system.name)
        return None

    def _precise_betas(self, point: list[Any]) -> list[Any] | None:
        """The betas at ``point`` (mpmath numbers) in :data:`SUBSTITUTION_BITS`-bit numbers, when
        a subclass computes them otherwise than by substitution (None: substitute)."""
        return None

    def _precise_matrix(self, point: list[Any]) -> list[list[Any]] | None:
        """The stability matrix at ``point`` like :meth:`_precise_betas` (None: substitute)."""
        return None

    def accurate_scaled_jacobian(self, x: np.ndarray) -> np.ndarray:
        """Jacobian of :meth:`scaled_rhs` by the sixth-order central stencil, step
        :data:`STENCIL_STEP` in the scaled couplings: all 6n points in one call of the compiled
        betas.

        At the order-20 Wilson-Fisher point its entries are good to 3e-14 of the largest
        (plain central differences: 5e-5), enough to steer :meth:`polish`; the exponents
        still come from :meth:`exact_jacobian`.

        Parameters
        ----------
        x
            The scaled couplings g / scale.

        Returns
        -------
        numpy.ndarray
            d(beta_i / scale_i) / d x_j.
        """
        x = np.asarray(x, dtype=float)
        n, h = x.size, STENCIL_STEP
        points = np.empty((len(_STENCIL), n, n))
        points[:] = x * self.scales
        diagonal = np.arange(n)
        for k, (offset, _) in enumerate(_STENCIL):
            points[k, diagonal, diagonal] += offset * h * self.scales
        out = np.asarray(self.rhs_function(points.reshape(-1, n)), dtype=float).reshape(len(_STENCIL), n, -1)
        weights = np.array([w for _, w in _STENCIL])
        # out[k, j, i]: beta_i with coupling j moved by offset_k * h
        return np.tensordot(weights, out, axes=(0, 0)).T / h / self.scales[:, None]

    def approximate_jacobian(self, g: np.ndarray) -> np.ndarray:
        """Plain central differences of the compiled betas: to steer Newton iterations only."""
        g = np.asarray(g, dtype=float)
        n = g.size
        h = 1e-6 * self.scales
        steps = np.diag(h)
        points = np.vstack([g + steps, g - steps])
        out = np.asarray(self.rhs_function(points), dtype=float).reshape(2 * n, -1)
        return ((out[:n] - out[n:]) / (2 * h[:, None])).T

    def masses(self, g: np.ndarray) -> np.ndarray:
        """Dimensionless masses w_i at the expansion point (1 + w_i = 0 is a pole)."""
        if self.masses_function is None:
            return np.zeros(0)
        return np.asarray(self.masses_function(np.asarray(g, dtype=float)), dtype=float).reshape(-1)

    def scaled_rhs(self, x: np.ndarray) -> np.ndarray:
        """beta / scale as a function of x = g / scale (order-one numbers)."""
        return self.rhs(np.asarray(x) * self.scales) / self.scales

    def scaled_jacobian(self, x: np.ndarray) -> np.ndarray:
        """Jacobian of scaled_rhs (plain central differences: it only steers Newton)."""
        j = self.approximate_jacobian(np.asarray(x) * self.scales)
        return j * self.scales[None, :] / self.scales[:, None]




def compile_system(system: BetaSystem, values: Mapping[sp.Symbol, float] | None = None,
                   backend: str = "symengine", betas_key: str = "") -> NumericSystem:
    """Substitute parameter values and compile the betas (and, for generated code, the Jacobian).

    symengine's LLVM code is kept in the cache (:func:`rgsym.emit.compiler.cached_llvm`) when the
    betas came from it (a :class:`~rgsym.stability.LazyBetas` knows its digest) or ``betas_key``
    names them: a warm run then neither reads nor compiles the betas.

    Parameters
    ----------
    system
        The betas.
    values
        Numbers for the system's parameters.
    backend
        One of :data:`BACKENDS`.
    betas_key
        A digest of the betas (for a system that was not read from the cache), or "".

    Raises
    ------
    SpecError
        If a parameter (d, N) is still symbolic: numbers need numbers.
    ValueError
        For an unknown backend.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; allowed: {', '.join(BACKENDS)}")
    values = dict(values or {})
    left = [p for p in system.parameters if p not in values]
    if left:
        p = left[0]
        key = _PARAMETER_KEYS.get(p.name, p.name)
        raise SpecError(system.spec_source, key,
                        f"must be a number to solve numerically (it is the symbol {p}); use --set {key}=...")
    subs = {se.Symbol(k.name): se.sympify(v) for k, v in values.items()}
    syms = [se.Symbol(c.name) for c in system.couplings]
    masses = [se.sympify(sp.sympify(m).subs(values)).xreplace(_plain_symbols(m)) for m in system.masses]
    if backend == "symengine":
        key = _betas_key(system, values, betas_key)
        rhs_f, jac_f = _cached(key, lambda: _compile(system, [b.subs(subs) for b in system.fast_betas],
                                                       values, _fast_compile())), None
    else:
        from rgsym.emit.backends import compile_functions

        rhs_f, jac_f = compile_functions(system, values, backend)
    mass_key = _artefact_key("masses", *map(str, syms), *map(str, masses))
    mass_f = (_cached(mass_key, lambda: se.Lambdify(syms, masses, backend=_backend(), cse=True))
              if masses else None)
    scales = np.array([float(sp.sympify(s).subs(values)) for s in system.scales]
                      if system.scales else [1.0] * len(syms))
    return NumericSystem(system, rhs_f, mass_f, scales, tuple(values.items()), jac_f, backend)


def _stored_vector(key: str, n: int) -> np.ndarray | None:
    """The n finite floats kept in the cache under ``("polish", key)``, or None."""
    if not key:
        return None
    from rgsym import cache

    stored = cache.load("polish", key)
    if not _is_matrix(stored, 1, n):
        return None
    return np.array(stored, dtype=float)


def _is_matrix(value: Any, n: int, m: int | None = None) -> bool:
    """Whether ``value`` (read from the cache) is n * m finite floats (m = n when not given)."""
    return (isinstance(value, list) and len(value) == n * (n if m is None else m)
            and all(isinstance(v, float) and np.isfinite(v) for v in value))


def _betas_key(system: BetaSystem, values: Mapping[sp.Symbol, float], betas_key: str) -> str:
    """The key of the compiled betas ("" when they have no digest: then nothing is cached)."""
    digest = betas_key or getattr(system.fast_betas, "digest", "")
    if not digest or system.thresholds:
        return ""
    numbers = sorted((k.name, repr(float(v))) for k, v in values.items())
    return _artefact_key("betas", digest, *system.names, *(f"{k}={v}" for k, v in numbers),
                         repr(_fast_compile()))


def _artefact_key(*parts: str) -> str:
    from rgsym.emit.compiler import artefact_key

    return artefact_key(se.__version__, _backend(), *parts)


def _cached(key: str, build: Any) -> Any:
    """``build()`` through the cache of compiled code when there is a key and LLVM."""
    if not key or _backend() != "llvm":
        return build()
    from rgsym.emit.compiler import cached_llvm

    return cached_llvm(key, build)


@dataclass(frozen=True)
class Substitution:
    """Expressions evaluated by substituting numbers into them: nothing is compiled.

    ``f(x)`` takes one point (len(symbols),) or points (m, len(symbols)) and returns the
    values of ``expressions`` there, (len(expressions),) or (m, len(expressions)).  symengine
    rebuilds each expression with the numbers (``constants`` for the parameters), exact
    copies of the doubles given in :data:`SUBSTITUTION_BITS`-bit floating point, folding them
    as it goes; at a pole a value is infinite, and one that is not a real number (a complex
    power) is nan.
    """

    symbols: tuple[se.Symbol, ...]
    expressions: tuple[se.Basic, ...]
    constants: tuple[tuple[se.Symbol, se.Basic], ...] = ()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        points = np.atleast_2d(x)
        out = np.array([self._at(point) for point in points], dtype=float).reshape(len(points), -1)
        return out if x.ndim > 1 else out[0]

    def _at(self, point: np.ndarray) -> list[float]:
        numbers = dict(self.constants)
        numbers.update(zip(self.symbols, map(_double, point), strict=True))
        return [_real(e.xreplace(numbers)) for e in self.expressions]


#: Precision of :class:`Substitution`.  The order-24 stability matrix loses 11 of the 16
#: digits of a double to cancellation; 256 bits leave some 60 to spare, at the cost of 64.
SUBSTITUTION_BITS = 256


def _lu(matrix: np.ndarray) -> Any:
    """A solver x -> matrix^-1 x, the matrix inverted once (LinAlgError when singular)."""
    inverse = np.linalg.inv(matrix)
    return lambda rhs: inverse @ rhs


def _double(value: Any) -> se.Basic:
    """The double nearest ``value``, exactly, as a :data:`SUBSTITUTION_BITS`-bit number
    (a double without MPFR in symengine)."""
    if not se.have_mpfr:
        return se.RealDouble(float(value))
    return se.RealMPFR(str(Decimal(float(value))), SUBSTITUTION_BITS)


def _real(value: se.Basic) -> float:
    try:
        return float(value)
    except (RuntimeError, TypeError, ValueError):
        return float("nan")


def _compile(system: BetaSystem, exprs: list[Any], values: dict[sp.Symbol, float],
             options: dict[str, int]) -> Any:
    """Lambdify over the couplings; with quadrature thresholds, over couplings and T's."""
    syms = [se.Symbol(c.name) for c in system.couplings]
    if not system.thresholds:
        return se.Lambdify(syms, exprs, backend=_backend(), cse=True, **options)
    tsyms = [se.Symbol(name) for name, _ in system.thresholds]
    inner = se.Lambdify(syms + tsyms, exprs, backend=_backend(), cse=True, **options)
    return WithThresholds.build(system, inner, values)


@dataclass(frozen=True)
class ThresholdGroup:
    """Quadrature integrals that share their nodes and masses: evaluated together."""

    masses: Any
    quadrature: Quadrature
    counts: np.ndarray
    columns: np.ndarray


@dataclass(frozen=True)
class WithThresholds:
    """A compiled function of (g, T) called as a function of g: the thresholds T by quadrature.

    The integrals are grouped by their nodes (regulator shape, d and the integrand: eta of a
    :class:`~rgsym.threshold.ThresholdIntegral`, the weight of a
    :class:`~rgsym.threshold.WeightedThreshold`) and their masses.
    """

    inner: Any
    groups: tuple[ThresholdGroup, ...]
    size: int

    @classmethod
    def build(cls, system: BetaSystem, inner: Any, values: dict[sp.Symbol, float]) -> WithThresholds:
        """Wrap ``inner(g, T)``: compile the masses and precompute the quadrature nodes.

        Raises
        ------
        SpecError
            If d (or eta) of an integral is still a symbol: the nodes need numbers.
        """
        syms = [se.Symbol(c.name) for c in system.couplings]
        keyed: dict[tuple[Any, ...], list[int]] = {}
        for column, (_, t) in enumerate(system.thresholds):
            keyed.setdefault((type(t), t.args[:3], t.masses), []).append(column)
        groups = []
        for columns in keyed.values():
            first = system.thresholds[columns[0]][1]
            mass_exprs = [se.sympify(sp.sympify(m).subs(values)).xreplace(_plain_symbols(m))
                          for m in first.masses]
            mass_f = se.Lambdify(syms, mass_exprs, backend=_backend(), cse=True)
            counts = np.array([system.thresholds[c][1].counts for c in columns], dtype=float)
            groups.append(ThresholdGroup(mass_f, _nodes(system, first, values), counts,
                                         np.array(columns, dtype=int)))
        return cls(inner, tuple(groups), len(system.thresholds))

    def __call__(self, g: np.ndarray) -> np.ndarray:
        g2 = np.atleast_2d(np.asarray(g, dtype=float))
        t = np.empty((g2.shape[0], self.size))
        for group in self.groups:
            w = np.asarray(group.masses(g2), dtype=float).reshape(g2.shape[0], -1)
            t[:, group.columns] = group.quadrature.evaluate_many(group.counts, w)
        out = np.asarray(self.inner(np.hstack([g2, t])), dtype=float).reshape(g2.shape[0], -1)
        return out if np.ndim(g) > 1 else out[0]


def _nodes(system: BetaSystem, integral: ThresholdIntegral, values: dict[sp.Symbol, float]) -> Quadrature:
    """The quadrature of ``integral`` with the parameter values put into d (and eta), and into
    the weight of a :class:`~rgsym.threshold.WeightedThreshold` (LPA' weights contain d)."""
    args = [sp.sympify(a).subs(values) for a in integral.args[:3]]
    concrete = type(integral)(*args, *integral.args[3:])
    if not concrete.has_numbers():
        raise SpecError(system.spec_source, "theory.d",
                        f"must be a number to evaluate threshold integrals by quadrature (d = {args[1]})")
    return concrete.nodes()


def _plain_symbols(expr: Any) -> dict[Any, Any]:
    """sympy symbols with assumptions -> plain symengine symbols of the same name."""
    return {se.sympify(s): se.Symbol(s.name) for s in sp.sympify(expr).free_symbols}


def _fast_compile() -> dict[str, int]:
    """LLVM optimisation level 0: at order 24 the betas compile 3x faster (most of the rest is
    symengine's CSE), and evaluate 1.4x slower, which the fixed-point search hardly notices (its
    time goes to Python: with compiled C it is 1.2x faster; benchmarks/derive_lpa.py)."""
    return {"opt_level": 0} if _backend() == "llvm" else {}


@cache
def _backend() -> str:
    """LLVM when symengine was built with it (PyPI wheels are), else the slow interpreter."""
    try:
        se.Lambdify([se.Symbol("x")], [se.Symbol("x")], backend="llvm")
    except (RuntimeError, ValueError, TypeError):
        return "lambda"
    return "llvm"
