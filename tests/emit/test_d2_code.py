"""The generated O(d^2) code (rgsym.emit.d2_code): strict C99, NumPy, and both against sympy and the solver.

The system is the Ising model at O(d^2), exponential regulator with alpha = 1, u' of degree 2 and z of
degree 1 around the running minimum (small enough to build and compile in seconds); then u' of degree
6 and z of degree 4 (and, slow, the caps 10 and 5), where the regulator's closed form would overflow
doubles: the generated code reads r(y), r'(y), ... from its node table.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp

from rgsym.emit.d2_code import build_d2_program, render_d2_files
from rgsym.emit.numpy_module import load_module
from rgsym.solve.d2_polynomial import D2System, taylor_equations, y_quadrature
from rgsym.spec import load_spec
from rgsym.workflows.d2 import D2Result, d2_exponents, derive_d2_flow

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "derivations" / "ising_d2.toml"
SMALL = ["truncation.potential=polynomial", "truncation.order=2", "truncation.kinetic_order=1",
         "regulator.alpha=1"]
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]


@pytest.fixture(scope="module")
def small() -> tuple[D2System, dict[str, str]]:
    spec = load_spec(SPEC, SMALL)
    flow = derive_d2_flow(spec)
    files = render_d2_files(build_d2_program(flow, 2, 1), spec.source, spec.digest, ("c", "numpy"))
    return D2System(flow, 2, 1), files


@pytest.fixture(scope="module")
def library(small: tuple[D2System, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    folder = tmp_path_factory.mktemp("d2c")
    for name, text in small[1].items():
        (folder / name).write_text(text)
    cc = os.environ.get("CC", "cc")
    build = subprocess.run([cc, *STRICT, "-O1", "-fPIC", "-shared", "-o", "libd2.so", "betas.c", "-lm"],
                           cwd=folder, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    assert build.stderr == "", build.stderr  # not even a note
    return ctypes.CDLL(str(folder / "libd2.so"))


def points(count: int) -> np.ndarray:
    """Random couplings (kappa, lambda_2, lambda_3, z_1) around the Wilson-Fisher point (kappa ~ 0.03,
    lambda_2 ~ 7): every propagator stays positive, since z(kappa) = 1 and u'(kappa) = 0."""
    rng = np.random.default_rng(20261203)
    return np.column_stack([rng.uniform(0.01, 0.1, count), rng.uniform(1.0, 12.0, count),
                            rng.uniform(-40.0, 40.0, count), rng.uniform(-2.0, 2.0, count)])


def call(library: ctypes.CDLL, name: str, g: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size)
    pointer = ctypes.POINTER(ctypes.c_double)
    getattr(library, name)(np.ascontiguousarray(g).ctypes.data_as(pointer), None, out.ctypes.data_as(pointer))
    return out


def test_c_numpy_and_the_solver_agree(small: tuple[D2System, dict[str, str]], library: ctypes.CDLL) -> None:
    system, files = small
    module = load_module(files["betas.py"])
    n = len(system.names)
    assert module.COUPLINGS == system.names == ("kappa", "lambda_2", "lambda_3", "z_1")
    for g in points(6):
        betas, stability = system.betas(g)
        for rhs, jac, eta in ((call(library, "rgsym_rhs", g, n), call(library, "rgsym_jacobian", g, n * n),
                               call(library, "rgsym_eta", g, 1)[0]),
                              (module.rhs(g), module.jacobian(g).ravel(), float(module.eta(g)))):
            # The solver sums the same integrands on the same nodes with the same node values of r(y),
            # r'(y), ..., compiled by symengine, and does the eta and d_t kappa chain rule by hand: only
            # the order of the operations differs (measured 1e-16 of the largest beta and entry)
            np.testing.assert_allclose(rhs, betas, rtol=0, atol=1e-12 * np.max(np.abs(betas)))
            np.testing.assert_allclose(jac, stability.ravel(), rtol=0, atol=1e-12 * np.max(np.abs(stability)))
            assert eta == pytest.approx(system.eta(g), rel=1e-12, abs=5e-13)


