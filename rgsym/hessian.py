"""Hessian: second field derivatives on a constant background, and the symmetry reduction.

The super-Hessian Gamma^(2) is a matrix over the real field components.  On a background that
leaves a residual symmetry, many components are alike: the N - 1 Goldstone directions of an
O(N) multiplet on a radial background, the N - 2 components outside the plane of a background
(s, t, 0, ..., 0) of the cubic model.  Such a class is represented by one mode with a
multiplicity, which keeps N symbolic.  Which components form a class is not assumed: the
Hessian is computed with two explicit probes of the class (two generic components that
vanish on the background), and the class is accepted only if the algebra shows what makes
it one: both probes have the same diagonal entry, and neither mixes with the other or with
any other component.  Because the probes are generic components, this holds for all members
of the class, whatever its size.

Every statistics sign here is +1 (real scalars); a fermion mode carries -1 in the supertrace
(:data:`rgsym.loop.FERMION`).

This module is a leaf of the derivation: it knows sympy, not the spec or the action.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from rgsym.errors import UnsupportedError

MultiIndex = tuple[int, ...]


def derivative_symbol(a: MultiIndex) -> sp.Symbol:
    """The symbol u_a = d^a u(rho) / prod d rho_b^a_b at the background.

    Parameters
    ----------
    a
        The multi-index of the derivative.

    Returns
    -------
    sympy.Symbol
    """
    return sp.Symbol("u_" + "_".join(map(str, a)), real=True)


def potential_jet(rho_of_fields: Sequence[sp.Expr], background_rho: Sequence[sp.Expr], order: int
                  ) -> sp.Expr:
    """The order-n Taylor jet of u(rho_1, ..., rho_B) around the background invariants.

    Parameters
    ----------
    rho_of_fields
        Each invariant as a function of the field components.
    background_rho
        Its value on the background.
    order
        The degree of the jet (2 for a Hessian, n for a vertex with n legs).

    Returns
    -------
    sympy.Expr
        sum_a u_a prod_b (rho_b - rho_b^0)^(a_b) / a_b!, with the symbols of :func:`derivative_symbol`.
    """
    nb = len(rho_of_fields)
    indices = [a for a in itertools.product(range(order + 1), repeat=nb) if sum(a) <= order]
    return sp.Add(*[
        derivative_symbol(a) * sp.Mul(*[
            (rho_of_fields[b] - background_rho[b]) ** a[b] / sp.factorial(a[b]) for b in range(nb)])
        for a in indices
    ])


@dataclass(frozen=True)
class ModeClass:
    """A class of alike components, given by two generic probes.

    Attributes
    ----------
    probe, second
        Two components of the class (both vanish on the background).
    multiplicity
        How many components the class has (a number or an expression in N).
    """

    probe: sp.Symbol
    second: sp.Symbol
    multiplicity: sp.Expr


@dataclass(frozen=True)
class ReducedHessian:
    """The Hessian over representative modes, after the symmetry reduction.

    Attributes
    ----------
    modes
        The representative of each mode: the explicit components, then one probe per class.
    multiplicities
        Components per mode.
    matrix
        d^2 u / d mode_i d mode_j on the background.
    """

    modes: tuple[sp.Symbol, ...]
    multiplicities: tuple[sp.Expr, ...]
    matrix: sp.ImmutableMatrix


def reduce_by_symmetry(potential: sp.Expr, explicit: Sequence[sp.Symbol], classes: Sequence[ModeClass],
                       background: Mapping[sp.Symbol, sp.Expr], where: str = "theory.fields"
                       ) -> ReducedHessian:
    """Differentiate ``potential`` twice on the background and collapse each class to one mode.

    Parameters
    ----------
    potential
        u as a function of the explicit components and of both probes of every class.
    explicit
        Components kept one by one (e.g. the radial direction of each block).
    classes
        Classes of alike components, each with two probes.
    background
        Values of the explicit components on the background (probes are zero there).
    where
        The spec key an error names.

    Returns
    -------
    ReducedHessian

    Raises
    ------
    UnsupportedError
        If a class is not one: its probes differ or mix with something.
    """
    probes = [c.probe for c in classes]
    seconds = [c.second for c in classes]
    fields = [*explicit, *probes, *seconds]
    on_background = dict(background) | {p: sp.Integer(0) for p in [*probes, *seconds]}
    first = [sp.diff(potential, f) for f in fields]

    def entry(i: int, j: int) -> sp.Expr:
        return sp.expand(sp.diff(first[i], fields[j]).xreplace(on_background))

    n_kept = len(explicit) + len(probes)
    for c, cls in enumerate(classes):
        p, s = len(explicit) + c, len(explicit) + len(probes) + c
        if sp.expand(entry(p, p) - entry(s, s)) != 0:
            raise UnsupportedError("", where, f"the components represented by {cls.probe} are not alike "
                                   "on the background (their masses differ)")
        for j in range(len(fields)):
            if j not in (p, s) and (entry(p, j) != 0 or entry(s, j) != 0):
                raise UnsupportedError("", where, f"the components represented by {cls.probe} mix with "
                                       f"{fields[j]} on the background")
        if entry(p, s) != 0:
            raise UnsupportedError("", where, f"the components represented by {cls.probe} mix among "
                                   "themselves on the background")
    matrix = sp.ImmutableMatrix(n_kept, n_kept, lambda i, j: entry(i, j))
    multiplicities = (*(sp.Integer(1) for _ in explicit), *(c.multiplicity for c in classes))
    return ReducedHessian((*explicit, *probes), multiplicities, matrix)
