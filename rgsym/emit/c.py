"""C: ``betas.h`` and ``betas.c`` with the betas, their Jacobian and batched variants.

The code is C99 and compiles cleanly under ``-std=c99 -Wall -Wextra -Werror``;
:mod:`rgsym.emit.compiler` builds it into a shared library that the solvers load.

A large kernel is split into functions of :data:`PART_SIZE` temporaries, run one
after the other; temporaries one part computes and a later part reads pass
through a work array.  gcc's register allocation grows much faster than the
number of values live in one function: the order-16 Jacobian as one function
takes minutes at ``-O1``, in parts a few seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from rgsym.betasystem import BetaSystem
from rgsym.emit.code import code_view, print_kernel, print_stores, render_code
from rgsym.emit.kernels import Kernel, Kernels, Output, build_kernels
from rgsym.emit.printers import CodePrinting, RGC99CodePrinter
from rgsym.emit.views import Assignment, Input, KernelView, PartView

#: The files this writer produces.
FILES = ("betas.h", "betas.c")
#: Temporaries per C function (see the module docstring).
PART_SIZE = 250


def render_c(system: BetaSystem, kernels: Kernels | None = None) -> dict[str, str]:
    """File name -> text of the C header and source for ``system``."""
    printer = RGC99CodePrinter()
    view = code_view(system, kernels or build_kernels(system), printer, print_c_kernel)
    return {name: render_code(f"c/{name}.j2", view) for name in FILES}


def print_c_kernel(kernel: Kernel, printer: CodePrinting, part_size: int = PART_SIZE) -> KernelView:
    """One kernel as one C function, or split into parts when it has more than ``part_size``
    temporaries (``printer`` must be an :class:`RGC99CodePrinter`)."""
    if len(kernel.temporaries) <= part_size:
        return print_kernel(kernel, printer)
    assert isinstance(printer, RGC99CodePrinter)
    chunks = [kernel.temporaries[i:i + part_size] for i in range(0, len(kernel.temporaries), part_size)]
    (output,) = kernel.outputs
    printer.work = work_slots(chunks, output.entries)
    try:
        parts = tuple(_print_part(kernel, c, chunk, output.entries if c == len(chunks) - 1 else (), printer)
                      for c, chunk in enumerate(chunks))
    finally:
        work, printer.work = printer.work, {}
    return KernelView(kernel.name, (), (), (), (), output.size, len(output.entries) == output.size,
                      parts, len(work))


def work_slots(chunks: Sequence[Sequence[tuple[sp.Symbol, sp.Expr]]],
               stores: Sequence[tuple[int, sp.Expr]]) -> dict[str, int]:
    """Name -> slot of the temporaries read outside the part that computes them.

    The stores belong to the last part.
    """
    owner = {x: c for c, chunk in enumerate(chunks) for x, _ in chunk}
    uses = [(c, e) for c, chunk in enumerate(chunks) for _, e in chunk]
    uses += [(len(chunks) - 1, e) for _, e in stores]
    crossing = {s for c, e in uses for s in e.free_symbols if owner.get(s, c) != c}
    ordered = [x for chunk in chunks for x, _ in chunk if x in crossing]
    return {x.name: slot for slot, x in enumerate(ordered)}


def _print_part(kernel: Kernel, index: int, chunk: Sequence[tuple[sp.Symbol, sp.Expr]],
                stores: Sequence[tuple[int, sp.Expr]], printer: RGC99CodePrinter) -> PartView:
    exprs = [e for _, e in chunk] + [e for _, e in stores]
    used = {s for e in exprs for s in e.free_symbols}
    defined = [x for x, _ in chunk]
    output = Output(kernel.outputs[0].name, kernel.outputs[0].size, tuple(stores))
    return PartView(
        index=index,
        couplings=tuple(Input(printer.expression(s), i) for i, s in enumerate(kernel.couplings) if s in used),
        parameters=tuple(Input(printer.expression(s), i) for i, s in enumerate(kernel.parameters)
                         if s in used),
        temporaries=tuple(Assignment(printer.expression(x), printer.expression(e), x.name not in printer.work)
                          for x, e in chunk),
        stores=print_stores(output, len(kernel.couplings), printer),
        reads_work=any(s.name in printer.work for s in (*used, *defined) if isinstance(s, sp.Symbol)),
        thresholds=tuple(Input(printer.expression(s), i) for i, s in enumerate(kernel.thresholds)
                         if s in used),
    )
