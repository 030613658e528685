"""Scheme dependence of the Ising LPA: every built-in regulator converges, none beats Litim's.

Sources:
- D. F. Litim, Phys. Lett. B486 (2000) 92, hep-th/0005245; Phys. Rev. D64 (2001) 105007,
  hep-th/0103195: the optimised regulator gives the fastest convergence and, in the LPA,
  the smallest nu; other regulators give nu at or above nu_Litim = 0.649561773881
  (converged value: Bervillier, Juttner, Litim, hep-th/0701172).
- Converged values measured here (order 14 around the minimum, alpha = 1), for the issue note:
  exponential nu = 0.658893, omega = 0.643972; exp-mass nu = 0.655593, omega = 0.645625;
  power-law nu = 0.660390, omega = 0.628561; sharp cutoff nu = 0.689459, omega = 0.59524
  (orders 12 to 18; omega still moves by 1e-5 there).
"""

from __future__ import annotations

import pytest

from rgsym.pipeline import critical_exponents
from rgsym.spec import parse_spec

NU_LITIM = 0.649561773881
ORDERS = (8, 10, 12)


def nus(kind: str) -> list[float]:
    out = []
    for order in ORDERS:
        spec = parse_spec({"theory": {"d": 3, "N": 1}, "truncation": {"order": order},
                           "regulator": {"kind": kind}}, kind)
        out.append(critical_exponents(spec)[1].nu)
    return out


@pytest.mark.parametrize("kind", ["exponential", "exp-mass", "power-law", "sharp"])
def test_nu_converges_and_lies_above_litim(kind: str) -> None:
    """Successive differences shrink by more than a factor 5 from (8,10) to (10,12) (measured:
    10 to 20), and nu stays above Litim's by far more than the truncation error (>5e-3 against
    differences of about 1e-5 at order 12)."""
    values = nus(kind)
    first, second = abs(values[1] - values[0]), abs(values[2] - values[1])
    assert second < first / 5
    assert second < 2e-5
    assert all(v > NU_LITIM + 5e-3 for v in values)
