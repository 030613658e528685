"""The full-potential PDE as grid code: C and NumPy agree with sympy, the Jacobian is banded and exact.

The reference is the derived PDE itself, G = d/drho of the PotentialFlow's rhs
(:func:`rgsym.pde_form.differentiated_flow`), evaluated with mpmath at 30 digits at the grid
derivatives the code computes.  Tolerance: 1e-12 times the size of the terms G sums at that
point (``magnitude``, as in test_numerics): double-precision evaluation of a sum of terms of
size M errs by a few multiples of 1e-16 M whatever the order of the additions.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import subprocess
import sys
from dataclasses import replace

import mpmath
import numpy as np
import pytest
import scipy.sparse
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from rgsym import TheorySpec, load_spec
from rgsym.emit.compiler import build_library
from rgsym.emit.grid import STENCIL, build_grid_kernels, render_grid_files, stencils
from rgsym.emit.numpy_module import load_module
from rgsym.errors import UnsupportedError
from rgsym.pde_form import W_SYMBOLS, differentiated_flow
from rgsym.pipeline import derive
from rgsym.project import PotentialFlow
from rgsym.solve.pde import chebyshev_grid, collocation_equation
from rgsym.solve.pde import residual_and_jacobian as chebyshev_residual
from rgsym.workflows.fixed_function import fixed_function
from tests.emit.systems import ROOT
from tests.emit.test_numerics import magnitude

SPEC_SOURCE = "derivations/ising_lpa_full.toml"
STRICT = ("-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O1", "-fPIC", "-shared")
TOLERANCE = 1e-12
DIGITS = 30
EPS = float(np.finfo(float).eps)


def ising_spec(*overrides: str, source: str = SPEC_SOURCE) -> TheorySpec:
    """The spec at ``source`` (the Ising LPA by default), named by its path in the checkout."""
    return replace(load_spec(ROOT / source, list(overrides)), source=source)


class Grid:
    """One flow's generated files, the compiled C (ctypes), the NumPy module and the sympy G."""

    def __init__(self, *overrides: str, source: str = SPEC_SOURCE) -> None:
        self.spec = ising_spec(*overrides, source=source)
        flow = derive(self.spec)
        assert isinstance(flow, PotentialFlow)
        self.flow = flow
        self.files = render_grid_files(flow, ["c", "numpy"])
        self.module = load_module(self.files["pde.py"], "rgsym_generated_pde")
        self.lib = ctypes.CDLL(str(build_library(self.files, source="pde.c", flags=STRICT)))
        for name in ("rgsym_pde_rhs", "rgsym_pde_jacobian"):
            getattr(self.lib, name).argtypes = [ctypes.c_size_t, *[ctypes.c_void_p] * 4]
            getattr(self.lib, name).restype = ctypes.c_int
        self.lib.rgsym_pde_local.argtypes = [*[ctypes.c_double] * 4, ctypes.c_void_p, ctypes.c_void_p]
        self.lib.rgsym_pde_local.restype = None
        rho, u = flow.invariant, flow.potential
        g = differentiated_flow(flow.rhs, rho, u)
        args = [rho, *W_SYMBOLS, *flow.parameters]
        exprs = [g, *(sp.diff(g, s) for s in W_SYMBOLS)]
        self.values = sp.lambdify(args, exprs, modules="mpmath")
        self.magnitudes = sp.lambdify(args, [magnitude(e) for e in exprs], modules="mpmath")

    def reference(self, point: tuple[float, ...], params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(G, dG/dw, dG/dw', dG/dw'') at 30 digits, and the magnitudes of their terms."""
        with mpmath.workdps(DIGITS):
            args = [mpmath.mpf(float(x)) for x in (*point, *params)]
            return (np.array([float(v) for v in self.values(*args)]),
                    np.array([float(v) for v in self.magnitudes(*args)]))

    def c_rhs(self, rho: np.ndarray, w: np.ndarray, params: np.ndarray) -> tuple[int, np.ndarray]:
        out = np.zeros(rho.size)
        status = self.lib.rgsym_pde_rhs(rho.size, *_pointers(rho, w, _params(params), out))
        return status, out

    def c_jacobian(self, rho: np.ndarray, w: np.ndarray, params: np.ndarray) -> tuple[int, np.ndarray]:
        ab = np.full((2 * (STENCIL - 1) + 1, rho.size), np.nan)
        status = self.lib.rgsym_pde_jacobian(rho.size, *_pointers(rho, w, _params(params), ab))
        return status, ab

    def c_local(self, point: tuple[float, ...], params: np.ndarray) -> np.ndarray:
        out = np.zeros(4)
        p = _params(params)
        self.lib.rgsym_pde_local(*map(float, point), p.ctypes.data, out.ctypes.data)
        return out


def _params(params: np.ndarray) -> np.ndarray:
    """A C array of the parameters (one unused slot when there are none)."""
    return np.ascontiguousarray(params if len(params) else np.zeros(1), dtype=float)


def _pointers(*arrays: np.ndarray) -> list[int]:
    assert all(a.flags.c_contiguous and a.dtype == np.float64 for a in arrays)
    return [a.ctypes.data for a in arrays]


@pytest.fixture(scope="module")
def numeric() -> Grid:
    return Grid()


@pytest.fixture(scope="module")
def symbolic() -> Grid:
    """d and N left symbolic: the generated code takes them in params (order N, d)."""
    return Grid('theory.N="N"', 'theory.d="d"')


@pytest.fixture(scope="module")
def polchinski() -> Grid:
    """The Polchinski flow of the full potential: no propagators, a w^2 term instead."""
    return Grid(source="derivations/ising_polchinski_full.toml")


def _case(grid: Grid, data: st.DataObject) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A uniform grid on [0, rho_max], w a random smooth positive function on it, and params.

    w >= 0 and w' >= 0 keep the propagators 1/(1 + w) and 1/(1 + w + 2 rho w') finite.
    """
    n = data.draw(st.integers(STENCIL, 40), label="n")
    rho_max = data.draw(st.floats(0.2, 4.0), label="rho_max")
    a = data.draw(st.lists(st.floats(0.0, 2.0), min_size=3, max_size=3), label="a")
    rho = np.linspace(0.0, rho_max, n)
    w = a[0] + a[1] * rho + a[2] * np.sin(rho)
    names = grid.module.PARAMETERS
    bounds = {"N": (1.0, 5.0), "d": (2.2, 4.5)}
    params = np.array([data.draw(st.floats(*bounds[name]), label=name) for name in names])
    return rho, w, params


def _check_points(grid: Grid, rho: np.ndarray, w: np.ndarray, params: np.ndarray) -> None:
    w1, w2 = grid.module.derivatives(rho, w)
    status, c_rhs = grid.c_rhs(rho, w, params)
    assert status == 0
    np_rhs = grid.module.rhs(rho, w, params)
    for i in range(rho.size):
        point = (rho[i], w[i], w1[i], w2[i])
        values, sizes = grid.reference(point, params)
        bound = TOLERANCE * sizes + 1e-300
        assert abs(c_rhs[i] - values[0]) <= bound[0], (i, c_rhs[i], values[0])
        assert abs(np_rhs[i] - values[0]) <= bound[0], (i, np_rhs[i], values[0])
        np.testing.assert_array_less(np.abs(grid.c_local(point, params) - values), bound)
        np.testing.assert_array_less(np.abs(grid.module.local(*point, params) - values), bound)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_c_numpy_and_sympy_agree(numeric: Grid, data: st.DataObject) -> None:
    _check_points(numeric, *_case(numeric, data))


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_c_numpy_and_sympy_agree_with_symbolic_d_and_n(symbolic: Grid, data: st.DataObject) -> None:
    assert symbolic.module.PARAMETERS == ("N", "d")
    _check_points(symbolic, *_case(symbolic, data))


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_c_numpy_and_sympy_agree_for_the_polchinski_equation(polchinski: Grid, data: st.DataObject) -> None:
    _check_points(polchinski, *_case(polchinski, data))


def test_parameter_only_subexpressions_leave_the_grid_loop(symbolic: Grid) -> None:
    """Gamma(d/2) and pi^(d/2) are computed once per call, not at every point."""
    kernels = build_grid_kernels(symbolic.flow)
    assert kernels.constants and all(e.has(sp.gamma) for _, e in kernels.constants)
    for kernel in (kernels.value, kernels.partials):
        assert not any(e.has(sp.gamma) for _, e in kernel.temporaries)
    source = symbolic.files["pde.c"]
    body = source[source.index("static double rgsym_pde_value"):]
    assert "tgamma" not in body and "tgamma" in source


def test_finite_differences_are_exact_on_quartics_and_fourth_order(numeric: Grid) -> None:
    """A quartic is differentiated exactly (to rounding: the stencil sums, divided by h or h^2,
    err by a few eps times the sum of |weight w| they add); sin converges at fourth order
    (third for w'' in the two outermost rows at each end, one-sided)."""
    first, second = stencils()
    assert first.numerators[STENCIL // 2] == (1, -8, 0, 8, -1) and first.denominator == 12
    assert second.numerators[STENCIL // 2] == (-1, 16, -30, 16, -1) and second.denominator == 12
    rho = np.linspace(0.3, 2.0, 12)
    h = rho[1] - rho[0]
    coefficients = np.array([0.7, -1.2, 0.4, 2.0, -0.9])
    poly = np.polynomial.Polynomial(coefficients)
    w1, w2 = numeric.module.derivatives(rho, poly(rho))
    scale = np.max(np.abs(poly(rho)))
    assert np.max(np.abs(w1 - poly.deriv()(rho))) <= 100 * EPS * 128 / 12 * scale / h
    assert np.max(np.abs(w2 - poly.deriv(2)(rho))) <= 100 * EPS * 320 / 12 * scale / h**2
    errors = []
    for n in (41, 81):
        x = np.linspace(0.0, 2.0, n)
        d1, d2 = numeric.module.derivatives(x, np.sin(x))
        errors.append((np.max(np.abs(d1 - np.cos(x))), np.max(np.abs(d2[2:-2] + np.sin(x[2:-2]))),
                       np.max(np.abs(d2 + np.sin(x)))))
    ratios = np.array(errors[0]) / np.array(errors[1])
    assert ratios[0] > 14 and ratios[1] > 14 and ratios[2] > 7, ratios  # 2^4 = 16, 2^3 = 8


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_banded_jacobian_is_the_derivative_of_the_rhs(symbolic: Grid, data: st.DataObject) -> None:
    """C and NumPy store the same band; it equals central differences of the generated C rhs.

    Central differences with step delta err by O(delta^2 d^3G/dw_j^3) + O(eps |G| / delta).  A
    step in w_j moves w' by up to 4 delta / h, and G depends on w' through 1/(1 + w + 2 rho w')^2,
    so the cubic term is up to ~(8 rho / h)^2 delta^2 ~ 1e-9 of the entry for rho / h < 40 and
    delta = 1e-7 (at delta = 1e-5 it shows, 1e-6 relative); the terms of G are ~|w| times the
    entries, so rounding adds ~eps |w| / delta ~ 1e-8 of them.  1e-6 of the largest entry bounds
    both.  Entries outside the stencils are exactly zero in every form."""
    rho, w, params = _case(symbolic, data)
    n = rho.size
    status, ab = symbolic.c_jacobian(rho, w, params)
    assert status == 0
    np_ab = symbolic.module.jacobian_banded(rho, w, params)
    scale = np.max(np.abs(ab))
    np.testing.assert_allclose(ab, np_ab, rtol=1e-12, atol=1e-13 * scale)
    upper = STENCIL - 1
    dense = np.zeros((n, n))
    for i in range(n):
        for j in range(max(0, i - upper), min(n, i + upper + 1)):
            dense[i, j] = ab[upper + i - j, j]
    sparse = symbolic.module.jacobian_sparse(rho, w, params)
    assert isinstance(sparse, scipy.sparse.csr_matrix) and sparse.nnz == STENCIL * n
    np.testing.assert_allclose(sparse.toarray(), dense, rtol=1e-12, atol=1e-13 * scale)
    pattern = symbolic.module.sparsity(n).toarray() != 0
    assert np.all(dense[~pattern] == 0.0)
    fd = np.zeros((n, n))
    for j in range(n):
        step = np.zeros(n)
        step[j] = 1e-7
        up, down = symbolic.c_rhs(rho, w + step, params)[1], symbolic.c_rhs(rho, w - step, params)[1]
        fd[:, j] = (up - down) / 2e-7
    assert np.all(fd[~pattern] == 0.0)  # the band is exact: no G_i sees w_j outside its stencil
    np.testing.assert_allclose(fd, dense, rtol=0, atol=1e-6 * scale)
    inside = {(upper + i - j, j) for i in range(n) for j in range(n) if pattern[i, j]}
    outside = [ab[r, c] for r in range(ab.shape[0]) for c in range(n) if (r, c) not in inside]
    assert all(v == 0.0 for v in outside)


def test_bad_grids_are_refused(numeric: Grid) -> None:
    """C returns a status and writes nothing; NumPy raises with the reason."""
    rho = np.linspace(0.0, 1.0, STENCIL - 1)
    assert numeric.c_rhs(rho, rho.copy(), np.zeros(0))[0] == 1
    uneven = np.linspace(0.0, 1.0, 9) ** 2
    status, out = numeric.c_jacobian(uneven, uneven.copy(), np.zeros(0))
    assert status == 2 and np.all(np.isnan(out))
    with pytest.raises(ValueError, match="uniformly spaced"):
        numeric.module.rhs(uneven, uneven)
    with pytest.raises(ValueError, match="n >= 5"):
        numeric.module.rhs(rho, rho)
    with pytest.raises(ValueError, match="params must hold 0 values"):
        numeric.module.rhs(np.linspace(0.0, 1.0, 9), np.ones(9), [3.0])


def test_fixed_point_function_is_a_zero_to_discretisation_accuracy(numeric: Grid) -> None:
    """u*' of rgsym.solve.pde (Chebyshev, converged to ~1e-12), put on uniform grids: the generated
    G vanishes up to the finite-difference error, which falls at fourth order (measured: max|G| =
    2.1e-8 on 101 points, 1.1e-9 on 201, a factor 18; the third-order one-sided w'' rows do not
    show, as the w'' coefficient 2 rho / (...)^2 vanishes at rho = 0 and is suppressed at rho_max).
    Bounds: 10 times the measured residual, and a factor 12 for 2^4 = 16."""
    fixed = fixed_function(load_spec(ROOT / SPEC_SOURCE))
    poly = np.polynomial.Chebyshev.fit(fixed.rho, fixed.derivative, fixed.points,
                                       domain=[0.0, fixed.rho_max])
    residuals = []
    for n in (101, 201):
        rho = np.linspace(0.0, fixed.rho_max, n)
        status, g = numeric.c_rhs(rho, poly(rho), np.zeros(0))
        assert status == 0
        np.testing.assert_allclose(g, numeric.module.rhs(rho, poly(rho)), rtol=1e-12, atol=1e-14)
        residuals.append(float(np.max(np.abs(g))))
    scale = float(np.max(np.abs(poly(np.linspace(0.0, fixed.rho_max, 201)))))  # |G| terms ~ 2|w|
    assert residuals[0] < 1e-7 * scale, residuals
    assert residuals[0] / residuals[1] > 12, residuals


def test_rendering_is_byte_deterministic(numeric: Grid) -> None:
    """Twice in one process, and under another PYTHONHASHSEED in a fresh one."""
    again = render_grid_files(numeric.flow, ["c", "numpy"])
    assert again == numeric.files
    digest = hashlib.sha256("".join(numeric.files[k] for k in sorted(numeric.files)).encode()).hexdigest()
    script = ("import hashlib; from tests.emit.test_grid import ising_spec; "
              "from rgsym.pipeline import derive; from rgsym.emit.grid import render_grid_files; "
              "s = ising_spec(); f = render_grid_files(derive(s), ['c', 'numpy']); "
              "print(hashlib.sha256(''.join(f[k] for k in sorted(f)).encode()).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == digest


def test_headers_name_version_and_spec_without_timestamps(numeric: Grid) -> None:
    from rgsym import __version__

    for name, text in numeric.files.items():
        head = "\n".join(text.splitlines()[:25])
        assert f"rgsym {__version__}" in head and SPEC_SOURCE in head and numeric.spec.digest in head, name
        assert "do not edit" in head
    assert not any(word in "".join(numeric.files.values()).lower() for word in ("2026", "utc", "timestamp"))


def test_other_formats_and_regulators_are_refused(numeric: Grid) -> None:
    with pytest.raises(UnsupportedError, match="--emit c,numpy"):
        render_grid_files(numeric.flow, ["latex"])
    with pytest.raises(UnsupportedError, match="regulator.kind"):
        build_grid_kernels(derive(ising_spec("regulator.kind=exponential")))


def test_short_flow_with_the_sparse_jacobian_matches_chebyshev_collocation(numeric: Grid) -> None:
    """BDF with the generated rhs and sparse Jacobian against BDF on the Chebyshev collocation of
    rgsym.solve.pde (dense exact Jacobian), both for the dimensionless flow d_t w = G from a
    perturbed fixed point, towards the IR.  They agree to the finite-difference error (the
    fixed-point test above: ~1e-9 of |w| on 201 points) plus the integrators' tolerances (1e-10):
    measured 2.5e-10 of max|w| on 201 points; the bound is 40 times that."""
    fixed = fixed_function(load_spec(ROOT / SPEC_SOURCE))
    rho_max = fixed.rho_max
    poly = np.polynomial.Chebyshev.fit(fixed.rho, fixed.derivative, fixed.points, domain=[0.0, rho_max])

    def start(x: np.ndarray) -> np.ndarray:
        return np.asarray(poly(x) + 0.01 * np.exp(-x / rho_max), dtype=float)

    rho = np.linspace(0.0, rho_max, 201)
    module = numeric.module
    fd = solve_ivp(module.fun, (0.0, -0.5), start(rho), method="BDF", jac=module.jac, args=(rho, ()),
                   rtol=1e-10, atol=1e-12)
    assert fd.success
    grid = chebyshev_grid(40, rho_max)
    eq = collocation_equation(numeric.flow)
    cheb = solve_ivp(lambda t, w: chebyshev_residual(eq, grid, w)[0], (0.0, -0.5), start(grid.rho),
                     method="BDF", jac=lambda t, w: chebyshev_residual(eq, grid, w)[1], rtol=1e-10,
                     atol=1e-12)
    assert cheb.success
    final = np.polynomial.Chebyshev.fit(grid.rho, cheb.y[:, -1], 40, domain=[0.0, rho_max])
    moved = float(np.max(np.abs(fd.y[:, -1] - start(rho))))
    difference = float(np.max(np.abs(fd.y[:, -1] - final(rho))))
    assert moved > 1e-3  # the perturbation did flow
    assert difference < 1e-8 * float(np.max(np.abs(final(rho)))), (difference, moved)
