"""Code: kernels printed into views for the C and NumPy templates.

The generated C and NumPy files share their structure: metadata, then one
function per kernel (the betas, the Jacobian) that reads its inputs, computes
its temporaries and stores its outputs.  This module runs a printer over the
kernels; the templates ``templates/c/*`` and ``templates/numpy/*`` lay out the
result.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable

from rgsym.betasystem import BetaSystem
from rgsym.emit.kernels import Kernel, Kernels, Output
from rgsym.emit.printers import CodePrinting
from rgsym.emit.templating import render
from rgsym.emit.views import Assignment, CodeView, Header, Input, KernelView, Store

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
    return CodeView(Header.of(system), system.name, names, params, rhs, jacobian,
                    tuple(sorted(getattr(printer, "helpers", ()))),
                    kernels.rhs.operation_count() + kernels.jacobian.operation_count())


def print_kernel(kernel: Kernel, printer: CodePrinting) -> KernelView:
    """The text of one kernel: inputs it reads, temporaries, and non-zero stores."""
    (output,) = kernel.outputs
    stores = print_stores(output, len(kernel.couplings), printer)
    return KernelView(
        name=kernel.name,
        couplings=tuple(Input(printer.expression(s), i) for i, s in kernel.used_couplings()),
        parameters=tuple(Input(printer.expression(s), i) for i, s in kernel.used_parameters()),
        temporaries=tuple(Assignment(printer.expression(x), printer.expression(e))
                          for x, e in kernel.temporaries),
        stores=stores,
        size=output.size,
        dense=len(stores) == output.size,
    )


def print_stores(output: Output, width: int, printer: CodePrinting) -> tuple[Store, ...]:
    """The non-zero entries of an output, with row and column for a matrix (n*n slots)."""
    if output.size == width:  # a vector: the row is the index itself
        return tuple(Store(i, i, 0, printer.expression(e)) for i, e in output.entries)
    return tuple(Store(i, *divmod(i, width), printer.expression(e)) for i, e in output.entries)


class InvalidNameError(ValueError):
    """A coupling or parameter name cannot be a variable in generated code."""


#: Names the generated functions use themselves (arguments, loop variables).
RESERVED = frozenset({"g", "p", "out", "k", "count", "point", "result", "params", "numpy", "math"})


def check_identifier(name: str) -> None:
    """Raise unless ``name`` can be a local variable in both C and Python."""
    if (not name.isidentifier() or not name.isascii() or keyword.iskeyword(name) or name.startswith("_")
            or name in RESERVED):
        raise InvalidNameError(f"{name!r} cannot name a variable in generated code")


def render_code(template: str, view: CodeView) -> str:
    """Lay out one C or NumPy file."""
    return render(template, code=view)
