"""Kernels: CSE'd programs whose sympy form is exactly what sympify would give."""

from __future__ import annotations

import symengine as se
import sympy as sp

from rgsym.betasystem import BetaSystem
from rgsym.emit.kernels import _Converter, build_kernels, differentiate


def test_fast_conversion_equals_sympify(symbolic: BetaSystem) -> None:
    g = [se.Symbol(c.name) for c in symbolic.couplings]
    replacements, reduced = se.cse(list(symbolic.fast_betas))
    program = differentiate(replacements, reduced, g)
    convert = _Converter()
    exprs = [f for _, f in program.temporaries] + list(program.outputs["out"][1].values()) + reduced
    for e in exprs:
        ours, reference = convert(e), sp.sympify(e)
        assert ours == reference and ours.args == reference.args  # same canonical argument order


def test_programs_are_closed_and_ordered(order4: BetaSystem) -> None:
    """Every symbol is an input or an earlier temporary; unused temporaries are dropped."""
    for kernel in build_kernels(order4):
        known = set(kernel.couplings) | set(kernel.parameters)
        for x, e in kernel.temporaries:
            assert e.free_symbols <= known, x
            known.add(x)
        used = set().union(*(e.free_symbols for _, e in kernel.outputs[0].entries))
        for x, e in reversed(kernel.temporaries):
            assert x in used, f"{x} is dead"
            used |= e.free_symbols
    rhs, jacobian = build_kernels(order4)
    assert [i for i, _ in rhs.outputs[0].entries] == list(range(len(order4.couplings)))
    assert rhs.outputs[0].size == 5 and jacobian.outputs[0].size == 25
