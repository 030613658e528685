"""3D Ising class in the LPA (Litim regulator) at order 40, the highest order 'rgsym derive' takes,
around the running minimum, against the converged values of the whole fixed-point potential.

From order 25 on the solvers evaluate the flow in truncated Taylor arithmetic (rgsym.program,
rgsym.solve.taylor): the expanded order-40 betas (260 000 terms) do not compile.  The fixed point
is refined in 256-bit arithmetic through the same program, and the exponents come from its
256-bit Jacobian.

Source: C. Bervillier, A. Juttner, D. F. Litim, Nucl. Phys. B783 (2007) 213, hep-th/0701172
(the converged LPA values, from the whole fixed-point potential; shared/REFERENCES.md).
"""

from __future__ import annotations

import pytest

from rgsym.betasystem import BetaSystem
from rgsym.pipeline import critical_exponents, derive, flow_program, numeric_system
from rgsym.solve.exponents import compute_exponents
from rgsym.solve.fixed_points import find_fixed_points
from rgsym.solve.taylor import taylor_system
from rgsym.spec import TheorySpec, parse_spec

NU = 0.649561773881
OMEGA = 0.655745939193


def _spec(order: int) -> TheorySpec:
    return parse_spec({"theory": {"d": 3, "N": 1},
                       "truncation": {"order": order, "expand_around": "minimum"}}, f"ising_order{order}")


@pytest.mark.slow  # derive (10 s), the walk to order 40 and three 256-bit Jacobians: some 30 s
def test_order_40_reaches_the_converged_exponents() -> None:
    """Issue 15: order 40 right to 1e-10.  Measured nu - nu* = +0.4e-12 and omega - omega* =
    +2.5e-11: the truncation error, which falls with the order while changing sign (omega - omega*
    = -2.0e-9, -4.9e-10, -4.4e-11 at orders 28, 32, 36)."""
    _, ex = critical_exponents(_spec(40))
    assert ex.nu is not None and ex.omega is not None
    # the reference values are quoted to 12 digits (5e-13); 1e-10 is the target, four
    # times the measured omega error; nu's error is at the reference's last digit
    assert abs(ex.nu - NU) < 5e-12
    assert abs(ex.omega - OMEGA) < 1e-10


@pytest.mark.slow  # order 24 through both routes: 10 s
def test_taylor_and_compiled_routes_agree_at_order_24() -> None:
    """The same Wilson-Fisher point and exponents from the compiled expanded betas (the route below
    order 25) and from the program: omega reproducible to far below 1e-10 between the two
    (measured: equal to the 12 printed digits at orders 24 and 32)."""
    spec = _spec(24)
    compiled = numeric_system(spec)
    assert compiled.backend == "symengine"
    system = derive(spec)
    assert isinstance(system, BetaSystem)
    taylor = taylor_system(system, flow_program(spec))
    exponents = []
    for numeric in (compiled, taylor):
        wf = min((p for p in find_fixed_points(numeric) if not p.is_gaussian),
                 key=lambda p: sum(v * v for v in p.values))
        exponents.append(compute_exponents(numeric, wf))
    first, second = exponents
    assert first.nu is not None and second.nu is not None
    assert first.omega is not None and second.omega is not None
    assert abs(first.nu - second.nu) < 1e-12
    assert abs(first.omega - second.omega) < 1e-11
