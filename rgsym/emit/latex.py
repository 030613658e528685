"""LaTeX: the beta functions as labelled equations, with the choices they were derived under.

``betas.tex`` is a standalone document and ``betas_body.tex`` the same content
for ``\\input`` into a paper.  Each beta function is one ``equation`` with a
``split`` inside, broken into lines so that nothing runs off the page: the sum
is laid out term by term, a term too wide for a line is multiplied out over
its factors that are sums, and the terms are packed greedily into lines of an
estimated width (:func:`display_width`).  The pdflatex test checks the result
for overfull boxes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import sympy as sp

from rgsym import symbols
from rgsym.betasystem import BetaSystem
from rgsym.context import FlowContext, required_context
from rgsym.couplings import Coupling
from rgsym.emit.printers import RGLatexPrinter
from rgsym.emit.templating import latex_text, render
from rgsym.emit.views import Definition, Equation, Header, LatexView
from rgsym.integrate import threshold_integral
from rgsym.threshold import ThresholdIntegral

#: Width of a line of an equation, in the units of :func:`display_width`.  A unit is
#: 4.2pt to 6.1pt of typeset terms (measured with ``\\settowidth``); 50 units at
#: 6.1pt plus the indent and the equation number fit the 345pt text width of a
#: standard article, so that ``betas_body.tex`` fits a paper as well.
LINE_WIDTH = 50.0

#: The files this writer produces.
FILES = ("betas.tex", "betas_body.tex")


def render_latex(system: BetaSystem) -> dict[str, str]:
    """File name -> text of the standalone document and of its body, every beta written out.

    :func:`rgsym.emit.latex_files` chooses between this and the paper notation
    (:func:`rgsym.emit.paper_latex.render_paper_latex`).
    """
    view = latex_view(system)
    return {name: render(f"latex/{name}.j2", latex=view) for name in FILES}


def latex_view(system: BetaSystem) -> LatexView:
    """Print everything the LaTeX templates lay out (the system's context says what it was
    derived for)."""
    context = required_context(system, "--emit latex")
    printer = RGLatexPrinter(latex_names(system))
    equations = tuple(beta_equation(c, b, printer.doprint, d=context.d)
                      for c, b in zip(system.couplings, system.betas, strict=True))
    eta = sp.sympify(system.eta)
    if eta != 0:  # LPA': eta(g) is already inside the betas; state it first
        equations = (eta_equation(eta, printer.doprint, d=context.d), *equations)
    return LatexView(Header.of(system), system.name, spec_summary(system, context, printer.doprint),
                     coupling_definitions(system, context), threshold_definitions(system, context, printer),
                     equations, eta != 0)


def latex_names(system: BetaSystem) -> dict[sp.Symbol, str]:
    """Symbol -> LaTeX: the couplings' own names (kappa, lambda_n) and eta."""
    names = {c.symbol: c.latex for c in system.couplings}
    names[symbols.eta] = r"\eta"
    return names


# -- line breaking -------------------------------------------------------------------------------

def display_width(tex: str) -> float:
    """Estimated width of LaTeX math in units of about one italic letter.

    A fraction is as wide as the wider of its numerator and denominator; super-
    and subscripts are set smaller; binary operators carry their spacing.

    Examples
    --------
    >>> display_width(r"\\frac{2 \\kappa}{3}") < display_width(r"2 \\kappa + 3")
    True
    """
    return _width(_tokens(tex), 0)[0]


_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}^_]|\s+|.")
_ZERO = {r"\left", r"\right", r"\!", r"\,", r"\;", r"\:", r"\displaystyle"}
_BINARY = {"+", "-", "=", r"\cdot", r"\times"}


def _tokens(tex: str) -> list[str]:
    return [t for t in _TOKEN.findall(tex) if not t.isspace()]


def _width(tokens: Sequence[str], i: int, stop: str = "") -> tuple[float, int]:
    """Width of tokens from ``i`` up to a closing ``stop`` brace; returns (width, next index)."""
    total = 0.0
    while i < len(tokens) and tokens[i] != stop:
        tok = tokens[i]
        if tok == r"\frac":
            num, i = _group(tokens, i + 1)
            den, i = _group(tokens, i)
            total += max(num, den) + 0.6
            continue
        if tok in ("^", "_"):
            sub, i = _group(tokens, i + 1)
            total += 0.7 * sub
            continue
        if tok == "{":
            inner, i = _width(tokens, i + 1, "}")
            total += inner
            i += 1
            continue
        total += 0.0 if tok in _ZERO else 2.2 if tok in _BINARY else 1.0
        i += 1
    return total, i


