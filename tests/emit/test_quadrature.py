"""Generated code for regulators whose threshold integrals need quadrature (issue 5, section 2).

The C and NumPy files carry the Gauss-Legendre nodes and weights of
:class:`rgsym.threshold.Quadrature` as exact decimal literals and compute
T_c(w) = sum_n weight_n prod_i (y_n + r_n + w_i)^(-c_i) themselves; the Jacobian
takes d T_c / d w_i = -c_i T_{c + e_i}.  The reference is the sympy betas and
stability matrix, whose :class:`~rgsym.threshold.ThresholdIntegral` objects
``evalf`` through the same quadrature in NumPy.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from rgsym.betasystem import BetaSystem
from rgsym.emit import render_files
from rgsym.emit.backends import compile_functions
from rgsym.emit.c import print_c_kernel, render_c
from rgsym.emit.code import code_view, render_code
from rgsym.emit.compiler import LIBRARY_FLAGS, build_library
from rgsym.emit.kernels import build_kernels
from rgsym.emit.numpy_module import load_module, render_numpy
from rgsym.emit.printers import RGC99CodePrinter
from rgsym.errors import UnsupportedError
from rgsym.pipeline import critical_exponents, render_derivation
from rgsym.solve.numeric import compile_system
from tests.emit.systems import spec_at, system_at
from tests.emit.test_c import compile_and_run

#: Agreement of the backends with the quadrature reference, relative to the largest entry of
#: each output (the betas; the Jacobian).  The three evaluate the same sums over the same nodes
#: in another order (NumPy's reference takes exp(-c log(y + r + w)), the generated code products
#: of 1 / (y + r + w)): each T differs by a few hundred roundings at most, 1e-13 relative, and a
#: beta adds a handful of such terms of at most the largest entry's size.  Measured: 4e-14.
TOLERANCE = 1e-11
STRICT = ("-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic")

#: Exponential regulator, O(1), d = 3, LPA order 8 around the minimum (measured with the
#: default backend, whose thresholds are NumPy quadrature: nu = 0.6588612725, omega = 0.6438902098).
NU_EXPONENTIAL_8 = 0.658861
OMEGA_EXPONENTIAL_8 = 0.643890


@pytest.fixture(scope="module")
def two_modes() -> BetaSystem:
    """O(2) at order 3 with the exponential regulator: thresholds of two masses, T_{c1,c2}."""
    return system_at(3, "regulator.kind=exponential", "theory.N=2")


class QuadratureReference:
    """The sympy betas and stability matrix at a point, thresholds by ``ThresholdIntegral.evalf``."""

    def __init__(self, system: BetaSystem) -> None:
        self.system = system

    def __call__(self, g: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        point = {s: sp.Float(v, 30) for s, v in zip(self.system.symbols, g, strict=True)}
        betas = np.array([float(b.xreplace(point).evalf(30)) for b in self.system.betas])
        jac = np.array([float(e.xreplace(point).evalf(30)) for e in self.system.stability_matrix])
        return betas, jac


def close(got: np.ndarray, want: np.ndarray) -> bool:
    return bool(np.all(np.abs(got - want) <= TOLERANCE * np.max(np.abs(want))))


@settings(max_examples=8, deadline=None)
@given(x=st.lists(st.floats(0.1, 1.0), min_size=4, max_size=4))
def test_c_numpy_and_quadrature_agree(x: list[float], two_modes: BetaSystem) -> None:
    """At random points with kappa, lambda_2 > 0 (the masses 2 kappa lambda_2 > 0: no pole)."""
    scales = np.array([float(s) for s in two_modes.scales])
    g = np.array(x) * scales
    want_rhs, want_jac = QuadratureReference(two_modes)(g)
    for backend in ("c", "numpy"):
        rhs, jac = compile_functions(two_modes, {}, backend)
        assert close(rhs(g), want_rhs), (backend, rhs(g) - want_rhs)
        assert close(jac(g), want_jac), (backend, jac(g) - want_jac)


def test_c_compiles_under_strict_flags_and_batches(two_modes: BetaSystem) -> None:
    files = render_c(two_modes)
    build_library(files, flags=(*STRICT, *LIBRARY_FLAGS[1:]))  # raises on any warning
    rhs, jac = compile_functions(two_modes, {}, "c")
    points = np.array([[0.3, 0.5, -0.2, 0.1], [0.2, 0.9, 0.4, -0.3]]) * np.array(
        [float(s) for s in two_modes.scales])
    assert np.array_equal(rhs(points), np.array([rhs(p) for p in points]))
    assert np.array_equal(jac(points), np.array([jac(p) for p in points]))


def test_a_pole_gives_nan_everywhere(two_modes: BetaSystem) -> None:
    """kappa lambda_2 < 0 puts y + r(y) + w through zero: the integrals do not exist."""
    g = np.array([1.0, -5.0, 0.0, 0.0])
    reference = compile_system(two_modes).jacobian(g).reshape(-1)
    assert np.any(np.isnan(reference))
    for backend in ("c", "numpy"):
        rhs, jac = compile_functions(two_modes, {}, backend)
        assert np.all(np.isnan(rhs(g))), backend
        assert np.array_equal(np.isnan(jac(g)), np.isnan(reference)), backend  # where a T is read


def test_nodes_are_exact_and_output_deterministic(two_modes: BetaSystem) -> None:
    kernels = build_kernels(two_modes)
    assert kernels.thresholds is not None
    first = render_c(two_modes, kernels)["betas.c"]
    assert first == render_c(two_modes)["betas.c"]
    module = load_module(render_numpy(two_modes, kernels)["betas.py"])
    terms = np.array(kernels.thresholds.terms())
    assert np.array_equal(module._NODE, terms[:, 0]) and np.array_equal(module._WEIGHT, terms[:, 1])
    # Every placeholder the betas read, and every one their derivatives read, is computed.
    names = set(module.THRESHOLDS)
    assert {n for n, _ in two_modes.thresholds} <= names


def test_symbolic_d_is_refused_with_the_key() -> None:
    """The nodes depend on d: generated code needs a number (LaTeX and JSON do not)."""
    spec = spec_at(2, "regulator.kind=exponential", 'theory.d="d"')
    system = system_at(2, "regulator.kind=exponential", 'theory.d="d"')
    with pytest.raises(UnsupportedError, match="theory.d"):
        render_files(system, ["c"])
    assert "quadrature" in render_derivation(spec, ["latex"])["betas_body.tex"]


@pytest.mark.parametrize("backend", ["symengine", "c", "numpy"])
def test_exponents_with_the_exponential_regulator(backend: str) -> None:
    """The same fixed point and exponents through every backend.

    1e-9 between backends: they differ by rounding in the betas (1e-14 relative), which moves
    a simple eigenvalue by as much times its condition number; the quoted values are rounded to
    six decimals (half a unit: 5e-7).
    """
    _, ex = critical_exponents(spec_at(8, "regulator.kind=exponential"), backend=backend)
    _, reference = critical_exponents(spec_at(8, "regulator.kind=exponential"))
    assert ex.nu is not None and ex.omega is not None
    assert abs(ex.nu - NU_EXPONENTIAL_8) < 5e-7 and abs(ex.omega - OMEGA_EXPONENTIAL_8) < 5e-7
    assert abs(ex.nu - reference.nu) < 1e-9 and abs(ex.omega - reference.omega) < 1e-9  # type: ignore[operator]


def test_split_kernels_read_the_thresholds(two_modes: BetaSystem, tmp_path: Path) -> None:
    """Parts of a split kernel get the array T: the same arithmetic as one function, to the bit
    (strict C99, through the driver of test_c)."""
    view = code_view(two_modes, build_kernels(two_modes), RGC99CodePrinter(),
                     functools.partial(print_c_kernel, part_size=7))
    assert len(view.jacobian.parts) > 3
    split = {name: render_code(f"c/{name}.j2", view) for name in ("betas.h", "betas.c")}
    assert "jacobian_part3(point, p, w, T, result);" in split["betas.c"]
    whole = compile_and_run(render_c(two_modes), tmp_path / "whole")
    assert compile_and_run(split, tmp_path / "split") == whole
