"""The flow program evaluated in Taylor arithmetic (rgsym.program, rgsym.solve.taylor) against the
expanded betas of the same truncation: values, exact Jacobian, and the fixed point and exponents.

The expanded betas are evaluated by substituting 256-bit numbers (as the compiled backends' exact
paths do), so both sides are correctly rounded up to the rounding of the program's own arithmetic.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
import symengine as se

from rgsym.betasystem import BetaSystem
from rgsym.errors import UnsupportedError
from rgsym.pipeline import derive, flow_program, numeric_system
from rgsym.program import build_program
from rgsym.solve.exponents import compute_exponents
from rgsym.solve.fixed_points import find_fixed_points
from rgsym.solve.taylor import Arithmetic, Monomials, NumericSeries, ProgramEvaluator, taylor_system
from rgsym.spec import TAYLOR_FROM_ORDER, load_spec, parse_spec

CASES = [
    ("derivations/on_lpa.toml", ("truncation.order=12",)),  # one field around the minimum
    ("derivations/on_lpa.toml", ("truncation.order=10", "truncation.expand_around=zero", "theory.N=4")),
    ("derivations/two_scalar_lpa.toml", ("truncation.order=4",)),  # two blocks, two variables
    ("derivations/ising_lpa_prime.toml", ("truncation.order=8",)),  # eta(couplings) in the inputs
]


def _exact(exprs: list[se.Basic], names: list[str], g: np.ndarray) -> np.ndarray:
    # Decimal: the double's exact value (its repr is only the shortest string that rounds to it)
    subs = {se.Symbol(n): se.RealMPFR(str(Decimal(float(v))), 256) for n, v in zip(names, g, strict=True)}
    return np.array([float(e.xreplace(subs).n(256, real=True)) for e in exprs])


@pytest.mark.parametrize(("path", "overrides"), CASES)
def test_program_gives_the_expanded_betas_and_their_jacobian(path: str, overrides: tuple[str, ...]) -> None:
    spec = load_spec(path, overrides)
    system = derive(spec)
    assert isinstance(system, BetaSystem)
    evaluator = ProgramEvaluator(flow_program(spec))
    names = [c.name for c in system.couplings]
    rng = np.random.default_rng(7)
    for _ in range(2):
        g = rng.uniform(-0.05, 0.05, len(names))
        beta = _exact(list(system.fast_betas), names, g)
        jac = _exact([e for row in system.fast_stability for e in row], names, g).reshape(len(g), len(g))
        doubles, djac = evaluator.betas(g, Arithmetic(), True)
        precise, pjac = evaluator.betas(g, Arithmetic(256), True)
        assert djac is not None and pjac is not None
        # doubles: a few roundings per series product (measured up to 5e-16 relative); the
        # Jacobian's small entries are sums of larger terms, so relative to the row's largest
        scale = np.abs(beta) + 1e-300
        assert np.max(np.abs(doubles[0] - beta) / scale) < 1e-13
        rows = np.max(np.abs(jac), axis=1, keepdims=True) + 1e-300
        assert np.max(np.abs(djac[0] - jac) / rows) < 1e-13
        # 256 bits: both sides are the same numbers to some 70 digits, rounded to doubles
        assert np.max(np.abs(np.array(precise[0], dtype=float) - beta) / scale) < 3e-16
        assert np.max(np.abs(np.array(pjac[0], dtype=float) - jac) / rows) < 3e-16


def test_a_batch_of_points_is_evaluated_point_by_point() -> None:
    spec = load_spec("derivations/on_lpa.toml", ("truncation.order=6",))
    evaluator = ProgramEvaluator(flow_program(spec))
    g = np.random.default_rng(3).uniform(-0.05, 0.05, (4, evaluator.size))
    batch, _ = evaluator.betas(g, Arithmetic())
    one_by_one = np.vstack([evaluator.betas(p, Arithmetic())[0] for p in g])
    assert np.array_equal(batch, one_by_one)


def test_numeric_series_products_are_truncated_like_the_symbolic_ones() -> None:
    basis = Monomials((1, 2), 4)
    assert basis.exponents[:3] == ((0, 0), (1, 0), (0, 1))
    arith = Arithmetic()
    data = arith.zeros((len(basis), 1, 1))
    data[basis.index[(1, 0)]] = 2.0
    data[basis.index[(0, 1)]] = 3.0
    x = NumericSeries(basis, arith, data, 1)
    square = x * x  # 4 x^2 + 12 x y + 9 y^2; x y has weight 3, y^2 weight 4: all kept
    assert square.data[basis.index[(2, 0)], 0, 0] == 4.0
    assert square.data[basis.index[(1, 1)], 0, 0] == 12.0
    assert square.data[basis.index[(0, 2)], 0, 0] == 9.0
    assert (square * square).data[basis.index[(4, 0)], 0, 0] == 16.0  # weight 4 kept
    assert (square * x * x * x).is_zero()  # weight 5 and more: nothing left


def test_fixed_point_and_exponents_agree_with_the_compiled_betas() -> None:
    """The Wilson-Fisher point of the order-16 LPA through both routes: the compiled betas with the
    256-bit exact stability matrix, and the program in doubles with its 256-bit Jacobian.  Both
    refine the point on correctly rounded betas, so only the last bits may differ; omega is
    well conditioned (measured: identical to 12 digits at orders 24 and 32)."""
    spec = load_spec("derivations/on_lpa.toml", ("truncation.order=16",))
    compiled = numeric_system(spec)
    system = derive(spec)
    assert isinstance(system, BetaSystem)
    taylor = taylor_system(system, flow_program(spec))
    results = []
    for numeric in (compiled, taylor):
        points = [p for p in find_fixed_points(numeric) if not p.is_gaussian]
        wf = min(points, key=lambda p: float(np.linalg.norm(p.values)))
        results.append((wf, compute_exponents(numeric, wf)))
    (p1, e1), (p2, e2) = results
    assert np.allclose(p1.values, p2.values, rtol=1e-12, atol=0)
    assert e1.nu is not None and e2.nu is not None and e1.omega is not None and e2.omega is not None
    assert abs(e1.nu - e2.nu) < 1e-12 and abs(e1.omega - e2.omega) < 1e-12


def test_high_orders_take_the_taylor_route() -> None:
    spec = load_spec("derivations/on_lpa.toml", (f"truncation.order={TAYLOR_FROM_ORDER}",))
    assert numeric_system(spec).backend == "taylor"
    lower = load_spec("derivations/on_lpa.toml", (f"truncation.order={TAYLOR_FROM_ORDER - 1}",))
    assert numeric_system(lower).backend == "symengine"


@pytest.mark.parametrize(("raw", "key"), [
    ({"truncation": {"scheme": "lpa", "order": 4, "potential": "full"}}, "truncation"),
    ({"truncation": {"order": 4}, "regulator": {"kind": "exponential"}}, "regulator.kind"),
    ({"theory": {"N": "N"}, "truncation": {"order": 4}}, "theory.N"),
])
def test_flow_program_refuses_what_it_cannot_evaluate(raw: dict[str, dict[str, object]], key: str) -> None:
    spec = parse_spec({"theory": {"d": 3, "N": 1, **raw.get("theory", {})},
                       "truncation": {"expand_around": "minimum", **raw["truncation"]},
                       **({"regulator": raw["regulator"]} if "regulator" in raw else {})}, "program")
    with pytest.raises(UnsupportedError) as info:
        flow_program(spec)
    assert info.value.key == key and "Taylor-arithmetic" in info.value.detail


def test_build_program_is_the_only_symbolic_work() -> None:
    """The program's inputs are small: at order 12 a few dozen expressions in the couplings."""
    from rgsym.action import build_action
    from rgsym.expand import expand_flow_trace
    from rgsym.integrate import integrate_loops
    from rgsym.vertices import take_vertices

    spec = load_spec("derivations/on_lpa.toml", ("truncation.order=12",))
    integrals = integrate_loops(expand_flow_trace(take_vertices(build_action(spec))), spec.regulator)
    program = build_program(integrals, spec)
    assert len(program.couplings) == 13 and len(program.inputs) < 60
    assert program.digest == build_program(integrals, spec).digest


def test_the_first_k_betas_alone_are_those_of_the_whole_program() -> None:
    """A sub-system of a lower order cuts the series where its betas stop reading them and
    carries k derivatives: the same numbers as the whole evaluation's first k rows and columns."""
    spec = load_spec("derivations/on_lpa.toml", ("truncation.order=10",))
    evaluator = ProgramEvaluator(flow_program(spec))
    g = np.random.default_rng(5).uniform(-0.05, 0.05, evaluator.size)
    g[6:] = 0.0
    whole, whole_jac = evaluator.betas(g, Arithmetic(256), True)
    part, part_jac = evaluator.betas(g, Arithmetic(256), True, 6)
    assert whole_jac is not None and part_jac is not None
    assert part.shape == (1, 6) and part_jac.shape == (1, 6, 6)
    assert all(abs(a - b) < 1e-70 * max(1, abs(b)) for a, b in zip(part[0], whole[0, :6], strict=True))
    assert all(abs(a - b) < 1e-70 * max(1, abs(b))
               for a, b in zip(part_jac[0].ravel(), whole_jac[0, :6, :6].ravel(), strict=True))
