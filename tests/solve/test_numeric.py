"""The default numeric system: compiled betas, and the exact stability matrix by substitution."""

from __future__ import annotations

import numpy as np
import pytest
import symengine as se
import sympy as sp

from rgsym import load_spec
from rgsym.betasystem import BetaSystem
from rgsym.pipeline import derive
from rgsym.solve.numeric import Substitution, compile_system
from tests.conftest import DERIVATIONS


def system_at(order: int, *overrides: str) -> BetaSystem:
    system = derive(load_spec(DERIVATIONS / "on_lpa.toml", [f"truncation.order={order}", *overrides]))
    assert isinstance(system, BetaSystem)
    return system


def test_substitution_evaluates_points_and_batches() -> None:
    x, y = se.symbols("x y")
    f = Substitution((x,), (x**2 * y, 1 / (x - 1), se.Integer(0)), ((y, se.RealDouble(3.0)),))
    assert np.array_equal(f(np.array([2.0])), [12.0, 1.0, 0.0])
    batch = f(np.array([[2.0], [3.0]]))
    assert batch.shape == (2, 3) and np.array_equal(batch[1], [27.0, 0.5, 0.0])
    assert not np.isfinite(f(np.array([1.0]))[1])  # a pole is a number too, not an exception


def test_jacobian_is_the_stability_matrix_evaluated() -> None:
    """Against the sympy matrix at 30 digits: the substitution folds the same expressions in
    doubles, so it errs by rounding in sums whose terms cancel, 1e-12 of the largest term here
    (order 6; the benchmark compares orders up to 16 with a 300-bit evaluation)."""
    system = system_at(6)
    numeric = compile_system(system)
    f = sp.lambdify(system.symbols, system.stability_matrix, modules="mpmath")
    rng = np.random.default_rng(3)
    for _ in range(3):
        g = numeric.scales * rng.uniform(0.2, 1.0, len(system.couplings))
        want = np.array(f(*[sp.Float(v, 30) for v in g]).tolist(), dtype=float)
        assert np.max(np.abs(numeric.jacobian(g) - want)) <= 1e-12 * np.max(np.abs(want))


def test_exact_jacobian_is_built_once_per_point(monkeypatch: pytest.MonkeyPatch) -> None:
    """The branch search, the sectors and the exponents ask for the matrix at the same point:
    the second time it comes from the process's memo, equal to the bit, and a copy."""
    numeric = compile_system(system_at(4))  # 5 couplings: below the disk cache's threshold
    calls = []
    function = numeric._exact_jacobian_function

    def counted(g: np.ndarray) -> np.ndarray:
        calls.append(1)
        return np.asarray(function(g))

    # a cached_property of a frozen dataclass: its value lives in the instance's __dict__
    monkeypatch.setitem(numeric.__dict__, "_exact_jacobian_function", counted)
    g = numeric.scales * 0.5
    first = numeric.exact_jacobian(g)
    first[0, 0] = np.nan  # the caller's copy: the memo does not see it
    second = numeric.exact_jacobian(g)
    assert len(calls) == 1 and np.all(np.isfinite(second))
    assert np.array_equal(second, np.asarray(function(g), dtype=float).reshape(second.shape))
    numeric.exact_jacobian(g * 0.9)
    assert len(calls) == 2


def test_symbolic_parameters_are_substituted() -> None:
    system = system_at(3, 'theory.N="N"')
    (n,) = system.parameters
    numeric = compile_system(system, {n: 1.0})
    plain = compile_system(system_at(3))
    g = plain.scales * 0.5
    assert np.allclose(numeric.jacobian(g), plain.jacobian(g), rtol=1e-13, atol=0)


@pytest.mark.parametrize("kind", ["exponential"])
def test_quadrature_thresholds_in_the_jacobian(kind: str) -> None:
    """With quadrature thresholds the matrix reads T_c and, by the chain rule, T_{c + e_i}:
    central differences of the betas agree to their own truncation error (h = 1e-5 relative:
    h^2 ~ 1e-10, times the third derivative, well under 1e-6)."""
    system = system_at(3, f"regulator.kind={kind}")
    numeric = compile_system(system)
    g = numeric.scales * np.array([0.6, 0.8, 0.3, -0.2])
    h = 1e-5 * numeric.scales
    steps = np.diag(h)
    rows = [(numeric.rhs(g + steps[j]) - numeric.rhs(g - steps[j])) / (2 * h[j]) for j in range(len(g))]
    differences = np.array(rows).T
    exact = numeric.jacobian(g)
    assert np.max(np.abs(exact - differences)) <= 1e-6 * np.max(np.abs(exact))


def test_precise_point_is_the_fixed_point_whatever_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 256-bit Newton refinement lands on the same doubles from two starts 1e-7 apart, at the
    point the double-precision polish finds where that is well conditioned (order 8: condition
    number ~1e5), and polish uses it above PRECISE_CONDITION."""
    from rgsym.solve import fixed_points
    from rgsym.solve import numeric as numeric_module

    numeric = compile_system(system_at(8, "truncation.expand_around=minimum"))
    found = fixed_points.find_fixed_points(numeric)
    g = np.array(found[-1].values)
    precise = numeric.precise_point(g)
    assert precise is not None
    moved = numeric.precise_point(g * (1 + 1e-7))
    assert moved is not None and np.array_equal(precise, moved)
    # well conditioned: double-precision steps already reach the fixed point, to rounding
    assert np.allclose(precise, g, rtol=1e-13, atol=0)
    monkeypatch.setattr(numeric_module, "PRECISE_CONDITION", 0.0)
    assert np.array_equal(compile_system(numeric.system).polish(g * (1 + 1e-9)), precise)
