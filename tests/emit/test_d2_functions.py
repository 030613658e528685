"""The generated full-function O(d^2) code (rgsym.emit.d2_functions): strict C99, NumPy, and both against
the solver of rgsym.solve.fixed_functions, pointwise, collocated, and solved.

The system is the shipped Ising spec (derivations/ising_d2.toml: u' and z in full, exponential regulator,
alpha = 2), the one `rgsym exponents` solves.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import root

from rgsym.emit.d2_functions import build_function_program, render_function_files
from rgsym.emit.numpy_module import load_module
from rgsym.solve.fixed_functions import _evaluate, compile_system, linearised_spectrum, residual_and_jacobian
from rgsym.solve.pde import chebyshev_grid
from rgsym.spec import load_spec
from rgsym.workflows.d2 import d2_fixed_functions, d2_system, derive_d2_flow

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "derivations" / "ising_d2.toml"
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
POINTER = ctypes.POINTER(ctypes.c_double)


@pytest.fixture(scope="module")
def setup() -> dict[str, Any]:
    """The solver's fixed functions and system, and the generated files."""
    spec = load_spec(SPEC)
    result, functions = d2_fixed_functions(spec)
    kappa = dict(result.fixed_point)["kappa"]
    system = d2_system(derive_d2_flow(spec), kappa, "ising d2")
    program = build_function_program(system, "O(d^2) Ising, test")
    files = render_function_files(program, spec.source, spec.digest, ("c", "numpy"))
    return {"result": result, "functions": functions, "kappa": kappa, "system": system, "files": files}


