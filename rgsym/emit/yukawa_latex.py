"""LaTeX of a Gross-Neveu-Yukawa flow: the potential's loop in boson and fermion threshold functions,
the anomalous dimensions, and the betas with eta_phi and eta_psi as symbols.

Laid out from :class:`rgsym.yukawa_notation.YukawaNotation` (derived from the supertrace, nothing
typed) and the system's context: the fields, the Yukawa matrices, the regulator pair.  The files
are those of :mod:`rgsym.emit.latex` (``betas.tex``, ``betas_body.tex``); both LaTeX styles give
this layout, since the betas of a Yukawa theory are written with named thresholds only for the
potential (the Yukawa vertex and the two-point functions are written out).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from rgsym import symbols
from rgsym.betasystem import BetaSystem
from rgsym.context import FlowContext, required_context
from rgsym.emit.latex import (
    LINE_WIDTH,
    beta_equation,
    display_width,
    field_latex,
    pack_lines,
    signed_terms,
    split_terms,
    with_angular_factor,
)
from rgsym.emit.printers import RGLatexPrinter
from rgsym.emit.templating import latex_text, render
from rgsym.emit.views import Definition, Equation, Header, YukawaLatexView
from rgsym.errors import UnsupportedError
from rgsym.fermion_thresholds import RF, R, Y, fermion_shape
from rgsym.fermions import U1, U2, yukawa_class
from rgsym.yukawa_eta import ETA_PHI, ETA_PSI
from rgsym.yukawa_notation import H2, N_B, N_F, RHO, W_B, W_F, W, YukawaNotation

#: The files written (the same names as the scalar LaTeX).
FILES = ("betas.tex", "betas_body.tex")
#: r, r', r_F, r_F' in the threshold functions' definitions.
_SHAPES = sp.symbols("shape_r shape_rprime shape_rF shape_rFprime")
#: How the Yukawa classes are named in the text.
CLASS_NAMES = {"chiral-ising": "chiral Ising", "chiral-xy": "chiral XY",
               "chiral-heisenberg": "chiral Heisenberg"}
#: LaTeX of the Yukawa matrices' names.
MATRIX_TEX = {"1": r"\mathbf{1}", "i*gamma5": r"i\gamma_5", "sigma_1": r"\sigma_1", "sigma_2": r"\sigma_2",
              "sigma_3": r"\sigma_3"}


def render_yukawa_latex(system: BetaSystem, notation: YukawaNotation) -> dict[str, str]:
    """File name -> text of the standalone document and of its body.

    Parameters
    ----------
    system
        The derived Yukawa system (with its context).
    notation
        The same flow in paper notation (:func:`rgsym.yukawa_notation.yukawa_flow_notation`).

    Returns
    -------
    dict

    Raises
    ------
    UnsupportedError
        For a regulator without closed threshold functions (quadrature).
    """
    view = yukawa_latex_view(system, notation)
    return {name: render(f"latex/yukawa_{name}.j2", latex=view) for name in FILES}


def yukawa_names(system: BetaSystem) -> dict[sp.Symbol, str]:
    """Symbol -> LaTeX: the couplings, the two etas, and the jet symbols of the potential's flow."""
    names = {c.symbol: c.latex for c in system.couplings}
    names |= {ETA_PHI: r"\eta_{\phi}", ETA_PSI: r"\eta_{\psi}", symbols.eta: r"\eta_{\phi}",
              U1: "u'", U2: "u''", RHO: r"\tilde\rho", H2: "h^{2}", W: "w"}
    names |= dict(zip(_SHAPES, ("r", "r'", "r_F", "r_F'"), strict=True))
    names |= {N_F: "n_F", N_B: "n_B", W_F: "w_F", W_B: "w_B"}
    return names


