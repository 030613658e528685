"""LPA': the anomalous dimension from the momentum dependence of Gamma^(2), Litim regulator.

Sources:
- shared/REFERENCES.md, "LPA', Litim regulator, N = 1, d = 3": eta = 0.044272, nu = 0.636795,
  omega = 0.72683, with the Goldstone-type projection eta = (16 v_d/d) kappa lambda^2
  m_{2,2}^d(0, 2 kappa lambda) (Tetradis and Wetterich, Nucl. Phys. B422 (1994) 541,
  hep-ph/9308260; Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122).
- The epsilon expansion: eta = (N+2) eps^2 / (2 (N+8)^2) + O(eps^3) (Wilson 1972; Pelissetto
  and Vicari, cond-mat/0012164); the one-loop-exact LPA' projection reproduces it.

The formula above is only used to check the engine's derivation, never in the code path.
"""

from __future__ import annotations

import pytest
import sympy as sp

from rgsym import symbols
from rgsym.betasystem import BetaSystem
from rgsym.pipeline import critical_exponents, derive
from rgsym.spec import TheorySpec, load_spec, parse_spec

ETA, NU, OMEGA = 0.044272, 0.636795, 0.72683
#: The references quote 5-6 significant digits: half a unit in the last digit, plus the
#: truncation error at order 12 (below 1e-6, measured against order 20), stays below 1e-5.
TOLERANCE = 1e-5


def lpa_prime(order: int, d: object = 3, n: object = 1, **truncation: object) -> TheorySpec:
    return parse_spec({"theory": {"d": d, "N": n},
                       "truncation": {"scheme": "lpa'", "order": order, **truncation}}, "lpa-prime")


@pytest.fixture(scope="module")
def ising() -> object:
    return critical_exponents(load_spec("derivations/ising_lpa_prime.toml"))


def test_ising_eta(ising: tuple) -> None:
    assert abs(ising[1].eta - ETA) < TOLERANCE


def test_ising_nu(ising: tuple) -> None:
    assert abs(ising[1].nu - NU) < TOLERANCE


def test_ising_omega(ising: tuple) -> None:
    assert abs(ising[1].omega - OMEGA) < TOLERANCE


def test_lpa_is_recovered_without_eta() -> None:
    """The same spec with scheme 'lpa' has eta = 0 and the LPA nu (Litim, hep-th/0203006)."""
    fp, ex = critical_exponents(parse_spec({"theory": {"d": 3, "N": 1},
                                            "truncation": {"order": 12}}, "lpa"))
    assert ex.eta == 0.0
    assert abs(ex.nu - 0.6495618) < 1e-7  # Litim's order-12 value, quoted to 7 digits


def test_derived_eta_is_the_goldstone_projection_formula() -> None:
    """Symbolic d and N: the engine's eta equals (16 v_d/d) kappa lambda^2 / (1 + 2 kappa lambda)^2,
    the Litim closed form of m_{2,2}^d(0, w) = 1/((1 + 0)^2 (1 + w)^2) (hep-ph/0005122, hep-th/0103195)."""
    system = derive(lpa_prime(4, d="d", n="N"))
    assert isinstance(system, BetaSystem)
    d = symbols.d
    kappa, lam = symbols.coupling("kappa"), symbols.coupling("lambda_2")
    v_d = 1 / (2 ** (d + 1) * sp.pi ** (d / 2) * sp.gamma(d / 2))
    expected = 16 * v_d / d * kappa * lam**2 / (1 + 2 * kappa * lam) ** 2
    assert sp.simplify(sp.sympify(system.eta) - expected) == 0


def test_eta_is_independent_of_n_in_the_goldstone_projection() -> None:
    """The ring with one Goldstone and one radial line has no sum over internal flavours."""
    system = derive(lpa_prime(3, d=3, n="N"))
    assert isinstance(system, BetaSystem)
    assert symbols.N not in sp.sympify(system.eta).free_symbols


@pytest.mark.parametrize("n", [1, 4])
def test_eta_epsilon_expansion(n: int) -> None:
    """eta / eps^2 -> (N+2) / (2 (N+8)^2) as eps = 4 - d -> 0.

    eta / eps^2 = a + b eps + c eps^2 + O(eps^3) at the LPA' fixed point; quadratic Richardson
    extrapolation from eps = 1/50, 1/100, 1/200 leaves O(eps^3) (measured: linear extrapolation
    from 1/100 and 1/200 is off by 4e-5 relative, the quadratic one by 2e-6).
    Order 4 around the minimum: higher couplings enter the fixed point at higher orders in eps.
    """
    ratios = []
    for eps in (sp.Rational(1, 50), sp.Rational(1, 100), sp.Rational(1, 200)):
        fp, ex = critical_exponents(lpa_prime(4, d=float(4 - eps), n=n))
        ratios.append(ex.eta / float(eps) ** 2)
    extrapolated = (8 * ratios[2] - 6 * ratios[1] + ratios[0]) / 3
    exact = (n + 2) / (2 * (n + 8) ** 2)
    assert abs(extrapolated / exact - 1) < 1e-5


@pytest.mark.slow
def test_eta_epsilon_expansion_exponential_regulator() -> None:
    """The exponential regulator reproduces the O(eps^2) eta as well: its l_1^4(0) m_{2,2}^4(0,0)
    equals Litim's (2), while exp-mass's is 1.9185 and misses it by 4.1% -- the LPA' projection
    is not universal at this order.  Same extrapolation and tolerance as above (measured 3e-6)."""
    ratios = []
    for eps in (sp.Rational(1, 50), sp.Rational(1, 100), sp.Rational(1, 200)):
        spec = parse_spec({"theory": {"d": float(4 - eps), "N": 1},
                           "truncation": {"scheme": "lpa'", "order": 4},
                           "regulator": {"kind": "exponential"}}, "lpa-prime-exp")
        ratios.append(critical_exponents(spec)[1].eta / float(eps) ** 2)
    extrapolated = (8 * ratios[2] - 6 * ratios[1] + ratios[0]) / 3
    assert abs(extrapolated / (3 / (2 * 81)) - 1) < 1e-5
