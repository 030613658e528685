"""The fast paths of issue 15 give the same results as the plain ones (nothing is timed)."""

from __future__ import annotations

import pickle

import pytest
import symengine as se

from rgsym import betatext
from rgsym.betasystem import BetaSystem
from rgsym.pipeline import derive_flow
from rgsym.project import CollectedSum
from rgsym.series import Series, series_sum
from rgsym.spec import parse_spec
from rgsym.stability import LazyStability


def _system(order: int = 4, around: str = "minimum") -> BetaSystem:
    spec = parse_spec({"theory": {"d": 3, "N": 1},
                       "truncation": {"order": order, "expand_around": around}}, "test")
    system = derive_flow(spec)
    assert isinstance(system, BetaSystem)
    return system


def test_lazy_stability_is_the_jacobian() -> None:
    system = _system()
    syms = [se.Symbol(n) for n in system.names]
    lazy = system.fast_stability
    assert isinstance(lazy, LazyStability)
    assert lazy.built == 0
    for i, beta in enumerate(system.fast_betas):
        assert lazy[i] == tuple(se.diff(beta, s) for s in syms)
    assert lazy[-1] == lazy[len(lazy) - 1]
    assert lazy[:2] == (lazy[0], lazy[1])


def test_lazy_stability_hash_and_pickle_do_not_force_rows() -> None:
    x, y = se.symbols("x y")
    a, b = LazyStability((x * y, x**2), (x, y)), LazyStability((x * y, x**2), (x, y))
    assert a == b and hash(a) == hash(b)
    assert a.built == 0
    _ = a[0]
    again = pickle.loads(pickle.dumps(a))
    assert again.built == 1 and again == a and tuple(again) == ((y, x), (2 * x, 0))
    assert a == ((y, x), (2 * x, 0))


def test_series_sum_and_product_expand_as_before() -> None:
    w, top = (1, 2), 4
    x, z = Series.variable(0, w, top), Series.variable(1, w, top)
    a = se.Symbol("a")
    p = (x + z.scale(a)) * (x.scale(a) + Series.constant(1, w, top))
    plain = Series({}, w, top)
    for s in (p, x, p.scale(a)):
        plain = plain + s
    assert series_sum([p, x, p.scale(a)], w, top).terms == plain.terms
    assert series_sum([], w, top).is_zero()


def test_collected_sum_coefficients_expand_to_the_plain_sum() -> None:
    w, top = (2,), 6
    x = Series.variable(0, w, top)
    t1, t2 = se.symbols("T_1 T_2")
    first = (x + Series.constant(se.Symbol("b"), w, top)) ** 2
    plain = first + (x * x).scale(t1) + (x + x * x).scale(t2)
    collected = CollectedSum(first, [(t1, x * x), (t2, x + x * x)])
    for e in [(0,), (1,), (2,), (3,)]:
        assert se.expand(collected.coefficient(e)) == plain.coefficient(e)


def test_small_systems_print_with_sympy() -> None:
    system = _system()
    assert betatext.beta_texts(system) == [str(b) for b in system.betas]


def test_large_systems_print_with_symengine(monkeypatch: pytest.MonkeyPatch) -> None:
    system = _system(3, "zero")
    monkeypatch.setattr(betatext, "SYMPY_MAX_TERMS", 0)
    texts = betatext.beta_texts(system)
    assert texts == [str(b) for b in system.fast_betas]


def test_memo_printer_prints_like_sympy() -> None:
    import sympy as sp

    x, y = sp.symbols("x y")
    expr = (x + y) ** 2 / (1 + x) + 3 * (x + y) ** 2 - sp.pi * y / 2
    assert betatext.memo_printer().doprint(expr) == str(expr)


def test_polish_gives_the_same_point_on_every_backend() -> None:
    import numpy as np

    from rgsym.solve.fixed_points import find_fixed_points
    from rgsym.solve.numeric import compile_system

    system = _system(8)
    points = {}
    for backend in ("symengine", "sympy"):
        numeric = compile_system(system, backend=backend)
        fp = next(f for f in find_fixed_points(numeric) if not f.is_gaussian)
        g = np.array(fp.values)
        polished = numeric.polish(g)
        np.testing.assert_allclose(numeric.polish(polished), polished, rtol=1e-13, atol=0)
        points[backend] = polished
    np.testing.assert_allclose(points["symengine"], points["sympy"], rtol=1e-13, atol=0)


