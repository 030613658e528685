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


# --- pictures: diagram sets as SVG, convergence data as PNG ------------------------------------


@pytest.mark.parametrize(("legs", "even"),
                         [(4, False), (2, False), (["phi", "chi", "phi"], False), (6, True)])
def test_diagrams_svg(legs: int | list[str], even: bool) -> None:
    import xml.etree.ElementTree as ET

    from rgsym.diagrams import derive_flow_diagrams

    diagrams = derive_flow_diagrams(legs, even_vertices=even)
    text = diagrams._repr_svg_()
    root = ET.fromstring(text)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    circles = root.findall(f"{ns}circle")
    # per class: the loop, one dot per vertex insertion, the regulator insertion
    assert len(circles) == sum(t.loop_length + 2 for t in diagrams.terms)
    titles = [t.text or "" for t in root.findall(f"{ns}text") if (t.text or "").startswith("[")]
    minus = "\u2212"
    assert titles == [f"[{i}] {minus if t.prefactor < 0 else ''}{abs(t.prefactor)} \u00d7 {t.multiplicity}"
                      for i, t in enumerate(diagrams.terms, start=1)]
    assert diagrams._repr_svg_() == text  # deterministic


def _convergence() -> object:
    from rgsym.workflows.convergence import KNOWN_CASES, Convergence, OrderResult

    results = (OrderResult(2, 0.729, 1.07, (1.37, complex(-1.07, 0.9))), OrderResult(3, 0.6506, 0.599),
               OrderResult(4, None, None, (), "no fixed point"))
    return Convergence("on_lpa.toml", "LPA, Z2, d = 3", results, KNOWN_CASES[0])


def test_convergence_png_and_latex() -> None:
    conv = _convergence()
    png = conv._repr_png_()  # type: ignore[attr-defined]
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
    text = conv._repr_latex_()  # type: ignore[attr-defined]
    assert text.startswith("$$") and balanced(text)
    assert r"2 & 0.729 & 1.07" in text and r"4 & \text{--} & \text{--}" in text
    assert rf"\infty & {latex_number(0.649561773881)} & {latex_number(0.655745939193)}" in text


def test_convergence_png_without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    assert _convergence()._repr_png_() is None  # type: ignore[attr-defined]


def test_convergence_plot_shows_the_distance_only_for_a_known_case() -> None:
    from dataclasses import replace

    from rgsym.workflows.convergence import _figure

    conv = _convergence()
    assert len(_figure(conv).axes) == 3  # nu, omega, log distance to the converged values
    assert len(_figure(replace(conv, reference=None)).axes) == 2  # type: ignore[type-var]