def _group(tokens: Sequence[str], i: int) -> tuple[float, int]:
    """Width of one argument: a braced group or a single token."""
    if i < len(tokens) and tokens[i] == "{":
        width, i = _width(tokens, i + 1, "}")
        return width, i + 1
    return _width(tokens[i:i + 1], 0)[0], i + 1


def split_terms(expr: sp.Expr, fits: Callable[[sp.Expr], bool]) -> list[sp.Expr]:
    """The terms of a sum, with every term that does not fit multiplied out over its sums.

    The terms add up to ``expr`` exactly (the tests check this); each term is
    tidied by :func:`tidy`.
    """
    out: list[sp.Expr] = []
    for term in expr.as_ordered_terms() if expr.is_Add else (expr,):
        tidy = tidy_term(term)
        if fits(tidy):
            out.append(tidy)
            continue
        spread = sp.expand(term, deep=False, mul=True, multinomial=False, power_exp=False,
                           power_base=False, log=False)
        if not spread.is_Add:
            out.append(tidy)  # a single product: it takes a line of its own
            continue
        out.extend(split_terms(spread, fits))
    return out


def tidy_term(term: sp.Expr) -> sp.Expr:
    """Pull rational factors out of polynomial sums: (kappa lambda_4 + 5 lambda_3 / 2)^2 becomes
    (2 kappa lambda_4 + 5 lambda_3)^2 / 4, with the 1/4 joining the term's coefficient.

    Sums that hold fractions themselves are left as they are.
    """
    def polynomial_sum(e: sp.Basic) -> bool:
        return bool(e.is_Add and e.is_polynomial(*e.free_symbols))

    return term.replace(polynomial_sum, lambda e: sp.factor_terms(e, clear=True))


def signed_terms(terms: Sequence[sp.Expr], show: Callable[[sp.Expr], str]) -> list[str]:
    """Each term printed with its sign in front (``- x``, ``+ y``; none before the first)."""
    out = []
    for k, term in enumerate(terms):
        negative = term.could_extract_minus_sign()
        body = show(-term if negative else term)
        sign = "- " if negative else ("" if k == 0 else "+ ")
        out.append(sign + body)
    return out


def pack_lines(pieces: Sequence[str], first: float, width: float) -> tuple[str, ...]:
    """Greedy line filling: ``first`` is the room on the first line, ``width`` on the others."""
    lines: list[list[str]] = [[]]
    room = first
    for piece in pieces:
        w = display_width(piece)
        if lines[-1] and w > room:
            lines.append([])
            room = width
        lines[-1].append(piece)
        room -= w
    return tuple(" ".join(line) for line in lines)


def with_angular_factor(expr: sp.Expr, d: sp.Expr) -> sp.Expr:
    """``expr`` with v_d = 1 / (2^(d+1) pi^(d/2) Gamma(d/2)) written as the symbol v_d.

    Only for a symbolic d: for a number, v_d is folded into the rational factors.
    """
    if d.is_number:
        return expr
    return expr.subs(symbols.angular_factor(d), ANGULAR_FACTOR)


#: The symbol v_d (printed ``v_{d}``).
ANGULAR_FACTOR = sp.Symbol("v_d", positive=True)


def beta_equation(coupling: Coupling, beta: sp.Expr, show: Callable[[sp.Expr], str],
                  width: float = LINE_WIDTH, d: sp.Expr | None = None) -> Equation:
    """d_t g = beta(g) as one labelled equation, broken into lines that fit ``width``.

    ``d`` is the dimension: where it is a symbol, v_d is written as such.
    """
    expr = sp.sympify(beta) if d is None else with_angular_factor(sp.sympify(beta), d)
    lhs = rf"\partial_t {coupling.latex}"
    indent = 4.0  # the \quad of continuation lines
    terms = split_terms(expr, lambda t: display_width(show(t)) <= width - indent)
    first = width - display_width(lhs) - 2.2
    return Equation(f"eq:beta:{coupling.name}", lhs,
                    pack_lines(signed_terms(terms, show), first, width - indent))


