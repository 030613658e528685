"""Notebook display: ``_repr_latex_`` of the flow, fixed points and exponents."""

from __future__ import annotations

import re

import pytest

from rgsym.betasystem import BetaSystem
from rgsym.pipeline import critical_exponents, derive
from rgsym.project import PotentialFlow
from rgsym.solve.fixed_points import coupling_latex, latex_number
from rgsym.spec import load_spec
from tests.conftest import DERIVATIONS


def balanced(text: str) -> bool:
    return text.count("{") == text.count("}") and text.count(r"\begin") == text.count(r"\end")


@pytest.mark.parametrize(("spec", "overrides"), [
    ("on_lpa.toml", ["truncation.order=2"]),
    ("two_scalar_lpa.toml", ["truncation.order=1"]),
])
def test_beta_system_latex(spec: str, overrides: list[str]) -> None:
    system = derive(load_spec(DERIVATIONS / spec, overrides))
    assert isinstance(system, BetaSystem)
    text = system._repr_latex_()
    assert text.startswith("$$") and text.endswith("$$") and balanced(text)
    assert text.count("&=") == len(system.couplings)  # one aligned equation per beta
    for c in system.couplings:
        assert rf"\beta_{{{c.latex}}} &=" in text
    # couplings appear in their own notation (lambda_{1,0}), not as raw names or sympy's lambda_{1 0}
    assert re.search(r"lambda_\d|lambda_\{\d \d", text) is None


def test_fixed_point_and_exponents_latex() -> None:
    fp, ex = critical_exponents(load_spec(DERIVATIONS / "on_lpa.toml", ["truncation.order=2"]))
    for text in (fp._repr_latex_(), ex._repr_latex_()):
        assert text.startswith("$$") and balanced(text)
        for name in fp.names:
            assert coupling_latex(name) in text
        assert latex_number(fp.values[1]) in text
    text = ex._repr_latex_()
    assert ex.nu is not None and ex.omega is not None
    assert rf"\nu & {latex_number(ex.nu)}" in text and rf"\omega & {latex_number(ex.omega)}" in text
    assert text.count(r"\theta_") == len(ex.theta)
    assert "non-Gaussian" in fp._repr_latex_()


def test_potential_flow_latex() -> None:
    flow = derive(load_spec(DERIVATIONS / "on_lpa_full.toml"))
    assert isinstance(flow, PotentialFlow)
    text = flow._repr_latex_()
    assert text.startswith(r"$$\partial_t u") and balanced(text)
    assert r"\rho_{\phi}" in text and r"\Gamma" in text


@pytest.mark.parametrize(("name", "latex"), [
    ("kappa", r"\kappa"), ("lambda_2", r"\lambda_{2}"), ("lambda_1_0", r"\lambda_{1,0}"), ("g", "g"),
])
def test_coupling_latex_matches_coupling_notation(name: str, latex: str) -> None:
    assert coupling_latex(name) == latex


@pytest.mark.parametrize(("x", "text"), [
    (0.5, "0.5"), (1.5e-12, r"1.5 \times 10^{-12}"), (complex(-1, 2), r"-1 + 2\,i"), (complex(3, -0.25),
                                                                                     r"3 - 0.25\,i"),
])
def test_latex_number(x: complex, text: str) -> None:
    assert latex_number(x) == text
