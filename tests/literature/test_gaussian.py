"""Critical exponents at the Gaussian fixed point.

At the Gaussian fixed point the coupling of (phi^2)^n has the canonical scaling dimension:
theta_n = d - n (d - 2) (dimensional analysis with the field dimension (d - 2)/2; e.g.
Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002), hep-ph/0005122; shared/REFERENCES.md).
In the zero-field expansion lambda_n = u^(n)(0) multiplies rho^n ~ (phi^2)^n.
"""

from __future__ import annotations

import pytest
import sympy as sp

from rgsym import symbols
from rgsym.betasystem import BetaSystem
from rgsym.pipeline import derive, exponents
from rgsym.spec import parse_spec

ORDER = 4  # couplings lambda_1 ... lambda_5


def test_symbolic_dimension() -> None:
    """The characteristic polynomial of the symbolic stability matrix at g = 0 is
    prod_n (x + theta_n) for symbolic d and N (no assumption on the matrix's shape)."""
    spec = parse_spec({"theory": {"d": "d", "N": "N"},
                       "truncation": {"order": ORDER, "expand_around": "zero"}}, "gaussian")
    system = derive(spec)
    assert isinstance(system, BetaSystem)
    gaussian = system.stability_matrix.xreplace({g: 0 for g in system.symbols})
    x, d = sp.Symbol("x"), symbols.d
    size = gaussian.shape[0]
    # Berkowitz: sympy's default charpoly fails to sort factors that depend on a symbolic d.
    charpoly = (x * sp.eye(size) - gaussian).det(method="berkowitz")
    indices = [c.index[0] for c in system.couplings]
    assert indices == list(range(1, ORDER + 2))
    expected = sp.prod([x + (d - n * (d - 2)) for n in indices])
    assert sp.simplify(charpoly - expected) == 0


@pytest.mark.parametrize("n_components", [1, 4])
def test_three_dimensions(n_components: int) -> None:
    """d = 3: theta = 2, 1, 0, -1, -2 at the Gaussian fixed point found by the solver."""
    spec = parse_spec({"theory": {"d": 3, "N": n_components},
                       "truncation": {"order": ORDER, "expand_around": "zero"}}, "gaussian")
    gaussian = [ex for fp, ex in exponents(spec) if fp.is_gaussian]
    assert len(gaussian) == 1
    theta = gaussian[0].theta
    expected = [3 - n * (3 - 2) for n in range(1, ORDER + 2)]
    # The matrix is triangular with integer diagonal: only double rounding remains.
    assert [t.imag for t in theta] == [0.0] * len(expected)
    assert [t.real for t in theta] == pytest.approx(expected, abs=1e-12)