def test_accurate_jacobian_matches_the_exact_one() -> None:
    import numpy as np

    from rgsym.solve.fixed_points import find_fixed_points
    from rgsym.solve.numeric import compile_system

    numeric = compile_system(_system(6))
    g = np.array(next(f for f in find_fixed_points(numeric) if not f.is_gaussian).values)
    s = numeric.scales
    exact = numeric.exact_jacobian(g) * s[None, :] / s[:, None]
    approx = numeric.accurate_scaled_jacobian(g / s)
    assert np.max(np.abs(approx - exact)) <= 1e-9 * np.max(np.abs(exact))


def test_hybrj_takes_the_steps_of_scipy_root() -> None:
    """The direct MINPACK call gives root(method="hybr")'s iterate bit for bit."""
    import numpy as np
    from scipy.optimize import root

    from rgsym.solve.fixed_points import Truncated, hybrj
    from rgsym.solve.numeric import compile_system

    truncated = Truncated(compile_system(_system(6)), 3)
    rng = np.random.default_rng(3)
    for start in rng.uniform(-2, 2, size=(20, 3)):
        ours = hybrj(truncated.rhs, truncated.jacobian, start, xtol=1e-14, maxfev=400)
        theirs = root(truncated.rhs, start, jac=truncated.jacobian, method="hybr",
                      options={"xtol": 1e-14, "maxfev": 400}).x
        assert np.array_equal(ours, theirs, equal_nan=True)


