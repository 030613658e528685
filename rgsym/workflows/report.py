"""Report: one PDF with a spec's truncation, diagrams, betas, fixed points and convergence.

``rgsym report SPEC -o report.pdf`` gathers what the other commands print:

1. the spec in words and the beta functions in paper notation (``betas_body.tex`` of
   :mod:`rgsym.emit.paper_latex`; the explicit form where there is no paper notation);
2. the flows of Gamma^(2) and Gamma^(4) as TikZ diagrams (:func:`rgsym.diagrams.render.render_tikz`);
3. every fixed point with its exponents, and nu, omega (eta) at the critical one;
4. nu and omega against the truncation order, as a plot and a table.

The pieces are written into a temporary folder, compiled with pdflatex and BibTeX (with
``SOURCE_DATE_EPOCH`` fixed, so the PDF carries no timestamp) and the PDF is moved into
place in one rename.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rgsym.betasystem import BetaSystem
from rgsym.emit.output import OutputError
from rgsym.emit.templating import latex_text, render
from rgsym.emit.views import Header
from rgsym.errors import UnsupportedError
from rgsym.spec import TheorySpec

if TYPE_CHECKING:
    from rgsym.workflows.convergence import Convergence

#: The n of the n-point functions whose flow is drawn.
DIAGRAM_ORDERS = (2, 4)


@dataclass(frozen=True)
class PointRow:
    """One fixed point: its kind, the couplings' values and the leading exponents (LaTeX)."""

    index: int
    kind: str
    values: str
    theta: str


@dataclass(frozen=True)
class OrderRow:
    """nu and omega at one truncation order (text; ``n/a`` where none was found)."""

    order: int
    nu: str
    omega: str


@dataclass(frozen=True)
class ReportView:
    """Everything ``report/report.tex.j2`` lays out."""

    header: Header
    title: str
    diagrams: tuple[str, ...]
    points: tuple[PointRow, ...]
    critical: tuple[tuple[str, str], ...]
    orders: tuple[OrderRow, ...]
    reference: str


def check_destination(output: str | Path) -> Path:
    """The PDF's path, after checking that it can be written and that pdflatex exists.

    Raises
    ------
    OutputError
        If the folder does not exist or is not writable, the path is a folder, or pdflatex or
        bibtex is missing.
    """
    path = Path(output)
    folder = path.absolute().parent
    if path.suffix.lower() != ".pdf":
        raise OutputError(f"-o {output}: give a .pdf file")
    if path.is_dir():
        raise OutputError(f"-o {output}: is a directory")
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"-o {output}: the folder {folder} does not exist or is not writable")
    missing = [tool for tool in ("pdflatex", "bibtex") if shutil.which(tool) is None]
    if missing:
        raise OutputError(f"rgsym report needs {' and '.join(missing)} (TeX Live) on the PATH")
    return path


def write_report(spec: TheorySpec, output: str | Path, orders: Sequence[int]) -> Path:
    """Derive, solve and typeset the report of ``spec`` into the PDF ``output`` (atomically).

    Raises
    ------
    OutputError
        See :func:`check_destination`; also when pdflatex fails.
    UnsupportedError
        For a full potential (there are no couplings to report).
    """
    path = check_destination(output)
    if spec.truncation.potential != "polynomial":
        raise UnsupportedError(spec.source, "truncation.potential",
                               "rgsym report needs a polynomial truncation; for the full potential use "
                               "'rgsym fixed-function'")
    files, png = report_files(spec, orders)
    with tempfile.TemporaryDirectory(prefix="rgsym-report-") as tmp:
        folder = Path(tmp)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        (folder / "convergence.png").write_bytes(png)
        typeset(folder, "report")
        staged = Path(tempfile.mkstemp(suffix=".pdf", dir=path.absolute().parent)[1])
        try:
            shutil.copyfile(folder / "report.pdf", staged)
            umask = os.umask(0)
            os.umask(umask)
            staged.chmod(0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
            os.replace(staged, path)
        finally:
            staged.unlink(missing_ok=True)
    return path


def report_files(spec: TheorySpec, orders: Sequence[int]) -> tuple[dict[str, str], bytes]:
    """The LaTeX files of the report (name -> text) and the convergence plot (PNG bytes)."""
    from rgsym.pipeline import derive, render_derivation
    from rgsym.workflows.convergence import render_png, run_convergence

    system = derive(spec)
    assert isinstance(system, BetaSystem)
    latex = render_derivation(spec, ["latex"], "paper")
    conv = run_convergence(spec, orders)
    view = report_view(spec, system, conv)
    files = {"report.tex": render("report/report.tex.j2", report=view),
             "betas_body.tex": latex["betas_body.tex"]}
    if "betas.bib" in latex:
        files["betas.bib"] = latex["betas.bib"]
    else:
        files["betas.bib"] = "% no sources cited\n"
    return files, render_png(conv)


def report_view(spec: TheorySpec, system: BetaSystem, conv: Convergence) -> ReportView:
    """Fixed points, exponents, diagrams and the convergence table, printed."""
    from rgsym.diagrams.render import diagrams_for_spec, render_tikz
    from rgsym.pipeline import exponents
    from rgsym.solve.exponents import select_critical

    names = {c.name: c.latex for c in system.couplings}
    points = exponents(spec)
    rows = tuple(PointRow(i, "Gaussian" if fp.is_gaussian else f"{ex.relevant} relevant",
                          ", ".join(f"${names[k]} = {_number(v)}$" for k, v in fp.as_dict().items()),
                          ", ".join(_complex(t) for t in ex.theta[:4]))
                 for i, (fp, ex) in enumerate(points))
    chosen = select_critical(points)
    critical: tuple[tuple[str, str], ...] = ()
    if chosen is not None:
        _, ex = chosen
        critical = ((r"\nu", _number(ex.nu)), (r"\omega", _number(ex.omega)))
        if spec.truncation.scheme == "lpa'":
            critical += ((r"\eta", _number(ex.eta)),)
        critical += ((r"\theta_i", ", ".join(_complex(t) for t in ex.theta[:6])),)
    diagrams = tuple(render_tikz(diagrams_for_spec(spec, n), spec.source) for n in DIAGRAM_ORDERS)
    ref = conv.reference
    reference = (f"The converged values are $\\nu^* = {ref.nu!r}$, $\\omega^* = {ref.omega!r}$ "
                 f"({latex_text(ref.source)}).") if ref else ""
    table = tuple(OrderRow(r.order, _number(r.nu), _number(r.omega)) for r in conv.results)
    return ReportView(Header.of(system), system.name, diagrams, rows, critical, table, reference)


def typeset(folder: Path, stem: str) -> None:
    """pdflatex, bibtex, pdflatex twice in ``folder``, with a fixed date (no timestamp in the PDF).

    Raises
    ------
    OutputError
        With the end of the log when a run fails.
    """
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}
    for tool in ("pdflatex", "bibtex", "pdflatex", "pdflatex"):
        args = [tool, stem] if tool == "bibtex" else [tool, "-interaction=nonstopmode", "-halt-on-error",
                                                      f"{stem}.tex"]
        done = subprocess.run(args, cwd=folder, capture_output=True, text=True, env=env, timeout=600)
        if done.returncode != 0:
            tail = " ".join(done.stdout.split()[-40:])
            raise OutputError(f"rgsym report: {tool} failed: ... {tail}")


def _number(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.8g}"


def _complex(t: complex) -> str:
    if t.imag == 0:
        return f"{t.real:.6g}"
    return f"{t.real:.6g} {'+' if t.imag >= 0 else '-'} {abs(t.imag):.6g}i"
