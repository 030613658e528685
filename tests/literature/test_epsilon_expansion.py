"""The O(N) model near four dimensions, d = 4 - epsilon, N symbolic, from the LPA flow.

Sources: K. G. Wilson and M. E. Fisher, Phys. Rev. Lett. 28 (1972) 240; A. Pelissetto and
E. Vicari, Phys. Rept. 368 (2002) 549, cond-mat/0012164 (review of the O(N) epsilon expansion):
    nu    = 1/2 + (N+2) eps / (4 (N+8)) + (N+2)(N^2+23N+60) eps^2 / (8 (N+8)^3) + O(eps^3)
    omega = eps - 3 (3N+14) eps^2 / (N+8)^2 + O(eps^3)
The LPA reproduces the O(eps) terms exactly but not the O(eps^2) terms (shared/REFERENCES.md).

The expansion is symbolic: rgsym.solve.epsilon expands the fixed point of the derived
betas order by order in eps; no number enters.
"""

from __future__ import annotations

import pytest
import sympy as sp

from rgsym import symbols
from rgsym.betasystem import BetaSystem
from rgsym.pipeline import critical_exponents, derive
from rgsym.solve.epsilon import EpsilonExpansion, epsilon_expansion
from rgsym.spec import parse_spec

EPS, N = symbols.epsilon, symbols.N

NU_1 = sp.Rational(1, 2) + (N + 2) * EPS / (4 * (N + 8))
OMEGA_1 = EPS
NU_EPS2 = (N + 2) * (N**2 + 23 * N + 60) / (8 * (N + 8) ** 3)
OMEGA_EPS2 = -3 * (3 * N + 14) / (N + 8) ** 2


def expansion(dimension: str, order: int, eps_order: int, n: int | str = "N") -> EpsilonExpansion:
    spec = parse_spec({"theory": {"d": dimension, "N": n},
                       "truncation": {"order": order, "expand_around": "zero"}}, "epsilon")
    system = derive(spec)
    assert isinstance(system, BetaSystem)
    return epsilon_expansion(system, eps_order)


@pytest.fixture(scope="module")
def first_order() -> EpsilonExpansion:
    return expansion("4 - epsilon", 1, 1)


def test_nu_to_first_order(first_order: EpsilonExpansion) -> None:
    assert sp.simplify(first_order.nu - NU_1) == 0


def test_omega_to_first_order(first_order: EpsilonExpansion) -> None:
    assert sp.simplify(first_order.omega - OMEGA_1) == 0


def test_fixed_point_matches_one_loop(first_order: EpsilonExpansion) -> None:
    """lambda* = 48 pi^2 eps / (N+8) for V = (lambda/4!)(phi.phi)^2, the zero of the one-loop
    beta_lambda = -eps lambda + (N+8) lambda^2 / (48 pi^2); lambda = 3 lambda_2 (rho = phi.phi/2)."""
    lam = 3 * first_order.coupling("lambda_2")
    assert sp.simplify(lam - 48 * sp.pi**2 * EPS / (N + 8)) == 0


def test_symbolic_dimension_gives_the_same_series(first_order: EpsilonExpansion) -> None:
    """A spec with d = "d" is expanded after substituting d = 4 - eps: same result."""
    other = expansion("d", 1, 1)
    assert all(sp.simplify(a - b) == 0 for a, b in zip(other.theta, first_order.theta, strict=True))


def test_higher_truncation_keeps_first_order(first_order: EpsilonExpansion) -> None:
    """lambda_3* = O(eps^3), so a larger polynomial changes nothing at O(eps)."""
    larger = expansion("4 - epsilon", 2, 1)
    assert sp.simplify(larger.nu - first_order.nu) == 0
    assert sp.simplify(larger.omega - first_order.omega) == 0
    assert larger.coupling("lambda_3") == 0


def test_single_n_value() -> None:
    """N = 1 in the spec (not substituted afterwards): nu = 1/2 + eps/12."""
    ising = expansion("4 - epsilon", 1, 1, n=1)
    assert sp.simplify(ising.nu - (sp.Rational(1, 2) + EPS / 12)) == 0


@pytest.mark.parametrize(("theory", "around", "message"), [
    ({"d": "4 - epsilon", "N": 1}, "minimum", "zero field"),
    ({"d": 4, "N": 1}, "zero", "symbolic"),
    ({"d": "4 - epsilon", "fields": ["phi", "chi"]}, "zero", "marginal directions"),
])
def test_unsupported_systems_are_rejected(theory: dict[str, object], around: str, message: str) -> None:
    spec = parse_spec({"theory": theory, "truncation": {"order": 1, "expand_around": around}}, "epsilon")
    system = derive(spec)
    assert isinstance(system, BetaSystem)
    with pytest.raises(ValueError, match=message):
        epsilon_expansion(system)


@pytest.fixture(scope="module")
def second_order() -> EpsilonExpansion:
    return expansion("4 - epsilon", 2, 2)


@pytest.mark.slow  # the O(eps^2) expansion with symbolic N takes about 10 s
def test_second_order_is_not_the_exact_one(second_order: EpsilonExpansion) -> None:
    """REFERENCES.md: the LPA misses the eps^2 terms (eta = 0 and no momentum dependence)."""
    nu2 = second_order.nu.coeff(EPS, 2)
    omega2 = second_order.omega.coeff(EPS, 2)
    assert sp.simplify(nu2 - NU_EPS2) != 0
    assert sp.simplify(omega2 - OMEGA_EPS2) != 0
    # ... while the first order is unchanged by the next one.
    assert sp.simplify(second_order.nu.coeff(EPS, 1) - NU_1.coeff(EPS, 1)) == 0


@pytest.mark.slow
@pytest.mark.parametrize("n", [1, 3])
def test_second_order_matches_numerical_flow(second_order: EpsilonExpansion, n: int) -> None:
    """The symbolic eps^2 coefficients against the numerically solved flow at d = 4 - eps.

    r(eps) = (nu(eps) - nu_0 - nu_1 eps) / eps^2 = nu_2 + O(eps); the Richardson combination
    2 r(eps/2) - r(eps) removes the O(eps) term.  Order 4 in the field holds every coupling
    that enters at O(eps^3) (lambda_n* = O(eps^(n-1))).
    """
    def remainders(eps: float) -> tuple[float, float]:
        spec = parse_spec({"theory": {"d": 4 - eps, "N": n},
                           "truncation": {"order": 4, "expand_around": "zero"}}, "epsilon")
        _, ex = critical_exponents(spec)
        assert ex.nu is not None and ex.omega is not None
        nu1 = float(second_order.nu.coeff(EPS, 1).subs(N, n))
        return (ex.nu - 0.5 - nu1 * eps) / eps**2, (ex.omega - eps) / eps**2

    (nu_a, om_a), (nu_b, om_b) = remainders(0.05), remainders(0.025)
    nu2 = float(second_order.nu.coeff(EPS, 2).subs(N, n))
    omega2 = float(second_order.omega.coeff(EPS, 2).subs(N, n))
    # The leftover is O(eps^2): measured 0.3 % (nu) and 1.1 % (omega) of the coefficients for
    # N = 1, 0.2 % and 0.9 % for N = 3.  3 % is about three times that; a wrong eps^2
    # coefficient, such as the exact one (22 % and 37 % away for N = 1), fails.
    assert abs((2 * nu_b - nu_a) - nu2) < 0.03 * abs(nu2)
    assert abs((2 * om_b - om_a) - omega2) < 0.03 * abs(omega2)