def eta_equation(eta: sp.Expr, show: Callable[[sp.Expr], str], width: float = LINE_WIDTH,
                 d: sp.Expr | None = None) -> Equation:
    """eta = eta(g) of LPA' as a labelled equation (``eq:eta``), broken like the betas."""
    expr = eta if d is None else with_angular_factor(eta, d)
    indent = 4.0
    terms = split_terms(expr, lambda t: display_width(show(t)) <= width - indent)
    return Equation("eq:eta", r"\eta", pack_lines(signed_terms(terms, show), width - 3.2, width - indent))


# -- the context in words ------------------------------------------------------------------------

def spec_summary(system: BetaSystem, context: FlowContext, show: Callable[[sp.Expr], str]
                 ) -> tuple[Definition, ...]:
    """Theory, truncation, regulator and flow equation, as short LaTeX sentences."""
    fields = ", ".join(rf"${field_latex(b.name)}$ with $N = {show(sp.sympify(b.components))}$ components"
                       if b.components != 1 else rf"${field_latex(b.name)}$ (one real component)"
                       for b in context.fields)
    around = ("the running minimum $\\kappa$" if context.expand_around == "minimum"
              else r"$\tilde\rho = 0$")
    potential = (f"polynomial of order {context.order} in $u'$, expanded around {around}"
                 if context.potential == "polynomial" else "full potential")
    return (
        Definition("Theory", f"{_symmetry(context.symmetry)} symmetric scalars: {fields}; "
                             f"$d = {show(context.d)}$."),
        Definition("Truncation", f"{context.scheme.upper()}, {potential}; "
                                 + (r"a running $Z_k$, with the anomalous dimension $\eta$ of "
                                    r"eq.~(\ref{eq:eta}), read off $\partial_{p^2}\Gamma^{(2)}$ at the "
                                    f"minimum ({context.eta_projection} projection)."
                                    if sp.sympify(system.eta) != 0
                                    else rf"$\eta = {show(sp.sympify(system.eta))}$.")),
        _regulator_definition(context, show),
        Definition("Flow", FLOW_EQUATIONS.get(context.equation, _text(context.equation))
                   + r", $t = \ln k$; $\tilde\rho = Z_k k^{2-d} \phi^2/2$ and $u = U_k / k^d$"
                   + " are dimensionless."),
    )


def _regulator_definition(context: FlowContext, show: Callable[[sp.Expr], str]) -> Definition:
    """The Wetterich regulator R_k, or the Polchinski UV cutoff K."""
    if context.equation == "polchinski":
        from rgsym.polchinski.cutoffs import CUTOFFS

        cutoff = CUTOFFS[context.cutoff or "litim"]
        return Definition("Cutoff", rf"{_text(cutoff.name)}, $\Delta = K(p^2/\Lambda^2)/p^2$ with "
                                    rf"$K(y) = {show(cutoff.shape())}$ ({_text(cutoff.reference)}).")
    regulator = context.regulator
    if regulator.sharp:
        return Definition("Regulator", r"sharp cutoff, $R_k = \lim_{\alpha\to\infty} \alpha Z_k k^2 "
                                       rf"\theta(1 - q^2/k^2)$ ({_text(regulator.reference)}).")
    return Definition("Regulator", rf"{_text(context.regulator_kind)}, $R_k = Z_k k^2 r(q^2/k^2)$ with "
                                   rf"$r(y) = {show(regulator.shape())}$ ({_text(regulator.reference)}).")


#: How each ``flow.equation`` is stated.
FLOW_EQUATIONS = {
    "wetterich": r"Wetterich equation, $\partial_t \Gamma_k = \frac{1}{2} \mathrm{Tr}"
                 r"\left[(\Gamma_k^{(2)} + R_k)^{-1} \partial_t R_k\right]$",
    "polchinski": r"Polchinski equation, $\partial_t S_{\mathrm{int}} = \frac{1}{2} "
                  r"\frac{\delta S_{\mathrm{int}}}{\delta \phi} \cdot \partial_t \Delta \cdot "
                  r"\frac{\delta S_{\mathrm{int}}}{\delta \phi} - \frac{1}{2} "
                  r"\mathrm{Tr}\left[\partial_t \Delta\,"
                  r"\frac{\delta^2 S_{\mathrm{int}}}{\delta \phi \delta \phi}\right]$ "
                  r"(here $k \equiv \Lambda$)",
}


