"""Symbols: every sympy symbol rgsym uses is created here, with its assumptions.

Keeping symbol creation in one module guarantees that two stages talking about
``d`` or ``eta`` talk about the same object.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
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
    known = {"d": d, "N": N, "M": M, "N_f": N_f, "epsilon": epsilon, "eta": eta, "h2": coupling("h2")}
    mapping: dict[sp.Basic, sp.Basic] = {}
    for s in out.free_symbols:
        if not isinstance(s, sp.Symbol):
            continue
        if s.name == "kappa" or s.name.startswith("lambda_"):
            mapping[s] = coupling(s.name)
        elif s.name in known:
            mapping[s] = known[s.name]
    return out.xreplace(mapping)



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
