"""C, NumPy and sympy evaluations of the betas and the Jacobian agree at random points.

The reference is the sympy expression (the betas and the symbolic stability
matrix) evaluated with mpmath at 30 digits.  Tolerance: 1e-12 (the target of
issue 4) times the size of the terms the expression sums at that point, M(e):
double-precision evaluation of a sum of terms of size M errs by a few
multiples of 1e-16 M, whatever order the code adds them in, so this is
1e-12 relative where nothing cancels and honest where something does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from rgsym.betasystem import BetaSystem
from rgsym.emit.backends import CLibrary, compile_functions, numpy_functions
from rgsym.emit.kernels import build_kernels
from rgsym.emit.numpy_module import load_module, render_numpy

TOLERANCE = 1e-12
DIGITS = 30


def magnitude(expr: sp.Expr) -> sp.Expr:
    """M(e): e with every sum replaced by the sum of its terms' magnitudes.

    Denominators keep their value (|b|^-n): only sums in numerators can cancel.
    """
    if expr.is_Add:
        return sp.Add(*[magnitude(a) for a in expr.args])
    if expr.is_Mul:
        return sp.Mul(*[magnitude(a) for a in expr.args])
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 0:
        return magnitude(expr.base) ** expr.exp
    return sp.Abs(expr)


class Reference:
    """The sympy betas and stability matrix, evaluated at 30 digits, with their magnitudes."""

    def __init__(self, system: BetaSystem) -> None:
        args = [*system.symbols, *system.parameters]
        exprs = [*system.betas, *system.stability_matrix]
        self.size = len(system.couplings)
        self.values = sp.lambdify(args, exprs, modules="mpmath")
        self.magnitudes = sp.lambdify(args, [magnitude(e) for e in exprs], modules="mpmath")

    def __call__(self, g: Sequence[float], p: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        with mpmath.workdps(DIGITS):
            args = [mpmath.mpf(x) for x in (*g, *p)]
            values = np.array([float(v) for v in self.values(*args)])
            sizes = np.array([float(v) for v in self.magnitudes(*args)])
        return values, sizes


def check(functions: tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]],
          reference: Reference, g: np.ndarray, p: Sequence[float]) -> None:
    rhs, jacobian = functions
    values, sizes = reference(g, p)
    got = np.concatenate([rhs(g), jacobian(g)])
    assert got.shape == values.shape
    assert np.all(np.abs(got - values) <= TOLERANCE * sizes + 1e-300), (g, p, got - values, sizes)


def scaled_point(system: BetaSystem, x: Sequence[float], p: dict[sp.Symbol, float]) -> np.ndarray:
    """Couplings g = x * scale; kappa and lambda_2 positive (the poles are at 1 + 2 kappa lambda_2 = 0)."""
    scales = np.array([float(sp.sympify(s).subs(p)) for s in system.scales])
    x = np.array(x, dtype=float)
    x[:2] = np.abs(x[:2]) + 0.05
    return x * scales


couplings_4 = st.lists(st.floats(-1.0, 1.0), min_size=5, max_size=5)


@pytest.fixture(scope="module")
def order4_backends(order4: BetaSystem) -> dict[str, object]:
    return {b: compile_functions(order4, {}, b) for b in ("c", "numpy", "sympy")}


@pytest.fixture(scope="module")
def order4_reference(order4: BetaSystem) -> Reference:
    return Reference(order4)


@settings(max_examples=40, deadline=None)
@given(x=couplings_4)
def test_backends_agree_with_exact_evaluation(x: list[float], order4: BetaSystem,
                                              order4_backends: dict[str, object],
                                              order4_reference: Reference) -> None:
    g = scaled_point(order4, x, {})
    for functions in order4_backends.values():
        check(functions, order4_reference, g, [])  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def symbolic_backends(symbolic: BetaSystem) -> dict[str, Any]:
    """Built once; the parameter values are passed at run time, as the generated code takes them."""
    module = load_module(render_numpy(symbolic)["betas.py"])
    library = CLibrary.load(symbolic)
    return {
        "c": lambda p: (library.rhs_function(p), library.jacobian_function(p)),
        "numpy": lambda p: numpy_functions(module, p),
    }


@settings(max_examples=25, deadline=None)
@given(x=st.lists(st.floats(-1.0, 1.0), min_size=4, max_size=4),
       d=st.floats(2.2, 4.0), n=st.floats(1.0, 4.0))
def test_parameters_are_passed_at_run_time(x: list[float], d: float, n: float, symbolic: BetaSystem,
                                           symbolic_backends: dict[str, Any],
                                           symbolic_reference: Reference) -> None:
    assert [p.name for p in symbolic.parameters] == ["N", "d"]
    values = dict(zip(symbolic.parameters, (n, d), strict=True))
    g = scaled_point(symbolic, x, values)
    for make in symbolic_backends.values():
        check(make(np.array([n, d])), symbolic_reference, g, [n, d])


@pytest.fixture(scope="module")
def symbolic_reference(symbolic: BetaSystem) -> Reference:
    return Reference(symbolic)


def test_batched_calls_equal_single_calls(order4: BetaSystem, order4_backends: dict[str, object]) -> None:
    rng = np.random.default_rng(7)
    points = np.array([scaled_point(order4, rng.uniform(-1, 1, 5), {}) for _ in range(6)])
    for backend, (rhs, _) in order4_backends.items():  # type: ignore[attr-defined]
        batched = rhs(points)
        assert batched.shape == points.shape
        for row, point in zip(batched, points, strict=True):
            if backend == "c":  # one code path for one point and many: the same bits
                assert np.array_equal(row, rhs(point))
            else:  # numpy's SIMD array loops may differ from its one-point loop in the last ulp
                np.testing.assert_allclose(row, rhs(point), rtol=1e-13, atol=0)


def test_forward_mode_jacobian_is_the_stability_matrix(symbolic: BetaSystem) -> None:
    """Exactly, not only numerically: the Jacobian program, inlined, minus the matrix is zero."""
    kernel = build_kernels(symbolic).jacobian
    env: dict[sp.Symbol, sp.Expr] = {}
    plain = {sp.Symbol(s.name): s for s in (*symbolic.symbols, *symbolic.parameters)}
    for x, e in kernel.temporaries:
        env[x] = e.xreplace(env)
    n = len(symbolic.couplings)
    matrix = symbolic.stability_matrix
    stored = dict(kernel.outputs[0].entries)
    for i in range(n):
        for j in range(n):
            ours = stored.get(i * n + j, sp.Integer(0)).xreplace(env).xreplace(plain)
            assert sp.simplify(ours - matrix[i, j]) == 0, (i, j)
