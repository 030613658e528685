"""Generated code for a Gross-Neveu-Yukawa system: strict C99 compiles, C, NumPy and sympy agree
(Litim, closed thresholds; the exponential regulator, thresholds by quadrature tables)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from rgsym import load_spec
from rgsym.cli import main
from rgsym.emit.c import render_c
from rgsym.emit.numpy_module import load_module, render_numpy
from rgsym.gny import derive_gny
from tests.emit.test_c import compile_and_run


@pytest.fixture(scope="module")
def heisenberg() -> object:
    return derive_gny(load_spec("derivations/gny_chiral_heisenberg.toml", ["truncation.order=2"]))


def test_c_numpy_and_sympy_agree(heisenberg: object, tmp_path: Path) -> None:
    system = heisenberg
    lines = compile_and_run(render_c(system), tmp_path)  # -std=c99 -Wall -Wextra -Werror, no output
    numbers = np.array([[float(v) for v in line.split()[1:]] for line in lines if line.startswith("rhs")])
    n = len(system.couplings)
    module = load_module(render_numpy(system)["betas.py"])
    g = np.array([[0.1 + 0.05 * i, 0.2 - 0.03 * i] for i in range(n)])
    rhs = module.rhs(g, [])
    # C (the driver's two points) against NumPy: the same expressions, rounding only (1e-12)
    assert np.allclose(numbers[:, 0], np.concatenate([rhs[:, 0], rhs[:, 1]]), rtol=1e-12, atol=1e-14)
    for k in range(2):  # NumPy against the sympy betas, 1e-12
        at = {c.symbol: g[i, k] for i, c in enumerate(system.couplings)}
        exact = [float(b.xreplace(at)) for b in system.betas]
        assert np.allclose(rhs[:, k], exact, rtol=1e-12, atol=1e-14)
    jac = module.jacobian(g, [])[:, :, 0]
    stability = np.array(sp.ImmutableMatrix(system.stability_matrix).xreplace(
        {c.symbol: g[i, 0] for i, c in enumerate(system.couplings)}).evalf(), dtype=float)
    assert np.allclose(jac, stability, rtol=1e-10, atol=1e-12)


def test_latex_for_fermions_with_a_smooth_regulator_is_a_one_line_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["derive", "derivations/gny_chiral_ising.toml", "--set", "truncation.order=1",
                 "--set", "truncation.scheme=lpa", "--set", "regulator.kind=exponential",
                 "--emit", "latex", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "regulator.kind" in err and len(err.strip().splitlines()) == 1 and not out.exists()


@pytest.fixture(scope="module")
def smooth() -> object:
    """Chiral Ising LPA (order 1, N_f = 2) with the exponential regulator: its loops hold six
    families of quadrature integrals (one weight function each) on the same nodes."""
    return derive_gny(load_spec("derivations/gny_chiral_ising.toml",
                                ["truncation.scheme=lpa", "truncation.order=1",
                                 "regulator.kind=exponential"]))


def test_smooth_regulator_c_numpy_and_sympy_agree(smooth: object, tmp_path: Path) -> None:
    """The weights of each family are emitted as tables of doubles (%.17g, read back bit for bit);
    C against NumPy: the same tables and program, 1e-12 (measured 8e-17).  NumPy against the
    derived betas with their thresholds by rgsym.threshold (same nodes and weights, summed in
    another order; the weights of the fermion loops are singular at y = 0 where terms cancel):
    1e-12 relative (measured 1e-15)."""
    from rgsym.emit.kernels import build_kernels
    from tests.literature.test_gny_regulators import flows_at

    system = smooth
    kernels = build_kernels(system)
    assert kernels.thresholds is not None and len(kernels.thresholds.quadratures) > 1
    lines = compile_and_run(render_c(system, kernels), tmp_path)  # -std=c99 -Wall -Wextra -Werror
    numbers = np.array([[float(v) for v in line.split()[1:]]
                        for line in lines if not line.startswith("name")])
    module = load_module(render_numpy(system, kernels)["betas.py"])
    n = len(system.couplings)
    g = np.array([[0.1 + 0.05 * i, 0.2 - 0.03 * i] for i in range(n)])
    expected = np.concatenate([np.concatenate([module.rhs(g, [])[:, k],
                                               module.jacobian(g, [])[:, :, k].ravel()]) for k in range(2)])
    np.testing.assert_allclose(numbers[:, 0], expected, rtol=1e-12, atol=1e-12 * np.max(np.abs(expected)))
    rng = np.random.default_rng(17)
    for _ in range(3):
        point = np.array([rng.uniform(0.05, 0.6), rng.uniform(-1.0, 3.0), rng.uniform(0.1, 3.0)])
        exact = flows_at(system, dict(zip(system.names, point, strict=True)))[:n]
        np.testing.assert_allclose(module.rhs(point, []), exact, rtol=1e-12, atol=1e-14)


def test_smooth_regulator_jacobian_against_finite_differences(smooth: object) -> None:
    """The emitted Jacobian (forward mode through the thresholds, d T_c / d w = -c T_{c+1} within
    a family) against the sixth-order central stencil of the emitted betas, step 1e-3: the stencil's
    error is ~h^6 f^(7) ~ 1e-15 and its rounding ~1e-16/h ~ 1e-13: 1e-11 relative to the largest
    entry (measured 9e-14)."""
    from rgsym.emit.kernels import build_kernels

    system = smooth
    module = load_module(render_numpy(system, build_kernels(system))["betas.py"])
    point = np.array([0.27, 1.3, 0.9])
    h = 1e-3
    stencil = ((3, 1), (2, -9), (1, 45), (-1, -45), (-2, 9), (-3, -1))
    columns = []
    for j in range(point.size):
        step = np.zeros(point.size)
        step[j] = h
        columns.append(sum(w * module.rhs(point + k * step, []) for k, w in stencil) / (60 * h))
    differences = np.array(columns).T
    jacobian = module.jacobian(point, [])
    assert np.max(np.abs(jacobian - differences)) < 1e-11 * np.max(np.abs(jacobian))
