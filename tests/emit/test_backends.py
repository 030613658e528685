"""The solvers run unchanged on every backend and find the same fixed point and exponents."""

from __future__ import annotations

import numpy as np
import pytest

from rgsym.betasystem import BetaSystem
from rgsym.solve.exponents import compute_exponents, select_critical
from rgsym.solve.fixed_points import find_fixed_points
from rgsym.solve.numeric import BACKENDS, compile_system


def critical(system: BetaSystem, backend: str) -> tuple[np.ndarray, float, float]:
    numeric = compile_system(system, backend=backend)
    assert numeric.backend == backend
    points = [(fp, compute_exponents(numeric, fp)) for fp in find_fixed_points(numeric)]
    chosen = select_critical(points)
    assert chosen is not None
    fp, ex = chosen
    assert ex.nu is not None and ex.omega is not None
    return np.array(fp.values), ex.nu, ex.omega


@pytest.fixture(scope="module")
def default(order4: BetaSystem) -> tuple[np.ndarray, float, float]:
    return critical(order4, "symengine")


@pytest.mark.parametrize("backend", ["c", "numpy", "sympy"])
def test_exponents_agree_with_the_default_backend(backend: str, order4: BetaSystem,
                                                  default: tuple[np.ndarray, float, float]) -> None:
    values, nu, omega = critical(order4, backend)
    # Newton converges to rounding (residual 1e-11 of the scaled betas); the Jacobians agree to
    # 1e-15 relative, so the eigenvalues may differ by about their condition number times that.
    np.testing.assert_allclose(values, default[0], rtol=1e-9)
    assert nu == pytest.approx(default[1], rel=1e-10)
    assert omega == pytest.approx(default[2], rel=1e-10)


def test_jacobian_of_generated_code_is_exact(order4: BetaSystem) -> None:
    """At the Wilson-Fisher point the C Jacobian equals the symbolic stability matrix (LLVM)."""
    reference = compile_system(order4)
    c = compile_system(order4, backend="c")
    g = np.array(find_fixed_points(reference)[-1].values)
    ours, exact = c.jacobian(g), reference.jacobian(g)
    # Two different programs for the same numbers (forward mode vs the CSE'd matrix): they agree
    # to rounding of the sums that make each entry, whose terms reach the size of the row.
    row = np.max(np.abs(exact), axis=1, keepdims=True)
    assert np.all(np.abs(ours - exact) <= 1e-12 * row), np.max(np.abs(ours - exact) / row)


def test_unknown_backend_is_refused(order4: BetaSystem) -> None:
    with pytest.raises(ValueError, match="allowed: symengine, c, numpy, sympy"):
        compile_system(order4, backend="fortran")
    assert BACKENDS == ("symengine", "c", "numpy", "sympy")