def test_warm_cache_reads_compiled_code_and_gives_the_same_exponents(
        tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second process-like run (caches of the pipeline emptied) loads the LLVM code, the
    fixed points, the refined point and the stability matrix from the cache, reads no beta, and
    gives the same numbers to the last bit."""
    from pathlib import Path

    from rgsym import pipeline
    from rgsym.stability import LazyBetas

    folder = Path(str(tmp_path))
    monkeypatch.setenv("RGSYM_CACHE_DIR", str(folder))
    monkeypatch.delenv("RGSYM_NO_CACHE", raising=False)
    spec = parse_spec({"theory": {"d": 3, "N": 1},
                       "truncation": {"order": 12, "expand_around": "minimum"}}, "warm")

    def run() -> tuple[object, BetaSystem]:
        pipeline.derive.cache_clear()
        pipeline._compiled.cache_clear()
        fp, ex = pipeline.critical_exponents(spec)
        system = pipeline.derive(spec)
        assert isinstance(system, BetaSystem)
        return (fp.values, ex.theta, ex.nu, ex.omega), system

    from rgsym.solve.numeric import MEMO_MIN_COUPLINGS

    assert MEMO_MIN_COUPLINGS <= 13  # the stability matrix of order 12 is kept too

    cold, _ = run()
    stored = sorted((folder / "llvm").iterdir())
    assert stored and {p.suffix for p in stored} == {".llvm"}  # betas and masses, order 12 and order 1
    warm, system = run()
    assert warm == cold
    assert sorted((folder / "llvm").iterdir()) == stored
    assert isinstance(system.fast_betas, LazyBetas)
    # the search's points come from the cache: not even the order-1 sub-system is built
    assert repr(system.fast_betas).startswith("LazyBetas(13 betas, 0 read")


def test_damaged_compiled_code_is_rebuilt(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np
    import symengine as se

    from rgsym.emit.compiler import artefact_key, cached_llvm

    monkeypatch.setenv("RGSYM_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("RGSYM_NO_CACHE", raising=False)
    x, y = se.symbols("x y")
    key = artefact_key("test", "x*y + 1")
    calls: list[int] = []

    def build() -> object:
        calls.append(1)
        return se.Lambdify([x, y], [x * y + 1], backend="llvm", cse=True)

    first = cached_llvm(key, build)
    second = cached_llvm(key, build)
    assert len(calls) == 1
    np.testing.assert_array_equal(first([2.0, 3.0]), second([2.0, 3.0]))
    from pathlib import Path

    (path,) = (Path(str(tmp_path)) / "llvm").glob(f"{key}-*.llvm")
    path.write_bytes(path.read_bytes()[:-10])
    third = cached_llvm(key, build)
    assert len(calls) == 2 and float(third([2.0, 3.0])[0]) == 7.0


def test_lazy_betas_read_each_beta_once_and_compare_by_digest() -> None:
    from rgsym.expression import read_postfix, write_postfix
    from rgsym.stability import LazyBetas

    system = _system(4)
    tokens = [write_postfix(b) for b in system.fast_betas]
    lazy, again = LazyBetas(tokens, read_postfix), LazyBetas(tokens, read_postfix)
    assert lazy == again and hash(lazy) == hash(again) and len(lazy) == len(tokens)
    assert repr(lazy).startswith(f"LazyBetas({len(tokens)} betas, 0 read")
    assert lazy[1] == system.fast_betas[1] and lazy[-1] == system.fast_betas[-1]
    assert tuple(lazy) == tuple(system.fast_betas) and lazy == tuple(system.fast_betas)
    assert pickle.loads(pickle.dumps(lazy)) == tuple(system.fast_betas)


def test_one_walk_over_the_orders_gives_each_order_its_own_exponents() -> None:
    """--orders reads every order off one compiled system: the same nu and omega as each
    order's own derivation, to rounding (1e-10: both fixed points have residuals below 1e-11
    in the scaled couplings, and these low orders are well conditioned)."""
    from rgsym.pipeline import critical_exponents
    from rgsym.workflows.convergence import _one_walk

    spec = parse_spec({"theory": {"d": 3, "N": 1},
                       "truncation": {"order": 8, "expand_around": "minimum"}}, "walk")
    walked = _one_walk(spec, range(2, 9), "symengine")
    assert sorted(walked) == list(range(2, 9))
    for order, ex in walked.items():
        _, alone = critical_exponents(spec.with_order(order))
        assert ex.nu == pytest.approx(alone.nu, rel=1e-10, abs=0)
        assert ex.omega == pytest.approx(alone.omega, rel=1e-10, abs=0)
        assert ex.relevant == alone.relevant == 1
        assert ex.fixed_point.names == alone.fixed_point.names
    assert _one_walk(spec.with_order(4), (2, 3), "sympy") == {}  # other backends: order by order


def test_exact_stability_matrix_is_kept_for_the_same_point(tmp_path: object,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The 256-bit matrix at a point is read back for exactly that point, bit for bit, and
    computed again for any other point."""
    import numpy as np

    from rgsym import pipeline
    from rgsym.solve.numeric import MEMO_MIN_COUPLINGS, compile_system

    monkeypatch.setenv("RGSYM_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("RGSYM_NO_CACHE", raising=False)
    pipeline.derive.cache_clear()
    spec = parse_spec({"theory": {"d": 3, "N": 1},
                       "truncation": {"order": MEMO_MIN_COUPLINGS - 1, "expand_around": "minimum"}}, "memo")
    system = pipeline.derive(spec)
    assert isinstance(system, BetaSystem)
    g = np.linspace(0.01, 0.02, len(system.couplings))
    first = compile_system(system).exact_jacobian(g)
    again = compile_system(system)
    monkeypatch.setattr(type(again), "_exact_jacobian_function", None)  # must not be needed
    np.testing.assert_array_equal(again.exact_jacobian(g), first)
    with pytest.raises(TypeError):
        again.exact_jacobian(g * (1 + 1e-15))


def test_shared_postfix_tokens_read_back_as_the_rebuilt_betas() -> None:
    """The tokens name a repeated subexpression once ('@k'), so they are fewer than the tree's
    nodes; what they read back to is what rebuild_postfix builds, ordered alike (symengine
    prints a sum in its internal order, so equal text means equal order)."""
    from rgsym.expression import read_postfix, rebuild_postfix, write_postfix

    system = _system(12)
    for beta in system.fast_betas:
        tokens = write_postfix(beta)
        read = read_postfix(tokens)
        rebuilt = rebuild_postfix(beta)
        assert read == beta and rebuilt == beta
        assert str(read) == str(rebuilt)
        assert write_postfix(read) == write_postfix(rebuilt)
    tokens = write_postfix(system.fast_betas[-1])
    assert any(isinstance(t, str) and t.startswith("@") for t in tokens)
    tree = 0
    stack = [system.fast_betas[-1]]
    while stack:
        node = stack.pop()
        tree += 1
        stack.extend(node.args if isinstance(node, se.Add | se.Mul | se.Pow) else ())
    assert len(tokens) < tree / 2


def test_a_fresh_derivation_with_the_cache_off_is_the_one_the_cache_hands_out(
        tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the cache off the betas are rebuilt instead of written and read: the same text as
    a warm run's betas (read from the stored tokens), beta by beta."""
    from rgsym import pipeline

    spec = parse_spec({"theory": {"d": 3, "N": 1},
                       "truncation": {"order": 18, "expand_around": "minimum"}}, "off")
    monkeypatch.setenv("RGSYM_NO_CACHE", "1")
    pipeline.derive.cache_clear()
    off = pipeline.derive(spec)
    monkeypatch.delenv("RGSYM_NO_CACHE")
    monkeypatch.setenv("RGSYM_CACHE_DIR", str(tmp_path))
    pipeline.derive.cache_clear()
    fresh = pipeline.derive(spec)
    pipeline.derive.cache_clear()
    warm = pipeline.derive(spec)
    pipeline.derive.cache_clear()
    assert isinstance(off, BetaSystem) and isinstance(fresh, BetaSystem) and isinstance(warm, BetaSystem)
    assert betatext._more_terms_than(betatext.printed_betas(off), betatext.SYMPY_MAX_TERMS)  # by symengine
    assert [str(b) for b in off.fast_betas] == [str(b) for b in warm.fast_betas] \
        == [str(b) for b in fresh.fast_betas]
    # named by the digest of their own tokens, computed only when asked for (rgsym derive never is)
    assert len(off.fast_betas.digest) == 64 and off.fast_betas != warm.fast_betas


def test_scaling_coefficients_read_off_are_the_derived_ones() -> None:
    import sympy as sp

    from rgsym import symbols
    from rgsym.project import derived_scaling_coefficients, scaling_coefficients

    d, eps = symbols.d, symbols.epsilon
    for dim in (sp.Integer(3), sp.Integer(0), sp.Integer(2), sp.Rational(5, 2), d, 4 - eps, 3 - eps / 2,
                sp.Float(2.5)):
        for eta in (sp.Integer(0), symbols.eta):
            fast, derived = scaling_coefficients(dim, eta), derived_scaling_coefficients(dim, eta)
            assert [sp.srepr(e) for e in fast] == [sp.srepr(e) for e in derived], (dim, eta)
    assert scaling_coefficients(sp.Integer(3), symbols.eta) == (-3, symbols.eta + 1)


def test_polynomial_regulator_insertion_is_the_simplified_one() -> None:
    import sympy as sp

    from rgsym import symbols
    from rgsym.integrate import regulator_insertion, regulator_rate
    from rgsym.regulators import Piece

    y, a = symbols.y, symbols.alpha
    for shape in (a * (1 - y), sp.Integer(0), a, 2 * (1 - y), (1 - y) ** 3 * a, y**3 - y + a * y**2,
                  sp.Rational(1, 2) * (1 - y)):
        for eta in (sp.Integer(0), symbols.eta):
            piece = Piece(sp.Integer(0), sp.Integer(1), shape)
            general = sp.expand(symbols.simplify(regulator_rate(piece, eta)))
            assert sp.srepr(regulator_insertion(piece, eta)) == sp.srepr(general), (shape, eta)
    assert regulator_insertion(Piece(sp.Integer(0), sp.Integer(1), 1 - y), symbols.eta) \
        == sp.expand(2 - symbols.eta * (1 - y))


def test_litim_measure_term_by_term_is_the_whole_integral() -> None:
    import sympy as sp

    from rgsym import symbols
    from rgsym.integrate import _power_integral, regulator_insertion
    from rgsym.regulators import Piece

    y, dd = symbols.y, sp.Dummy("dd", positive=True)
    for shape in (1 - y, 2 * (1 - y), sp.Rational(3, 7) * (1 - y), 5 - y):
        for eta in (sp.Integer(0), symbols.eta):
            insertion = regulator_insertion(Piece(sp.Integer(0), sp.Integer(1), shape), eta)
            for n in range(3):
                whole = sp.integrate(y ** (dd / 2 - 1 + n) * insertion, (y, 0, 1))
                pieces = _power_integral(insertion, dd / 2 - 1 + n, sp.Integer(0), sp.Integer(1))
                assert pieces is not None
                for dim in (sp.Integer(1), sp.Integer(3), sp.Rational(5, 2), sp.Rational(7, 3)):
                    assert sp.srepr(symbols.simplify(whole.subs(dd, dim))) \
                        == sp.srepr(symbols.simplify(pieces.subs(dd, dim))), (shape, eta, n, dim)
    # not for other bounds or degrees: sympy integrates those whole
    assert _power_integral(1 - y**2, dd, sp.Integer(0), sp.Integer(1)) is None
    assert _power_integral(1 - y, dd, sp.Integer(0), sp.oo) is None


def test_check_postfix_raises_where_write_postfix_does() -> None:
    from rgsym.expression import check_postfix, write_postfix

    x = se.Symbol("x")
    good = [se.sin(x + 1) * (x + se.pi) ** 3 + se.Rational(1, 3),
            se.Integer(2) ** 100 * x + se.RealDouble(0.5)]
    check_postfix(good)
    for e in good:
        write_postfix(e)
    for bad in (se.Dummy("y") + x, se.Function("f")(x, x) * x, x + se.I * se.Symbol("z") ** (1 + se.I)):
        try:
            write_postfix(bad)
        except TypeError:
            with pytest.raises(TypeError):
                check_postfix([x, bad])
        else:
            check_postfix([bad])


def test_cache_off_rebuilds_the_betas_only_when_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the cache off the betas are checked, printed as derived, and rebuilt on first use:
    the rebuilt ones are those of rebuild_postfix, and both print the same text."""
    from rgsym import pipeline
    from rgsym.expression import rebuild_postfix
    from rgsym.stability import LazyBetas

    spec = parse_spec({"theory": {"d": 3, "N": 1},
                       "truncation": {"order": 6, "expand_around": "minimum"}}, "lazy")
    monkeypatch.setenv("RGSYM_NO_CACHE", "1")
    pipeline.derive.cache_clear()
    system = pipeline.derive(spec)
    pipeline.derive.cache_clear()
    assert isinstance(system, BetaSystem)
    lazy = system.fast_betas
    assert isinstance(lazy, LazyBetas) and lazy.reader is rebuild_postfix
    derived = betatext.printed_betas(system)
    texts = betatext.beta_texts(system)
    assert repr(lazy).startswith("LazyBetas(7 betas, 0 read")  # printing rebuilt nothing
    assert derived == derive_flow(spec).fast_betas
    assert list(lazy) == [rebuild_postfix(b) for b in derived]
    assert [str(b) for b in lazy] == [str(b) for b in derived]
    assert texts == betatext.beta_texts(dataclasses_replace(system, fast_betas=tuple(lazy)))
    assert system.fast_stability[1] == tuple(se.diff(lazy[1], se.Symbol(n)) for n in system.names)


def dataclasses_replace(system: BetaSystem, **changes: object) -> BetaSystem:
    """``dataclasses.replace`` (named apart from the pytest fixtures)."""
    import dataclasses

    return dataclasses.replace(system, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", [
    {"theory": {"d": 3, "N": 1}, "truncation": {"order": 6, "expand_around": "minimum"}},
    {"theory": {"d": "d", "N": "N"}, "truncation": {"order": 3, "expand_around": "zero"}},
    {"theory": {"d": 3, "N": 2}, "truncation": {"order": 3, "scheme": "lpa'", "expand_around": "minimum"}},
])
def test_shared_conversion_is_to_sympy(raw: dict[str, object]) -> None:
    import sympy as sp

    from rgsym.symbols import to_sympy, to_sympy_shared

    system = derive_flow(parse_spec(raw, "shared"))
    assert isinstance(system, BetaSystem)
    shared = to_sympy_shared(system.fast_betas)
    assert [sp.srepr(b) for b in shared] == [sp.srepr(to_sympy(b)) for b in system.fast_betas]
