"""The Hessian on the background: its structure must come out of differentiation."""

from __future__ import annotations

import itertools

import sympy as sp

from rgsym.action import build_action
from rgsym.spec import parse_spec
from rgsym.vertices import derivative_symbol, take_vertices


def test_on_representatives_match_explicit_n3_matrix() -> None:
    """The radial/Goldstone masses equal the eigenvalues of the explicit 3x3 Hessian."""
    vertices = take_vertices(build_action(parse_spec({"theory": {"d": 3, "N": 3},
                                                      "truncation": {"potential": "full"}})))
    m = vertices.mass_matrix
    u1, u2 = derivative_symbol((1,)), derivative_symbol((2,))
    # explicit O(3): U(rho), rho = phi.phi/2, Hessian U' delta_ab + U'' phi_a phi_b at phi = (s, 0, 0)
    phi = sp.symbols("p0:3", real=True)
    s = sp.Symbol("s", positive=True)
    hess = sp.Matrix(3, 3, lambda a, b: u1 * (1 if a == b else 0) + u2 * phi[a] * phi[b])
    explicit = hess.subs({phi[0]: s, phi[1]: 0, phi[2]: 0})
    eigen = sorted(explicit.eigenvals(multiple=True), key=sp.default_sort_key)
    bar = [x for x in m.free_symbols if x.name.startswith("sigmabar")][0]
    ours = sorted([m[0, 0].subs(bar, s), m[1, 1].subs(bar, s), m[1, 1].subs(bar, s)],
                  key=sp.default_sort_key)
    assert all(sp.simplify(a - b) == 0 for a, b in zip(ours, eigen, strict=True))
    assert m[0, 1] == 0 and m[1, 0] == 0


def test_two_fields_mix_off_diagonal() -> None:
    vertices = take_vertices(build_action(parse_spec(
        {"theory": {"d": 3, "fields": ["phi", "chi"]}, "truncation": {"expand_around": "zero"}})))
    m = vertices.mass_matrix
    u11 = derivative_symbol((1, 1))
    assert m[0, 1] == m[1, 0]
    assert m[0, 1].has(u11)  # sigma_phi sigma_chi u_{phi chi}
    for i, j in itertools.product(range(2), repeat=2):
        assert m[i, j].free_symbols  # nothing is identically zero for two real scalars


def test_kinetic_term_is_y() -> None:
    vertices = take_vertices(build_action(parse_spec({"theory": {"d": 3, "N": 1}})))
    assert vertices.kinetic == sp.Symbol("y", nonnegative=True)