def yukawa_latex_view(system: BetaSystem, notation: YukawaNotation) -> YukawaLatexView:
    """Print everything the Yukawa LaTeX templates lay out."""
    context = required_context(system, "--emit latex")
    if (notation.boson_closed is None or notation.fermion_closed is None or notation.mixed_closed is None
            or (notation.named_etas and not notation.eta_closed)):
        raise UnsupportedError(system.spec_source, "regulator.kind", "LaTeX of a Yukawa flow is written for "
                               "'litim' (closed threshold functions); the quadrature weights of smooth "
                               "regulators have no notation in the document yet; use 'litim'")
    printer = RGLatexPrinter(yukawa_names(system))
    show = printer.doprint
    d = context.d
    couplings = {c.name: c for c in system.couplings}
    equations = []
    # the width estimate does not know m and its sub- and superscripts: 10 units of margin
    for label, lhs, eta in zip(("eq:eta_phi", "eq:eta_psi"), (r"\eta_{\phi}", r"\eta_{\psi}"),
                               notation.named_etas, strict=False):
        equations.append(_display(label, lhs, with_angular_factor(tidy(eta), d), show, LINE_WIDTH - 10))
    equations += [beta_equation(couplings[name], tidy(beta), show, d=d)
                  for name, beta in zip(notation.names, notation.betas, strict=True)]
    # the width estimate does not know \ell and its sub- and superscripts: 10 units of margin
    yukawa = _display("eq:yukawa", r"\partial_t h^{2}", with_angular_factor(notation.yukawa, d), show,
                      LINE_WIDTH - 10)
    return YukawaLatexView(Header.of(system), system.name, _summary(system, context, show),
                           _coupling_definitions(system, context), _potential_flow(notation, d, show),
                           _masses(notation, show), _thresholds(notation, context, show), yukawa,
                           _mixed(notation, context, show), tuple(equations), len(notation.etas),
                           _eta_thresholds(notation, context, show))


def tidy(expr: sp.Expr) -> sp.Expr:
    """Each term of a sum factored: the propagator denominators become powers of (1 + w)."""
    return sp.Add(*[sp.factor(term) for term in sp.Add.make_args(sp.sympify(expr))])


def _display(label: str, lhs: str, expr: sp.Expr, show: Callable[[sp.Expr], str],
             width: float = LINE_WIDTH) -> Equation:
    """A long labelled equation broken into lines (as :func:`rgsym.emit.latex.eta_equation`)."""
    indent = 4.0
    terms = split_terms(expr, lambda t: display_width(show(t)) <= width - indent)
    first = width - display_width(lhs) - 2.2
    return Equation(label, lhs, pack_lines(signed_terms(terms, show), first, width - indent))


def _ell(statistics: str) -> str:
    return r"\ell^{d}_{\mathrm{B}}" if statistics == "boson" else r"\ell^{d}_{\mathrm{F}}"


def _potential_flow(notation: YukawaNotation, d: sp.Expr, show: Callable[[sp.Expr], str]) -> str:
    """d_t u = -d u + (d - 2 + eta_phi) rho u' + sum_i n_i l_B(w_i) + c_F l_F(w_F)."""
    dd = show(d)
    scaling = show(d - 2) if d.is_number else "d - 2"
    if notation.etas:
        scaling = rf"({scaling} + \eta_{{\phi}})\, "
    else:
        scaling = "" if d - 2 == 1 else rf"{scaling}\, "
    text = rf"\partial_t u = -{dd}\, u + {scaling}\tilde\rho\, u'"
    for k, term in enumerate(notation.terms):
        factor = sp.sympify(term.factor)
        sign = "-" if factor.could_extract_minus_sign() else "+"
        magnitude = -factor if sign == "-" else factor
        coefficient = "" if magnitude == 1 else show(magnitude) + r"\, "
        text += rf" {sign} {coefficient}{_ell(term.statistics)}(w_{{{k + 1}}})"
    return text


def _masses(notation: YukawaNotation, show: Callable[[sp.Expr], str]) -> str:
    return r", \qquad ".join(f"w_{{{k + 1}}} = {show(t.mass)}" for k, t in enumerate(notation.terms))


def _thresholds(notation: YukawaNotation, context: FlowContext, show: Callable[[sp.Expr], str]
                ) -> tuple[str, ...]:
    """The definitions of l_B and l_F (their integrands as derived) and their closed forms."""
    d = context.d
    measure = r"v_d \int_0^\infty dy\, y^{d/2-1}\, "
    on = {sp.Derivative(R(Y), Y): _SHAPES[1], sp.Derivative(RF(Y), Y): _SHAPES[3], R(Y): _SHAPES[0],
          RF(Y): _SHAPES[2]}
    lines = [rf"\ell^{{d}}_{{\mathrm{{B}}}}(w) = {measure}{show(notation.boson_weight.subs(on))}",
             rf"\ell^{{d}}_{{\mathrm{{F}}}}(w) = {measure}{show(notation.fermion_weight.subs(on))}",
             r"v_d = \frac{1}{2^{d+1} \pi^{d/2} \Gamma(d/2)}"]
    for statistics, closed in (("B", notation.boson_closed), ("F", notation.fermion_closed)):
        assert closed is not None  # refused before (yukawa_latex_view)
        value = show(with_angular_factor(closed, d))
        lines.append(rf"\ell^{{{show(d)}}}_{{\mathrm{{{statistics}}}}}(w) = {value}")
    return tuple(lines)


