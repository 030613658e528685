"""Grid: the full-potential flow as C and NumPy code on a grid in rho (method of lines).

A :class:`~rgsym.project.PotentialFlow` is the PDE d_t u = F(rho, u, u', u'').  As in
:mod:`rgsym.solve.pde`, the generated code works with w = u': one rho-derivative turns the PDE
into d_t w = G(rho, w, w', w''), in which u itself no longer appears
(:func:`rgsym.pde_form.differentiated_flow`).  On a uniform grid rho_0 < ... < rho_{n-1} the
generated functions return G_i = G(rho_i, w_i, (D1 w)_i, (D2 w)_i) and its Jacobian dG_i/dw_j.

Discretisation
--------------
Field derivatives are :data:`STENCIL`-point finite differences: centred in the interior and
one-sided (the first or last :data:`STENCIL` points) near the ends, so that no ghost values are
needed at rho = 0, where the PDE has a regular singular point.  With five points the first
derivative is of fourth order everywhere, the second of fourth order in the interior and of
third order in the two outermost rows at each end.  The weights are derived exactly
(:func:`sympy.finite_diff_weights`, Fornberg's algorithm) and stored as integer numerators over
one common denominator, so that the generated code holds no rounded weights.

Finite differences rather than the Chebyshev collocation of :mod:`rgsym.solve.pde`: row i of
the Jacobian has only :data:`STENCIL` non-zero entries, dG_i/dw_j = dG/dw delta_ij +
dG/dw' D1_ij + dG/dw'' D2_ij.  It is emitted in banded storage, the layout of
:func:`scipy.linalg.solve_banded` and of the ``lband``/``uband`` Jacobian of scipy's LSODA, and
the NumPy module also builds it as a :mod:`scipy.sparse` matrix for BDF and Radau.  A stiff
solver then factorises it in O(n) operations, where the dense spectral Jacobian costs O(n^3);
grids of thousands of points stay cheap.  The band is ``STENCIL - 1`` on each side: the
interior rows need only ``STENCIL // 2``, the one-sided rows at the ends reach further.

Code
----
The pointwise program G and its three partial derivatives come from the machinery of
:mod:`rgsym.emit.kernels` (symengine CSE, forward-mode differentiation of that program) and
are printed with :class:`~rgsym.emit.printers.RGC99CodePrinter` and
:class:`~rgsym.emit.printers.RGNumPyPrinter`.  Subexpressions of the parameters alone (with a
symbolic d: pi^(d/2), Gamma(d/2), ...) are hoisted out of the grid loop and computed once per
call.  The templates ``templates/c/pde.*.j2`` and ``templates/numpy/pde.py.j2`` lay the views
out.  The ends of the grid get the same equation as the interior (with one-sided derivatives);
a boundary condition, e.g. freezing w' and w'' at rho_max as :mod:`rgsym.solve.flow` does, is
the caller's choice: ``rgsym_pde_local`` / ``local`` give G and its partials at any
(rho, w, w', w'').

References
----------
- B. Fornberg, Math. Comp. 51 (1988) 699 (finite-difference weights on arbitrary grids).
- W. E. Schiesser, *The Numerical Method of Lines* (Academic Press, 1991) (banded Jacobians).
- J. Borchardt, B. Knorr, Phys. Rev. D 91 (2015) 105011, arXiv:1502.07511 (grids for the FRG).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import symengine as se
import sympy as sp

from rgsym import __version__
from rgsym.emit.code import check_identifier
from rgsym.emit.kernels import (
    Kernel,
    _Converter,
    _eliminate_common_subexpressions,
    _finish,
    _prefix,
    _Program,
    differentiate,
)
from rgsym.emit.printers import CodePrinting, RGC99CodePrinter, RGNumPyPrinter
from rgsym.emit.templating import render
from rgsym.emit.views import Assignment, Header, Input
from rgsym.errors import UnsupportedError
from rgsym.pde_form import W_SYMBOLS, differentiated_flow
from rgsym.project import PotentialFlow
from rgsym.threshold import ThresholdIntegral

#: The files each format writes for a full-potential flow.
FILES: dict[str, tuple[str, ...]] = {"c": ("pde.h", "pde.c"), "numpy": ("pde.py",)}
#: Points of the finite-difference stencils (odd): 5 gives fourth-order derivatives.
STENCIL = 5
#: Names the generated pointwise functions use themselves (arguments, modules); inputs may not.
RESERVED = frozenset({"params", "constants", "partial", "out", "numpy", "math", "scipy", "p"})


@dataclass(frozen=True)
class GridKernels:
    """The pointwise programs of d_t w = G(rho, w, w', w'').

    Attributes
    ----------
    invariant
        rho (a plain symbol).
    variables
        w, w', w'' (``W_SYMBOLS``).
    parameters
        The flow's free parameters (d, N when symbolic), read from ``params``.
    constants
        ``(c_k, expression in the parameters)``: loop-invariant subexpressions, computed once.
    value
        The program for G (one output).
    partials
        The program for dG/dw, dG/dw', dG/dw'' (three outputs).
    equation
        G as derived, before the constants were hoisted (for the files' comments).
    """

    invariant: sp.Symbol
    variables: tuple[sp.Symbol, sp.Symbol, sp.Symbol]
    parameters: tuple[sp.Symbol, ...]
    constants: tuple[tuple[sp.Symbol, sp.Expr], ...]
    value: Kernel
    partials: Kernel
    equation: sp.Expr


@dataclass(frozen=True)
class Stencil:
    """Integer finite-difference weights: row q is the derivative at node q of the stencil,
    ``numerators[q][k] / (denominator h^order)`` the weight of node k."""

    order: int
    numerators: tuple[tuple[int, ...], ...]
    denominator: int


@dataclass(frozen=True)
class PointView:
    """A printed pointwise program: inputs it reads, temporaries, and one code per output."""

    name: str
    reads: tuple[str, ...]
    ignores: tuple[str, ...]
    parameters: tuple[Input, ...]
    constants: tuple[Input, ...]
    temporaries: tuple[Assignment, ...]
    outputs: tuple[str, ...]
    reads_parameters: bool
    reads_constants: bool


@dataclass(frozen=True)
class GridView:
    """Everything the ``pde`` templates need."""

    header: Header
    description: str
    equation: str
    invariant: str
    variables: tuple[str, str, str]
    parameter_names: tuple[str, ...]
    stencil: int
    half: int
    lower: int
    upper: int
    first: Stencil
    second: Stencil
    constant_parameters: tuple[Input, ...]
    constants: tuple[Assignment, ...]
    value: PointView
    partials: PointView
    helpers: tuple[str, ...]
    operations: int


def render_grid_files(flow: PotentialFlow, formats: Sequence[str]) -> dict[str, str]:
    """File name -> text of ``pde.h``/``pde.c`` (format ``c``) and ``pde.py`` (``numpy``).

    Parameters
    ----------
    flow
        The full-potential flow from :func:`rgsym.pipeline.derive`; d and N may be symbols
        (the generated functions then take them in ``params``); the files' headers name the
        spec it records.
    formats
        Formats from :data:`rgsym.emit.FORMATS`; only ``c`` and ``numpy`` exist for a PDE.

    Raises
    ------
    UnsupportedError
        For LaTeX or JSON output, or a flow whose loop integrals have no closed form.

    Examples
    --------
    >>> from rgsym import load_spec
    >>> from rgsym.pipeline import derive
    >>> spec = load_spec("derivations/ising_lpa_full.toml")
    >>> sorted(render_grid_files(derive(spec), ["c", "numpy"]))
    ['pde.c', 'pde.h', 'pde.py']
    """
    other = [f for f in formats if f not in FILES]
    if other:
        raise UnsupportedError(flow.spec_source, "truncation.potential",
                               f"a full potential is emitted as code on a grid only (--emit "
                               f"{','.join(FILES)}), not as {', '.join(other)}; use 'polynomial' for "
                               "LaTeX or JSON betas")
    kernels = build_grid_kernels(flow)
    files: dict[str, str] = {}
    if "c" in formats:
        view = grid_view(flow, kernels, RGC99CodePrinter())
        files.update({name: render(f"c/{name}.j2", pde=view) for name in FILES["c"]})
    if "numpy" in formats:
        view = grid_view(flow, kernels, RGNumPyPrinter())
        files["pde.py"] = render("numpy/pde.py.j2", pde=view)
    return files


def build_grid_kernels(flow: PotentialFlow) -> GridKernels:
    """Differentiate the PDE once in rho, hoist the parameter-only parts, CSE G and its partials.

    Raises
    ------
    UnsupportedError
        If a loop integral has no closed form (quadrature thresholds), or u itself remains.
    """
    rho, u = flow.invariant, flow.potential
    g = differentiated_flow(flow.rhs, rho, u)
    if g.atoms(ThresholdIntegral):
        raise UnsupportedError(flow.spec_source, "regulator.kind",
                               "code on a grid needs the loop integrals in closed form (litim, or "
                               "d = 0); use truncation.potential = 'polynomial' for other regulators")
    if g.has(u) or g.has(sp.Derivative):
        raise UnsupportedError(flow.spec_source, "truncation.potential",
                               "the differentiated flow still depends on u itself")
    plain = {s: sp.Symbol(s.name) for s in g.free_symbols}
    g = g.xreplace(plain)
    x = sp.Symbol(rho.name)
    variables = (x, *W_SYMBOLS)
    parameters = tuple(sp.Symbol(p.name) for p in flow.parameters)
    for name in (x.name, *(p.name for p in parameters)):
        _check_name(name, flow)
    taken = [s.name for s in (*variables, *parameters)]
    derived = g
    constants, g = hoist_constants(g, frozenset(variables), _prefix("c", taken))
    taken += [c.name for c, _ in constants]
    w = tuple(se.Symbol(s.name) for s in W_SYMBOLS)
    replacements, reduced = _eliminate_common_subexpressions([se.sympify(g)], _prefix("t", taken))
    value = _Program(list(replacements), {"out": (1, {0: reduced[0]})})
    derivative = differentiate(replacements, reduced, w, _prefix("dt", taken))
    _, entries = derivative.outputs["out"]
    derivative.outputs["out"] = (3, entries)
    inputs = tuple(se.Symbol(s.name) for s in variables)
    params = tuple(se.Symbol(s.name) for s in (*parameters, *(c for c, _ in constants)))
    convert = _Converter()
    return GridKernels(x, (W_SYMBOLS[0], W_SYMBOLS[1], W_SYMBOLS[2]), parameters, tuple(constants),
                       _finish("value", value, inputs, params, convert),
                       _finish("partials", derivative, inputs, params, convert), derived)


def _check_name(name: str, flow: PotentialFlow) -> None:
    if name in RESERVED or name in {s.name for s in W_SYMBOLS}:
        raise UnsupportedError(flow.spec_source, "theory",
                               f"{name!r} cannot name a variable in the generated grid code")
    check_identifier(name)


def hoist_constants(expr: sp.Expr, variables: frozenset[sp.Symbol], prefix: str
                    ) -> tuple[list[tuple[sp.Symbol, sp.Expr]], sp.Expr]:
    """Name the costly subexpressions of the parameters alone (functions, non-integer powers).

    Factors of a product and terms of a sum that depend on no variable are grouped, so that a
    prefactor such as 2^(-d-1) (N - 1) / (pi^(d/2) d Gamma(d/2)) becomes one constant.
    Constants are named ``prefix0, prefix1, ...`` in the order sympy's canonical traversal
    meets them.

    >>> d, x = sp.symbols("d x")
    >>> hoist_constants(sp.gamma(d / 2) * x + d * x, frozenset({x}), "c")
    ([(c0, gamma(d/2))], c0*x + d*x)
    """
    table: dict[sp.Expr, sp.Symbol] = {}

    def name(e: sp.Expr) -> sp.Expr:
        if not _costly(e):
            return e
        if e not in table:
            table[e] = sp.Symbol(f"{prefix}{len(table)}")
        return table[e]

    def visit(e: sp.Expr) -> sp.Expr:
        if not (e.free_symbols & variables):
            return name(e)
        if e.is_Add or e.is_Mul:
            fixed = [a for a in e.args if not (a.free_symbols & variables)]
            rest = [visit(a) for a in e.args if a.free_symbols & variables]
            return e.func(name(e.func(*fixed)), *rest) if fixed else e.func(*rest)
        return e.func(*[visit(a) for a in e.args]) if e.args else e

    out = visit(expr)
    return [(s, e) for e, s in table.items()], out


def _costly(e: sp.Expr) -> bool:
    """Does ``e`` depend on a parameter through a function call or a non-integer power?"""
    if not e.free_symbols:
        return False
    return any(n.is_Function or (n.is_Pow and not n.exp.is_Integer) for n in sp.preorder_traversal(e))


def stencils(points: int = STENCIL) -> tuple[Stencil, Stencil]:
    """The exact first- and second-derivative weights at each node of a ``points``-node stencil.

    >>> first, second = stencils(5)
    >>> first.numerators[2], first.denominator
    ((1, -8, 0, 8, -1), 12)
    >>> second.numerators[0], second.denominator
    ((35, -104, 114, -56, 11), 12)
    """
    nodes = list(range(points))
    out = []
    for order in (1, 2):
        rows = [sp.finite_diff_weights(order, nodes, q)[order][-1] for q in nodes]
        denominator = math.lcm(*(int(sp.Rational(x).q) for row in rows for x in row))
        out.append(Stencil(order, tuple(tuple(int(x * denominator) for x in row) for row in rows),
                           denominator))
    return out[0], out[1]


def grid_view(flow: PotentialFlow, kernels: GridKernels,
              printer: CodePrinting) -> GridView:
    """Print the kernels with ``printer`` (which collects the helpers they call)."""
    first, second = stencils()
    params = {p.name: i for i, p in enumerate(kernels.parameters)}
    used = {s.name for _, e in kernels.constants for s in e.free_symbols}
    constant_parameters = tuple(Input(printer.expression(p), i) for i, p in enumerate(kernels.parameters)
                                if p.name in used)
    constants = tuple(Assignment(printer.expression(c), printer.expression(e)) for c, e in kernels.constants)
    value = _point_view(kernels.value, kernels, params, printer)
    partials = _point_view(kernels.partials, kernels, params, printer)
    header = Header(__version__, flow.spec_source, flow.spec_digest, flow.name)
    operations = kernels.value.operation_count() + kernels.partials.operation_count()
    equation = f"d_t w = {sp.sstr(kernels.equation)}  (w0 = w, w1 = w', w2 = w'')"
    return GridView(header, flow.name, equation, kernels.invariant.name,
                    (kernels.variables[0].name, kernels.variables[1].name, kernels.variables[2].name),
                    tuple(params), STENCIL, STENCIL // 2, STENCIL - 1, STENCIL - 1, first, second,
                    constant_parameters, constants, value, partials,
                    tuple(sorted(getattr(printer, "helpers", ()))), operations)


def _point_view(kernel: Kernel, kernels: GridKernels, params: dict[str, int],
                printer: CodePrinting) -> PointView:
    symbols = kernel.used_symbols
    inputs = (kernels.invariant, *kernels.variables)
    constant_index = {c.name: i for i, (c, _) in enumerate(kernels.constants)}
    (output,) = kernel.outputs
    codes = dict(output.entries)
    parameters = tuple(Input(printer.expression(s), params[s.name]) for s in kernel.parameters
                       if s in symbols and s.name in params)
    constants = tuple(Input(printer.expression(s), constant_index[s.name]) for s in kernel.parameters
                      if s in symbols and s.name in constant_index)
    return PointView(
        name=kernel.name,
        reads=tuple(s.name for s in inputs if s in symbols),
        ignores=tuple(s.name for s in inputs if s not in symbols),
        parameters=parameters,
        constants=constants,
        temporaries=tuple(Assignment(printer.expression(x), printer.expression(e))
                          for x, e in kernel.temporaries),
        outputs=tuple(printer.expression(codes.get(i, sp.Float(0.0))) for i in range(output.size)),
        reads_parameters=bool(parameters),
        reads_constants=bool(constants),
    )
