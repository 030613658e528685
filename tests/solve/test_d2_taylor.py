"""The O(d^2) Taylor coefficients at the running minimum from one series composition
(rgsym.solve.d2_polynomial.taylor_equations) against the route it replaced: repeated total
rho-derivatives in jet space, written out here as the reference."""

from __future__ import annotations

import random

import numpy as np
import pytest
import symengine as se

from rgsym.derivative_expansion import DerivativeExpansionFlow
from rgsym.solve.d2_polynomial import D2System, solve_d2, taylor_equations
from rgsym.spec import load_spec
from rgsym.workflows.d2 import derive_d2_flow
from tests.conftest import DERIVATIONS


def _total_derivative(expr: se.Basic, chain: dict[se.Basic, se.Basic]) -> se.Basic:
    """d/drho in jet space: partial rho plus each jet symbol times the next one."""
    out = expr.diff(se.Symbol("rho"))
    for symbol, following in chain.items():
        out += expr.diff(symbol) * following
    return out


def _reference(flow: DerivativeExpansionFlow, order: int, kinetic_order: int,
               values: dict[str, float]) -> list[float]:
    """Loop and scaling rows by total derivatives, on the ansatz given by ``values`` (the old route)."""
    depth = max(order, kinetic_order) + 3
    u = [se.Symbol(f"u{k}") for k in range(depth + 2)]
    z = [se.Symbol("z")] + [se.Symbol(f"z{k}") for k in range(1, depth + 2)]
    y = [se.Symbol(f"y{k}") for k in range(depth + 2)]
    chain = dict(zip(u[:-1], u[1:], strict=True)) | dict(zip(z[:-1], z[1:], strict=True))
    chain |= dict(zip(y[:-1], y[1:], strict=True))
    # the ansatz: u^(k)(kappa) = lambda_k, z^(k)(kappa) = z_k (z(kappa) = 1), Y^(k)(kappa) = y_k
    at = {se.Symbol("rho"): values["kappa"], u[0]: 0.0, u[1]: 0.0, z[0]: 1.0}
    at |= {u[k]: values.get(f"lambda_{k}", 0.0) for k in range(2, len(u))}
    at |= {z[k]: values.get(f"z_{k}", 0.0) for k in range(1, len(z))}
    at |= {y[k]: values.get(f"y_{k}", 0.0) for k in range(len(y))}
    at |= {se.Symbol("y"): values["y"], se.Symbol("eta"): values["eta"]}
    loops, scalings = dict(flow.loops), dict(flow.scaling)
    rows: list[tuple[float, float]] = []
    for name in flow.functions:
        loop, scale = se.sympify(loops[name]), se.sympify(scalings[name])
        count = order + 1 if name == "u" else kinetic_order + 1
        if name == "u":  # the flow of u' is d/drho of the flow of u
            loop, scale = _total_derivative(loop, chain), _total_derivative(scale, chain)
        for _ in range(count):
            rows.append((float(loop.xreplace(at)), float(scale.xreplace(at))))
            loop, scale = _total_derivative(loop, chain), _total_derivative(scale, chain)
    return [r[0] for r in rows] + [r[1] for r in rows]


@pytest.mark.parametrize(("spec_file", "order", "kinetic_order"),
                         [("ising_d2.toml", 3, 2), ("ising_d2.toml", 2, 0), ("on_d2.toml", 2, 1)])
