"""D2 functions: the O(d^2) fixed-point ODEs of the full-function route as C and NumPy, with the
exact Jacobian of their collocation.

A :class:`~rgsym.solve.fixed_functions.FixedFunctionSystem` is K equations E_k(rho, f, f', f''; s)
for K functions f_k(rho) (u', z, Y) and S scalars s (eta) that conditions f_c(rho_0) = v fix; its
loop terms are y-integrals.  The generated code has, as the solver (:mod:`rgsym.solve.fixed_functions`):

1. ``integrands`` at one node s (y = s^2, Gauss-Legendre in s on the solver's interval, the solver's
   nodes): the body of every integral and its derivatives in the jet (f_k, f_k', f_k'', s), forward
   mode.  The node functions (r(y), r'(y), ... of the regulator) are numbers in the node table,
   computed by the solver's :func:`~rgsym.solve.fixed_functions.node_values` (50 digits, rounded
   once): the code reads them with the node, as the solver does;
2. ``local`` and ``partials``: E_k at a point (rho, jet) and dE_k/d(jet), the integrals summed in the
   call, their tangents the sums of the integrands' derivatives (exact);
3. the collocation, written once in the templates: on the Chebyshev-Gauss-Lobatto grid of
   [0, rho_max] (``grid``: Trefethen's differentiation matrix, the formula of
   :func:`rgsym.solve.pde.chebyshev_grid`), the residual E_k(rho_i, ...) of every function at every
   point, then the conditions row @ f_c - v (``condition_row``: barycentric interpolation at rho_0),
   and its dense Jacobian dE_k(rho_i)/df_j(rho_m) = P_0 delta_im + P_1 D1_im + P_2 D2_im, plus the
   scalar columns.  The unknowns are f_1 at the n points, ..., f_K, then the scalars: the layout of
   :func:`rgsym.solve.fixed_functions.residual_and_jacobian`, so that the same Newton iteration and
   generalised eigenproblem (theta = -lambda of A v = lambda B v) run on either.

Printing reuses the machinery of :mod:`rgsym.emit.d2_code` (the printers, :func:`print_c_kernel`,
``c/kernel.c.j2``); the files are ``functions.h``, ``functions.c`` and ``functions.py``.

References
----------
Canet, Delamotte, Mouhanna, Vidal, Phys. Rev. D 67 (2003) 065004, hep-th/0211055 (the O(d^2) fixed
functions); Trefethen, *Spectral Methods in MATLAB* (SIAM, 2000), ch. 6; Berrut and Trefethen, SIAM
Rev. 46 (2004) 501 (barycentric interpolation); Griewank and Walther, *Evaluating Derivatives*
(SIAM, 2008), ch. 3.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import symengine as se
import sympy as sp

from rgsym import __version__
from rgsym.emit.c import print_c_kernel
from rgsym.emit.code import check_identifier, exact_decimals, print_kernel
from rgsym.emit.d2_code import QuadratureFlag, render_program_files, straight_line_kernel
from rgsym.emit.kernels import Kernel, canonical_order, differentiate
from rgsym.emit.printers import CodePrinting
from rgsym.emit.views import Header, KernelView
from rgsym.errors import UnsupportedError
from rgsym.solve.fixed_functions import (
    INFINITE_CUT,
    NODES,
    FixedFunctionSystem,
    node_values,
    quadrature_nodes,
)

#: The files written.
FILES = ("functions.h", "functions.c", "functions.py")
#: The quadrature variable s (y = s^2) inside the integrand kernel (read from p[0]).
NODE = "s_node"


@dataclass(frozen=True)
class FunctionProgram:
    """The straight-line programs of a fixed-function system.

    Attributes
    ----------
    functions
        The function names (u' is "w"), in the order of the unknowns.
    inputs
        The names of a point: rho, then f, f', f'' of each function, then the scalars.
    scalars
        The scalar unknowns (eta).
    conditions
        (index of the function, value) of each condition f(rho_0) = value; rho_0 is an argument.
    integrands, local, partials
        See the module docstring.
    nodes, weights
        The Gauss-Legendre rule in s, the interval's map included in the weights.
    node_values
        Per node, the node functions' values (``parameters`` of ``integrands`` after s).
    description
        One line for the files' headers.
    """

    functions: tuple[str, ...]
    inputs: tuple[str, ...]
    scalars: tuple[str, ...]
    conditions: tuple[tuple[int, float], ...]
    integrands: Kernel
    local: Kernel
    partials: Kernel
    nodes: tuple[float, ...]
    weights: tuple[float, ...]
    node_values: tuple[tuple[float, ...], ...]
    description: str

    @property
    def integrals(self) -> int:
        """The number of integral slots (values, then the derivatives in the jet)."""
        return self.integrands.outputs[0].size


def build_function_program(system: FixedFunctionSystem, description: str,
                           nodes: int = NODES) -> FunctionProgram:
    """The three programs of ``system`` (numeric parameters substituted).

    Parameters
    ----------
    system
        The fixed-point problem; every integral runs over the same interval.
    description
        One line for the headers.
    nodes
        Gauss-Legendre nodes per integral (the solver's default).

    Returns
    -------
    FunctionProgram

    Raises
    ------
    UnsupportedError
        If the integrals run over different intervals or are not one-dimensional.
    """
    rho = system.variable
    jet = tuple(s for f in system.functions for s in (f.value, f.first, f.second)) + system.scalars
    inputs = (rho, *jet)
    for name in (str(s) for s in inputs):
        check_identifier(name)
    params = dict(system.parameters)
    equations = [sp.sympify(e).subs(params) for e in system.equations]
    found: list[sp.Integral] = []
    for e in equations:
        for i in sorted(e.atoms(sp.Integral), key=sp.default_sort_key):
            if i not in found:
                found.append(i)
    limits = {(i.limits[0][1], i.limits[0][2]) for i in found if len(i.limits[0]) == 3}
    if len(limits) != 1 or any(len(i.limits) != 1 for i in found):
        raise UnsupportedError("", "--emit", f"{system.name}: the generated code sums one-dimensional "
                               "integrals over one interval; these run over "
                               f"{sorted(map(str, limits)) or 'none'}")
    ((low, high),) = limits
    a, b = math.sqrt(float(low)), math.sqrt(INFINITE_CUT if high == sp.oo else float(high))
    x_nodes, w_nodes = quadrature_nodes(a, b, nodes)
    s_nodes, s_weights = tuple(map(float, x_nodes)), tuple(map(float, w_nodes))
    at_nodes = node_values(system.node_functions, found[0].limits[0][0], x_nodes)

    g = tuple(se.Symbol(str(v)) for v in inputs)
    g_jet = g[1:]
    node = se.Symbol(NODE)
    s = sp.Symbol(NODE, positive=True)
    bodies = [canonical_order(se.sympify(i.function.subs(i.limits[0][0], s**2) * 2 * s)) for i in found]
    bodies = [b_.xreplace({se.Symbol(NODE): node}) for b_ in bodies]
    rep, red = se.cse(bodies)
    program = differentiate(rep, red, g_jet, "dt")
    m, j_count = len(bodies), len(g_jet)
    entries = {i: e for i, e in enumerate(red)}
    entries |= {m + key: e for key, e in program.outputs["out"][1].items()}
    extra = tuple(se.Symbol(str(sym)) for sym, _ in system.node_functions)
    integrands = straight_line_kernel("integrands", program.temporaries, entries, m * (j_count + 1), g, (),
                                      (node, *extra))

    t = tuple(se.Symbol(f"T{i}") for i in range(m * (j_count + 1)))
    replace = {integral: sp.Symbol(f"T{i}") for i, integral in enumerate(found)}
    outer = [canonical_order(se.sympify(e.xreplace(replace))) for e in equations]
    tangents = {t[i]: {j: t[m + i * j_count + j] for j in range(j_count)} for i in range(m)}
    rep, red = se.cse(outer)
    local = straight_line_kernel("local", rep, {i: e for i, e in enumerate(red)}, len(outer), g, t)
    derivative = differentiate(rep, red, g_jet, "dt", tangents)
    partials = straight_line_kernel("partials", derivative.temporaries, derivative.outputs["out"][1],
                                    len(outer) * j_count, g, t)
    names = [f.name for f in system.functions]
    conditions = tuple((names.index(c.function), float(c.value)) for c in system.conditions)
    return FunctionProgram(tuple(names), tuple(str(v) for v in inputs), tuple(map(str, system.scalars)),
                           conditions, integrands, local, partials, s_nodes, s_weights,
                           tuple(tuple(float(v) for v in column) for column in at_nodes.T), description)


@dataclass(frozen=True)
class FunctionCodeView:
    """Everything the functions templates need."""

    header: Header
    description: str
    functions: tuple[str, ...]
    inputs: tuple[str, ...]
    scalars: tuple[str, ...]
    conditions: tuple[tuple[int, str], ...]
    integrals: int
    nodes: tuple[str, ...]
    node_width: int
    weights: tuple[str, ...]
    integrands: KernelView
    local: KernelView
    partials: KernelView
    helpers: tuple[str, ...]
    plain: QuadratureFlag
    with_integrals: QuadratureFlag

    @property
    def function_list(self) -> str:
        """The function names, comma-separated."""
        return ", ".join(self.functions)

    @property
    def scalar_list(self) -> str:
        """The scalar names, comma-separated."""
        return ", ".join(self.scalars)

    @property
    def jet(self) -> int:
        """The entries of a point after rho: 3 per function, then the scalars."""
        return len(self.inputs) - 1


def _view(program: FunctionProgram, header: Header, printer: CodePrinting, c: bool) -> FunctionCodeView:
    print_one = print_c_kernel if c else print_kernel
    integrands, local, partials = (print_one(k, printer) for k in
                                   (program.integrands, program.local, program.partials))
    conditions = tuple((index, exact_decimals([value])[0]) for index, value in program.conditions)
    return FunctionCodeView(header, program.description, program.functions, program.inputs, program.scalars,
                            conditions, program.integrals,
                            tuple(", ".join(exact_decimals([x, *v])) for x, v in zip(program.nodes,
                                                                                     program.node_values,
                                                                                     strict=True)),
                            1 + len(program.node_values[0]),
                            exact_decimals(program.weights), integrands, local, partials,
                            tuple(sorted(getattr(printer, "helpers", ()))), QuadratureFlag(False),
                            QuadratureFlag(True))


def render_function_files(program: FunctionProgram, source: str, digest: str,
                          formats: Sequence[str]) -> dict[str, str]:
    """File name -> text: ``functions.h`` and ``functions.c`` for "c", ``functions.py`` for "numpy".

    Parameters
    ----------
    program
        From :func:`build_function_program`.
    source, digest
        The spec's file name and digest, for the headers (no timestamps).
    formats
        A subset of ("c", "numpy").

    Returns
    -------
    dict
    """
    return render_program_files(_view, program, Header(__version__, source, digest, program.description),
                                formats, "functions", "d2_functions")
