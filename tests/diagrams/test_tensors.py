"""O(N) index structure: invariant tensors at zero field and on the radial background.

Checks: the full labelled flow of Gamma^(4)_{abcd} at zero field is a multiple of
S = delta_ab delta_cd + delta_ac delta_bd + delta_ad delta_bc with the one-loop
(N + 8) and (N + 4) coefficients; the radial and Goldstone projections of
Gamma^(2)_{ab} and of Gamma^(4) on the background are the sigma- and
rho-derivatives of the core engine's LPA flow; the class-by-class projection
equals the projection of the expanded tensor.
"""

from __future__ import annotations

from functools import cache

import pytest
import symengine as se
import sympy as sp

from rgsym import symbols
from rgsym.action import build_action
from rgsym.diagrams import derive_flow_diagrams
from rgsym.diagrams.evaluate import evaluate_flow, take_background_vertices
from rgsym.diagrams.tensors import (
    IndexedFlow,
    Structure,
    contract,
    indexed_flow,
    project_symmetric,
    symmetric_flow,
    symmetric_tensor,
)
from rgsym.integrate import regulator_of
from rgsym.pipeline import derive
from rgsym.project import PotentialFlow
from rgsym.spec import RegulatorSpec, parse_spec
from tests.diagrams import reference

D, N = symbols.d, symbols.N
SIGMA = symbols.background_value("phi")
U = reference.U
LITIM = regulator_of(RegulatorSpec())


@cache
def _full_flow() -> PotentialFlow:
    flow = derive(parse_spec({"theory": {"d": "d", "N": "N"}, "truncation": {"potential": "full"}}))
    assert isinstance(flow, PotentialFlow)
    return flow


def _vertices(background: sp.Expr):  # type: ignore[no-untyped-def]
    spec = parse_spec({"theory": {"d": "d", "N": "N"}, "truncation": {"potential": "full"}})
    return take_background_vertices(build_action(spec), {"phi": background})


def test_contractions() -> None:
    s4 = symmetric_tensor((1, 2, 3, 4), 2)
    assert len(s4) == 3 and len(symmetric_tensor((1, 2, 3, 4), 1)) == 6
    # S.S = 3 N (N + 2) for four legs
    assert sp.expand(sum(contract(a, b) for a in s4 for b in s4) - 3 * N * (N + 2)) == 0
    assert contract(Structure((), (1, 2)), Structure((), (1, 2))) == 1


def test_four_point_at_zero_field_is_one_invariant_tensor() -> None:
    flow = indexed_flow(4, sp.Integer(0), LITIM, D)
    assert [s for s, _ in flow.components] == symmetric_tensor((1, 2, 3, 4), 2)
    proj = project_symmetric(flow)
    assert proj.residual == ()
    t2, t3 = sp.symbols("T_2 T_3")
    # one loop: 2 (N + 8) lambda_2^2 T_3 - (N + 4) lambda_3 T_2  (couplings u_j = lambda_j at zero field)
    expected = 2 * (N + 8) * U[2] ** 2 * t3 - (N + 4) * U[3] * t2
    assert sp.expand(proj.coefficients[0] - expected) == 0
    # and it is the radial flow over S_1111 = 3
    radial = evaluate_flow(derive_flow_diagrams(4, even_vertices=True), _vertices(sp.Integer(0)), LITIM,
                           scaling=False)
    assert sp.simplify(proj.evaluated()[0] - radial / 3) == 0


def test_a_wrong_tensor_leaves_a_residual() -> None:
    s4 = symmetric_tensor((1, 2, 3, 4), 2)
    lopsided = IndexedFlow((1, 2, 3, 4), sp.Integer(0), ((s4[0], sp.Integer(2)), (s4[1], sp.Integer(1)),
                                                          (s4[2], sp.Integer(1))))
    assert project_symmetric(lopsided).residual != ()


