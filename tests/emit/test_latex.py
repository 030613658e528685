"""LaTeX: the layout adds up to the betas, and the documents compile without overfull lines."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy as sp

from rgsym.betasystem import BetaSystem
from rgsym.emit.latex import (
    LINE_WIDTH,
    beta_equation,
    display_width,
    latex_names,
    render_latex,
    split_terms,
)
from rgsym.emit.printers import RGLatexPrinter
from tests.emit.systems import system_at

needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None,
                                    reason="pdflatex is not installed (.ci/run installs it)")

#: A paper that \input's the body: the use betas_body.tex is for.
PAPER = r"""\documentclass{article}
\usepackage{amsmath}
\allowdisplaybreaks
\begin{document}
Equation~\eqref{eq:beta:kappa} is the flow of the minimum.
\input{betas_body}
\end{document}
"""


def pdflatex(directory: Path, name: str) -> str:
    """Compile twice (for the references); return the log."""
    for _ in range(2):
        done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", name],
                              cwd=directory, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:]
    return (directory / name.replace(".tex", ".log")).read_text(errors="replace")


def assert_clean(log: str) -> None:
    bad = re.findall(r"^(?:Overfull|LaTeX Warning).*$", log, flags=re.MULTILINE)
    assert bad == [], bad


@needs_pdflatex
def test_standalone_and_input_documents_compile_cleanly(order4_files: dict[str, str],
                                                        tmp_path: Path) -> None:
    for name in ("betas.tex", "betas_body.tex"):
        (tmp_path / name).write_text(order4_files[name])
    (tmp_path / "paper.tex").write_text(PAPER)
    assert_clean(pdflatex(tmp_path, "betas.tex"))
    log = pdflatex(tmp_path, "paper.tex")
    assert_clean(log)
    assert (tmp_path / "paper.pdf").stat().st_size > 0


@needs_pdflatex
@pytest.mark.parametrize("overrides", [("truncation.order=3", 'theory.N="N"', 'theory.d="d"'),
                                       ("truncation.order=2", "regulator.kind=exponential"),
                                       ("truncation.order=3", "truncation.scheme=lpa'"),
                                       ("truncation.order=3", "regulator.kind=sharp")])
def test_symbolic_parameters_and_quadrature_thresholds_compile(overrides: tuple[str, ...],
                                                               tmp_path: Path) -> None:
    order = int(overrides[0].split("=")[1])
    files = render_latex(system_at(order, *overrides[1:]))
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert_clean(pdflatex(tmp_path, "betas.tex"))


@needs_pdflatex
@pytest.mark.slow
def test_order_twelve_breaks_lines_and_pages(tmp_path: Path) -> None:
    files = render_latex(system_at(12))
    (tmp_path / "betas.tex").write_text(files["betas.tex"])
    assert_clean(pdflatex(tmp_path, "betas.tex"))


def test_one_labelled_equation_per_beta(order4: BetaSystem, order4_files: dict[str, str]) -> None:
    body = order4_files["betas_body.tex"]
    labels = re.findall(r"\\label\{(eq:beta:[^}]*)\}", body)
    assert labels == [f"eq:beta:{n}" for n in order4.names]
    assert body.count(r"\begin{align}") == len(order4.couplings)
    for symbol in (r"\partial_t \kappa", r"\lambda_{2}", r"\lambda_{5}", r"\eta = 0", "u^{(3)}"):
        assert symbol in body
    assert "lambda_2 " not in body.replace(r"\lambda", "")  # couplings are typeset, never raw names


def test_layout_adds_up_to_the_beta(order4: BetaSystem) -> None:
    """The displayed terms of each equation sum to the beta function (checked at 40 digits)."""
    show = RGLatexPrinter(latex_names(order4)).doprint
    rng = random.Random(3)
    for beta in order4.betas:
        terms = split_terms(beta, lambda t: display_width(show(t)) <= 30)  # narrow: force splitting
        assert len(terms) >= len(sp.Add.make_args(beta))
        point = {s: sp.Rational(rng.randint(1, 99), 100) for s in order4.symbols}
        difference = (sp.Add(*terms) - beta).evalf(40, subs=point)
        assert abs(difference) < sp.Float(10) ** -35 * (1 + abs(beta.evalf(40, subs=point)))


def test_lines_fit_the_width(order4: BetaSystem) -> None:
    show = RGLatexPrinter(latex_names(order4)).doprint
    for coupling, beta in zip(order4.couplings, order4.betas, strict=True):
        equation = beta_equation(coupling, beta, show)
        assert all(display_width(line) <= LINE_WIDTH for line in equation.lines[1:])
        assert equation.lines[0] and not equation.lines[0].startswith("+")


def test_display_width_reads_fractions_and_scripts() -> None:
    assert display_width(r"\frac{a + b + c}{d}") == pytest.approx(display_width("a + b + c") + 0.6)
    assert display_width("x^{2}") < display_width("x 2")
    assert display_width(r"\left(x\right)") == display_width("(x)")
