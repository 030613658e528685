"""3D Ising class in the LPA (Litim regulator), polynomial expanded around zero field.

Source: D. F. Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006: the expansion around
zero field converges to the same nu as the expansion around the minimum, more slowly and
with oscillations; nu = 0.64965 at M = 12 (shared/REFERENCES.md).
"""

from __future__ import annotations

import pytest

from rgsym.pipeline import critical_exponents
from rgsym.spec import TheorySpec, parse_spec

#: Converged LPA value (Bervillier, Juttner, Litim, hep-th/0701172).
NU = 0.649561773881
#: Quoted at M = 12, to five decimals (Litim, hep-th/0203006).
NU_ORDER_12 = 0.64965


def zero_spec(order: int) -> TheorySpec:
    return parse_spec({"theory": {"d": 3, "N": 1},
                       "truncation": {"order": order, "expand_around": "zero"}}, "ising_zero")


def nu_error(order: int) -> float:
    _, ex = critical_exponents(zero_spec(order))
    assert ex.nu is not None
    return ex.nu - NU


def test_quoted_value_at_order_12() -> None:
    _, ex = critical_exponents(zero_spec(12))
    assert ex.nu is not None
    # Half a unit in the fifth decimal: the quoted value is rounded.  Measured 0.6496548.
    assert abs(ex.nu - NU_ORDER_12) <= 5e-6 + 1e-12


@pytest.mark.slow  # twelve truncations: about 20 s
def test_error_envelope_shrinks() -> None:
    """The error oscillates in sign with a period of about six orders (measured signs:
    + at M = 4..6, - at 7..9, + at 10..12, - at 13..15), so whole periods are compared.

    Measured: max |nu - nu*| is 5.3e-3 over M = 5..10 and 2.1e-4 over M = 11..16.
    """
    early = max(abs(nu_error(m)) for m in range(5, 11))
    late = max(abs(nu_error(m)) for m in range(11, 17))
    # A factor 10 between consecutive periods (25 is measured) is the geometric convergence
    # the expansion is known for; the bound 5e-4 is twice the measured late envelope.
    assert late < early / 10
    assert late < 5e-4


def test_same_phase_errors_decrease() -> None:
    """At orders four apart the errors shrink monotonically.

    The exponents are computed at the fixed point of the truncated system to rounding
    (:func:`rgsym.solve.exponents.compute_exponents` refines the search's point on the exact
    betas), so nu(M) - nu* is the truncation error alone.  Measured order by order
    (M = 4..24): +9.9e-4, +5.3e-3, +2.3e-3, -4.3e-4, -9.4e-4, -3.9e-4, +1.0e-4, +2.1e-4, +9.3e-5,
    -3.1e-5, -6.2e-5, -2.8e-5, +1.03e-5, +2.1e-5, +9.7e-6, -3.8e-6, -8.1e-6, +9.8e-6, +1.15e-5,
    +1.30e-5, +1.31e-5: the oscillation is geometric up to M = 20, after which the error stays
    near 1e-5.  (The search's unrefined point at M = 16 gave -4.3e-6, 7.8e-6 away in the scaled
    couplings along a direction of singular value 2e-9.)
    """
    errors = [abs(nu_error(m)) for m in (8, 12, 16)]
    # A factor 3 per four orders is well below the measured factors 10.2 and 9.1.
    assert all(later < earlier / 3 for earlier, later in zip(errors, errors[1:], strict=False))
    # The geometric extrapolation of orders 8 and 12 predicts 9.2e-6 at order 16; the measured
    # truncation error is 1.025e-5 (the factor per four orders falls from 10.2 to 9.1).  The bound
    # 1.5e-5 allows that slowing by half again and stays below the order-12 error by a factor 6.
    assert errors[-1] < 1.5e-5