def test_batches_are_the_points_one_by_one(small: tuple[D2System, dict[str, str]],
                                           library: ctypes.CDLL) -> None:
    system, files = small
    module = load_module(files["betas.py"])
    g = points(3)
    n = len(system.names)
    batch = np.zeros(3 * n)
    pointer = ctypes.POINTER(ctypes.c_double)
    library.rgsym_rhs_batch(ctypes.c_size_t(3), np.ascontiguousarray(g).ctypes.data_as(pointer), None,
                            batch.ctypes.data_as(pointer))
    single = np.concatenate([call(library, "rgsym_rhs", p, n) for p in g])
    assert np.array_equal(batch, single)  # the same code path for one point and many
    np.testing.assert_allclose(module.rhs(g.T).T.ravel(), single, rtol=1e-13)  # NumPy: different printer
    assert module.jacobian(g.T).shape == (n, n, 3) and module.eta(g.T).shape == (3,)


def test_jacobian_is_the_derivative_of_the_betas(small: tuple[D2System, dict[str, str]],
                                                 library: ctypes.CDLL) -> None:
    n = len(small[0].names)
    for g in points(3):
        jac = call(library, "rgsym_jacobian", g, n * n).reshape(n, n)
        for j in range(n):
            h = 1e-5 * max(abs(g[j]), 1e-2)
            up, down = g.copy(), g.copy()
            up[j] += h
            down[j] -= h
            column = (call(library, "rgsym_rhs", up, n) - call(library, "rgsym_rhs", down, n)) / (2 * h)
            # central differences: truncation ~ h^2 |beta'''| and rounding ~ eps |beta| / h, both
            # below 1e-7 of the largest entry at this h
            np.testing.assert_allclose(jac[:, j], column, rtol=0, atol=1e-7 * np.max(np.abs(jac)))


def test_integrals_agree_with_sympy_in_high_precision(small: tuple[D2System, dict[str, str]]) -> None:
    """The integrals T (the y-sums) against the sympy flow evaluated with mpmath at 30 digits on the same
    nodes: the derivation's expressions, not the generated program."""
    system, files = small
    module = load_module(files["betas.py"])
    ansatz, loops, _ = taylor_equations(system.flow, 2, 1)
    y, eta = sp.Symbol("y"), sp.Symbol("eta")
    couplings = [sp.Symbol(name) for name in ansatz.names]
    v_d = 1 / (16 * sp.pi ** sp.Rational(3, 2) * sp.gamma(sp.Rational(3, 2)))  # d = 3
    rows = [2 * v_d * sp.sympify(e) for e in loops]
    exprs = [e.subs(eta, 0) for e in rows] + [sp.diff(e, eta) for e in rows]
    functions = [sp.lambdify((y, *couplings), e, "mpmath") for e in exprs]
    nodes, weights = y_quadrature(3.0)
    g = points(1)[0]
    with mpmath.workdps(30):
        exact = [float(mpmath.fsum(mpmath.mpf(float(w)) * f(mpmath.mpf(float(x)), *map(mpmath.mpf, g))
                                   for x, w in zip(nodes, weights, strict=True))) for f in functions]
    got = module.thresholds(g)[:len(exprs)]
    # the generated code in doubles against the exact sum: rounding only (measured: 1e-15 relative)
    np.testing.assert_allclose(got, exact, rtol=1e-12, atol=1e-12 * max(abs(v) for v in exact))


def test_emission_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    """Two runs of ``rgsym derive --emit c,numpy`` under different PYTHONHASHSEEDs write the same bytes."""
    outputs = []
    for seed in ("0", "12345"):
        out = tmp_path / seed
        overrides = [word for s in SMALL for word in ("--set", s)]
        args = [sys.executable, "-m", "rgsym.cli", "derive", str(SPEC), *overrides,
                "--emit", "c,numpy", "-o", str(out), "--no-cache"]
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600,
                              env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)})
        assert done.returncode == 0, done.stderr
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert sorted(outputs[0]) == ["betas.c", "betas.h", "betas.py"]
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(("extra", "key"), [(["--emit", "latex,c"], "'--emit'"),
                                            (["--set", "truncation.potential=full", "--emit", "json"],
                                             "'--emit'"),
                                            # above spec.MAX_D2_ORDER, the solver's cap too
                                            (["--set", "truncation.order=11", "--emit", "c"],
                                             "truncation.order")])
