"""Generated code for a Gross-Neveu-Yukawa system: strict C99 compiles, C, NumPy and sympy agree."""

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
