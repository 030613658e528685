"""3D Ising class in the LPA with the Litim regulator, polynomial around the running minimum.

Sources (values as collected in shared/REFERENCES.md):
- D. F. Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006 (convergence with the order).
- C. Bervillier, A. Juttner, D. F. Litim, Nucl. Phys. B783 (2007) 213, hep-th/0701172
  (converged LPA values: nu, omega, the second irrelevant eigenvalue, the fixed point).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import sympy as sp

from rgsym import symbols
from rgsym.pipeline import critical_exponents
from rgsym.solve.exponents import Exponents
from rgsym.solve.fixed_points import FixedPoint
from rgsym.spec import TheorySpec, parse_spec

# Converged LPA values (Bervillier, Juttner, Litim, hep-th/0701172).
NU = 0.649561773881
OMEGA = 0.655745939193
THETA_SECOND_IRRELEVANT = -3.1800065120
# Fixed point in units where the loop prefactor 4 v_d / d is one (REFERENCES.md).
KAPPA_RESCALED = 1.8148984037
LAMBDA_RESCALED = 0.1261644212

#: Order at which the converged values are checked (issue 2 asks for >= 16).
HIGH_ORDER = 16

#: nu as quoted in Litim, hep-th/0203006, by truncation order M of u'(rho) around the minimum.
CONVERGENCE_TABLE = {
    1: "0.5",
    2: "0.72899",
    3: "0.65057",
    4: "0.64469",
    8: "0.64952",
    12: "0.6495618",
    20: "0.649561775",
}
#: M = 1 is exact: nu = 1/2, so only double-precision rounding is allowed there.
EXACT = {1}
#: Slack for double-precision rounding in the eigenvalues (matrix entries are O(1) when scaled).
FLOAT_SLACK = 1e-12


def ising_spec(order: int) -> TheorySpec:
    return parse_spec({"theory": {"d": 3, "N": 1},
                       "truncation": {"order": order, "expand_around": "minimum"}},
                      "ising_minimum")


def loop_prefactor() -> float:
    """c = 4 v_d / d at d = 3, i.e. 1 / (6 pi^2)."""
    d = sp.Integer(3)
    return float(4 * symbols.angular_factor(d) / d)


@pytest.fixture(scope="module")
def high_order() -> tuple[FixedPoint, Exponents]:
    return critical_exponents(ising_spec(HIGH_ORDER))


def test_nu_at_order_16(high_order: tuple[FixedPoint, Exponents]) -> None:
    _, ex = high_order
    assert ex.nu is not None
    # 1e-6 is the requirement.  Measured: 0.6495617915 (1.8e-8 off, the order-16
    # truncation error, confirmed with 200-digit arithmetic); order 8 is 4.3e-5 off and would fail.
    assert abs(ex.nu - NU) < 1e-6


def test_omega_at_order_16(high_order: tuple[FixedPoint, Exponents]) -> None:
    _, ex = high_order
    assert ex.omega is not None
    # 1e-5 is the requirement.  Measured: 0.6557465176 (5.8e-7 off); order 8 is 5e-5 off.
    assert abs(ex.omega - OMEGA) < 1e-5


def test_second_irrelevant_eigenvalue(high_order: tuple[FixedPoint, Exponents]) -> None:
    _, ex = high_order
    relevant, first_irrelevant, second_irrelevant = ex.theta[:3]
    assert relevant.real > 0 > first_irrelevant.real
    assert second_irrelevant.imag == 0
    # Measured at order 16: -3.1800002027, 6.3e-6 from the converged value (it converges more
    # slowly than nu).  2e-5 is three times that; the order-12 value (1.5e-4 off) fails.
    assert abs(second_irrelevant.real - THETA_SECOND_IRRELEVANT) < 2e-5


def test_fixed_point_in_rescaled_units(high_order: tuple[FixedPoint, Exponents]) -> None:
    """kappa~ = kappa / c and lambda~ = lambda_2 * c with c = 4 v_d / d (REFERENCES.md)."""
    fp, _ = high_order
    c = loop_prefactor()
    values = fp.as_dict()
    kappa, lam = values["kappa"] / c, values["lambda_2"] * c
    # Measured at order 16: kappa~ = 1.8148984078 (4.1e-9 off), lambda~ = 0.12616441992
    # (1.3e-9 off); both agree with a 200-digit recomputation.  2e-8 is the order-16 truncation
    # error with a margin, and is below the order-12 errors (3.8e-8, 6.7e-8), which fail.
    assert abs(kappa - KAPPA_RESCALED) < 2e-8
    assert abs(lam - LAMBDA_RESCALED) < 2e-8


def table_tolerance(order: int) -> float:
    """Half a unit of the last digit quoted in the table: the published values are rounded.

    This is at most 5e-6, inside the 1e-5 that issue 2 asks for.
    """
    if order in EXACT:
        return FLOAT_SLACK
    exponent = Decimal(CONVERGENCE_TABLE[order]).as_tuple().exponent
    assert isinstance(exponent, int)
    return 0.5 * 10.0**exponent + FLOAT_SLACK


@pytest.mark.parametrize(
    "order",
    [1, 2, 3, 4, 8, 12,
     # Order 20 compiles a 21 x 21 exact stability matrix: minutes, not seconds.
     pytest.param(20, marks=pytest.mark.slow)],
)
def test_convergence_table(order: int) -> None:
    _, ex = critical_exponents(ising_spec(order))
    assert ex.nu is not None
    assert abs(ex.nu - float(CONVERGENCE_TABLE[order])) <= table_tolerance(order)
