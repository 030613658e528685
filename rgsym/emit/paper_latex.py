"""Paper LaTeX: ``betas.tex`` in the notation of papers, with its ``betas.bib``.

The flow of :func:`rgsym.pipeline.derive_paper` (:mod:`rgsym.paper_notation`) laid out as a
paper shows it, with the regulator and truncation read off the system's context: the
threshold functions defined once (eq:threshold:*), their closed form for the regulator
in a separate equation where one exists, v_d, d_t kappa (eq:beta:kappa) and eta
(eq:eta) stated once and kept as symbols in the other betas (eq:beta:<coupling>), each
beta grouped by threshold function and broken into lines like the explicit form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy as sp

from rgsym import symbols
from rgsym.betasystem import BetaSystem
from rgsym.context import FlowContext, required_context
from rgsym.emit.latex import (
    LINE_WIDTH,
    coupling_definitions,
    display_width,
    latex_names,
    pack_lines,
    signed_terms,
    spec_summary,
    split_terms,
)
from rgsym.emit.printers import RGLatexPrinter
from rgsym.emit.templating import render
from rgsym.emit.views import Definition, Equation, Header
from rgsym.paper_notation import (
    ANGULAR_FACTOR,
    PaperFlow,
    ThresholdL,
    ThresholdM,
    ThresholdMixed,
)

if TYPE_CHECKING:
    from rgsym.regulators import Regulator

#: The files this writer produces.
FILES = ("betas.tex", "betas_body.tex", "betas.bib")

#: BibTeX entries of the sources the output relies on, by key.
BIBLIOGRAPHY: dict[str, str] = {
    "Wetterich:1992yh": (
        "@article{Wetterich:1992yh,\n  author = {Wetterich, Christof},\n"
        "  title = {Exact evolution equation for the effective potential},\n"
        "  journal = {Phys. Lett. B}, volume = {301}, pages = {90--94}, year = {1993},\n"
        "  eprint = {1710.05815}, archivePrefix = {arXiv}\n}"),
    "Berges:2000ew": (
        "@article{Berges:2000ew,\n"
        "  author = {Berges, J\\\"urgen and Tetradis, Nikolaos and Wetterich, Christof},\n"
        "  title = {Non-perturbative renormalization flow in quantum field theory and statistical physics},\n"
        "  journal = {Phys. Rept.}, volume = {363}, pages = {223--386}, year = {2002},\n"
        "  eprint = {hep-ph/0005122}, archivePrefix = {arXiv}\n}"),
    "Litim:2001up": (
        "@article{Litim:2001up,\n  author = {Litim, Daniel F.},\n"
        "  title = {Optimized renormalization group flows},\n"
        "  journal = {Phys. Rev. D}, volume = {64}, pages = {105007}, year = {2001},\n"
        "  eprint = {hep-th/0103195}, archivePrefix = {arXiv}\n}"),
    "Litim:2002cf": (
        "@article{Litim:2002cf,\n  author = {Litim, Daniel F.},\n"
        "  title = {Critical exponents from optimized renormalization group flows},\n"
        "  journal = {Nucl. Phys. B}, volume = {631}, pages = {128--158}, year = {2002},\n"
        "  eprint = {hep-th/0203006}, archivePrefix = {arXiv}\n}"),
    "Tetradis:1993ts": (
        "@article{Tetradis:1993ts,\n  author = {Tetradis, Nikolaos and Wetterich, Christof},\n"
        "  title = {Critical exponents from effective average action},\n"
        "  journal = {Nucl. Phys. B}, volume = {422}, pages = {541--592}, year = {1994},\n"
        "  eprint = {hep-ph/9308260}, archivePrefix = {arXiv}\n}"),
}


@dataclass(frozen=True)
class Section:
    """A sentence (LaTeX) and the display equations that follow it."""

    intro: str
    equations: tuple[Equation, ...]


@dataclass(frozen=True)
class PaperLatexView:
    """Everything the paper-notation templates need."""

    header: Header
    title: str
    summary: tuple[Definition, ...]
    couplings: tuple[Definition, ...]
    sections: tuple[Section, ...]
    bibliography: tuple[str, ...]


def render_paper_latex(system: BetaSystem, flow: PaperFlow) -> dict[str, str]:
    """File name -> text: the standalone document, its body and the BibTeX file.

    Parameters
    ----------
    system
        The derived system (its context names the regulator and truncation).
    flow
        The same flow in paper notation (:func:`rgsym.pipeline.derive_paper`).

    Returns
    -------
    dict
    """
    view = paper_latex_view(system, flow)
    return {name: render(f"latex/paper_{name}.j2", latex=view) for name in FILES}


def paper_latex_view(system: BetaSystem, flow: PaperFlow) -> PaperLatexView:
    """Print the paper-notation flow into the view the templates lay out."""
    context = required_context(system, "--emit latex")
    names = latex_names(system)
    names.update({rate: rf"\partial_t {c.latex}" for c, rate in flow.rates})
    names[ANGULAR_FACTOR] = f"v_{{{sp.latex(flow.d)}}}"
    show = RGLatexPrinter(names).doprint
    rated = {c for c, _ in flow.rates}
    equations = {c: paper_equation(f"eq:beta:{c.name}", rf"\partial_t {c.latex}", b, show)
                 for c, b in zip(flow.couplings, flow.betas, strict=True)}
    closed, note = closed_forms(context.regulator, flow, show)
    keys = citations(context, flow)
    sections = [Section(r"The loops are written with the threshold functions of Berges, Tetradis and "
                        r"Wetterich~\cite{Berges:2000ew} (eq.~(2.16) ff.),", definitions(flow, show))]
    after = r"where $\tilde\partial_t$ acts on the regulator only, $r \to (2 - \eta) r - 2 y r'$. " \
        if flow.eta is not None else ""
    cite = r"~\cite{Litim:2001up}" if "Litim:2001up" in keys else ""
    regulator_intro = f"For the regulator used here they are{cite}" if closed else note
    sections.append(Section(after + regulator_intro, closed))
    if flow.rates:
        sections.append(Section(r"The flow of the minimum, fixed by $u'(\kappa) = 0$ at all "
                                r"scales~\cite{Litim:2002cf}, is", tuple(equations[c] for c in rated)))
    if flow.eta is not None:
        sections.append(Section(r"The anomalous dimension~\cite{Tetradis:1993ts}, linear in $\eta$ "
                                r"(which enters through $\partial_t R_k$), is",
                                (paper_equation("eq:eta", r"\eta", flow.eta, show),)))
    symbols_used = [rf"$\partial_t {c.latex}$ from eq.~\eqref{{eq:beta:{c.name}}}" for c in rated]
    if flow.eta is not None:
        symbols_used.append(r"$\eta$ from eq.~\eqref{eq:eta}")
    sections.append(Section(r"The beta functions of the Wetterich equation~\cite{Wetterich:1992yh} are"
                            + (", with " + " and ".join(symbols_used) if symbols_used else "") + ",",
                            tuple(e for c, e in equations.items() if c not in rated)))
    return PaperLatexView(Header.of(system), system.name, spec_summary(system, context, show),
                          coupling_definitions(system, context), tuple(sections),
                          tuple(BIBLIOGRAPHY[k] for k in keys))


def paper_terms(expr: sp.Expr) -> list[sp.Expr]:
    """The terms of a beta grouped by threshold function: the tree-level (scaling) terms first,
    then one term coefficient x function per function, in a fixed order."""
    expanded = sp.expand(expr)
    functions = sorted(expanded.atoms(ThresholdL, ThresholdMixed, ThresholdM), key=sp.default_sort_key)
    groups = sp.collect(expanded, functions, evaluate=False) if functions else {sp.S.One: expanded}
    rest = collect_parameters(sp.sympify(groups.get(sp.S.One, 0)))
    out = list(rest.as_ordered_terms()) if rest != 0 else []
    for f in functions:
        if f in groups:
            out.append(sp.factor(groups[f]) * f)
    return out


#: Names of the symbols that are parameters rather than couplings (collected into coefficients).
PARAMETER_NAMES = frozenset({"d", "N", "epsilon", "eta"})


def collect_parameters(expr: sp.Expr) -> sp.Expr:
    """The tree-level terms with their parameter-dependent coefficients collected:
    d kappa lambda_3 - 2 kappa lambda_3 becomes (d - 2) kappa lambda_3."""
    params = [s for s in expr.free_symbols if s.name in PARAMETER_NAMES]
    if not params:
        return expr
    groups: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(expr)):
        monomial, coefficient = term.as_independent(*params, as_Add=False)
        numeric, monomial = monomial.as_coeff_Mul()
        groups[monomial] = groups.get(monomial, sp.Integer(0)) + numeric * coefficient
    return sp.Add(*[sp.factor(c) * m for m, c in groups.items()])


def paper_equation(label: str, lhs: str, expr: sp.Expr, show: Callable[[sp.Expr], str],
                   width: float = LINE_WIDTH) -> Equation:
    """lhs = expr grouped by threshold function (:func:`paper_terms`) and broken into lines."""
    indent = 4.0

    def fits(term: sp.Expr) -> bool:
        return display_width(show(term)) <= width - indent

    terms: list[sp.Expr] = []
    for term in paper_terms(expr):
        terms.extend([term] if fits(term) else split_terms(sp.expand(term), fits))
    first = width - display_width(lhs) - 2.2
    return Equation(label, lhs, pack_lines(signed_terms(terms, show), first, width - indent))


def definitions(flow: PaperFlow, show: Callable[[sp.Expr], str]) -> tuple[Equation, ...]:
    """The general definitions of the threshold functions used, and of v_d."""
    used = {type(f.function) for f in flow.functions}
    d = show(flow.d)
    insertion = r"(2-\eta) r(y) - 2 y r'(y)" if flow.eta is not None else r"2 r(y) - 2 y r'(y)"
    out = [Equation("eq:threshold:l", rf"l_n^{{{d}}}(w)",
                    (rf"\frac{{n + \delta_{{n,0}}}}{{2}} \int_0^\infty dy\, y^{{{d}/2-1}}\, "
                     rf"\frac{{{insertion}}}{{\left[y + r(y) + w\right]^{{n+1}}}}",))]
    if ThresholdMixed in used:
        out.append(Equation("eq:threshold:lmixed", rf"l_{{n_1,n_2}}^{{{d}}}(w_1, w_2)",
                            (rf"\frac{{1}}{{2}} \int_0^\infty dy\, y^{{{d}/2-1}}\, "
                             rf"\frac{{{insertion}}}{{\left[y + r(y) + w_1\right]^{{n_1}}"
                             rf"\left[y + r(y) + w_2\right]^{{n_2}}}}",)))
    if ThresholdM in used:
        out.append(Equation("eq:threshold:m", rf"m_{{2,2}}^{{{d}}}(w_1, w_2)",
                            (rf"-\frac{{1}}{{2}} \int_0^\infty dy\, y^{{{d}/2}}\, \tilde\partial_t "
                             r"\left[\partial_y G_1(y)\, \partial_y G_2(y)\right], \quad "
                             r"G_i = \frac{1}{y + r(y) + w_i}",)))
    out.append(Equation("eq:angular", f"v_{{{d}}}", (show(symbols.angular_factor(flow.d)),)))
    return tuple(out)


def closed_forms(regulator: Regulator, flow: PaperFlow, show: Callable[[sp.Expr], str]
                 ) -> tuple[tuple[Equation, ...], str]:
    """The regulator's closed forms of the threshold functions, derived by
    :func:`rgsym.integrate.threshold_integral` with symbolic propagator powers; or a note
    that they are evaluated by quadrature."""
    from rgsym.integrate import threshold_integral
    from rgsym.threshold import ThresholdIntegral

    if regulator.sharp:
        return (), "For the sharp cutoff the betas hold the functions as they are; see the regulator above."
    d, eta = flow.d, symbols.eta if flow.eta is not None else sp.Integer(0)
    n, n1, n2 = sp.symbols("n n_1 n_2", nonnegative=True, integer=True)
    w, w1, w2 = sp.symbols("w w_1 w_2")
    v_d = symbols.angular_factor(d)
    value = sp.simplify(threshold_integral(regulator, (n + 1,), (w,), d, eta) / (2 * v_d))
    if value.has(ThresholdIntegral):
        return (), (r"For this regulator the threshold functions have no closed form; they are "
                    r"evaluated by Gauss--Legendre quadrature.")
    out = [Equation("eq:threshold:l:closed", r"l_n^{" + show(d) + "}(w)",
                    (rf"\left(n + \delta_{{n,0}}\right) {closed_text(value, show)}",))]
    used = {type(f.function) for f in flow.functions}
    if ThresholdMixed in used:
        mixed = sp.simplify(threshold_integral(regulator, (n1, n2), (w1, w2), d, eta) / (2 * v_d))
        out.append(Equation("eq:threshold:lmixed:closed", r"l_{n_1,n_2}^{" + show(d) + "}(w_1, w_2)",
                            (closed_text(mixed, show),)))
    for f in flow.functions:
        if isinstance(f.function, ThresholdM):
            closed = m_closed_form(regulator, d, w1, w2)
            out.append(Equation("eq:threshold:m:closed", r"m_{2,2}^{" + show(d) + "}(w_1, w_2)",
                                (show(closed),)))
            break
    return tuple(out), ""


def closed_text(expr: sp.Expr, show: Callable[[sp.Expr], str]) -> str:
    """LaTeX of a closed form with (1 + w)^(-n-1) written in the denominator as (1 + w)^{n+1}
    (sympy would print the symbolic negative power as it is)."""
    def symbolic_inverse(e: sp.Expr) -> bool:
        return bool(e.is_Pow and not e.exp.is_number and e.exp.could_extract_minus_sign())

    factors = sp.Mul.make_args(expr)
    inverse = [f for f in factors if symbolic_inverse(f)]
    if not inverse:
        return show(expr)
    num, den = sp.fraction(sp.Mul(*[f for f in factors if not symbolic_inverse(f)]))
    powers = " ".join(show(sp.Pow(f.base, -f.exp)) for f in inverse)
    lower = powers if den == 1 else f"{show(den)} {powers}"
    return rf"\frac{{{show(num)}}}{{{lower}}}"


def m_closed_form(regulator: Regulator, d: sp.Expr, w1: sp.Symbol, w2: sp.Symbol) -> sp.Expr:
    """m^d_{2,2}(w_1, w_2) of the regulator: the ring integral J of :mod:`rgsym.anomalous`
    divided by its kernel's factor (see :func:`rgsym.paper_notation.eta_equation`)."""
    from rgsym.anomalous import momentum_derivative_integral, p2_kernel

    ratio = sp.simplify(-2 * p2_kernel(d) / symbols.y ** (d / 2))
    j = momentum_derivative_integral(regulator, d, symbols.eta, w1, w2)
    return sp.factor(sp.simplify(j / ratio))


def citations(context: FlowContext, flow: PaperFlow) -> tuple[str, ...]:
    """BibTeX keys of the sources this output relies on, in the order of :data:`BIBLIOGRAPHY`."""
    keys = {"Wetterich:1992yh", "Berges:2000ew"}
    if context.regulator_kind == "litim":
        keys.add("Litim:2001up")
    if flow.rates:
        keys.add("Litim:2002cf")
    if flow.eta is not None:
        keys.add("Tetradis:1993ts")
    return tuple(k for k in BIBLIOGRAPHY if k in keys)
