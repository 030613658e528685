"""The quadrature check at the fixed point (rgsym.solve.quadrature_check), on a GNY flow by quadrature.

The spec: chiral Ising with one two-component Majorana fermion (N = 1), LPA order 3 around zero
field, exponential regulator with alpha = 2 (its fixed point is found in 3 s).  With too few
Gauss-Legendre nodes the betas have a zero elsewhere, and ``rgsym exponents`` used to report it with
exit 0; the check re-evaluates the flow with twice the nodes at the reported point.
"""

from __future__ import annotations

import numpy as np
import pytest

from rgsym import load_spec, threshold
from rgsym.betasystem import BetaSystem
from rgsym.cli import main
from rgsym.errors import SolveError
from rgsym.solve import quadrature_check
from rgsym.solve.quadrature_check import check_quadrature

SPEC = "derivations/gny_chiral_ising.toml"
OVERRIDES = ("truncation.scheme=lpa", "regulator.kind=exponential", "regulator.alpha=2", "truncation.order=3",
             'theory.fermions=[{name="psi", flavours=1, spinor_dim=2}]')


def _args() -> list[str]:
    args = ["exponents", SPEC, "--json"]
    for item in OVERRIDES:
        args += ["--set", item]
    return args


def test_too_few_nodes_exit_1_with_what_was_found(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """8 nodes per interval instead of 240: the solver finds a point (h2 = 8.74, nu = 0.7646, against
    h2 = 9.306, nu = 0.76979 converged); with 16 nodes the betas there are 0.048, so exit 1 and
    nothing on stdout."""
    from rgsym import pipeline

    monkeypatch.setattr(threshold, "NODES_PER_INTERVAL", 8)
    pipeline._compiled.cache_clear()  # compiled with 240 nodes by another test of this process
    try:
        code = main(_args())
    finally:
        pipeline._compiled.cache_clear()
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert "not converged in the quadrature" in captured.err and "16 instead of 8" in captured.err
    assert "h2 = 8.7" in captured.err and "nu 0.76" in captured.err
    assert "Traceback" not in captured.err and len(captured.err.strip().splitlines()) == 1


def test_fixed_points_lists_only_converged_points(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """'rgsym fixed-points' checks every non-Gaussian point it lists: with 8 nodes it exits 1 as
    'exponents' does; with the default nodes it lists them (exit 0)."""
    from rgsym import pipeline

    args = ["fixed-points", *_args()[1:]]
    monkeypatch.setattr(threshold, "NODES_PER_INTERVAL", 8)
    pipeline._compiled.cache_clear()
    try:
        code = main(args)
    finally:
        pipeline._compiled.cache_clear()
    captured = capsys.readouterr()
    assert code == 1 and captured.out == "" and "not converged in the quadrature" in captured.err
    monkeypatch.undo()
    assert main(args) == 0
    assert "fixed_points" in capsys.readouterr().out


def test_converged_point_passes_with_its_figures() -> None:
    """240 nodes: with 480 the betas at the point are below 1e-13 (measured 1.5e-15), the point
    moves by less than 1e-13 (measured 1.8e-15) and nu, omega by less than 1e-12 relative (measured
    5.7e-15): far inside the tolerances (1e-8, 1e-8, 1e-6), which the failures above exceed by 1e5."""
    from rgsym.pipeline import _critical_exponents, numeric_system

    spec = load_spec(SPEC, list(OVERRIDES))
    fp, ex = _critical_exponents(spec, None, "symengine")
    result = check_quadrature(numeric_system(spec), fp, ex)
    assert result is not None and result.passed
    nodes = threshold.NODES_PER_INTERVAL
    assert (result.nodes, result.fine_nodes) == (nodes, 2 * nodes)
    assert result.residual < 1e-13 and result.moved < 1e-13
    changes = {name: (a, b) for name, a, b in result.changes}
    assert set(changes) == {"nu", "omega", "eta"}
    for name in ("nu", "omega"):
        a, b = changes[name]
        assert abs(b - a) < 1e-12 * abs(a)
    assert threshold.NODES_PER_INTERVAL == result.nodes  # finer_nodes restored the count


def test_the_check_is_in_critical_exponents(monkeypatch: pytest.MonkeyPatch) -> None:
    """pipeline.critical_exponents (what 'exponents', 'scan' and 'study' call) raises the check's
    SolveError; a system without quadrature thresholds is not checked (Litim: closed forms)."""
    from rgsym import pipeline

    calls: list[BetaSystem] = []

    def fail(numeric, fp, ex):  # type: ignore[no-untyped-def]
        calls.append(numeric.system)
        raise SolveError("checked")

    monkeypatch.setattr(quadrature_check, "check_quadrature", fail)
    with pytest.raises(SolveError, match="checked"):
        pipeline.critical_exponents(load_spec(SPEC, list(OVERRIDES)))
    assert len(calls) == 1 and calls[0].thresholds
    litim = load_spec(SPEC, ["truncation.scheme=lpa", "truncation.order=3",
                             'theory.fermions=[{name="psi", flavours=1, spinor_dim=2}]'])
    pipeline.critical_exponents(litim)
    assert len(calls) == 1


def test_finer_nodes_are_cached_apart() -> None:
    """The quadrature caches are keyed by the node count: inside finer_nodes the nodes double,
    outside they are the cached coarse ones again (the same object)."""
    import sympy as sp

    from rgsym.symbols import y

    shape = sp.Lambda(y, y / (sp.exp(y) - 1))
    nodes = threshold.NODES_PER_INTERVAL
    coarse = threshold.quadrature(shape, 3.0, 0.0)
    with threshold.finer_nodes() as count:
        fine = threshold.quadrature(shape, 3.0, 0.0)
    assert count == 2 * nodes and threshold.NODES_PER_INTERVAL == nodes
    assert fine.y.size == 2 * coarse.y.size
    assert threshold.quadrature(shape, 3.0, 0.0) is coarse
    assert np.isclose(fine.weight.sum(), coarse.weight.sum(), rtol=1e-12)
