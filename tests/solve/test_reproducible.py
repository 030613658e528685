"""Exponents of the truncation, not of the search: the fixed point is refined to rounding on the
exact betas (issue 15), so nu and omega do not depend on the backend, the start of the Newton
iteration or the run."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rgsym import load_spec
from rgsym.pipeline import derive, numeric_system
from rgsym.solve.exponents import Exponents, compute_exponents, select_critical
from rgsym.solve.fixed_points import find_fixed_points
from rgsym.solve.numeric import NumericSystem, compile_system
from tests.conftest import DERIVATIONS


def wilson_fisher(numeric: NumericSystem) -> Exponents:
    chosen = select_critical([(fp, compute_exponents(numeric, fp)) for fp in find_fixed_points(numeric)])
    assert chosen is not None and chosen[1].nu is not None and chosen[1].omega is not None
    return chosen[1]


def test_exponents_do_not_depend_on_the_start() -> None:
    """Order 16 around zero field, the worst conditioned case measured: the search's own point
    (residual 2e-14) lies 7.8e-6 from the fixed point along a direction of singular value 2e-9,
    and its nu was off by 1.5e-5.  Starts moved by 1e-7 (relative, in every coupling) give the
    same exponents."""
    numeric = numeric_system(load_spec(DERIVATIONS / "ising_lpa_zero.toml", ["truncation.order=16"]))
    ex = wilson_fisher(numeric)
    rng = np.random.default_rng(5)
    for _ in range(3):
        moved = np.array(ex.fixed_point.values) * (1 + 1e-7 * rng.uniform(-1, 1, len(ex.fixed_point.values)))
        other = compute_exponents(numeric, replace(ex.fixed_point, values=tuple(moved)))
        assert other.nu is not None and other.omega is not None and ex.nu is not None and ex.omega is not None
        # Both points are the fixed point to rounding; the eigenvalues of the stability matrix
        # move by its condition number (1e3 for omega here) times that: 1e-10 leaves a margin of 1e2.
        assert abs(other.nu - ex.nu) < 1e-10
        assert abs(other.omega - ex.omega) < 1e-10


def test_a_second_run_reads_the_refined_point(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """The refined point is kept in the cache: a second process (here: a fresh compiled system)
    prints the same bits without evaluating the exact betas."""
    monkeypatch.setenv("RGSYM_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("RGSYM_NO_CACHE", raising=False)
    spec = load_spec(DERIVATIONS / "on_lpa.toml", ["truncation.order=12"])
    first = wilson_fisher(compile_system(derive(spec)))
    fresh = compile_system(derive(spec))
    monkeypatch.setattr(NumericSystem, "exact_rhs", _forbidden)
    second = wilson_fisher(fresh)
    assert second.fixed_point.values == first.fixed_point.values
    assert (second.nu, second.omega) == (first.nu, first.omega)


def _forbidden(*_: object) -> np.ndarray:
    raise AssertionError("the exact betas were evaluated in a warm run")


@pytest.mark.slow  # the NumPy module of order 20: about 50 s (13 s to build, the search in Python)
def test_backends_agree_at_order_20() -> None:
    """symengine's LLVM and the generated NumPy module: measured |delta nu| = 2.7e-15 and
    |delta omega| = 3.1e-15 (before the refinement: 2.3e-8)."""
    spec = load_spec(DERIVATIONS / "on_lpa.toml", ["truncation.order=20"])
    system = derive(spec)
    default = wilson_fisher(compile_system(system))
    generated = wilson_fisher(compile_system(system, backend="numpy"))
    assert default.nu is not None and generated.nu is not None
    assert default.omega is not None and generated.omega is not None
    # Two programs that agree to rounding steer Newton to the same point to rounding; the
    # exponents come from the same 256-bit matrix: 1e-10 is the target, 3e4 x the measured.
    assert abs(generated.nu - default.nu) < 1e-10
    assert abs(generated.omega - default.omega) < 1e-10