def test_the_series_composition_equals_the_total_derivatives(spec_file: str, order: int,
                                                             kinetic_order: int) -> None:
    spec = load_spec(str(DERIVATIONS / spec_file), ["truncation.potential=polynomial"])
    flow = derive_d2_flow(spec)
    ansatz, loops, scales = taylor_equations(flow, order, kinetic_order)
    rng = random.Random(16)
    values = {name: rng.uniform(0.1, 0.9) for name in ansatz.names} | {"y": 0.7, "eta": 0.04}
    at = {se.Symbol(k): v for k, v in values.items()}
    got = [float(e.xreplace(at)) for e in [*loops, *scales]]
    expected = _reference(flow, order, kinetic_order, values)
    # the same rational function evaluated in two forms: rounding only (measured: 5e-14 at most)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_the_regulator_jet_gives_the_same_rows() -> None:
    """The loops with r(y), r'(y), ... as symbols (what D2System compiles) equal the closed-form loops."""
    spec = load_spec(str(DERIVATIONS / "ising_d2.toml"), ["truncation.potential=polynomial"])
    flow = derive_d2_flow(spec)
    _, closed, _ = taylor_equations(flow, 3, 2)
    ansatz, jet, _ = taylor_equations(flow, 3, 2, regulator_jet=True)
    from rgsym.solve.d2_polynomial import regulator_values

    y = 0.7
    at = {se.Symbol(n): 0.2 + 0.1 * k for k, n in enumerate(ansatz.names)} | {se.Symbol("eta"): 0.04,
                                                                            se.Symbol("y"): y}
    table = regulator_values(flow, np.array([y]))
    r = {se.Symbol(str(s)): float(v[0]) for (s, _), v in zip(flow.regulator_values, table, strict=True)}
    got = [float(e.xreplace(at | r)) for e in jet]
    expected = [float(e.xreplace(at)) for e in closed]
    # exact against closed forms in doubles at y = 0.7: rounding of the closed forms (~1e-15 each)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_exponents_are_those_of_the_total_derivative_route() -> None:
    """Ising, u' of degree 3, z of degree 2, alpha = 1, from the LPA start: the values the total-derivative
    route gave (measured before this change, commit beb9e02): nu = 0.6341162100295553,
    eta = 0.03630921958042342, omega = 0.9534239853508084.  The new route gives them to 2e-14 (nu, eta)
    and 4e-13 (omega: the eigenvalue of a Jacobian summed over 96 nodes, with the regulator's values now
    exact to the last bit); the bounds leave a factor 10."""
    from rgsym.pipeline import critical_exponents
    from rgsym.workflows.d2 import _lpa_twin

    spec = load_spec(str(DERIVATIONS / "ising_d2.toml"),
                     ["truncation.potential=polynomial", "truncation.order=3", "truncation.kinetic_order=2",
                      "regulator.alpha=1"])
    system = D2System(derive_d2_flow(spec), 3, 2)
    lpa, _ = critical_exponents(_lpa_twin(spec, "polynomial"))
    start = np.array([lpa.as_dict().get(n, 0.0) for n in system.names] + [0.0])
    fp = solve_d2(system, start)
    assert fp.nu == pytest.approx(0.6341162100295553, abs=2e-13)
    assert fp.eta == pytest.approx(0.03630921958042342, abs=2e-13)
    assert fp.omega == pytest.approx(0.9534239853508084, abs=4e-12)


@pytest.mark.parametrize(("key", "value"), [("order", "MAX_D2_ORDER"),
                                            ("kinetic_order", "MAX_D2_KINETIC_ORDER")])
def test_degrees_above_the_caps_are_one_line_errors(key: str, value: str) -> None:
    """The caps of spec.MAX_D2_ORDER, MAX_D2_KINETIC_ORDER: the error names the key and the reason."""
    from rgsym import spec as spec_module
    from rgsym.errors import SpecError
    from rgsym.spec import parse_spec

    above = getattr(spec_module, value) + 1
    data = {"theory": {"d": 3, "N": 1}, "regulator": {"kind": "exponential", "alpha": 2},
            "truncation": {"scheme": "d2", "potential": "polynomial", "expand_around": "minimum", "order": 3,
                           "kinetic_order": 2} | {key: above}}
    with pytest.raises(SpecError, match=f"truncation.{key}") as error:
        parse_spec(data)
    assert str(above) in str(error.value) and "compil" in str(error.value)


@pytest.mark.slow
def test_the_highest_degrees_approach_the_full_functions() -> None:
    """Ising, alpha = 2, u' of degree 10 and z of degree 5 (the caps): measured nu = 0.623639,
    eta = 0.045400, omega = 0.847707 against the full functions' 0.628216, 0.044274, 0.848035 (README,
    O(d^2) convergence table).  The truncation error of z of degree 3 is 0.027 in nu and 0.009 in eta;
    the bounds (0.007, 0.002, 0.01) leave about 50% on top of the measured 0.0046, 0.0011, 3e-4."""
    from rgsym.workflows.d2 import d2_exponents

    path = str(DERIVATIONS / "ising_d2.toml")
    polynomial = d2_exponents(load_spec(path, ["truncation.potential=polynomial", "truncation.order=10",
                                               "truncation.kinetic_order=5"]))
    full = d2_exponents(load_spec(path))
    assert polynomial.route == "polynomial" and polynomial.relevant == 1
    assert abs(polynomial.nu - full.nu) < 0.007
    assert abs(polynomial.eta - full.eta) < 0.002
    assert polynomial.omega is not None and full.omega is not None
    assert abs(polynomial.omega - full.omega) < 0.01
