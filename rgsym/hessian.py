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


#: p^2, p.q and q^2: the invariants of the external momentum p and the loop momentum q.
P2 = sp.Symbol("p2", nonnegative=True)
PQ = sp.Symbol("pq", real=True)
Q2 = sp.Symbol("q2", nonnegative=True)


@dataclass(frozen=True)
class Momentum:
    """A momentum a p + b q, a combination of the external momentum p and the loop momentum q.

    Attributes
    ----------
    p, q
        The coefficients a and b.
    """

    p: sp.Expr
    q: sp.Expr

    def __neg__(self) -> Momentum:
        return Momentum(-self.p, -self.q)

    def __add__(self, other: Momentum) -> Momentum:
        return Momentum(self.p + other.p, self.q + other.q)

    def dot(self, other: Momentum) -> sp.Expr:
        """The scalar product, in the invariants :data:`P2`, :data:`PQ`, :data:`Q2`.

        Parameters
        ----------
        other
            Another momentum.

        Returns
        -------
        sympy.Expr
        """
        return sp.expand(self.p * other.p * P2 + (self.p * other.q + self.q * other.p) * PQ
                         + self.q * other.q * Q2)


def kinetic_matrix(density: sp.Expr, gradients: Sequence[sp.Symbol]) -> sp.Matrix:
    """K_ab(phi) = d^2 L / d(d phi_a) d(d phi_b) of a Lagrangian quadratic in the gradients.

    A gradient d_mu phi_a is represented by one symbol per component (the Hessian and the
    vertices only need the coefficient matrix of the quadratic form), e.g. for
    L = Z(rho) (d phi)^2 / 2 + Y(rho) (phi . d phi)^2 / 4 this gives Z delta_ab + Y phi_a phi_b / 2.

    Parameters
    ----------
    density
        The gradient part of the Lagrangian, a function of the fields and the gradient symbols.
    gradients
        The gradient symbol of each component.

    Returns
    -------
    sympy.Matrix

    Raises
    ------
    UnsupportedError
        If the density is not a quadratic form in the gradients.
    """
    zero = {g: 0 for g in gradients}
    scale = sp.Symbol("gradient_scale")
    scaled = sp.expand(density.xreplace({g: scale * g for g in gradients}))
    if sp.expand(scaled - scale**2 * density) != 0 or density.xreplace(zero) != 0:
        raise UnsupportedError("", "truncation.scheme",
                               "the gradient terms must be quadratic in the gradients")
    n = len(gradients)
    return sp.Matrix(n, n, lambda a, b: sp.expand(sp.diff(density, gradients[a], gradients[b])))


def momentum_vertex(potential: sp.Expr, kinetic: sp.Matrix, fields: Sequence[sp.Symbol],
                    legs: Sequence[int], momenta: Sequence[Momentum],
                    background: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """Gamma^(n)_{a_1 ... a_n}(p_1, ..., p_n) on a constant background, momenta summing to zero.

    Derived from L = U(phi) + K_ab(phi) d phi_a . d phi_b / 2 by putting in plane waves
    phi = phibar + sum_j e_j e_(a_j) exp(i p_j x): the coefficient of e_1 ... e_n is

        d_(a_1 ... a_n) U - sum_(i<j) p_i . p_j  d_(rest) K_(a_i a_j),

    where "rest" are the legs other than i and j.

    Parameters
    ----------
    potential
        U as a function of ``fields``.
    kinetic
        K_ab as functions of ``fields`` (:func:`kinetic_matrix`).
    fields
        The field components.
    legs
        The component index of each leg.
    momenta
        The incoming momentum of each leg.
    background
        Field values on the background.

    Returns
    -------
    sympy.Expr
        In the momentum invariants :data:`P2`, :data:`PQ`, :data:`Q2`.

    Raises
    ------
    ValueError
        If the momenta do not sum to zero.
    """
    total = Momentum(sp.Integer(0), sp.Integer(0))
    for k in momenta:
        total = total + k
    if sp.simplify(total.p) != 0 or sp.simplify(total.q) != 0:
        raise ValueError("the momenta of a vertex must sum to zero")
    value = sp.diff(potential, *[fields[a] for a in legs])
    for i, j in itertools.combinations(range(len(legs)), 2):
        rest = [fields[legs[k]] for k in range(len(legs)) if k not in (i, j)]
        entry = kinetic[legs[i], legs[j]]
        value -= momenta[i].dot(momenta[j]) * (sp.diff(entry, *rest) if rest else entry)
    return sp.expand(value.xreplace(dict(background)))
