"""Code: kernels printed into views for the C and NumPy templates.

The generated C and NumPy files share their structure: metadata, then one
function per kernel (the betas, the Jacobian) that reads its inputs, computes
its temporaries and stores its outputs.  This module runs a printer over the
kernels; the templates ``templates/c/*`` and ``templates/numpy/*`` lay out the
result.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Sequence

import sympy as sp

from rgsym.betasystem import BetaSystem
from rgsym.emit.kernels import Kernel, Kernels, Output, Thresholds, _prefix
from rgsym.emit.printers import CodePrinting
from rgsym.emit.templating import render
from rgsym.emit.views import Assignment, CodeView, Header, Input, KernelView, QuadratureView, Store

KernelPrinter = Callable[[Kernel, CodePrinting], KernelView]


def code_view(system: BetaSystem, kernels: Kernels, printer: CodePrinting,
              print_one: KernelPrinter | None = None) -> CodeView:
    """Print both kernels of ``system`` with ``printer`` (which collects the helpers they call).

    ``print_one`` prints one kernel (default :func:`print_kernel`; C splits large ones).
    """
    names = tuple(c.name for c in system.couplings)
    params = tuple(p.name for p in system.parameters)
    for name in names + params:
        check_identifier(name)
    print_one = print_one or print_kernel
    rhs = print_one(kernels.rhs, printer)
    jacobian = print_one(kernels.jacobian, printer)
    quadrature = None
    if kernels.thresholds is not None:
        quadrature = quadrature_view(kernels.thresholds, kernels.rhs, printer)
    return CodeView(Header.of(system), system.name, names, params, rhs, jacobian,
                    tuple(sorted(getattr(printer, "helpers", ()))),
                    kernels.rhs.operation_count() + kernels.jacobian.operation_count(), quadrature)


def quadrature_view(thresholds: Thresholds, kernel: Kernel, printer: CodePrinting) -> QuadratureView:
    """The masses, the propagators at a node and each T_c as a product of them, printed.

    The nodes and weights are the :class:`~rgsym.threshold.Quadrature`'s, written with 17
    significant digits: each literal reads back as exactly the same double.  A threshold of
    family f > 0 (:class:`~rgsym.emit.kernels.Thresholds`) reads the weights ``more_weights[f - 1]``.
    """
    taken = [s.name for s in (*kernel.couplings, *kernel.parameters, *thresholds.symbols)]
    mass_prefix, inverse_prefix = _prefix("mass", taken), _prefix("a", taken)
    masses = [sp.Symbol(f"{mass_prefix}{k}") for k in range(len(thresholds.masses))]
    inverses = [sp.Symbol(f"{inverse_prefix}{k}") for k in range(len(thresholds.masses))]
    used = {s for m in thresholds.masses for s in m.free_symbols}
    # a_k^c by one multiplication each, from the last power: pow(a, c) costs more than the rest
    powers = {(k, 1): a for k, a in enumerate(inverses)}
    steps = []
    for k, a in enumerate(inverses):
        for c in range(2, max(counts[k] for counts in thresholds.counts) + 1):
            powers[k, c] = sp.Symbol(f"{a.name}_{c}")
            steps.append(Assignment(printer.expression(powers[k, c]),
                                    printer.expression(sp.Mul(powers[k, c - 1], a, evaluate=False))))
    products = [sp.Mul(*[powers[k, c] for k, c in enumerate(counts) if c]) for counts in thresholds.counts]
    stores = tuple(Store(i, f, 0, printer.expression(e))
                   for i, (f, e) in enumerate(zip(thresholds.families, products, strict=True)))
    nodes, (weights, *more) = thresholds.table()
    return QuadratureView(
        couplings=tuple(Input(printer.expression(s), i) for i, s in enumerate(kernel.couplings) if s in used),
        parameters=tuple(Input(printer.expression(s), i) for i, s in enumerate(kernel.parameters)
                         if s in used),
        masses=tuple(Assignment(printer.expression(x), printer.expression(m))
                     for x, m in zip(masses, thresholds.masses, strict=True)),
        propagators=tuple((printer.expression(a), printer.expression(m))
                          for a, m in zip(inverses, masses, strict=True)),
        powers=tuple(steps),
        thresholds=stores,
        names=tuple(s.name for s in thresholds.symbols),
        nodes=exact_decimals(nodes),
        weights=exact_decimals(weights),
        more_weights=tuple(exact_decimals(w) for w in more),
    )


def exact_decimals(values: Sequence[float]) -> tuple[str, ...]:
    """Doubles as ``%.17g`` text, which reads back as the same double in C and Python.

    Examples
    --------
    >>> exact_decimals([0.1, 3.0])
    ('0.10000000000000001', '3')
    """
    return tuple(format(v, ".17g") for v in values)


def print_kernel(kernel: Kernel, printer: CodePrinting) -> KernelView:
    """The text of one kernel: inputs it reads, temporaries, and non-zero stores.

    A sum the printer cuts into parts (:meth:`~rgsym.emit.printers.CodePrinting.sum_parts`: the
    NumPy printer, beyond 200 terms) is a running sum over several assignments; a store's, in a
    temporary of its own, assigned last.
    """
    (output,) = kernel.outputs
    temporaries = [a for x, e in kernel.temporaries for a in running_sum(printer.expression(x), e, printer)]
    taken = [s.name for s in (*kernel.couplings, *kernel.parameters, *kernel.thresholds)]
    prefix = _prefix("s", taken + [x.name for x, _ in kernel.temporaries])
    width = len(kernel.couplings)
    stores = []
    for i, e in output.entries:
        row, column = (i, 0) if output.size == width else divmod(i, width)  # as print_stores
        parts = running_sum(f"{prefix}{i}", e, printer)
        if len(parts) > 1:
            temporaries += parts
        stores.append(Store(i, row, column, parts[0].name if len(parts) > 1 else parts[0].code))
    return KernelView(
        name=kernel.name,
        couplings=tuple(Input(printer.expression(s), i) for i, s in kernel.used_couplings()),
        parameters=tuple(Input(printer.expression(s), i) for i, s in kernel.used_parameters()),
        temporaries=tuple(temporaries),
        stores=tuple(stores),
        size=output.size,
        dense=len(stores) == output.size,
        thresholds=tuple(Input(printer.expression(s), i) for i, s in kernel.used_thresholds()),
    )


def running_sum(name: str, expr: sp.Expr, printer: CodePrinting) -> list[Assignment]:
    """``name = expr`` as one assignment, or, for a sum the printer cuts into parts, as
    ``name = first`` and ``name = name + ...`` for each further part: the same value, bit for
    bit, since the terms are added in the same order."""
    first, *rest = printer.sum_parts(expr)
    return [Assignment(name, first), *(Assignment(name, f"{name} {part}") for part in rest)]


def print_stores(output: Output, width: int, printer: CodePrinting) -> tuple[Store, ...]:
    """The non-zero entries of an output, with row and column for a matrix (n*n slots)."""
    if output.size == width:  # a vector: the row is the index itself
        return tuple(Store(i, i, 0, printer.expression(e)) for i, e in output.entries)
    return tuple(Store(i, *divmod(i, width), printer.expression(e)) for i, e in output.entries)


class InvalidNameError(ValueError):
    """A coupling or parameter name cannot be a variable in generated code."""


#: Names the generated functions use themselves (arguments, loop variables).
RESERVED = frozenset({"g", "p", "out", "k", "count", "point", "result", "params", "numpy", "math",
                      "T", "w", "n", "i", "weight", "pole"})


def check_identifier(name: str) -> None:
    """Raise unless ``name`` can be a local variable in both C and Python."""
    if (not name.isidentifier() or not name.isascii() or keyword.iskeyword(name) or name.startswith("_")
            or name in RESERVED):
        raise InvalidNameError(f"{name!r} cannot name a variable in generated code")


def render_code(template: str, view: CodeView) -> str:
    """Lay out one C or NumPy file."""
    return render(template, code=view)
