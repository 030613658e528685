"""Custom regulator shapes at O(d^2): a shape equal to a registered one gives its exponents; a shape the
integrands cannot take (no finite r, r', r'', r''' at y = 0, or no exponential decay) is one line.

Reference values: the exponential regulator of the shipped spec (derivations/ising_d2.toml, alpha = 2;
Canet, Delamotte, Mouhanna, Vidal, PRD 67 (2003) 065004, hep-th/0211055), solved by the same code.
"""

from __future__ import annotations

import pytest

from rgsym.cli import main
from rgsym.spec import load_spec
from rgsym.workflows.d2 import d2_exponents
from tests.conftest import DERIVATIONS

SPEC = str(DERIVATIONS / "ising_d2.toml")
AS_CUSTOM = ["regulator.kind=custom", "regulator.shape=alpha*y/(exp(y) - 1)"]


@pytest.mark.parametrize("route", [[], ["truncation.potential=polynomial", "truncation.order=2",
                                        "truncation.kinetic_order=1", "regulator.alpha=1"]])
def test_the_exponential_shape_written_as_custom_gives_the_exponential_results(route: list[str]) -> None:
    """The same shape through the user's path (parse_shape, the smoothness check): the same flows, so nu,
    eta and omega agree to rounding (1e-10 leaves the quadrature's and Newton's rounding room)."""
    registered = d2_exponents(load_spec(SPEC, route))
    custom = d2_exponents(load_spec(SPEC, [*route, *AS_CUSTOM]))
    assert custom.route == registered.route
    assert custom.nu == pytest.approx(registered.nu, abs=1e-10)
    assert custom.eta == pytest.approx(registered.eta, abs=1e-10)
    assert custom.omega is not None and registered.omega is not None
    assert custom.omega == pytest.approx(registered.omega, abs=1e-10)


def test_another_smooth_shape_is_solved() -> None:
    """alpha exp(-y^2) (y + 1) at alpha = 2 (smooth, decaying, not at its PMS point): solved, with one
    relevant direction.  No literature value exists for this shape; measured nu = 0.62408, eta = 0.05714,
    omega = 0.86528.  The bounds are a sanity check only: nu between the O(d^2) values of the registered
    regulators minus 0.03 and the LPA's 0.65, eta positive and below 0.1."""
    shape = ["regulator.kind=custom", "regulator.shape=alpha*exp(-y^2)*(y + 1)"]
    custom = d2_exponents(load_spec(SPEC, shape))
    assert custom.relevant == 1
    assert 0.6 < custom.nu < 0.65
    assert 0 < custom.eta < 0.1


@pytest.mark.parametrize(("overrides", "key"), [
    (["regulator.kind=power-law"], "'regulator.kind'"),  # alpha/y: infinite at y = 0
    (["regulator.kind=mass"], "'regulator.kind'"),  # a constant: refused for d > 2 before the derivation
    (["regulator.kind=custom", "regulator.shape=alpha*exp(-sqrt(y))"], "'regulator.shape'"),  # r' ~ y^(-1/2)
    (["regulator.kind=custom", "regulator.shape=alpha*exp(-y/2)"], "'regulator.shape'"),  # e^-30 at the cut
])
def test_shapes_the_integrands_cannot_take_are_one_line(overrides: list[str], key: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    args = ["exponents", SPEC, *(word for o in overrides for word in ("--set", o)), "--no-cache"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and key in err
