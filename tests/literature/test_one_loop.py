"""The one-loop beta function of the quartic coupling in d = 4, from the derived LPA flow.

Source: the one-loop beta function of the O(N) model, V = (lambda/4!)(phi.phi)^2:
beta_lambda = (N + 8) lambda^2 / (48 pi^2), and 3 lambda^2 / (16 pi^2) for N = 1
(e.g. Peskin & Schroeder, ch. 12; Zinn-Justin, Quantum Field Theory and Critical
Phenomena; shared/REFERENCES.md).  The one-loop coefficient is universal, so the Litim
regulator must reproduce it.

In rgsym's zero-field expansion V = lambda_2 rho^2 / 2 with rho = phi.phi / 2, i.e.
V = lambda_2 (phi.phi)^2 / 8, so lambda = 3 lambda_2.  The massless flow is the flow at
lambda_1 = u'(0) = 0; higher couplings are switched off, and the coefficient of lambda^2 is
read off at small coupling.
"""

from __future__ import annotations

import pytest
import sympy as sp

from rgsym import symbols
from rgsym.betasystem import BetaSystem
from rgsym.pipeline import derive
from rgsym.spec import parse_spec

LAMBDA = sp.Symbol("lambda", positive=True)


def quartic_beta(n: int | str, order: int) -> sp.Expr:
    """beta_lambda(lambda) in d = 4 on the massless line, all other couplings zero."""
    spec = parse_spec({"theory": {"d": 4, "N": n},
                       "truncation": {"order": order, "expand_around": "zero"}}, "one_loop")
    system = derive(spec)
    assert isinstance(system, BetaSystem)
    g = {c.name: c.symbol for c in system.couplings}
    line = {s: 0 for s in system.symbols}
    line[g["lambda_2"]] = LAMBDA / 3
    return 3 * system.beta("lambda_2").xreplace(line)


def one_loop_coefficient(beta: sp.Expr) -> sp.Expr:
    return sp.limit(beta / LAMBDA**2, LAMBDA, 0)


@pytest.mark.parametrize("order", [1, 3])
def test_symbolic_n(order: int) -> None:
    """Exact for symbolic N; the truncation order (1 or 3) must not matter at one loop."""
    beta = quartic_beta("N", order)
    # lambda is marginal in d = 4: no linear term
    assert sp.limit(beta / LAMBDA, LAMBDA, 0) == 0
    expected = (symbols.N + 8) / (48 * sp.pi**2)
    assert sp.simplify(one_loop_coefficient(beta) - expected) == 0


def test_ising() -> None:
    """N = 1 in the spec: 3 / (16 pi^2) for V = lambda phi^4 / 4!."""
    assert sp.simplify(one_loop_coefficient(quartic_beta(1, 1)) - 3 / (16 * sp.pi**2)) == 0
