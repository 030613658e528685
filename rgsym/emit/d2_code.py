"""D2 code: the O(d^2) polynomial flow as C and NumPy, with its exact Jacobian.

The running couplings of :mod:`rgsym.solve.d2_polynomial` (kappa, lambda_k, z_k, y_k around the
running minimum) flow by betas that hold y-integrals and eta, which z(kappa) = 1 fixes at every
point.  The generated code computes them in three straight-line programs:

1. ``integrands`` at one quadrature node y: the loop integrand of every Taylor coefficient, split as
   A_j + eta B_j (eta enters linearly, through d_t R_k), times 2 v_d, and their derivatives in the
   couplings (forward mode).  For a smooth regulator r(y), r'(y), ... are not closed forms but
   numbers in the node table, read with the node (``p[0]`` = y, ``p[1:]`` = r, r', ...): the
   solver's 50-digit values (:func:`rgsym.solve.d2_polynomial.regulator_values`) rounded once.  The
   closed form of the exponential regulator would hold (exp(y) - 1)^k over a denominator to the
   power k + 1, which overflows doubles at the largest nodes (y ~ 60) from degree ~11 of the
   Taylor coefficients on, and loses ~eps/y^3 at the smallest (y ~ 0.03);
2. the integrals T = sum_n W_n integrands(y_n) on the Gauss-Jacobi nodes of
   :func:`rgsym.solve.d2_polynomial.y_quadrature` (weight y^(d/2-1); the solver's nodes), so the two
   agree to rounding;
3. ``rhs``, ``jacobian`` and ``eta`` from T and the couplings: f_j = P_j + eta Q_j + S_j (S the
   scaling part), eta from d_t z(kappa) = 0 (linear in eta), d_t kappa = -f_0 / lambda_2 and the
   flow of each coefficient at the running minimum.  The Jacobian is the forward-mode derivative of
   that program (:func:`rgsym.emit.kernels.differentiate`), the tangents of T being the integrals of
   the integrands' derivatives: exact, through eta(c) and d_t kappa.

Printing and layout reuse the machinery of the BetaSystem code: the printers, :func:`print_c_kernel`
(large kernels split into parts), and the templates ``c/kernel.c.j2`` and ``c/statements.c.j2``; the
files ``betas.h``, ``betas.c`` and ``betas.py`` have the API of the LPA ones (``rgsym_rhs``,
``rgsym_jacobian``, their batches; ``rhs``, ``jacobian``, ``fun``, ``jac``) plus ``eta``.

References
----------
Canet, Delamotte, Mouhanna, Vidal, Phys. Rev. D 67 (2003) 065004, hep-th/0211055 (the O(d^2) flow
around the minimum); Griewank and Walther, *Evaluating Derivatives* (SIAM, 2008), ch. 3.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import symengine as se
import sympy as sp

from rgsym import __version__, symbols
from rgsym.derivative_expansion import DerivativeExpansionFlow
from rgsym.emit.c import print_c_kernel
from rgsym.emit.code import check_identifier, exact_decimals, print_kernel
from rgsym.emit.kernels import Kernel, Output, canonical_order, differentiate
from rgsym.emit.printers import CodePrinting, RGC99CodePrinter, RGNumPyPrinter
from rgsym.emit.templating import render
from rgsym.emit.views import Header, KernelView

#: The files written, as for a BetaSystem.
FILES = ("betas.h", "betas.c", "betas.py")
#: The name of the quadrature variable y inside the integrand kernel (read from p[0]).
NODE = "y_node"


@dataclass(frozen=True)
class D2Program:
    """The straight-line programs of the O(d^2) polynomial flow.

    Attributes
    ----------
    names
        The couplings, in the order of ``g``.
    integrands
        Reads the couplings and the node y (``p[0]``); writes the integrands, values first
        (A_0.., B_0..), then d/d g_j of each, row-major.
    rhs, jacobian, eta
        Read the couplings and T (the integrals of ``integrands``).
    nodes, weights
        The quadrature in y (weight y^(d/2-1) included in the weights).
    node_values
        Per node, r(y), r'(y), ... there (the ``parameters`` of ``integrands`` after y; empty rows
        for a regulator without node values, Litim).
    description
        One line for the files' headers.
    """

    names: tuple[str, ...]
    integrands: Kernel
    rhs: Kernel
    jacobian: Kernel
    eta: Kernel
    nodes: tuple[float, ...]
    weights: tuple[float, ...]
    node_values: tuple[tuple[float, ...], ...]
    description: str

    @property
    def integrals(self) -> int:
        """The number of integrals T (values and derivatives)."""
        return self.integrands.outputs[0].size


def build_d2_program(flow: DerivativeExpansionFlow, order: int, kinetic_order: int) -> D2Program:
    """The three programs for u' of degree ``order`` and z, Y of degree ``kinetic_order``.

    Parameters
    ----------
    flow
        The derived O(d^2) flows (numeric d).
    order, kinetic_order
        As for :class:`rgsym.solve.d2_polynomial.D2System`.

    Returns
    -------
    D2Program
    """
    from rgsym.solve.d2_polynomial import Y_MAX, regulator_values, taylor_equations, y_quadrature

    ansatz, loop_eqs, scale_eqs = taylor_equations(flow, order, kinetic_order, regulator_jet=True)
    g = tuple(se.Symbol(str(c)) for c in ansatz.symbols)
    for name in ansatz.names:
        check_identifier(name)
    jet = tuple(se.Symbol(str(symbol)) for symbol, _ in flow.regulator_values)
    integrands = _integrand_kernel(flow, loop_eqs, g, jet)
    m = len(loop_eqs)
    t = tuple(se.Symbol(f"T{i}") for i in range(integrands.outputs[0].size))
    values, slopes = t[:m], t[m:2 * m]
    # d T_i / d g_j is the integral of the integrand's derivative: T[2m + i n + j]
    n = len(g)
    tangents = {t[i]: {j: t[2 * m + i * n + j] for j in range(n)} for i in range(2 * m)}
    eta, betas = _betas(g, values, slopes, [se.sympify(e) for e in scale_eqs], order, kinetic_order,
                        "y" in flow.functions)
    rep, red = se.cse([canonical_order(b) for b in betas])
    rhs = straight_line_kernel("rhs", rep, {i: e for i, e in enumerate(red)}, n, g, t)
    jac_program = differentiate(rep, red, g, "dt", tangents)
    jacobian = straight_line_kernel("jacobian", jac_program.temporaries, jac_program.outputs["out"][1], n * n,
                                    g, t)
    rep_eta, red_eta = se.cse([canonical_order(eta)])
    eta_kernel = straight_line_kernel("eta", rep_eta, {0: red_eta[0]}, 1, g, t)
    nodes, weights = y_quadrature(float(flow.d), end=Y_MAX if flow.upper == sp.oo else float(flow.upper))
    # per node r(y), r'(y), ...: the solver's 50-digit values, rounded once
    at_nodes = regulator_values(flow, nodes).T if jet else np.empty((len(nodes), 0))
    kinetic = "z, Y" if "y" in flow.functions else "z"
    description = (f"O(d^2) derivative expansion ({', '.join(flow.functions)}), d = {flow.d}, N = {flow.n}, "
                   f"{flow.regulator} regulator; u' of degree {order}, {kinetic} of degree {kinetic_order} "
                   "around the running minimum kappa; eta from z(kappa) = 1")
    return D2Program(tuple(ansatz.names), integrands, rhs, jacobian, eta_kernel,
                     tuple(float(v) for v in nodes), tuple(float(v) for v in weights),
                     tuple(tuple(float(v) for v in row) for row in at_nodes), description)


def _integrand_kernel(flow: DerivativeExpansionFlow, loop_eqs: Sequence[se.Basic],
                      g: tuple[se.Symbol, ...], jet: tuple[se.Symbol, ...]) -> Kernel:
    """A_j, B_j (times 2 v_d) and their derivatives in g, at the node y (parameters y, then ``jet``:
    r(y), r'(y), ... as the node table holds them)."""
    d = sp.sympify(flow.d)
    node = se.Symbol(NODE)
    v_d = 1 / (2 ** (d + 1) * sp.pi ** (d / 2) * sp.gamma(d / 2))
    eta = se.Symbol(symbols.eta.name)
    # 2 v_d as the nearest double: at non-integer d it holds gamma(d/2), which NumPy lacks
    factor = se.RealDouble(float(sp.N(2 * v_d, 30)))
    at_node = [factor * e.xreplace({se.Symbol(symbols.y.name): node}) for e in loop_eqs]
    exprs = [e.xreplace({eta: se.Integer(0)}) for e in at_node] + [e.diff(eta) for e in at_node]
    rep, red = se.cse([canonical_order(e) for e in exprs])
    program = differentiate(rep, red, g, "dt")
    count, n = len(exprs), len(g)
    entries = {i: e for i, e in enumerate(red)}
    entries |= {count + key: e for key, e in program.outputs["out"][1].items()}
    return straight_line_kernel("integrands", program.temporaries, entries, count * (n + 1), g, (),
                                (node, *jet))


def _betas(g: tuple[se.Symbol, ...], values: Sequence[se.Symbol], slopes: Sequence[se.Symbol],
           scaling: Sequence[se.Basic], order: int, kinetic_order: int, with_y: bool
           ) -> tuple[se.Basic, list[se.Basic]]:
    """eta and the betas of the running couplings, in g and the integrals (mirrors D2System.betas)."""
    eta = se.Symbol(symbols.eta.name)
    n_u, n_z = order + 1, kinetic_order + 1
    lam2 = g[1]
    z1 = g[1 + order] if kinetic_order else se.Integer(0)

    def f(e: se.Basic) -> list[se.Basic]:
        return [p + e * q + s.xreplace({eta: e}) for p, q, s in zip(values, slopes, scaling, strict=True)]

    def condition(e: se.Basic) -> se.Basic:  # d/dt z(kappa) = (d_t z)(kappa) + z'(kappa) d_t kappa
        row = f(e)
        return row[n_u] - z1 * row[0] / lam2

    g0 = condition(se.Integer(0))
    eta_value = -g0 / (condition(se.Integer(1)) - g0)
    rows = f(eta_value)
    dkappa = -rows[0] / lam2
    out = [dkappa]
    blocks = [(1, order, 1), (1 + order, kinetic_order, n_u + 1)]
    if with_y:
        blocks.append((1 + order + kinetic_order, kinetic_order + 1, n_u + n_z))
    for start, count, row in blocks:
        for k in range(count):
            value = rows[row + k]
            if k + 1 < count:
                value = value + g[start + k + 1] * dkappa
            out.append(value)
    assert len(out) == len(g)
    return eta_value, out


def straight_line_kernel(name: str, temporaries: Sequence[tuple[se.Basic, se.Basic]],
                         entries: dict[int, se.Basic], size: int, g: Sequence[se.Symbol],
                         t: Sequence[se.Symbol], p: Sequence[se.Symbol] = ()) -> Kernel:
    """A :class:`Kernel` in sympy, dead temporaries dropped (also used by :mod:`rgsym.emit.d2_functions`).

    Parameters
    ----------
    name
        The kernel's name.
    temporaries, entries
        The program: (symbol, expression) pairs, and output index -> expression.
    size
        The output's slots.
    g, t, p
        Its inputs: the couplings (a point), the quadrature integrals T, the parameters.

    Returns
    -------
    Kernel
    """
    needed: set[se.Basic] = set()
    for e in entries.values():
        needed |= e.free_symbols
    live = []
    for x, e in reversed(list(temporaries)):
        if x in needed:
            live.append((x, e))
            needed |= e.free_symbols
    live.reverse()

    plain = {v: sp.Symbol(str(v)) for v in (*g, *t, *p)}

    def to_sympy(e: se.Basic) -> sp.Expr:
        out = sp.sympify(e)
        return out.xreplace({s: sp.Symbol(s.name) for s in out.free_symbols})

    return Kernel(name, tuple(plain[v] for v in g), tuple(plain[v] for v in p),
                  tuple((sp.Symbol(str(x)), to_sympy(e)) for x, e in live),
                  (Output("out", size, tuple((i, to_sympy(e)) for i, e in sorted(entries.items()) if e != 0)),
                   ),
                  tuple(plain[v] for v in t))


@dataclass(frozen=True)
class QuadratureFlag:
    """What ``c/kernel.c.j2`` reads of its ``code``: whether the kernel reads quadrature integrals."""

    quadrature: bool


@dataclass(frozen=True)
class D2CodeView:
    """Everything the d2 templates need."""

    header: Header
    description: str
    coupling_names: tuple[str, ...]
    integrals: int
    nodes: tuple[str, ...]
    node_width: int
    weights: tuple[str, ...]
    integrands: KernelView
    rhs: KernelView
    jacobian: KernelView
    eta: KernelView
    helpers: tuple[str, ...]
    plain: QuadratureFlag
    with_integrals: QuadratureFlag

    @property
    def size(self) -> int:
        """The number of couplings."""
        return len(self.coupling_names)


def _view(program: D2Program, header: Header, printer: CodePrinting, c: bool) -> D2CodeView:
    print_one = print_c_kernel if c else print_kernel
    integrands, rhs, jacobian, eta = (print_one(k, printer) for k in
                                      (program.integrands, program.rhs, program.jacobian, program.eta))
    rows = tuple(", ".join(exact_decimals([y, *values]))
                 for y, values in zip(program.nodes, program.node_values, strict=True))
    return D2CodeView(header, program.description, program.names, program.integrals, rows,
                      1 + len(program.node_values[0]), exact_decimals(program.weights), integrands, rhs,
                      jacobian, eta,
                      tuple(sorted(getattr(printer, "helpers", ()))), QuadratureFlag(False),
                      QuadratureFlag(True))


def render_d2_files(program: D2Program, source: str, digest: str, formats: Sequence[str]) -> dict[str, str]:
    """File name -> text: ``betas.h`` and ``betas.c`` for "c", ``betas.py`` for "numpy".

    Parameters
    ----------
    program
        From :func:`build_d2_program`.
    source, digest
        The spec's file name and digest, for the headers (no timestamps).
    formats
        A subset of ("c", "numpy").

    Returns
    -------
    dict
    """
    return render_program_files(_view, program, Header(__version__, source, digest, program.description),
                                formats, "betas", "d2_betas")


def render_program_files(view_of: Callable[[Any, Header, CodePrinting, bool], Any], program: Any,
                         header: Header, formats: Sequence[str], stem: str, template: str) -> dict[str, str]:
    """``STEM.h``, ``STEM.c`` (from ``c/TEMPLATE.{h,c}.j2``) for "c" and ``STEM.py`` for "numpy".

    One layout step for the emitted O(d^2) programs (the polynomial betas here, the full route's
    collocated system in :mod:`rgsym.emit.d2_functions`): ``view_of(program, header, printer, c)``
    makes the frozen view the templates read.
    """
    files: dict[str, str] = {}
    if "c" in formats:
        view = view_of(program, header, RGC99CodePrinter(), True)
        files[f"{stem}.h"] = render(f"c/{template}.h.j2", code=view)
        files[f"{stem}.c"] = render(f"c/{template}.c.j2", code=view)
    if "numpy" in formats:
        view = view_of(program, header, RGNumPyPrinter(), False)
        files[f"{stem}.py"] = render(f"numpy/{template}.py.j2", code=view)
    return files
