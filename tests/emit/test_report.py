"""``rgsym report``: one PDF, compiled with pdflatex and BibTeX; the destination is checked first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rgsym.cli import main
from rgsym.workflows.report import report_files
from tests.emit.systems import ROOT, spec_at

SPEC = str(ROOT / "derivations" / "on_lpa.toml")

needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("bibtex") is None,
                               reason="pdflatex/bibtex are not installed (.ci/run installs them)")


def test_report_holds_every_part() -> None:
    """The spec in words and the betas (betas_body), both diagram sets, the fixed points, the
    exponents and the convergence table, with the version and digest and no timestamp."""
    pytest.importorskip("matplotlib")
    spec = spec_at(3)
    files, png = report_files(spec, [2, 3])
    tex = files["report.tex"]
    assert png.startswith(b"\x89PNG")
    assert r"\input{betas_body}" in tex and r"\label{eq:beta:kappa}" in files["betas_body.tex"]
    assert tex.count(r"\begin{tikzpicture}") >= 3 and r"\partial_t \Gamma^{(4)}" in tex
    assert r"\nu &=" in tex and r"\omega &=" in tex and "relevant" in tex
    assert r"2 & 0.7" in tex  # the order-2 row of the convergence table (nu = 0.72..., hep-th/0203006)
    assert spec.digest[:16] in tex and r"\today" not in tex


@needs_tex
def test_report_compiles_to_a_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "report.pdf"
    assert main(["report", SPEC, "--set", "truncation.order=3", "--orders", "2:3", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]  # no temporary left behind
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("target", ["missing/report.pdf", "report.txt"])
def test_destination_is_checked_before_any_work(target: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A bad -o fails with exit 2 and one line before anything is derived (the order-30 spec would
    take minutes to derive and solve), and leaves nothing behind."""
    code = main(["report", SPEC, "--set", "truncation.order=30", "-o", str(tmp_path / target)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "-o" in err
    assert list(tmp_path.iterdir()) == []