def _mixed(notation: YukawaNotation, context: FlowContext, show: Callable[[sp.Expr], str]) -> tuple[str, ...]:
    """The definition of l_(n_F, n_B)(w_F, w_B) and its closed form."""
    d = context.d
    definition = (r"\begin{split} \ell^{d}_{n_F,n_B}(w_F, w_B) &= v_d \int_0^\infty dy\, y^{d/2-1} \\ "
                  r"&\quad \times \tilde\partial_t \left[\left(y (1 + r_F)^2 + w_F\right)^{-n_F} "
                  r"\left(y + r + w_B\right)^{-n_B}\right] \end{split}")
    tilde = (r"\tilde\partial_t r = (2 - \eta_\phi) r - 2 y r', \qquad "
             r"\tilde\partial_t r_F = -\eta_\psi r_F - 2 y r_F'")
    assert notation.mixed_closed is not None  # refused before (yukawa_latex_view)
    closed = notation.mixed_closed
    # Litim: d~_t P_F and d~_t P_B integrate to constants, so l = n_F a / ((1+w_F)^(n_F+1) (1+w_B)^n_B)
    # + n_B b / ((1+w_F)^n_F (1+w_B)^(n_B+1)); a and b read off, the form checked
    a = sp.factor(closed.xreplace({N_F: 1, N_B: 0}) * (1 + W_F) ** 2)
    b = sp.factor(closed.xreplace({N_F: 0, N_B: 1}) * (1 + W_B) ** 2)
    powers = (1 + W_F) ** N_F * (1 + W_B) ** N_B
    form = N_F * a / ((1 + W_F) * powers) + N_B * b / ((1 + W_B) * powers)
    assert not (a.has(W_F, W_B) or b.has(W_F, W_B)) and sp.simplify(sp.powsimp(closed - form)) == 0
    a_tex, b_tex = show(with_angular_factor(a, d)), show(with_angular_factor(b, d))
    value = (rf"\frac{{n_F}}{{(1 + w_F)^{{n_F + 1}} (1 + w_B)^{{n_B}}}} \left({a_tex}\right) \\ "
             rf"&\quad + \frac{{n_B}}{{(1 + w_F)^{{n_F}} (1 + w_B)^{{n_B + 1}}}} \left({b_tex}\right)")
    closed_tex = rf"\begin{{split}} \ell^{{{show(d)}}}_{{n_F,n_B}}(w_F, w_B) &= {value} \end{{split}}"
    return definition, tilde, closed_tex


#: The masses each m-function is written with in its definition.
_ETA_MASSES = {"BB": sp.symbols("w_1 w_2"), "VV": (W,), "SS": (W,), "FB": (W_F, W_B)}


def _eta_thresholds(notation: YukawaNotation, context: FlowContext, show: Callable[[sp.Expr], str]
                    ) -> tuple[str, ...]:
    """The propagator functions, the m-functions' definitions (:data:`rgsym.yukawa_eta_notation.
    DEFINITIONS`) and their closed forms, for the eta equations (empty in the LPA)."""
    from rgsym.yukawa_eta_notation import DEFINITIONS, W1, W2, EtaThreshold, propagator_function

    if not notation.named_etas:
        return ()
    on = {R(Y): _SHAPES[0], RF(Y): _SHAPES[2]}
    g = [rf"G_{{\mathrm{{{line}}}}}(w) = {show(propagator_function(line, W).subs(on))}" for line in "BSV"]
    lines = [rf"\begin{{gathered}} {g[0]}, \qquad {g[1]}, \\ {g[2]} \end{{gathered}}"]
    for kind, closed in notation.eta_closed:
        prefactor, power, factors = DEFINITIONS[kind]
        masses = _ETA_MASSES[kind]
        name = show(EtaThreshold(kind, *masses))
        measure = rf"\int_0^\infty dy\, y^{{d/2{'' if power == 0 else f' + {power}'}}}"
        product = r"\, ".join((r"\partial_y " if diff else "")
                              + rf"G_{{\mathrm{{{line}}}}}({show(masses[slot])})"
                              for line, slot, diff in factors)
        lines.append(rf"{name} = {show(prefactor)} {measure}\, \tilde\partial_t \left[{product}\right]")
        closed = closed.xreplace(dict(zip((W1, W2), masses, strict=False)))
        value = show(with_angular_factor(closed, context.d))
        lines.append(rf"{name.replace('d}', f'{show(context.d)}}}', 1)} = {value}")
    return tuple(lines)


