"""The vertex scheme: its betas equal the polynomial LPA around zero field, symbol by symbol.

Normalisation: Gamma^(2j)_{a..}(0) = lambda_j S with S the sum over the (2j-1)!!
pairings, so the coupling of the vertex scheme at order n (highest n-point
function) is lambda_j = u^(j)(0), j <= n/2: the polynomial LPA of order n/2 - 1.
"""

from __future__ import annotations

import pytest
import sympy as sp

from rgsym.betasystem import BetaSystem
from rgsym.errors import SpecError, UnsupportedError
from rgsym.pipeline import critical_exponents, derive
from rgsym.spec import MAX_VERTEX_ORDER, parse_spec
from tests.conftest import run_cli


def _pair(theory: dict[str, object], n: int) -> tuple[BetaSystem, BetaSystem]:
    vertex = derive(parse_spec({"theory": theory, "truncation": {"scheme": "vertex", "order": n}}))
    lpa = derive(parse_spec({"theory": theory,
                             "truncation": {"order": n // 2 - 1, "expand_around": "zero"}}))
    assert isinstance(vertex, BetaSystem) and isinstance(lpa, BetaSystem)
    return vertex, lpa


@pytest.mark.parametrize(("theory", "n"), [
    ({"d": 3, "N": 1}, 8),
    ({"d": "d", "N": "N"}, 8),
    ({"d": "4 - epsilon", "N": 2}, 6),
    ({"d": 3, "fields": ["phi", "chi"]}, 6),
    ({"d": 3, "fields": [{"name": "phi", "N": 2}, "chi"]}, 4),
])
def test_vertex_scheme_equals_polynomial_lpa(theory: dict[str, object], n: int) -> None:
    vertex, lpa = _pair(theory, n)
    assert vertex.names == lpa.names
    assert [c.order for c in vertex.couplings] == [c.order for c in lpa.couplings]
    for name, ours, ref in zip(vertex.names, vertex.betas, lpa.betas, strict=True):
        assert sp.simplify(sp.expand(ours - ref)) == 0, name  # expand first: simplify alone is slow
    difference = (vertex.stability_matrix - lpa.stability_matrix).applyfunc(sp.expand)
    assert difference.applyfunc(sp.simplify) == sp.zeros(len(vertex), len(vertex))
    assert vertex.masses == lpa.masses
    assert vertex.scales == lpa.scales
    assert vertex.parameters == lpa.parameters
    assert vertex.name.startswith("VERTEX")


def test_vertex_scheme_at_high_order() -> None:
    vertex, lpa = _pair({"d": 3, "N": 1}, 18)
    for ours, ref in zip(vertex.betas, lpa.betas, strict=True):
        assert sp.simplify(sp.expand(ours - ref)) == 0


def test_odd_order_keeps_the_even_couplings() -> None:
    vertex, _ = _pair({"d": 3, "N": 1}, 7)
    assert vertex.names == ("lambda_1", "lambda_2", "lambda_3")


def test_exponents_through_the_vertex_scheme() -> None:
    """Same betas, same compiled system: the Wilson-Fisher exponents agree to rounding (1e-9 relative,
    far above double-precision noise of the Newton iteration, far below any truncation effect)."""
    vertex = parse_spec({"theory": {"d": 3, "N": 1}, "truncation": {"scheme": "vertex", "order": 8}})
    lpa = parse_spec({"theory": {"d": 3, "N": 1}, "truncation": {"order": 3, "expand_around": "zero"}})
    _, ex_v = critical_exponents(vertex)
    _, ex_l = critical_exponents(lpa)
    assert ex_v.nu is not None and ex_l.nu is not None
    assert ex_v.nu == pytest.approx(ex_l.nu, rel=1e-9)


@pytest.mark.parametrize(("truncation", "error", "key"), [
    ({"scheme": "vertex", "potential": "full"}, SpecError, "truncation.potential"),
    ({"scheme": "vertex", "expand_around": "minimum"}, UnsupportedError, "truncation.expand_around"),
    ({"scheme": "vertex", "order": 1}, SpecError, "truncation.order"),
    ({"scheme": "vertex", "order": MAX_VERTEX_ORDER + 1}, SpecError, "truncation.order"),
])
def test_vertex_spec_errors(truncation: dict[str, object], error: type[Exception], key: str) -> None:
    with pytest.raises(error) as info:
        parse_spec({"theory": {"d": 3, "N": 1}, "truncation": truncation})
    assert isinstance(info.value, SpecError) and info.value.key == key


def test_vertex_scheme_defaults_to_zero_field() -> None:
    spec = parse_spec({"theory": {"d": 3, "N": 1}, "truncation": {"scheme": "vertex"}})
    assert spec.truncation.expand_around == "zero"


def test_cli_derive_vertex_scheme() -> None:
    done = run_cli("derive", "derivations/ising_lpa_zero.toml", "--set", "truncation.scheme=vertex",
                   "--set", "truncation.order=4")
    assert done.returncode == 0, done.stderr
    assert "VERTEX" in done.stdout and "beta_lambda_2" in done.stdout
