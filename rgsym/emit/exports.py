"""Exports: the betas for other toolchains (Mathematica, Julia, sympy).

* ``betas.m``: the betas, eta and the masses as Mathematica InputForm lists
  (:class:`~rgsym.emit.printers.RGMathematicaPrinter`); the expressions are written whole,
  without CSE, since a Mathematica user works with them symbolically.
* ``betas.jl``: ``f!(du, u, p, t)`` and ``jac!(J, u, p, t)`` for DifferentialEquations.jl,
  the straight-line programs of :mod:`rgsym.emit.kernels` (CSE across the betas, the exact
  Jacobian) printed by :class:`~rgsym.emit.printers.RGJuliaPrinter`.
* ``betas_sympy.py``: a Python module holding the betas as sympy expressions, and
  ``beta_system()`` rebuilding the :class:`~rgsym.betasystem.BetaSystem`.

Threshold integrals by quadrature have no closed form to print, so systems that hold them
are refused (``--emit c,numpy`` writes them with their quadrature).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import sympy as sp

from rgsym.betasystem import BetaSystem
from rgsym.emit.printers import RGJuliaPrinter, RGMathematicaPrinter, RGSymPyPrinter
from rgsym.emit.templating import render
from rgsym.emit.views import CodeView, Header, KernelView

#: The file each format writes.
FILES = {"mathematica": ("betas.m",), "julia": ("betas.jl",), "sympy": ("betas_sympy.py",)}


def refuse_quadrature(system: BetaSystem, fmt: str) -> None:
    """Raise for a system whose betas hold threshold integrals without a closed form.

    Raises
    ------
    UnsupportedError
        If ``system.thresholds`` is not empty.
    """
    from rgsym.errors import UnsupportedError

    if system.thresholds:
        raise UnsupportedError(system.spec_source, "regulator.kind",
                               f"--emit {fmt} needs closed-form threshold functions; this regulator's "
                               "are computed by quadrature (use --emit c,numpy, or regulator.kind = "
                               "'litim')")


# -- Mathematica -----------------------------------------------------------------------------------

#: Single capitals that are Mathematica built-ins (N[], D[], E, I, ...): renamed with a prefix.
MATHEMATICA_BUILTINS = frozenset("CDEIKNO")


def mathematica_name(name: str) -> str:
    """A Mathematica symbol for an rgsym name: ``lambda_2`` -> ``lambda2``, ``lambda_1_0`` ->
    ``lambda1x0`` (``_`` is a pattern in Mathematica), ``N`` -> ``rgN``.

    Examples
    --------
    >>> mathematica_name("lambda_1_0"), mathematica_name("kappa"), mathematica_name("N")
    ('lambda1x0', 'kappa', 'rgN')
    """
    head, *index = name.split("_")
    text = head + "x".join(index)
    return f"rg{text}" if text in MATHEMATICA_BUILTINS else text


@dataclass(frozen=True)
class MathematicaView:
    """What ``betas.m`` lays out: names and InputForm text."""

    header: Header
    description: str
    couplings: tuple[tuple[str, str], ...]
    parameters: tuple[tuple[str, str], ...]
    betas: tuple[str, ...]
    eta: str
    masses: tuple[str, ...]


def render_mathematica(system: BetaSystem) -> dict[str, str]:
    """File name -> text of ``betas.m``.

    Raises
    ------
    InvalidNameError
        If two names become the same Mathematica symbol.
    """
    from rgsym.emit.code import InvalidNameError

    refuse_quadrature(system, "mathematica")
    originals = [c.name for c in system.couplings] + [p.name for p in system.parameters]
    names = {n: mathematica_name(n) for n in originals}
    if len(set(names.values())) != len(names):
        raise InvalidNameError(f"the names {originals} do not map to distinct Mathematica symbols")
    printer = RGMathematicaPrinter(names)
    view = MathematicaView(
        Header.of(system), system.name,
        tuple((c.name, names[c.name]) for c in system.couplings),
        tuple((p.name, names[p.name]) for p in system.parameters),
        tuple(printer.doprint(b) for b in system.betas),
        printer.doprint(sp.sympify(system.eta)),
        tuple(printer.doprint(m) for m in system.masses))
    return {"betas.m": render("mathematica/betas.m.j2", m=view)}


# -- Julia -----------------------------------------------------------------------------------------

def render_julia(system: BetaSystem) -> dict[str, str]:
    """File name -> text of ``betas.jl``: ``f!`` and ``jac!`` (1-based, column-major ``J[i, j]``)."""
    from rgsym.emit.code import code_view
    from rgsym.emit.kernels import build_kernels

    refuse_quadrature(system, "julia")
    view = one_based(code_view(system, build_kernels(system), RGJuliaPrinter()))
    return {"betas.jl": render("julia/betas.jl.j2", code=view)}


def one_based(view: CodeView) -> CodeView:
    """The view with Julia's 1-based indices for inputs, stores, rows and columns."""
    def shift(kernel: KernelView) -> KernelView:
        return replace(kernel,
                       couplings=tuple(replace(i, index=i.index + 1) for i in kernel.couplings),
                       parameters=tuple(replace(i, index=i.index + 1) for i in kernel.parameters),
                       stores=tuple(replace(s, index=s.index + 1, row=s.row + 1, column=s.column + 1)
                                    for s in kernel.stores))

    return replace(view, rhs=shift(view.rhs), jacobian=shift(view.jacobian))


# -- sympy -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SymPyView:
    """What ``betas_sympy.py`` lays out: the imports, symbol definitions and expression text."""

    header: Header
    description: str
    imports: tuple[str, ...]
    symbols: tuple[tuple[str, str], ...]
    names: tuple[str, ...]
    couplings: tuple[str, ...]
    parameters: tuple[str, ...]
    betas: tuple[str, ...]
    eta: str
    masses: tuple[str, ...]
    scales: tuple[str, ...]


def render_sympy_module(system: BetaSystem) -> dict[str, str]:
    """File name -> text of ``betas_sympy.py``."""
    from rgsym.emit.code import check_identifier

    refuse_quadrature(system, "sympy")
    expressions = [*system.betas, sp.sympify(system.eta), *system.masses, *system.scales]
    free = set().union(*(e.free_symbols for e in expressions)) | set(system.symbols) | set(system.parameters)
    for s in free:
        check_identifier(s.name)
    printer = RGSymPyPrinter()
    texts = [printer.doprint(e) for e in expressions]
    used = {name for t in texts for name in re.findall(r"[A-Za-z_]\w*", t)}
    imports = sorted({"Symbol", "Integer", "Rational"} | (used & sympy_names()) - {s.name for s in free})
    n, m = len(system.betas), len(system.masses)
    view = SymPyView(
        Header.of(system), system.name, tuple(imports),
        tuple((s.name, sp.srepr(s)) for s in sorted(free, key=sp.default_sort_key)), system.names,
        tuple(repr((c.name, c.latex, c.index, c.is_minimum)) for c in system.couplings),
        tuple(p.name for p in system.parameters),
        tuple(texts[:n]), texts[n], tuple(texts[n + 1:n + 1 + m]), tuple(texts[n + 1 + m:]))
    return {"betas_sympy.py": render("sympy/betas_sympy.py.j2", s=view)}


def sympy_names() -> set[str]:
    """Public names of the sympy package (the imports the generated module may need)."""
    return {name for name in dir(sp) if not name.startswith("_")}
