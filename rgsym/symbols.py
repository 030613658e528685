"""Symbols: every sympy symbol rgsym uses is created here, with its assumptions.

Keeping symbol creation in one module guarantees that two stages talking about
``d`` or ``eta`` talk about the same object.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import sympy as sp

#: Space-time dimension when it is left symbolic.
d = sp.Symbol("d", positive=True)
#: Number of components of an O(N) multiplet when it is left symbolic.
N = sp.Symbol("N", positive=True, integer=True)
#: Number of components of a second multiplet (O(N) + O(M)) when it is left symbolic.
M = sp.Symbol("M", positive=True, integer=True)
#: Number of fermion flavours of a Yukawa theory when it is left symbolic.
N_f = sp.Symbol("N_f", positive=True)
#: Small parameter of the epsilon expansion, d = 4 - epsilon.
epsilon = sp.Symbol("epsilon")
#: Anomalous dimension eta = -d ln Z_k / dt.
eta = sp.Symbol("eta", real=True)
#: Dimensionless squared loop momentum y = q^2 / k^2.
y = sp.Symbol("y", nonnegative=True)
#: RG time t = ln(k / Lambda).
t = sp.Symbol("t", real=True)
#: Regulator amplitude alpha (for regulators that have one).
alpha = sp.Symbol("alpha", positive=True)


def angular_factor(dim: sp.Expr) -> sp.Expr:
    """Return v_d = 1 / (2^(d+1) pi^(d/2) Gamma(d/2)).

    References
    ----------
    Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002), hep-ph/0005122, eq. (2.14).
    """
    return 1 / (2 ** (dim + 1) * sp.pi ** (dim / 2) * sp.gamma(dim / 2))


@cache
def invariant(block: str) -> sp.Symbol:
    """Dimensionless invariant rho_b = phi_b . phi_b / 2 of a field block.

    Parameters
    ----------
    block
        The field block's name, e.g. ``"phi"``.

    Returns
    -------
    sympy.Symbol
        ``rho_<block>``, non-negative.

    References
    ----------
    Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122, sec. 2.3 (rho = phi^a phi_a / 2).
    """
    return sp.Symbol(f"rho_{block}", nonnegative=True)


@cache
def radial_component(block: str) -> sp.Symbol:
    """Background (radial) component of a field block."""
    return sp.Symbol(f"sigma_{block}", real=True)


@cache
def background_value(block: str) -> sp.Symbol:
    """Value of the radial component on the constant background."""
    return sp.Symbol(f"sigmabar_{block}", real=True)


@cache
def goldstone_component(block: str) -> sp.Symbol:
    """A representative transverse (Goldstone) component of a field block."""
    return sp.Symbol(f"pi_{block}", real=True)


@cache
def coupling(name: str) -> sp.Symbol:
    """The symbol of a running coupling, e.g. ``kappa`` or ``lambda_2``.

    Parameters
    ----------
    name
        ``kappa`` (the running minimum) or ``lambda_<n>`` / ``lambda_<a>_<b>`` (derivatives of u).

    Returns
    -------
    sympy.Symbol
        A real symbol; the same object for the same name.

    References
    ----------
    Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006, sec. 3 (couplings of the expansion around
    the minimum).
    """
    return sp.Symbol(name, real=True)


@cache
def small(name: str) -> sp.Symbol:
    """An expansion variable (field fluctuation or invariant shift)."""
    return sp.Symbol(f"x_{name}", real=True)


def to_sympy(e: Any) -> sp.Expr:
    """symengine -> sympy, mapping names back to rgsym's symbols (couplings are real).

    Parameters
    ----------
    e
        A symengine (or sympy) expression.

    Returns
    -------
    sympy.Expr
        The expression in sympy, with ``d``, ``N``, ``epsilon``, ``eta`` and the couplings replaced
        by the symbols of this module (so that their assumptions hold).
    """
    out = sp.sympify(e)
    mapping: dict[sp.Basic, sp.Basic] = {}
    for s in out.free_symbols:
        if isinstance(s, sp.Symbol) and (mapped := _named_symbol(s.name)) is not None:
            mapping[s] = mapped
    return out.xreplace(mapping)


def _named_symbol(name: str) -> sp.Symbol | None:
    """rgsym's symbol of that name (couplings, d, N, ...), or None for any other name."""
    if name == "kappa" or name.startswith("lambda_") or name == "h2":
        return coupling(name)
    known = {"d": d, "N": N, "M": M, "N_f": N_f, "epsilon": epsilon, "eta": eta}
    return known.get(name)


def to_sympy_shared(exprs: Iterable[Any]) -> list[sp.Expr]:
    """:func:`to_sympy` of each expression, converting every distinct subexpression once.

    The betas repeat the same sums and powers in thousands of terms; ``sympy.sympify``
    converts every occurrence again.  Here each symengine node is converted once (a memo shared
    by all of ``exprs``), by the same constructors ``sympify`` calls (``Add(*args)``,
    ``Mul(*args)``, ``base**exp``) with rgsym's symbols put in as the leaves are met, so the
    results are the same expressions (tests/test_performance_paths.py compares).

    Parameters
    ----------
    exprs
        symengine expressions.

    Returns
    -------
    list of sympy.Expr
    """
    import symengine as se

    memo: dict[Any, sp.Basic] = {}
    add, mul, power, integer, symbol = se.Add, se.Mul, se.Pow, se.Integer, se.Symbol

    def convert(node: Any) -> sp.Basic:
        kind = type(node)
        if kind is integer:  # not kept: symengine hashes large integers alike (see write_postfix)
            return sp.Integer(int(node))
        found = memo.get(node)
        if found is not None:
            return found
        if kind is add:
            value = sp.Add(*[convert(a) for a in node.args])
        elif kind is mul:
            value = sp.Mul(*[convert(a) for a in node.args])
        elif kind is power:
            base, exponent = node.args
            value = convert(base) ** convert(exponent)
        elif kind is symbol:
            named = _named_symbol(node.name)
            value = sp.Symbol(node.name) if named is None else named
        else:  # numbers, constants, functions
            value = to_sympy(node)
        memo[node] = value
        return value

    return [convert(e) for e in exprs]



@contextmanager
def no_quantities() -> Iterator[None]:
    """sympy without :mod:`sympy.physics.units` while the block runs, where it is not imported.

    sympy's ``simplify`` (also inside ``solve``) imports the units package on every call, to
    look for physical quantities (``from sympy.physics.units import Quantity``): the first call
    took 0.15 s idle, up to 0.4 s on a busy machine, a third of ``import sympy`` and a fifth of
    ``rgsym derive`` at order 8.  rgsym's expressions hold no quantities.  In the block a
    stand-in module answers that import, with a ``Quantity`` class that no expression contains,
    so sympy computes what it computes with the real package; the stand-in is removed after
    the block, and a real import later gets the real package.

    Yields
    ------
    None
    """
    name = "sympy.physics.units"
    if name in sys.modules:
        yield
        return
    stand_in = types.ModuleType(name, "stand-in of rgsym.symbols.no_quantities: no quantities")
    stand_in.Quantity = type("Quantity", (), {})  # type: ignore[attr-defined]
    sys.modules[name] = stand_in
    try:
        yield
    finally:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]


def simplify(expr: Any) -> sp.Expr:
    """``sympy.simplify(expr)`` under :func:`no_quantities`.

    Parameters
    ----------
    expr
        What ``sympy.simplify`` takes.

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> simplify((x**2 - 1) / (x - 1))
    x + 1
    """
    with no_quantities():
        return sp.simplify(expr)