def test_two_point_on_the_background_radial_and_goldstone() -> None:
    """Gamma^(2)_ab = c_0 e_a e_b + c_1 delta_ab: radial mass flow c_0 + c_1, Goldstone c_1 = d_rho d_t u."""
    flow = indexed_flow(2, SIGMA, LITIM, D)
    proj = project_symmetric(flow)
    assert proj.pairs == (0, 1) and proj.residual == ()
    c0, c1 = proj.evaluated()
    masses = _vertices(SIGMA).masses()
    radial = evaluate_flow(derive_flow_diagrams(2), _vertices(SIGMA), LITIM, scaling=False)
    assert _same(c0 + c1, radial, masses)
    full = _full_flow()
    rho = full.invariant
    loops = reference.in_symbols(full, loops_only_in=D)
    masses_rho = [m.subs(SIGMA**2, 2 * rho) for m in masses]
    goldstone = reference.rho_derivative(loops, 1, SIGMA, rho, masses_rho)
    # the Goldstone bubble has one radial and one Goldstone propagator: equal only through
    # G_L G_T = (G_T - G_L) / (w_L - w_T), so compare rational functions
    assert _same_rational(c1, goldstone, masses)


def test_goldstone_four_point_on_the_background() -> None:
    """Gamma^(4)_gggg (g orthogonal to the background) = 3 d_rho^2 d_t u: only Sym(delta^2) reaches it."""
    proj = symmetric_flow(4, SIGMA, LITIM, D)
    assert proj.pairs == (0, 1, 2)
    gggg = 3 * proj.evaluated()[2]  # Sym(delta delta) has three terms, each 1 on g g g g
    full = _full_flow()
    rho = full.invariant
    masses = _vertices(SIGMA).masses()
    masses_rho = [m.subs(SIGMA**2, 2 * rho) for m in masses]
    ref = reference.rho_derivative(reference.in_symbols(full, loops_only_in=D), 2, SIGMA, rho, masses_rho)
    assert _same_rational(gggg, 3 * ref, masses)


@pytest.mark.parametrize(("n", "background"), [(2, 0), (4, 0), (2, 1), (3, 1)])
def test_class_projection_equals_expanded_projection(n: int, background: int) -> None:
    sigma = SIGMA if background else sp.Integer(0)
    expanded = project_symmetric(indexed_flow(n, sigma, LITIM, D))
    by_class = symmetric_flow(n, sigma, LITIM, D)
    assert expanded.residual == ()
    pairs = zip(expanded.coefficients, by_class.coefficients, strict=True)
    assert all(sp.cancel(a - b) == 0 for a, b in pairs)


@pytest.mark.parametrize("n", [2, 4, 6, 8])
def test_symmetric_phase_projection_is_the_radial_flow(n: int) -> None:
    """On S_n the coefficient times (n-1)!! is the flow with all legs on one component."""
    proj = symmetric_flow(n, sp.Integer(0), LITIM, D)
    radial = evaluate_flow(derive_flow_diagrams(n, even_vertices=True), _vertices(sp.Integer(0)), LITIM,
                           scaling=False)
    assert sp.simplify(proj.evaluated()[0] * sp.factorial2(n - 1) - radial) == 0


def _same(a: sp.Expr, b: sp.Expr, masses: tuple[sp.Expr, ...]) -> bool:
    return _same_poly(reference.as_polynomial(a, masses), reference.as_polynomial(b, masses))


def _same_poly(a: se.Basic, b: se.Basic) -> bool:
    return sp.simplify(sp.sympify(se.expand(a - b))) == 0


def _same_rational(ours: sp.Expr, ref: se.Basic, masses: tuple[sp.Expr, ...]) -> bool:
    """Compare after putting the inverse propagators s_i = 1/(1 + w_i) back."""
    def plain(e: object) -> sp.Expr:  # through symengine, so both sides have the same (plain) symbols
        return sp.sympify(se.sympify(e))

    back = {sp.Symbol(f"s_{i}"): 1 / (1 + plain(w)) for i, w in enumerate(masses)}
    difference = sp.together(plain(ours) - plain(ref).xreplace(back))
    return sp.simplify(sp.cancel(difference)) == 0
