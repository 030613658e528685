"""The fixed-point search's sub-systems: the lowest order compiled on its own, the Jacobian
by central differences in the sub-system's couplings only, the evaluations of the walk through
the orders memoised by the bits of the point."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from rgsym import load_spec
from rgsym.pipeline import numeric_system
from rgsym.solve import fixed_points
from rgsym.solve.exponents import compute_exponents
from rgsym.solve.fixed_points import (
    Betas,
    Evaluations,
    Truncated,
    find_fixed_points,
    fixed_points_by_order,
    order_sizes,
    sub_system,
)
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


class Counted:
    """A compiled function that counts the points it is called on."""

    def __init__(self, function: Callable[[np.ndarray], np.ndarray]) -> None:
        self.function, self.points = function, 0

    def __call__(self, g: np.ndarray) -> np.ndarray:
        self.points += 1 if np.ndim(g) == 1 else len(g)
        return self.function(g)


def without_memo(patch: pytest.MonkeyPatch) -> None:
    """Make the search's :class:`Evaluations` keep nothing."""
    patch.setattr(fixed_points, "Evaluations", lambda n: Evaluations(n, limit=0, limit_differences=0))


def walk(numeric: NumericSystem, memo: bool, monkeypatch: pytest.MonkeyPatch) -> list[list[bytes]]:
    """The bits of the points of :func:`fixed_points_by_order` at every order, with the memo of
    the walk or with one that keeps nothing."""
    with monkeypatch.context() as patch:
        if not memo:
            without_memo(patch)
        return [[x.tobytes() for x in points] for _, _, points in fixed_points_by_order(numeric)]


WALKS = [("on_lpa.toml", ["truncation.order=12"], "symengine"), ("two_scalar_lpa.toml", [], "symengine"),
         ("on_lpa.toml", ["truncation.order=8"], "numpy")]


@pytest.mark.parametrize(("name", "overrides", "backend"), WALKS)
def test_the_memo_gives_the_same_points_from_fewer_evaluations(
        name: str, overrides: list[str], backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every point of the walk, at every order, is the same to the last bit with the memo and
    without, and the memo saves evaluations: at order 20 of the LPA 1043 points instead of 1524
    (the betas at the point where Newton's method ended, and the next order's differences in the
    couplings the order below had; the NumPy module only the former)."""
    numeric = numeric_system(load_spec(DERIVATIONS / name, overrides), backend=backend)
    counts = []
    points = []
    for memo in (False, True):
        counted = Counted(numeric.rhs_function)
        fresh = replace(numeric, rhs_function=counted)  # nothing kept from another search
        points.append(walk(fresh, memo, monkeypatch))
        counts.append(counted.points)
    assert points[0] == points[1] and any(points[0])
    assert counts[1] < counts[0]


def test_the_memo_gives_the_same_fixed_points_and_exponents(monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole search with and without the memo: the same fixed points and exponents, bit for bit."""
    found = []
    for memo in (False, True):
        numeric = numeric_of("on_lpa.toml", ["truncation.order=12"])
        with monkeypatch.context() as patch:
            if not memo:
                without_memo(patch)
            points = find_fixed_points(numeric)
            found.append([(fp.values, compute_exponents(numeric, fp).theta) for fp in points])
    assert found[0] == found[1] and found[0]


@pytest.mark.parametrize("backend", ["symengine", "numpy"])
def test_a_point_evaluates_the_same_alone_or_in_a_batch(backend: str) -> None:
    """The memo's premise: the compiled betas at a point are the same bits whether the point is
    evaluated alone (through symengine's ``eval_real`` by :class:`Betas`) or in a batch of others."""
    spec = load_spec(DERIVATIONS / "on_lpa.toml", ["truncation.order=6"])
    numeric = numeric_system(spec, backend=backend)
    n = len(numeric.scales)
    points = scaled_points(numeric, n, 7) * numeric.scales
    batch = np.asarray(numeric.rhs_function(points), dtype=float).reshape(len(points), -1)
    betas = Betas(numeric)
    for point, row in zip(points, batch, strict=True):
        assert np.array_equal(betas.at(point), row)
        assert np.array_equal(np.asarray(numeric.rhs_function(point), dtype=float).reshape(-1), row)
    plus, minus = betas.differences(points[0], n)
    assert np.array_equal(Evaluations(numeric).differences(points[0], 3)[0], plus[:3])
    memo = Evaluations(numeric)
    memo.differences(points[0], 2)
    assert np.array_equal(memo.differences(points[0], n)[1], minus)  # the rows beyond 2 added


def test_the_memo_is_bounded_and_belongs_to_one_system() -> None:
    """At most ``limit`` points are kept; a memo of one compiled system cannot serve another."""
    numeric = numeric_of("on_lpa.toml", ["truncation.order=4"])
    memo = Evaluations(numeric, limit=3, limit_differences=2)
    n = len(numeric.scales)
    for x in scaled_points(numeric, n, 10):
        memo.at(x * numeric.scales)
        memo.differences(x * numeric.scales, n)
        assert len(memo._values) <= 3 and len(memo._known) <= 2
    other = numeric_of("on_lpa.toml", ["truncation.order=4", "theory.d=2.5"])
    with pytest.raises(ValueError, match="another compiled system"):
        Truncated(other, 2, memo)
