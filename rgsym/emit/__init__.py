"""Emit: a BetaSystem as LaTeX, C, NumPy, JSON, Mathematica, Julia and sympy files.

Generation runs in three steps, each in its own module:

1. :mod:`~rgsym.emit.kernels` turns the betas into straight-line programs (CSE
   across all betas, the Jacobian by forward-mode differentiation);
2. printers (:mod:`~rgsym.emit.printers`, subclasses of sympy's) turn
   expressions into text, collected in small frozen views (:mod:`~rgsym.emit.views`);
3. jinja2 templates in the top-level ``templates/`` lay the views out
   (:mod:`~rgsym.emit.templating`).

:func:`render_files` returns the files as text (pure); :func:`write_files` puts
them on disk, all or nothing.  :mod:`~rgsym.emit.compiler` builds the C into a
shared library and :mod:`~rgsym.emit.backends` hands it to the solvers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rgsym.betasystem import BetaSystem
from rgsym.context import FlowContext, required_context
from rgsym.emit.output import OutputError, write_files
from rgsym.project import PotentialFlow

if TYPE_CHECKING:
    from rgsym.paper_notation import PaperFlow
    from rgsym.yukawa_notation import YukawaNotation

#: The formats ``rgsym derive --emit`` accepts, and the files each one writes.
FORMATS: dict[str, tuple[str, ...]] = {
    "latex": ("betas.tex", "betas_body.tex"),
    "c": ("betas.h", "betas.c"),
    "numpy": ("betas.py",),
    "json": ("betas.json",),
    "mathematica": ("betas.m",),
    "julia": ("betas.jl",),
    "sympy": ("betas_sympy.py",),
}

__all__ = ["FORMATS", "OutputError", "has_paper_notation", "latex_files", "parse_formats", "render_files",
           "write_files"]


def has_paper_notation(context: FlowContext) -> bool:
    """Whether betas derived under ``context`` can be written in paper notation (a polynomial
    truncation of the Wetterich equation, LPA or LPA', in d > 0: in d = 0 there is no momentum
    integral)."""
    return (context.equation == "wetterich" and context.scheme != "vertex"
            and context.potential == "polynomial" and context.d != 0 and not context.fermions)


def latex_files(system: BetaSystem, style: str = "paper", paper: PaperFlow | YukawaNotation | None = None
                ) -> dict[str, str]:
    """File name -> text of the LaTeX files: ``style`` is ``"paper"`` (threshold functions, d_t kappa
    and eta as symbols, and ``betas.bib``; :mod:`rgsym.emit.paper_latex`) where the system has that
    notation (:func:`has_paper_notation`), else every beta written out (:mod:`rgsym.emit.latex`).
    A Yukawa system is laid out by :mod:`rgsym.emit.yukawa_latex` in either style.

    Parameters
    ----------
    system
        The derived system (with its context).
    style
        ``"paper"`` or ``"explicit"``.
    paper
        The same flow in paper notation (:func:`rgsym.pipeline.derive_paper`, or for a Yukawa
        system :func:`rgsym.yukawa_notation.yukawa_flow_notation`); needed for the paper style
        where it applies, and always for a Yukawa system.

    Returns
    -------
    dict

    Raises
    ------
    UnsupportedError
        For the paper style without ``paper``, or a system without its context (read from JSON).
    """
    from rgsym.yukawa_notation import YukawaNotation

    context = required_context(system, "--emit latex")
    if context.fermions:
        if not isinstance(paper, YukawaNotation):
            from rgsym.errors import UnsupportedError

            raise UnsupportedError(system.spec_source, "--emit", "LaTeX of a Yukawa system is laid out "
                                   "from rgsym.yukawa_notation.yukawa_flow_notation (rgsym.pipeline."
                                   "render_derivation passes it); derive it from the spec")
        from rgsym.emit.yukawa_latex import render_yukawa_latex

        return render_yukawa_latex(system, paper)
    if style == "paper" and has_paper_notation(context):
        if paper is None:
            from rgsym.errors import UnsupportedError

            raise UnsupportedError(system.spec_source, "--latex-style",
                                   "paper notation is laid out from the flow of rgsym.pipeline.derive_paper "
                                   "(rgsym.pipeline.render_derivation passes it); use --latex-style "
                                   "explicit")
        from rgsym.emit.paper_latex import render_paper_latex

        assert not isinstance(paper, YukawaNotation)
        return render_paper_latex(system, paper)
    from rgsym.emit.latex import render_latex

    return render_latex(system)


def parse_formats(text: str) -> tuple[str, ...]:
    """``"latex,c"`` -> ``("latex", "c")``, in the order of :data:`FORMATS`, without repeats.

    Raises
    ------
    OutputError
        For an empty list or an unknown format.
    """
    asked = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [f for f in asked if f not in FORMATS]
    if not asked or unknown:
        what = f"unknown format {unknown[0]!r}" if unknown else "no format given"
        raise OutputError(f"--emit: {what}; allowed: {', '.join(FORMATS)} (comma-separated)")
    return tuple(f for f in FORMATS if f in asked)


def render_files(system: BetaSystem | PotentialFlow, formats: Sequence[str], latex_style: str = "paper",
                 paper: PaperFlow | YukawaNotation | None = None) -> dict[str, str]:
    """File name -> text for each requested format (nothing is written).

    ``latex_style`` is ``"paper"`` (threshold functions, d_t kappa and eta as symbols, and
    ``betas.bib``; :mod:`rgsym.emit.paper_latex`, laid out from ``paper``, the flow of
    :func:`rgsym.pipeline.derive_paper`) or ``"explicit"`` (every beta a function of
    the couplings alone).  Systems without threshold functions of that kind (the Polchinski
    equation, the vertex expansion) are written explicitly.
    :func:`rgsym.pipeline.render_derivation` derives both from a spec.

    A full potential (:class:`~rgsym.project.PotentialFlow`) is written as the PDE on a
    grid by :mod:`rgsym.emit.grid` (pde.h, pde.c, pde.py).

    Raises
    ------
    UnsupportedError
        For C or NumPy code of a system whose quadrature thresholds have a symbolic d or eta
        (their nodes are computed once, for numbers), or LaTeX of a system without its context.
    """
    from rgsym.emit.c import render_c
    from rgsym.emit.exports import render_julia, render_mathematica, render_sympy_module
    from rgsym.emit.json_form import render_json
    from rgsym.emit.kernels import build_kernels
    from rgsym.emit.numpy_module import render_numpy

    if isinstance(system, PotentialFlow):
        from rgsym.emit.grid import render_grid_files

        return render_grid_files(system, formats)
    files: dict[str, str] = {}
    if "c" in formats or "numpy" in formats:
        kernels = build_kernels(system)
        if "c" in formats:
            files.update(render_c(system, kernels))
        if "numpy" in formats:
            files.update(render_numpy(system, kernels))
    if "latex" in formats:
        files.update(latex_files(system, latex_style, paper))
    if "json" in formats:
        files.update(render_json(system))
    if "mathematica" in formats:
        files.update(render_mathematica(system))
    if "julia" in formats:
        files.update(render_julia(system))
    if "sympy" in formats:
        files.update(render_sympy_module(system))
    return files
