"""The generic collocation solver for coupled fixed functions (rgsym.solve.fixed_functions).

The LPA is the one-function special case: from the flow that rgsym derives, the generic solver
must give the exponents of rgsym.solve.pde (shared/REFERENCES.md, LPA, Litim, d = 3, N = 1:
nu = 0.649561773881, omega = 0.655745939193).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from rgsym.pde_form import W_SYMBOLS, differentiated_flow
from rgsym.pipeline import derive
from rgsym.project import PotentialFlow
from rgsym.solve.fixed_functions import (
    Condition,
    FixedFunction,
    FixedFunctionSystem,
    compile_system,
    residual_and_jacobian,
    solve_fixed_functions,
)
from rgsym.solve.pde import chebyshev_grid
from rgsym.spec import load_spec
from rgsym.workflows.fixed_function import fixed_function
from tests.conftest import DERIVATIONS

NU, OMEGA = 0.649561773881, 0.655745939193
f0, f1, f2, s = sp.symbols("f0 f1 f2 s")
y = sp.Symbol("y")
F = FixedFunction("f", f0, f1, f2)


def test_lpa_as_a_one_function_system() -> None:
    spec = load_spec(str(DERIVATIONS / "ising_lpa_full.toml"))
    flow = derive(spec)
    assert isinstance(flow, PotentialFlow)
    lpa = fixed_function(spec)
    g = differentiated_flow(flow.rhs, flow.invariant, flow.potential)
    w = FixedFunction("w", *W_SYMBOLS)
    system = FixedFunctionSystem(flow.invariant, (w,), (g,), name="LPA")
    start = np.polynomial.Chebyshev.fit(lpa.rho, lpa.derivative, len(lpa.rho) - 1, domain=[0, lpa.rho_max])
    result = solve_fixed_functions(system, {"w": start}, {}, lpa.rho_max)
    # both are spectral solves converged to ~1e-12 (tests/solve/test_pde.py); 1e-10 leaves room
    # for the different Newton paths
    assert result.nu == pytest.approx(NU, abs=1e-10)
    assert result.omega == pytest.approx(OMEGA, abs=1e-10)
    assert np.allclose(result.values["w"], lpa.derivative, atol=1e-10)


def test_integrals_are_compiled_to_quadrature() -> None:
    # E = f - int_0^oo sqrt(y) e^(-y) / (1 + f y) dy; at f = 0 the integral is Gamma(3/2) = sqrt(pi)/2
    rho = sp.Symbol("rho")
    integral = sp.Integral(sp.sqrt(y) * sp.exp(-y) / (1 + f0 * y), (y, 0, sp.oo))
    system = FixedFunctionSystem(rho, (F,), (f0 - integral,))
    grid = chebyshev_grid(6, 1.0)
    resid, jac = residual_and_jacobian(system, compile_system(system), grid, np.zeros(7))
    # the map y = s^2 makes the integrand exp(-s^2) s^2: Gauss-Legendre at 64 nodes to rounding
    assert np.allclose(resid, -math.sqrt(math.pi) / 2, atol=1e-13, rtol=0)
    # dE/df = 1 + int y^(3/2) e^(-y) = 1 + Gamma(5/2), on the diagonal only (no f', f'')
    assert np.allclose(jac, np.eye(7) * (1 + 0.75 * math.sqrt(math.pi)), atol=1e-12)


def test_jacobian_matches_finite_differences() -> None:
    rho = sp.Symbol("rho")
    eq = rho * f2 + (1 - rho) * f1 - f0**2 + s * sp.Integral(y / (1 + f0 + y), (y, 0, 1))
    system = FixedFunctionSystem(rho, (F,), (eq,), (s,), (Condition("f", 0.3, 1.0),))
    compiled = compile_system(system)
    grid = chebyshev_grid(8, 2.0)
    x = np.concatenate([0.2 + 0.1 * grid.rho**2, [0.7]])
    _, jac = residual_and_jacobian(system, compiled, grid, x)
    step = 1e-6
    numeric = np.column_stack([
        (residual_and_jacobian(system, compiled, grid, x + step * e)[0]
         - residual_and_jacobian(system, compiled, grid, x - step * e)[0]) / (2 * step)
        for e in np.eye(x.size)])
    # central differences: O(step^2) truncation times the D^2 entries (~1e2), plus rounding/step
    assert np.allclose(jac, numeric, atol=1e-6)


def test_condition_row_interpolates() -> None:
    rho = sp.Symbol("rho")
    system = FixedFunctionSystem(rho, (F,), (f0,), (s,), (Condition("f", 0.37, 2.0),))
    grid = chebyshev_grid(10, 1.0)
    x = np.concatenate([grid.rho**3, [0.0]])
    resid, _ = residual_and_jacobian(system, compile_system(system), grid, x)
    assert resid[-1] == pytest.approx(0.37**3 - 2.0, abs=1e-13)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"equations": ()}, "1 functions but 0 equations"),
    ({"scalars": (s,)}, "1 scalars but 0 conditions"),
    ({"scalars": (s,), "conditions": (Condition("g", 0.0, 1.0),)}, "condition on 'g'"),
])
def test_inconsistent_systems_are_refused(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"variable": sp.Symbol("rho"), "functions": (F,), "equations": (f0,)}
    with pytest.raises(ValueError, match=message):
        FixedFunctionSystem(**{**base, **kwargs})  # type: ignore[arg-type]


def test_missing_start_is_named() -> None:
    system = FixedFunctionSystem(sp.Symbol("rho"), (F,), (f0 - s,), (s,), (Condition("f", 0.0, 1.0),))
    with pytest.raises(ValueError, match="no start value for s"):
        solve_fixed_functions(system, {"f": np.ones_like}, {}, 1.0, 8)


def test_condition_outside_the_grid_is_refused() -> None:
    system = FixedFunctionSystem(sp.Symbol("rho"), (F,), (f0 - s,), (s,), (Condition("f", 2.0, 1.0),))
    with pytest.raises(ValueError, match="outside the grid"):
        solve_fixed_functions(system, {"f": np.ones_like}, {"s": 1.0}, 1.0, 8)


def _scaling_system(flow_of: sp.Symbol | None) -> FixedFunctionSystem:
    """d_t f = -2 f + rho f' (theta = 2 - n on rho^n) and one scalar s with -3 s + f(0) read off at
    rho = 0: d_t s when it flows (theta = 3 joins the spectrum), 0 = ... when it is a constraint."""
    from rgsym.solve.fixed_functions import PointEquation

    rho = sp.Symbol("rho")
    return FixedFunctionSystem(rho, (F,), (-2 * f0 + rho * f1,), (s,),
                               point_equations=(PointEquation(-3 * s + f0, 0.0, flow_of, "s"),))


@pytest.mark.parametrize("flows, nu", [(True, 1 / 3), (False, 1 / 2)])
def test_a_flowing_scalar_enters_the_spectrum(flows: bool, nu: float) -> None:
    system = _scaling_system(s if flows else None)
    result = solve_fixed_functions(system, {"f": lambda r: 0.01 * r}, {"s": 0.1}, 1.0, 12)
    # the spectrum of rho d/drho on polynomials is exact on the grid: eigenvalues to rounding
    assert result.nu == pytest.approx(nu, abs=1e-9)
    assert [round(t.real, 9) for t in result.theta[:3]] == ([3.0, 2.0, 1.0] if flows else [2.0, 1.0, 0.0])


def test_an_equation_at_a_moving_minimum() -> None:
    """f = rho^2 - 1/4 collocated; kappa from f(kappa) = 0 and s = f'(kappa) at the moving point: Newton
    finds kappa = 1/2, s = 1, and the Jacobian (with d/dkappa of f(kappa), f'(kappa)) is that of the
    residual."""
    from rgsym.solve.fixed_functions import PointEquation, fixed_functions_on_grid

    rho, kappa = sp.Symbol("rho"), sp.Symbol("kappa")
    system = FixedFunctionSystem(rho, (F,), (f0 - rho**2 + sp.Rational(1, 4),), (s, kappa),
                                 point_equations=(PointEquation(s - f1 * (1 + rho), kappa),
                                                  PointEquation(f0, kappa)))
    fitted, scalars = fixed_functions_on_grid(system, {"f": lambda r: r - 0.3}, {"s": 0.0, "kappa": 0.4},
                                              1.0, 8)
    # a quadratic is exact on the grid; Newton to rounding
    assert scalars["kappa"] == pytest.approx(0.5, abs=1e-12)
    assert scalars["s"] == pytest.approx(1.0 * 1.5, abs=1e-12)
    grid = chebyshev_grid(8, 1.0)
    x = np.concatenate([grid.rho**3 - 0.2, [0.7, 0.35]])
    compiled = compile_system(system)
    _, jac = residual_and_jacobian(system, compiled, grid, x)
    h = 1e-7
    numeric = np.column_stack([(residual_and_jacobian(system, compiled, grid, x + h * e)[0]
                                - residual_and_jacobian(system, compiled, grid, x - h * e)[0]) / (2 * h)
                               for e in np.eye(x.size)])
    # central differences of a smooth residual: error ~ h^2 f''' + eps/h ~ 1e-9
    assert np.allclose(jac, numeric, atol=1e-7, rtol=0)


def test_point_equations_are_counted_and_placed() -> None:
    from rgsym.solve.fixed_functions import PointEquation

    rho = sp.Symbol("rho")
    with pytest.raises(ValueError, match="1 scalars but 2 conditions"):
        FixedFunctionSystem(rho, (F,), (f0,), (s,), (Condition("f", 0.0, 1.0),),
                            point_equations=(PointEquation(s, 0.0),))
    with pytest.raises(ValueError, match="is not a scalar"):
        FixedFunctionSystem(rho, (F,), (f0,), (s,), point_equations=(PointEquation(s, sp.Symbol("k")),))
    system = FixedFunctionSystem(rho, (F,), (f0 - s,), (s,), point_equations=(PointEquation(s - 1, 2.0),))
    with pytest.raises(ValueError, match="outside the grid"):
        solve_fixed_functions(system, {"f": np.ones_like}, {"s": 1.0}, 1.0)
