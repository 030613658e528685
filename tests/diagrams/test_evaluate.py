"""The consistency theorem: the diagrams at zero momentum are the field derivatives of the LPA flow.

The core engine derives d_t u(rho) (truncation.potential = "full"); its n-th
derivative in the radial field at rho = sigma^2/2 must equal the sum of the
n-point diagrams evaluated with LPA vertices and threshold integrals, scaling
terms included.  Both sides are brought to polynomials in the inverse
propagators (tests/diagrams/reference.py) and compared exactly.
"""

from __future__ import annotations

from functools import cache

import pytest
import symengine as se
import sympy as sp

from rgsym import symbols
from rgsym.action import build_action
from rgsym.diagrams import derive_flow_diagrams
from rgsym.diagrams.evaluate import BackgroundVertices, evaluate_flow, take_background_vertices
from rgsym.integrate import regulator_of
from rgsym.pipeline import derive
from rgsym.project import PotentialFlow
from rgsym.spec import parse_spec
from tests.diagrams import reference

SIGMA = symbols.background_value("phi")


@cache
def _setup(n_components: int | str, regulator: str = "litim", d: int | str = "d"
           ) -> tuple[PotentialFlow, BackgroundVertices, object]:
    spec = parse_spec({"theory": {"d": d, "N": n_components}, "truncation": {"potential": "full"},
                       "regulator": {"kind": regulator}})
    flow = derive(spec)
    assert isinstance(flow, PotentialFlow)
    return flow, take_background_vertices(build_action(spec)), regulator_of(spec.regulator)


def _exactly_equal(ours: se.Basic, ref: se.Basic) -> bool:
    difference = se.expand(ours - ref)
    return sp.simplify(sp.sympify(difference)) == 0


@pytest.mark.parametrize("components", [1, "N"])
@pytest.mark.parametrize("n", range(1, 9))
def test_diagrams_are_field_derivatives_of_the_lpa_flow(n: int, components: int | str) -> None:
    flow, vertices, regulator = _setup(components)
    masses = vertices.masses()
    ours = reference.as_polynomial(evaluate_flow(derive_flow_diagrams(n), vertices, regulator), masses)
    rhs = reference.in_symbols(flow).subs(flow.invariant, SIGMA**2 / 2)
    ref = reference.radial_derivative(rhs, n, SIGMA, flow.invariant, masses)
    assert _exactly_equal(ours, ref)


def test_the_test_can_fail() -> None:
    """A wrong prefactor (the tadpole doubled) is caught."""
    flow, vertices, regulator = _setup("N")
    masses = vertices.masses()
    diagrams = derive_flow_diagrams(2)
    from dataclasses import replace

    wrong = replace(diagrams, terms=(replace(diagrams.terms[0], multiplicity=2), diagrams.terms[1]))
    rhs = reference.in_symbols(flow).subs(flow.invariant, SIGMA**2 / 2)
    ref = reference.radial_derivative(rhs, 2, SIGMA, flow.invariant, masses)
    assert not _exactly_equal(reference.as_polynomial(evaluate_flow(wrong, vertices, regulator), masses), ref)


def test_goldstone_index_runs_unchanged_around_a_ring() -> None:
    """With radial legs a vertex is even in pi: sigma-pi entries vanish (the evaluation relies on it)."""
    _, vertices, _ = _setup("N")
    sigma, pi = 0, 1
    for legs in range(0, 7):
        assert vertices.vertex((sigma, pi, *[sigma] * legs)) == 0
        assert vertices.vertex((pi, pi, *[sigma] * legs)) != 0


def test_masses_on_the_background() -> None:
    _, vertices, _ = _setup("N")
    u1, u2 = sp.Symbol("u_1", real=True), sp.Symbol("u_2", real=True)
    assert vertices.masses() == (u1 + SIGMA**2 * u2, u1)


def test_another_regulator_through_the_threshold_derivative_rule() -> None:
    """Exponential regulator (no closed form): both sides are ThresholdIntegral objects."""
    flow, vertices, regulator = _setup(1, "exponential", 3)
    rho = flow.invariant
    rhs = reference.in_symbols(flow).subs(rho, SIGMA**2 / 2)
    for n in (1, 2, 3):
        ours = evaluate_flow(derive_flow_diagrams(n), vertices, regulator)
        ref = rhs
        for _ in range(n):
            ref = sp.diff(ref, SIGMA) + sum(sp.diff(ref, reference.U[j]) * SIGMA * reference.U[j + 1]
                                            for j in range(6))
        assert sp.simplify(sp.expand(ours - ref)) == 0