def test_what_cannot_be_emitted_is_one_line(extra: list[str], key: str, tmp_path: Path) -> None:
    """Formats other than C and NumPy, for either route (full functions: tests/emit/test_d2_functions.py)."""
    base = [] if "truncation.potential=full" in extra else ["--set", "truncation.potential=polynomial"]
    args = ["derive", str(SPEC), *base, *extra, "-o", str(tmp_path / "out")]
    done = subprocess.run([sys.executable, "-m", "rgsym.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and key in done.stderr


@pytest.mark.slow
def test_on2_with_y_compiles_and_agrees(tmp_path: Path) -> None:
    """O(2) with Y(rho): u' of degree 3, z and Y of degree 2, compiled and against the solver."""
    spec = load_spec(ROOT / "derivations" / "on_d2.toml",
                     ["truncation.potential=polynomial", "truncation.order=3", "truncation.kinetic_order=2"])
    flow = derive_d2_flow(spec)
    files = render_d2_files(build_d2_program(flow, 3, 2), spec.source, spec.digest, ("c",))
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    build = subprocess.run([os.environ.get("CC", "cc"), *STRICT, "-O1", "-fPIC", "-shared", "-o", "lib.so",
                            "betas.c", "-lm"], cwd=tmp_path, capture_output=True, text=True)
    assert build.returncode == 0 and build.stderr == "", build.stderr
    library = ctypes.CDLL(str(tmp_path / "lib.so"))
    system = D2System(flow, 3, 2)
    n = len(system.names)
    rng = np.random.default_rng(7)
    for _ in range(3):
        g = np.array([rng.uniform(0.02, 0.08), rng.uniform(2, 10), rng.uniform(-20, 20), rng.uniform(-50, 50),
                      rng.uniform(-1, 1), rng.uniform(-5, 5), rng.uniform(0, 1), rng.uniform(-1, 1),
                      rng.uniform(-5, 5)])
        betas, stability = system.betas(g)
        np.testing.assert_allclose(call(library, "rgsym_rhs", g, n), betas, rtol=0,
                                   atol=1e-12 * np.max(np.abs(betas)))  # rounding only, as above
        np.testing.assert_allclose(call(library, "rgsym_jacobian", g, n * n), stability.ravel(), rtol=0,
                                   atol=1e-12 * np.max(np.abs(stability)))


@pytest.mark.parametrize("order", [1, 2])
def test_constant_z_is_emitted_too(order: int) -> None:
    """kinetic_order = 0 (z = 1, the LPA' of this projection): the jets of z were one short before."""
    spec = load_spec(SPEC, ["truncation.potential=polynomial", f"truncation.order={order}",
                            "truncation.kinetic_order=0", "regulator.alpha=1"])
    flow = derive_d2_flow(spec)
    module = load_module(render_d2_files(build_d2_program(flow, order, 0), spec.source, spec.digest,
                                         ("numpy",))["betas.py"])
    system = D2System(flow, order, 0)
    g = np.array([0.05, 6.0, 3.0][:order + 1])
    betas, stability = system.betas(g)
    np.testing.assert_allclose(module.rhs(g), betas, rtol=0, atol=1e-12 * np.max(np.abs(betas)))  # rounding
    np.testing.assert_allclose(module.jacobian(g), stability, rtol=0, atol=1e-12 * np.max(np.abs(stability)))


def test_fractional_dimension_is_emitted() -> None:
    """d = 3.5: v_d holds gamma(7/4), which the NumPy module has no function for; it is a number there."""
    spec = load_spec(SPEC, [*SMALL, "theory.d=3.5"])
    flow = derive_d2_flow(spec)
    files = render_d2_files(build_d2_program(flow, 2, 1), spec.source, spec.digest, ("c", "numpy"))
    assert "gamma" not in files["betas.py"] and "tgamma" not in files["betas.c"]
    module = load_module(files["betas.py"])
    system = D2System(flow, 2, 1)
    g = points(1)[0]
    betas, stability = system.betas(g)
    np.testing.assert_allclose(module.rhs(g), betas, rtol=0, atol=1e-12 * np.max(np.abs(betas)))  # rounding
    np.testing.assert_allclose(module.jacobian(g), stability, rtol=0, atol=1e-12 * np.max(np.abs(stability)))


@dataclass(frozen=True)
class Large:
    """A polynomial truncation of high degree: the solver, its fixed point, and the compiled files."""

    system: D2System
    point: np.ndarray
    result: D2Result
    files: dict[str, str]
    library: ctypes.CDLL


#: (degree of u', degree of z): beyond (5, 3) the closed form's (exp(y) - 1)^k overflowed doubles at
#: the largest nodes; (10, 5) are the spec's caps (build 3 s, compile 4 s, solve 12 s: slow).
DEGREES = [(6, 4), pytest.param((10, 5), marks=pytest.mark.slow)]


@pytest.fixture(scope="module", params=DEGREES, ids=lambda p: f"{p[0]}-{p[1]}")
def large(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Large:
    order, kinetic = request.param
    spec = load_spec(SPEC, ["truncation.potential=polynomial", f"truncation.order={order}",
                            f"truncation.kinetic_order={kinetic}", "regulator.alpha=1"])
    flow = derive_d2_flow(spec)
    files = render_d2_files(build_d2_program(flow, order, kinetic), spec.source, spec.digest, ("c", "numpy"))
    folder = tmp_path_factory.mktemp(f"d2c{order}{kinetic}")
    for name, text in files.items():
        (folder / name).write_text(text)
    build = subprocess.run([os.environ.get("CC", "cc"), *STRICT, "-O1", "-fPIC", "-shared", "-o", "lib.so",
                            "betas.c", "-lm"], cwd=folder, capture_output=True, text=True)
    assert build.returncode == 0 and build.stderr == "", build.stderr
    result = d2_exponents(spec)
    point = np.array([value for _, value in result.fixed_point])
    return Large(D2System(flow, order, kinetic), point, result, files, ctypes.CDLL(str(folder / "lib.so")))


def around(point: np.ndarray, count: int, spread: float = 0.2) -> np.ndarray:
    """Random couplings within ``spread`` (relative) of the fixed point: kappa and lambda_2 stay
    positive, so z(kappa) = 1 and u'(kappa) = 0 keep the propagators positive."""
    rng = np.random.default_rng(20261204)
    return point * (1 + rng.uniform(-spread, spread, (count, point.size)))


def test_high_degrees_c_numpy_and_the_solver_agree(large: Large) -> None:
    module = load_module(large.files["betas.py"])
    n = len(large.system.names)
    g_all = around(large.point, 4)
    solver = [large.system.betas(g) for g in g_all]
    # the size of the Jacobian's entries in this region: at one point its largest entry (d beta_top /
    # d kappa) may be a near-cancellation of terms of this size (measured 2e8 against 1.4e10 elsewhere)
    size = max(np.max(np.abs(stability)) for _, stability in solver)
    for g, (betas, stability) in zip(g_all, solver, strict=True):
        assert np.all(np.isfinite(betas)) and np.all(np.isfinite(stability))
        for rhs, jac, eta in ((call(large.library, "rgsym_rhs", g, n),
                               call(large.library, "rgsym_jacobian", g, n * n),
                               call(large.library, "rgsym_eta", g, 1)[0]),
                              (module.rhs(g), module.jacobian(g).ravel(), float(module.eta(g)))):
            # the same integrands and node values as the solver, in another order of operations: rounding
            # only, relative to the largest entry, since the entries span 12 decades (lambda_k ~ k!
            # growth) and a small one is a difference of large ones (measured at (6, 4): 9e-14 for the
            # betas, 8e-15 of the size for the Jacobian, 2e-15 for eta)
            np.testing.assert_allclose(rhs, betas, rtol=0, atol=1e-12 * np.max(np.abs(betas)))
            np.testing.assert_allclose(jac, stability.ravel(), rtol=0, atol=1e-12 * size)
            assert eta == pytest.approx(large.system.eta(g), rel=1e-12)  # |eta| ~ 0.05: rounding


def test_high_degrees_integrals_agree_with_sympy_closed_forms(large: Large) -> None:
    """The top rows of u' and z, whose closed forms hold the highest powers of exp(y) - 1, summed by
    mpmath at 30 digits (no overflow there) from the derivation's sympy integrands with the closed-form
    regulator, against the generated integrals T read from node tables."""
    system = large.system
    module = load_module(large.files["betas.py"])
    ansatz, loops, _ = taylor_equations(system.flow, system.order, system.kinetic_order)
    rows = [system.order, len(loops) - 1]  # d^order u' and d^kinetic z at kappa
    y, eta = sp.Symbol("y"), sp.Symbol("eta")
    couplings = [sp.Symbol(name) for name in ansatz.names]
    v_d = 1 / (16 * sp.pi ** sp.Rational(3, 2) * sp.gamma(sp.Rational(3, 2)))  # d = 3
    nodes, weights = y_quadrature(3.0)
    g = around(large.point, 1)[0]
    got = module.thresholds(g)
    for row in rows:
        e = 2 * v_d * sp.sympify(loops[row])
        e = e.xreplace({s: sp.Symbol(s.name) for s in e.free_symbols})
        for index, part in ((row, e.subs(eta, 0)), (len(loops) + row, sp.diff(e, eta))):
            f = sp.lambdify((y, *couplings), part, "mpmath", cse=True)
            with mpmath.workdps(30):
                terms = [mpmath.mpf(float(w)) * f(mpmath.mpf(float(x)), *map(mpmath.mpf, g))
                         for x, w in zip(nodes, weights, strict=True)]
                exact, size = float(mpmath.fsum(terms)), float(mpmath.fsum(map(abs, terms)))
            # relative: the rounding of the doubles' sum is eps * sum |W_n f(y_n)| times the depth of the
            # program, and that sum is at most 4.2 |T| at this point (the terms change sign): measured
            # 8e-15 of the sum, 3e-14 of |T| at (6, 4)
            assert size < 10 * abs(exact)
            assert abs(got[index] - exact) < 1e-12 * abs(exact), (row, got[index], exact, size)


def test_the_fixed_point_of_the_emitted_code_is_the_solvers(large: Large) -> None:
    """Newton's method on the compiled betas and Jacobian, from 0.1 % off the solver's point."""
    n = len(large.system.names)
    x = around(large.point, 1, 1e-3)[0]
    for _ in range(30):
        f = call(large.library, "rgsym_rhs", x, n)
        step = np.linalg.solve(call(large.library, "rgsym_jacobian", x, n * n).reshape(n, n), -f)
        x = x + step
    assert np.max(np.abs(step / x)) < 1e-10  # converged: the last step is rounding
    # the solver stops at residual 1e-11 of each equation's scale (d2_polynomial.RESIDUAL): the points
    # agree to that times the conditioning (measured 4e-13 relative at (6, 4))
    np.testing.assert_allclose(x, large.point, rtol=1e-9)
    theta = sorted(-np.linalg.eigvals(call(large.library, "rgsym_jacobian", x, n * n).reshape(n, n)).real,
                   reverse=True)
    # same point, same matrix up to rounding (measured 3e-15, 8e-15 and 6e-15 relative)
    assert 1 / theta[0] == pytest.approx(large.result.nu, rel=1e-9)
    assert -max(t for t in theta if t < 0) == pytest.approx(large.result.omega, rel=1e-9)
    assert call(large.library, "rgsym_eta", x, 1)[0] == pytest.approx(large.result.eta, rel=1e-9)


def test_litim_reads_the_node_alone() -> None:
    """Litim: the integrands end at the kink y = 1 and hold no r(y), r'(y), ...: one column per node."""
    spec = load_spec(SPEC, ["truncation.potential=polynomial", "truncation.order=3",
                            "truncation.kinetic_order=2", "regulator.kind=litim"])
    flow = derive_d2_flow(spec)
    files = render_d2_files(build_d2_program(flow, 3, 2), spec.source, spec.digest, ("c", "numpy"))
    assert "#define RGSYM_NODE_WIDTH 1\n" in files["betas.c"]
    module = load_module(files["betas.py"])
    system = D2System(flow, 3, 2)
    g = np.array([0.03, 7.0, 10.0, 1.0, 0.5, 0.3])
    betas, stability = system.betas(g)
    # rounding only, as above (measured 2e-16 and 7e-16 of the largest entry)
    np.testing.assert_allclose(module.rhs(g), betas, rtol=0, atol=1e-12 * np.max(np.abs(betas)))
    np.testing.assert_allclose(module.jacobian(g), stability, rtol=0, atol=1e-12 * np.max(np.abs(stability)))
