"""The LPA flow of the full potential, derived for symbolic d and N, against the literature.

Source: the LPA flow of the O(N) model with the Litim regulator (Litim, Phys. Lett. B486
(2000) 92, hep-th/0005245 and Phys. Rev. D64 (2001) 105007, hep-th/0103195; Berges,
Tetradis, Wetterich, hep-ph/0005122), as printed in shared/REFERENCES.md:
    d_t u = -d u + (d - 2 + eta) rho u' + (4 v_d / d) (1 - eta/(d+2))
            [ (N - 1)/(1 + u') + 1/(1 + u' + 2 rho u'') ],
    v_d = 1 / (2^(d+1) pi^(d/2) Gamma(d/2)),  eta = 0 in the LPA.
"""

from __future__ import annotations

import pytest
import sympy as sp

from rgsym import symbols
from rgsym.pipeline import derive
from rgsym.project import PotentialFlow
from rgsym.spec import parse_spec


@pytest.fixture(scope="module")
def flow() -> PotentialFlow:
    spec = parse_spec({"theory": {"d": "d", "N": "N"}, "truncation": {"potential": "full"}}, "lpa")
    result = derive(spec)
    assert isinstance(result, PotentialFlow)
    return result


def reference_rhs(flow: PotentialFlow, d: sp.Expr, n: sp.Expr) -> sp.Expr:
    rho, u = flow.invariant, flow.potential
    u1, u2 = sp.diff(u, rho), sp.diff(u, rho, 2)
    eta = sp.Integer(0)
    v_d = 1 / (2 ** (d + 1) * sp.pi ** (d / 2) * sp.gamma(d / 2))
    loop = (4 * v_d / d) * (1 - eta / (d + 2)) * ((n - 1) / (1 + u1) + 1 / (1 + u1 + 2 * rho * u2))
    return -d * u + (d - 2 + eta) * rho * u1 + loop


def test_lpa_equation(flow: PotentialFlow) -> None:
    """Symbolically equal, with d and N taken from the derived equation by name."""
    by_name = {s.name: s for s in flow.rhs.free_symbols if isinstance(s, sp.Symbol)}
    assert {"d", "N"} <= set(by_name)
    difference = flow.rhs - reference_rhs(flow, by_name["d"], by_name["N"])
    assert sp.simplify(difference) == 0


def test_lpa_equation_uses_rgsym_symbols(flow: PotentialFlow) -> None:
    """d and N in the PDE are rgsym.symbols.d and rgsym.symbols.N (with their assumptions),
    so that the PDE can be combined with anything else rgsym builds."""
    assert sp.simplify(flow.rhs - reference_rhs(flow, symbols.d, symbols.N)) == 0
    assert set(flow.parameters) == {symbols.d, symbols.N}


def test_potential_is_a_function_of_the_invariant(flow: PotentialFlow) -> None:
    assert flow.potential.free_symbols == {flow.invariant}
    assert not flow.rhs.has(symbols.eta)
