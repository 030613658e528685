"""O(N) at O(d^2) against the literature: N = 2, 3, 4 in d = 3, exponential regulator, alpha = 2.

The O(d^2) tables of De Polsi, Balog, Tissier, Wschebor, PRE 101 (2020) 042113, arXiv:2001.07525
(and von Gersdorff, Wetterich, PRB 64 (2001) 054513) could not be read here, so their numbers are not
compared.  What is tested instead is what that paper states in its abstract: the derivative
expansion converges with a small parameter between 1/9 and 1/4 per order.  The error of the O(d^2)
result is then at most the sum of the later steps, |X_d2 - X_LPA| (1/4) / (1 - 1/4) = |X_d2 - X_LPA| / 3,
where |X_d2 - X_LPA| is the step just taken (LPA with the same regulator).  The exact values are the
Monte Carlo ones of the shared references (O(2): nu = 0.671718, eta = 0.03816; O(3): nu = 0.71164,
eta = 0.03784; Hasenbusch; Campostrini et al.).  Also the trend in N of the same Monte Carlo values:
nu grows and omega falls from N = 1 to 4.

Measured (full functions, 40 Chebyshev points): O(2) nu = 0.667462, eta = 0.046709, omega = 0.786994;
O(3) nu = 0.705466, eta = 0.046347, omega = 0.746689; O(4) nu = 0.741400, eta = 0.044277,
omega = 0.724481.  LPA, same regulator, u' of degree 8: O(2) nu = 0.714276, O(3) nu = 0.768330.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rgsym.pipeline import critical_exponents
from rgsym.spec import load_spec
from rgsym.workflows.d2 import D2Result, d2_exponents

DERIVATIONS = Path(__file__).resolve().parents[2] / "derivations"
#: Monte Carlo values (shared references, "Best known values, d = 3").
MONTE_CARLO = {2: (0.671718, 0.03816), 3: (0.71164, 0.03784)}
#: The largest small parameter of the derivative expansion (De Polsi et al., arXiv:2001.07525).
SMALL_PARAMETER = 0.25


def d2(n: int) -> D2Result:
    return d2_exponents(load_spec(str(DERIVATIONS / "on_d2.toml"), [f"theory.N={n}"]))


def lpa_nu(n: int) -> float:
    """The LPA nu with the same regulator (exponential, alpha = 2), u' of degree 8 around the minimum."""
    spec = load_spec(str(DERIVATIONS / "on_lpa.toml"), [f"theory.N={n}", "regulator.kind=exponential",
                                                        "regulator.alpha=2", "truncation.order=8"])
    nu = critical_exponents(spec)[1].nu
    assert nu is not None
    return nu


def within_the_expansion_error(n: int) -> D2Result:
    result, lpa = d2(n), lpa_nu(n)
    nu_mc, eta_mc = MONTE_CARLO[n]
    rest = SMALL_PARAMETER / (1 - SMALL_PARAMETER)  # the later orders, a geometric series
    assert abs(result.nu - nu_mc) <= rest * abs(result.nu - lpa)
    assert abs(result.eta - eta_mc) <= rest * abs(result.eta - 0.0)  # eta = 0 in the LPA
    # and not trivially so: the O(d^2) step moved nu towards the Monte Carlo value
    assert abs(result.nu - nu_mc) < abs(lpa - nu_mc)
    return result


def test_o2_within_the_derivative_expansion_error() -> None:
    result = within_the_expansion_error(2)
    assert result.relevant == 1 and result.omega is not None and 0.7 < result.omega < 0.9


@pytest.mark.slow
def test_o3_within_the_derivative_expansion_error() -> None:
    within_the_expansion_error(3)


@pytest.mark.slow
def test_trend_in_n_follows_monte_carlo() -> None:
    """nu grows and omega falls with N (Monte Carlo: nu = 0.6300, 0.6717, 0.7116, 0.749 for N = 1..4,
    omega = 0.830, 0.79, 0.759, 0.75), and eta stays near 0.04 (Monte Carlo 0.036 to 0.038; O(d^2)
    overestimates it by about 0.01 for every N, as the Ising row shows)."""
    results = [d2(n) for n in (1, 2, 3, 4)]
    nus = [r.nu for r in results]
    omegas = [r.omega for r in results]
    assert all(o is not None for o in omegas)
    assert nus == sorted(nus) and len(set(nus)) == 4
    assert omegas == sorted(omegas, reverse=True)  # type: ignore[type-var]
    assert all(0.035 < r.eta < 0.055 for r in results)
