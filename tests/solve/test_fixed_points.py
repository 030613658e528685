"""The fixed-point search's sub-systems: the lowest order compiled on its own, the Jacobian
by central differences in the sub-system's couplings only."""

from __future__ import annotations

import numpy as np
import pytest

from rgsym import load_spec
from rgsym.pipeline import numeric_system
from rgsym.solve.exponents import compute_exponents
from rgsym.solve.fixed_points import Truncated, find_fixed_points, order_sizes, sub_system
from rgsym.solve.numeric import NumericSystem
from tests.conftest import DERIVATIONS

#: Specs whose lowest order has a different shape: one field around the minimum (kappa),
#: two fields around zero, and quadrature thresholds (a smooth regulator) with LPA' eta.
SPECS = [("on_lpa.toml", ["truncation.order=10"]),
         ("two_scalar_lpa.toml", []),
         ("ising_lpa_prime.toml", ["truncation.order=4", "regulator.kind=exponential"])]


def numeric_of(name: str, overrides: list[str]) -> NumericSystem:
    return numeric_system(load_spec(DERIVATIONS / name, overrides))


def scaled_points(numeric: NumericSystem, k: int, count: int) -> np.ndarray:
    """Couplings of order one (scaled) with positive kappa and u'' where there are such, away
    from the poles 1 + w = 0."""
    rng = np.random.default_rng(11)
    return rng.uniform(0.01, 0.1, size=(count, k))


@pytest.mark.parametrize(("name", "overrides"), SPECS)
def test_sub_system_is_the_system_with_higher_couplings_zero(name: str, overrides: list[str]) -> None:
    """The separately compiled lowest order against the whole system with zeros beyond k:
    the same expressions folded differently, so they agree to rounding (1e-13 relative:
    a hundred times the rounding of these sums of a few terms)."""
    numeric = numeric_of(name, overrides)
    k = order_sizes(numeric)[1]
    part = sub_system(numeric, k)
    assert len(part.system.couplings) == k < len(numeric.system.couplings)
    small, whole = Truncated(part, k), Truncated(numeric, k)
    for x in scaled_points(numeric, k, 5):
        np.testing.assert_allclose(small.rhs(x), whole.rhs(x), rtol=1e-13, atol=1e-15)
        masses = numeric.masses(whole.full(x) * numeric.scales)
        np.testing.assert_allclose(part.masses(x * part.scales), masses, rtol=1e-13)


@pytest.mark.parametrize(("name", "overrides"), SPECS[:2])
def test_truncated_jacobian_is_the_block_of_the_full_one(name: str, overrides: list[str]) -> None:
    """Differences in the first k couplings only give the same numbers, bit for bit, as the
    k x k block of the central differences in all n (the same points, the same formula)."""
    numeric = numeric_of(name, overrides)
    for k in sorted(set(order_sizes(numeric).values())):
        truncated = Truncated(numeric, k)
        for x in scaled_points(numeric, k, 2):
            block = numeric.scaled_jacobian(truncated.full(x))[:k, :k]
            assert np.array_equal(truncated.jacobian(x), block)


def test_generated_code_backends_keep_the_whole_system() -> None:
    """Only symengine's LLVM compiles a sub-system: the others would generate code again."""
    numeric = numeric_of("on_lpa.toml", ["truncation.order=4"])
    assert sub_system(numeric, len(numeric.system.couplings)) is numeric
    mocked = NumericSystem(numeric.system, numeric.rhs_function, numeric.masses_function, numeric.scales,
                           numeric.values, None, "numpy")
    assert sub_system(mocked, 2) is mocked


def test_search_on_the_sub_system_finds_what_the_whole_system_found() -> None:
    """Order 10 around the minimum: one fixed point, Wilson-Fisher, with the kappa and nu that
    the search found when its multi-start ran on the whole system (0.030647961260676107 and
    0.649564806856773 then).  1e-12: the order-10 point is well conditioned, and moved by
    1e-16 when only the rounding of the lowest order's betas changed."""
    numeric = numeric_of("on_lpa.toml", ["truncation.order=10"])
    points = find_fixed_points(numeric)
    assert len(points) == 1 and not points[0].is_gaussian
    assert points[0].as_dict()["kappa"] == pytest.approx(0.030647961260676107, rel=1e-12)
    assert compute_exponents(numeric, points[0]).nu == pytest.approx(0.649564806856773, rel=1e-12)