@pytest.fixture(scope="module")
def library(setup: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    folder = tmp_path_factory.mktemp("d2functions")
    for name, text in setup["files"].items():
        (folder / name).write_text(text)
    build = subprocess.run([os.environ.get("CC", "cc"), *STRICT, "-O1", "-fPIC", "-shared", "-o", "lib.so",
                            "functions.c", "-lm"], cwd=folder, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    assert build.stderr == "", build.stderr  # not even a note
    return ctypes.CDLL(str(folder / "lib.so"))


def _ptr(a: np.ndarray) -> Any:
    return a.ctypes.data_as(POINTER)


def c_call(library: ctypes.CDLL, name: str, size: int, *arrays: np.ndarray) -> np.ndarray:
    out = np.zeros(size)
    getattr(library, name)(*(_ptr(np.ascontiguousarray(a, dtype=float)) for a in arrays), None, _ptr(out))
    return out


def c_collocation(library: ctypes.CDLL, name: str, size: int, rho: np.ndarray, d1: np.ndarray, d2: np.ndarray,
                  row: np.ndarray, x: np.ndarray) -> np.ndarray:
    out = np.zeros(size)
    arrays = [np.ascontiguousarray(a, dtype=float) for a in (rho, d1, d2, row, x)]
    getattr(library, name)(ctypes.c_size_t(rho.size), *(_ptr(a) for a in arrays), _ptr(out))
    return out


def random_points(count: int) -> np.ndarray:
    """(rho, u', u'', u''', z, z', z'', eta) around the fixed functions (rho < rho_max ~ 0.3, u'' ~ 5,
    z ~ 1): every propagator y z + r + u' + 2 rho u'' stays positive."""
    rng = np.random.default_rng(20261203)
    return np.column_stack([rng.uniform(0.0, 0.3, count), rng.uniform(-0.2, 1.0, count),
                            rng.uniform(2.0, 8.0, count), rng.uniform(-20.0, 20.0, count),
                            rng.uniform(0.8, 1.2, count), rng.uniform(-0.5, 0.5, count),
                            rng.uniform(-2.0, 2.0, count), rng.uniform(0.0, 0.1, count)])


def test_pointwise_c_numpy_and_the_solver_agree(setup: dict[str, Any], library: ctypes.CDLL) -> None:
    """E_k and dE_k/d(jet) at random points: the solver's compiled equations (lambdify of the same
    integrands, the same nodes and node values) against the generated code."""
    module = load_module(setup["files"]["functions.py"])
    system = setup["system"]
    assert module.FUNCTIONS == ("w", "z")
    assert module.POINT == ("rho", "u1", "u2", "u3", "z", "z1", "z2", "eta")
    compiled = compile_system(system)
    jet = len(module.POINT) - 1
    for point in random_points(8):
        ((e_w, g_w), (e_z, g_z)) = _evaluate(compiled, point[:1], [np.array([v]) for v in point[1:]])
        values = np.array([e_w[0], e_z[0]])
        partials = np.array([g_w[:, 0], g_z[:, 0]])
        for got_values, got_partials in (
                (c_call(library, "rgsym_local", 2, point),
                 c_call(library, "rgsym_partials", 2 * jet, point)),
                (module.local(point), module.partials(point).ravel())):
            # the same sums of the same integrands, evaluated by another program: rounding only
            # (measured: 3e-15 of the largest entry)
            np.testing.assert_allclose(got_values, values, rtol=0, atol=1e-12 * np.max(np.abs(values)))
            np.testing.assert_allclose(got_partials, partials.ravel(), rtol=0,
                                       atol=1e-12 * np.max(np.abs(partials)))
    batch = random_points(3)
    one_by_one = np.array([module.local(p) for p in batch])
    np.testing.assert_allclose(module.local(batch.T).T, one_by_one, rtol=1e-14)  # the same program


@pytest.mark.parametrize("points", [16, 40])
def test_collocated_residual_and_jacobian_agree(setup: dict[str, Any], library: ctypes.CDLL,
                                                points: int) -> None:
    """The collocation at the fixed functions and at a perturbation of them, on the solver's grid."""
    module = load_module(setup["files"]["functions.py"])
    system, functions = setup["system"], setup["functions"]
    compiled = compile_system(system)
    grid = chebyshev_grid(points, functions.rho_max)
    rng = np.random.default_rng(points)
    base = np.concatenate([functions.interpolant("w")(grid.rho), functions.interpolant("z")(grid.rho),
                           [functions.scalars["eta"]]])
    n, size = grid.points, base.size
    row = module.condition_row(grid.rho, setup["kappa"])
    for x in (base, base * (1 + 1e-2 * rng.standard_normal(size))):
        resid, jac = residual_and_jacobian(system, compiled, grid, x)
        scale = np.abs(jac) @ np.abs(x)
        rows = np.max(np.abs(jac), axis=1)[:, None]
        c_resid = c_collocation(library, "rgsym_residual", size, grid.rho, grid.d1, grid.d2, row, x)
        c_jac = c_collocation(library, "rgsym_jacobian", size * size, grid.rho, grid.d1, grid.d2, row,
                              x).reshape(size, size)
        np_resid = module.residual(x, grid.rho, grid.d1, grid.d2, row)
        np_jac = module.jacobian(x, grid.rho, grid.d1, grid.d2, row)
        # A residual row is E(rho_i, jets) with jets = D f summed in another order (C loops, BLAS):
        # their rounding is eps sum_m |D_im| |f_m|, so each row is compared in units of (|J| |x|)_i
        # (measured: 2e-16).
        assert np.max(np.abs(c_resid - resid) / scale) < 1e-12
        assert np.max(np.abs(np_resid - resid) / scale) < 1e-12
        # NumPy forms the jets with the solver's matrix products: row-scaled, rounding only
        # (measured: 2e-14).
        assert np.max(np.abs(np_jac - jac) / rows) < 1e-12
        # C sums the jets in its own order; the partials at the large-rho end of the z equation,
        # dz-flow/du'' with u'' = (D2 w)_i a sum of terms 1e4 larger than itself (on 41 points the
        # D2 entries reach 1e5), carry that rounding, and how much depends on the BLAS that sums
        # the solver's jets: 1e-13 of the row on 17 points; on 41 points 6e-12 with one numpy build
        # and 1.2e-10 with another (measured).  1e-9 leaves a factor 8 over the worst; a wrong
        # entry would be off by the order of the row.
        assert np.max(np.abs(c_jac - jac) / rows) < (1e-12 if points == 16 else 1e-9)
    # the grid and the interpolation row the generated code builds itself
    rho, d1, d2 = module.grid(n, functions.rho_max)
    assert np.array_equal(rho, grid.rho) and np.array_equal(d1, grid.d1)
    c_rho, c_d1, c_d2 = np.zeros(n), np.zeros(n * n), np.zeros(n * n)
    library.rgsym_grid(ctypes.c_size_t(n), ctypes.c_double(functions.rho_max), _ptr(c_rho), _ptr(c_d1),
                       _ptr(c_d2))
    # the same formula, summed in another order: rounding only (measured: 6e-16 of the largest entry)
    np.testing.assert_allclose(c_rho, grid.rho, rtol=0, atol=1e-15 * functions.rho_max)
    np.testing.assert_allclose(c_d1.reshape(n, n), grid.d1, rtol=0, atol=1e-13 * np.max(np.abs(grid.d1)))
    np.testing.assert_allclose(c_d2.reshape(n, n), grid.d2, rtol=0, atol=1e-13 * np.max(np.abs(grid.d2)))
    c_row = np.zeros(n)
    library.rgsym_condition_row(ctypes.c_size_t(n), _ptr(np.ascontiguousarray(grid.rho)),
                                ctypes.c_double(setup["kappa"]), _ptr(c_row))
    # barycentric against the solver's Vandermonde solve: both exact interpolation (measured: 1e-16)
    np.testing.assert_allclose(c_row, row, rtol=0, atol=1e-13)
    assert c_row @ np.asarray(grid.rho) ** 3 == pytest.approx(setup["kappa"] ** 3, rel=1e-12)


def test_solving_the_emitted_system_gives_the_solvers_exponents(setup: dict[str, Any],
                                                                library: ctypes.CDLL) -> None:
    """Newton on the generated residual and Jacobian (NumPy, then C), from the solver's fixed functions
    perturbed smoothly by 1%, and the generalised eigenproblem of the generated Jacobian: the solver's nu
    and eta."""
    module = load_module(setup["files"]["functions.py"])
    result, functions, system = setup["result"], setup["functions"], setup["system"]
    rho, d1, d2 = module.grid(len(functions.rho), functions.rho_max)
    row = module.condition_row(rho, setup["kappa"])
    x0 = np.concatenate([functions.values["w"], functions.values["z"], [functions.scalars["eta"]]])
    n = len(rho)
    # a smooth perturbation (grid noise would be amplified by D2): 1% in u', up to 1% in z, 5% in eta
    start = x0 * np.concatenate([np.full(n, 1.01), 1 + 0.01 * rho / rho[-1], [1.05]])
    size = x0.size

    def numpy_system(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return module.residual(x, rho, d1, d2, row), module.jacobian(x, rho, d1, d2, row)

    def c_system(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (c_collocation(library, "rgsym_residual", size, rho, d1, d2, row, x),
                c_collocation(library, "rgsym_jacobian", size * size, rho, d1, d2, row,
                              x).reshape(size, size))

    for equations in (numpy_system, c_system):
        solution = root(equations, start, jac=True, method="hybr", options={"xtol": 1e-14})
        residual, jacobian = equations(solution.x)
        assert np.max(np.abs(residual)) < 1e-9  # the solver's RESIDUAL_TOLERANCE
        theta = linearised_spectrum(system, jacobian, len(rho))
        real = theta[np.abs(theta.imag) < 1e-8 * np.abs(theta)].real
        nu = 1 / np.max(real)
        # The same discrete problem solved twice: the roots agree to Newton's tolerance, the eigenvalues to
        # its rounding (measured: 2e-14 in nu, 5e-15 in eta).
        assert nu == pytest.approx(result.nu, abs=1e-9)
        assert solution.x[-1] == pytest.approx(result.eta, abs=1e-9)
    # and the values of the literature test (Balog et al. 1907.01829, exponential regulator: 0.628, 0.044)
    assert result.nu == pytest.approx(0.628, abs=1e-3) and result.eta == pytest.approx(0.044, abs=1e-3)


def test_full_route_emission_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    """``rgsym derive derivations/ising_d2.toml --emit c,numpy`` (full functions), two PYTHONHASHSEEDs."""
    outputs = []
    for seed in ("0", "4242"):
        out = tmp_path / seed
        args = [sys.executable, "-m", "rgsym.cli", "derive", str(SPEC), "--emit", "c,numpy", "-o", str(out),
                "--no-cache"]
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600,
                              env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)})
        assert done.returncode == 0, done.stderr
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert sorted(outputs[0]) == ["functions.c", "functions.h", "functions.py"]
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(("name", "overrides"), [
    ("ising_d2.toml", ["regulator.kind=litim"]),  # the kinked regulator: integrands on (0, 1), no node values
    pytest.param("on_d2.toml", [], marks=pytest.mark.slow),  # O(2): Y(rho), regular at rho = 0
])
def test_other_systems_agree_pointwise(name: str, overrides: list[str], tmp_path: Path) -> None:
    """Litim (Ising) and O(2) with Y: E_k and its partials, C and NumPy against the solver, at rho = 0
    (where the Y flow is a limit) and inside."""
    spec = load_spec(ROOT / "derivations" / name, overrides)
    system = d2_system(derive_d2_flow(spec), 0.05, name)
    program = build_function_program(system, name)
    files = render_function_files(program, spec.source, spec.digest, ("c", "numpy"))
    for file, text in files.items():
        (tmp_path / file).write_text(text)
    build = subprocess.run([os.environ.get("CC", "cc"), *STRICT, "-O1", "-fPIC", "-shared", "-o", "lib.so",
                            "functions.c", "-lm"], cwd=tmp_path, capture_output=True, text=True)
    assert build.returncode == 0 and build.stderr == "", build.stderr
    library = ctypes.CDLL(str(tmp_path / "lib.so"))
    module = load_module(files["functions.py"])
    compiled = compile_system(system)
    count = len(system.functions)
    jet = [[0.3, 5.0, 2.0], [1.0, -0.3, 0.5], [0.2, 0.1, -0.4]][:count]  # u', z, Y and two derivatives each
    for rho in (0.0, 0.01, 0.2):
        point = np.array([rho, *(v for f in jet for v in f), 0.03])
        evaluated = _evaluate(compiled, point[:1], [np.array([v]) for v in point[1:]])
        values = np.array([e[0] for e, _ in evaluated])
        partials = np.array([g[:, 0] for _, g in evaluated]).ravel()
        for got_values, got_partials in (
                (c_call(library, "rgsym_local", count, point),
                 c_call(library, "rgsym_partials", partials.size, point)),
                (module.local(point), module.partials(point).ravel())):
            # rounding only, as for the Ising system (measured: 9e-16)
            np.testing.assert_allclose(got_values, values, rtol=0, atol=1e-12 * np.max(np.abs(values)))
            np.testing.assert_allclose(got_partials, partials, rtol=0, atol=1e-12 * np.max(np.abs(partials)))