def _summary(system: BetaSystem, context: FlowContext, show: Callable[[sp.Expr], str]
             ) -> tuple[Definition, ...]:
    """Theory, truncation, regulators and flow equation, as short LaTeX sentences."""
    (block,) = context.fields
    bosons = (f"a real scalar ${field_latex(block.name)}$" if block.components == 1 else
              rf"scalars ${field_latex(block.name)}_a$, $a = 1, \dots, {show(sp.sympify(block.components))}$")
    fermion = context.fermions[0]
    kind = "Majorana" if fermion.majorana else "Dirac"
    flavours = show(sp.sympify(fermion.flavours))
    name = yukawa_class(context.yukawa)
    matrices = ", ".join(f"${MATRIX_TEX.get(t, latex_text(t))}$" for t in context.yukawa)
    coupling = (rf"$h\, {field_latex(block.name)}" + (r"_a" if block.components != 1 else "")
                + rf"\, \bar{{{field_latex(fermion.name)}}}\, T" + (r"_a" if len(context.yukawa) > 1 else "")
                + rf"\, {field_latex(fermion.name)}$ with $T = $ {matrices}"
                + (f" (the {CLASS_NAMES[name]} class)" if name else ""))
    theory = (f"{bosons}; $N_f = {flavours}$ flavours of {kind} fermions ${field_latex(fermion.name)}$ with "
              f"$d_\\gamma = {fermion.spinor_dim}$ spinor components; the Yukawa coupling {coupling}; "
              f"$d = {show(context.d)}$.")
    around = ("the running minimum $\\kappa$" if context.expand_around == "minimum" else r"$\tilde\rho = 0$")
    prime = bool(system.etas)
    truncation = (f"{context.scheme.upper()}, "
                  r"$\Gamma_k = \int [Z_\psi \bar\psi i\partial\!\!\!/ \psi "
                  r"+ \frac{1}{2} Z_\phi (\partial\phi)^2 + U_k(\rho) + \bar h \phi \bar\psi T \psi]$, "
                  f"$u'$ a polynomial of order {context.order} around {around}; "
                  + (r"running $Z_\phi$, $Z_\psi$: $\eta_\phi$ is read off the $p^2$ part of the scalar "
                     r"two-point function and $\eta_\psi$ off the $p\!\!\!/$ part of the fermion two-point "
                     r"function at the expansion point, eqs.~(\ref{eq:eta_phi}) and (\ref{eq:eta_psi})"
                     if prime else r"$\eta_\phi = \eta_\psi = 0$")
                  + r"; $h$ is read off the $\phi$-derivative of the fermion mass term at the "
                    "expansion point.")
    regulator = context.regulator
    fermion_shape_tex = show(sp.piecewise_fold(fermion_shape(regulator.shape().subs(sp.Symbol("y"), Y))))
    regulators = (rf"{latex_text(context.regulator_kind)}: $R_\phi = Z_\phi k^2 r(y)$, "
                  rf"$r(y) = {show(regulator.shape())}$ ({latex_text(regulator.reference)}); "
                  r"$R_\psi = Z_\psi q\!\!\!/\, r_F(y)$ with $y (1 + r_F)^2 = y + r(y)$ (bosons and fermions "
                  rf"share the regularised kinetic term), $r_F(y) = {fermion_shape_tex}$.")
    flow = (r"Wetterich equation, $\partial_t \Gamma_k = \frac{1}{2} \mathrm{STr}\left[(\Gamma_k^{(2)} + "
            r"R_k)^{-1} \partial_t R_k\right]$ (the supertrace: $-1$ and Grassmann order for the fermions), "
            r"$t = \ln k$; $\tilde\rho = Z_\phi k^{2-d} \phi^2/2$, $u = U_k / k^d$ and "
            r"$h^2 = Z_\phi^{-1} Z_\psi^{-2} k^{d-4} \bar h^2$ are dimensionless.")
    return (Definition("Theory", theory), Definition("Truncation", truncation),
            Definition("Regulators", regulators), Definition("Flow", flow))


def _coupling_definitions(system: BetaSystem, context: FlowContext) -> tuple[Definition, ...]:
    at = r"\kappa" if context.expand_around == "minimum" else "0"
    out = []
    for c in system.couplings:
        if c.is_minimum:
            out.append(Definition(c.latex, r"position of the minimum, $u'(\kappa) = 0$"))
        elif c.name == "h2":
            out.append(Definition(c.latex, "the squared Yukawa coupling"))
        else:
            out.append(Definition(c.latex, f"$u^{{({c.index[0]})}}({at})$"))
    return tuple(out)
