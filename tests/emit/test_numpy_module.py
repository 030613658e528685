"""The generated NumPy module: importable without sympy, vectorised, a solve_ivp right-hand side,
and its long sums running sums (Python's compiler fails on a sum of thousands of terms)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from rgsym.betasystem import BetaSystem
from rgsym.emit.numpy_module import load_module, render_numpy
from rgsym.emit.printers import RGNumPyPrinter
from tests.emit.systems import ROOT, system_at

#: Imports betas.py with sympy and symengine made unimportable, and runs a flow.
SCRIPT = """
import sys
sys.modules["sympy"] = None
sys.modules["symengine"] = None
sys.modules["rgsym"] = None
import betas
from scipy.integrate import solve_ivp
g0 = [0.03, 7.5, 100.0, 1000.0, -3000.0]
sol = solve_ivp(betas.fun, (0.0, -0.01), g0, jac=betas.jac, vectorized=True, method="BDF")
print(sol.status, betas.COUPLINGS, betas.SPEC_DIGEST[:8])
"""


def test_module_needs_numpy_only(order4_files: dict[str, str], order4: BetaSystem, tmp_path: Path) -> None:
    (tmp_path / "betas.py").write_text(order4_files["betas.py"])
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "0"
    assert order4.spec_digest[:8] in done.stdout and "'lambda_5'" in done.stdout


def test_shapes_and_metadata(order4: BetaSystem, order4_files: dict[str, str]) -> None:
    module = load_module(order4_files["betas.py"])
    assert module.COUPLINGS == order4.names and module.PARAMETERS == ()
    assert module.SPEC_DIGEST == order4.spec_digest
    g = np.array([0.03, 7.5, 100.0, 1000.0, -3000.0])
    batch = np.stack([g, 1.01 * g, 0.99 * g], axis=1)
    assert module.rhs(g).shape == (5,) and module.jacobian(g).shape == (5, 5)
    assert module.rhs(batch).shape == (5, 3) and module.jacobian(batch).shape == (5, 5, 3)
    # Not bit-equal: numpy evaluates exp/log/power on arrays with SIMD loops (AVX2/AVX-512, numpy
    # >= 1.22) that may differ from the one-point loop in the last ulp; the entries sum a few
    # dozen such terms of like size, so 1e-13 relative is ~500 ulps and far below any bug.
    np.testing.assert_allclose(module.rhs(batch)[:, 1], module.rhs(1.01 * g), rtol=1e-13, atol=0)
    np.testing.assert_allclose(module.jacobian(batch)[:, :, 2], module.jacobian(0.99 * g),
                               rtol=1e-13, atol=1e-300)
    with pytest.raises(ValueError, match="shape"):
        module.rhs(g[:4])
    with pytest.raises(ValueError, match="params"):
        module.rhs(g, [3.0])


def test_flow_integrates_with_and_without_jacobian(symbolic: BetaSystem) -> None:
    """solve_ivp with the analytic Jacobian (BDF) and without it (RK45) reach the same point."""
    module = load_module(render_numpy(symbolic)["betas.py"])
    params = (1.0, 3.0)  # N, d
    g0 = [0.03, 7.5, 100.0, 1000.0]
    stiff = solve_ivp(module.fun, (0.0, -0.05), g0, jac=module.jac, args=(params,), method="BDF",
                      vectorized=True, rtol=1e-10, atol=1e-12)
    plain = solve_ivp(module.fun, (0.0, -0.05), g0, args=(params,), rtol=1e-10, atol=1e-12)
    assert stiff.status == 0 and plain.status == 0
    np.testing.assert_allclose(stiff.y[:, -1], plain.y[:, -1], rtol=1e-6)


def rendered(system: BetaSystem, max_terms: int | None, monkeypatch: pytest.MonkeyPatch) -> str:
    """The NumPy module of ``system`` with sums cut after ``max_terms`` terms (None: never, as
    before running sums)."""
    with monkeypatch.context() as patch:
        patch.setattr(RGNumPyPrinter, "max_terms", max_terms)
        return render_numpy(system)["betas.py"]


def longest_sum(source: str) -> int:
    """The most terms of one statement (a rough count: its ``+`` and ``-`` between spaces)."""
    return max(line.count(" + ") + line.count(" - ") + 1 for line in source.splitlines())


def test_running_sums_give_the_same_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Order 12, whose longest Jacobian entry sums 234 terms: the module with running sums (of 200
    terms, and of 7) computes every beta and Jacobian entry to the same bits as the module that
    writes each sum as one expression, at one point and on a batch."""
    system = system_at(12)
    whole = rendered(system, None, monkeypatch)
    assert longest_sum(whole) > 200
    reference = load_module(whole)
    rng = np.random.default_rng(4)
    g = np.array([0.03, 7.5, 100.0, 1000.0, -3000.0, 1e4, 1e5, -1e6, 1e7, 1e8, -1e9, 1e10, -1e11])
    batch = g[:, None] * rng.uniform(0.9, 1.1, size=(g.size, 4))
    for max_terms in (200, 7):
        source = rendered(system, max_terms, monkeypatch)
        assert source != whole and longest_sum(source) <= max_terms + 1
        module = load_module(source)
        for point in (g, batch):
            assert np.array_equal(module.rhs(point), reference.rhs(point))
            assert np.array_equal(module.jacobian(point), reference.jacobian(point))


@pytest.mark.slow  # order 24 through the NumPy module: about 3 min (the search runs in Python)
def test_numpy_backend_at_order_24_prints_what_the_default_prints() -> None:
    """Order 24 failed in Python's compiler before sums were cut (RecursionError); now its
    exponents print the same text as symengine's LLVM (measured: identical)."""
    def exponents(*backend: str) -> str:
        done = subprocess.run([sys.executable, "-m", "rgsym.cli", "exponents", "derivations/on_lpa.toml",
                               "--set", "truncation.order=24", *backend], cwd=ROOT, capture_output=True,
                              text=True, timeout=1800)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert exponents("--backend", "numpy") == exponents()