def coupling_definitions(system: BetaSystem, context: FlowContext) -> tuple[Definition, ...]:
    """What each coupling is: a derivative of u at the expansion point, or the minimum."""
    blocks = [b.name for b in context.fields]
    at = r"\kappa" if any(c.is_minimum for c in system.couplings) else "0"
    out = []
    for c in system.couplings:
        if c.is_minimum:
            out.append(Definition(c.latex, r"position of the minimum, $u'(\kappa) = 0$"))
        elif context.invariants:  # u(rho, tau): see rgsym.invariants
            from rgsym.invariants import coupling_definition

            out.append(Definition(c.latex, coupling_definition(c, context.invariants)))
        elif len(c.index) == 1:
            out.append(Definition(c.latex, f"$u^{{({c.index[0]})}}({at})$"))
        else:
            parts = " ".join(rf"\partial_{{\tilde\rho_{{{field_latex(b)}}}}}" + (f"^{{{k}}}" if k > 1 else "")
                             for b, k in zip(blocks, c.index, strict=True) if k)
            out.append(Definition(c.latex, f"${parts} u(0)$"))
    return tuple(out)


def threshold_definitions(system: BetaSystem, context: FlowContext, printer: RGLatexPrinter
                          ) -> tuple[str, ...]:
    """Display equations defining the threshold functions the betas use.

    Always the general definition; then the regulator's closed form when it has
    one (the betas contain it already, written out), or the note that the
    ``T^{(c)}`` in the betas are evaluated by quadrature.
    """
    if context.equation == "polchinski":
        return ()  # no propagators: the momentum integrals are numbers inside the betas
    d, eta = context.d, sp.sympify(system.eta)
    definition = (r"T_{c}(w) = v_d \int_0^\infty dy\, y^{d/2-1} \left[(2-\eta) r(y) - 2 y r'(y)\right]"
                  r" \prod_i \left(y + r(y) + w_i\right)^{-c_i}")
    angular = r"v_d = \frac{1}{2^{d+1} \pi^{d/2} \Gamma(d/2)}"
    masses = r", \qquad ".join(f"w_{{{i + 1}}} = {printer.doprint(m)}" for i, m in enumerate(system.masses))
    lines = [definition, angular]
    regulator = context.regulator
    if any(isinstance(t, ThresholdIntegral) for _, t in system.thresholds):
        lines.append(r"T^{(c)}(w) \equiv T_{c}(w) \quad \text{(by quadrature)}")
    elif regulator.sharp:  # one mode per loop; T_1 up to a field-independent constant
        w = sp.Symbol("w")
        for c in (1, 2, 3):
            value = threshold_integral(regulator, (c,), (w,), d, eta)
            lines.append(rf"T_{{{c}}}(w) = {printer.doprint(with_angular_factor(value, d))}")
    else:
        counts = sp.symbols(f"c_1:{len(system.masses) + 1}", positive=True)
        ws = sp.symbols(f"w_1:{len(system.masses) + 1}")
        closed = threshold_integral(regulator, counts, ws, d, eta)
        lines.append(rf"T_{{c}}(w) = {printer.doprint(with_angular_factor(closed, d))}")
    if masses:
        lines.append(masses)
    return tuple(lines)


def field_latex(name: str) -> str:
    """A field name as math: a Greek name as its letter, any other upright."""
    greek = {"phi", "chi", "psi", "sigma", "pi", "eta", "theta", "varphi"}
    return rf"\{name}" if name in greek else rf"\mathrm{{{_text(name)}}}"


def _symmetry(text: str) -> str:
    """``Z2xO(N)`` as math: $Z_2 \\times O(N)$ (amsmath is the only package the body needs)."""
    return "$" + text.replace("Z2", "Z_2").replace("x", r" \times ") + "$"


def _text(text: str) -> str:
    return latex_text(text)
