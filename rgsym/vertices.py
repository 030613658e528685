"""Vertices: the field-space Hessian of the ansatz on a constant background.

Gamma^(2)_{ij}(q) = q^2 K_ij + d^2 U / d phi_i d phi_j, with K_ij the coefficient matrix of the
gradient terms (K = Z delta_ij in the LPA and LPA'), derived with the plane-wave vertices of
:mod:`rgsym.hessian`.  The potential part
(the mass matrix) is obtained by differentiating u(rho(phi)) twice with sympy.
Because a Hessian only depends on the 2-jet of u, u is replaced by its generic
second-order Taylor polynomial around the background invariants, with symbols
u_a for the derivatives d^a u.  The background points along the radial
component of every block; the transverse components vanish there.

Radial/Goldstone structure and the mixing of several blocks are not put in by
hand: they are whatever the differentiation returns, and the classes of alike
components (the Goldstone modes) come from the symmetry reduction of
:mod:`rgsym.hessian`, which also checks that they do not mix.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from rgsym.action import Action, Component, MultiIndex
from rgsym.hessian import derivative_symbol, potential_jet

__all__ = ["Vertices", "background_derivative", "derivative_symbol", "take_vertices"]


@dataclass(frozen=True)
class Vertices:
    """The regularised two-point function on a constant background.

    Attributes
    ----------
    action
        The ansatz the Hessian was taken of.
    mass_matrix
        d^2 u / d phi_i d phi_j over the representative components, in terms of
        the derivative symbols ``u_a`` and the background values ``sigmabar_b``.
    derivative_symbols
        Multi-index a -> the symbol standing for d^a u at the background.
    kinetic
        The momentum part of each propagator divided by Z k^2, as a function of y = q^2/k^2.
    kinetic_matrix
        The momentum part of Gamma^(2)(q, -q) over the modes in the same units: the super-Hessian
        is ``kinetic_matrix + mass_matrix`` (plus the regulator).
    """

    action: Action
    mass_matrix: sp.ImmutableMatrix
    derivative_symbols: tuple[tuple[MultiIndex, sp.Symbol], ...]
    kinetic: sp.Expr
    kinetic_matrix: sp.ImmutableMatrix | None = None

    @property
    def statistics(self) -> tuple[int, ...]:
        """The supertrace sign of each mode (+1 boson, -1 fermion), in the order of the matrix.

        Returns
        -------
        tuple of int
        """
        return tuple(c.statistics for c in self.action.components)

    def __repr__(self) -> str:
        return f"Vertices(mass_matrix={self.mass_matrix.tolist()}, kinetic={self.kinetic})"


def take_vertices(action: Action) -> Vertices:
    """Differentiate the ansatz twice and evaluate on the radial background."""
    from rgsym import symbols

    comps = action.components
    hessian = sp.ImmutableMatrix(len(comps), len(comps), lambda i, j: background_derivative(
        action, comps, (comps[i], comps[j])))
    jet_indices = [a for a in itertools.product(range(3), repeat=len(action.blocks)) if sum(a) <= 2]
    used = sorted(
        {a for a in jet_indices if any(e.has(derivative_symbol(a)) for e in hessian)},
        key=lambda a: (sum(a), a),
    )
    kinetic_matrix, kinetic = _kinetic_terms(action, symbols.y)
    return Vertices(action, hessian, tuple((a, derivative_symbol(a)) for a in used), kinetic, kinetic_matrix)


def background_derivative(action: Action, components: Sequence[Component],
                          legs: Sequence[Component]) -> sp.Expr:
    """d^n u / d phi_legs on the radial background: a vertex Gamma^(n) of the potential.

    u(rho(phi)) is replaced by its n-jet around the background invariants, with the
    symbols u_a for the derivatives d^a u, and differentiated with sympy; ``components``
    are all the real components that make up rho (the legs are among them).
    """
    from rgsym import symbols

    nb = len(action.blocks)
    n = len(legs)
    bars = {c.symbol: symbols.background_value(action.blocks[c.block].name)
            for c in components if c.radial}
    background_rho = [symbols.background_value(b.name) ** 2 / 2 for b in action.blocks]
    rho_of_fields = [sp.Integer(0)] * nb
    for c in components:
        rho_of_fields[c.block] += c.symbol**2 / 2
    u_jet = potential_jet(rho_of_fields, background_rho, n)
    on_background = {c.symbol: 0 for c in components if not c.radial} | bars
    return sp.expand(sp.diff(u_jet, *[leg.symbol for leg in legs]).subs(on_background))


def _kinetic_terms(action: Action, y: sp.Symbol) -> tuple[sp.ImmutableMatrix, sp.Expr]:
    """The momentum part of Gamma^(2)(q, -q) over the modes, in units of Z_k k^2, and its scalar form.

    Derived from the gradient terms of the action (:meth:`rgsym.action.Action.gradient_density`)
    with the plane-wave vertices of :func:`rgsym.hessian.momentum_vertex`: Gamma^(2)(q, -q) has
    q^2 K_ab, K the coefficient matrix of the gradients.  When K is the identity times one
    function (the LPA and LPA', where Z_k is field independent) every propagator has the same
    momentum part, returned as the scalar ``kinetic``.
    """
    from rgsym.hessian import Q2, Momentum, kinetic_matrix, momentum_vertex

    comps = action.components
    gradients = [sp.Symbol(f"grad_{c.symbol.name}", real=True) for c in comps]
    fields = [c.symbol for c in comps]
    k_matrix = kinetic_matrix(action.gradient_density(fields, gradients), gradients)
    q = Momentum(sp.Integer(0), sp.Integer(1))
    zero = {f: sp.Integer(0) for f in fields}
    matrix = sp.ImmutableMatrix(len(comps), len(comps), lambda i, j: momentum_vertex(
        sp.Integer(0), k_matrix, fields, [i, j], [q, -q], zero).xreplace({Q2: y}))
    diagonal = matrix[0, 0]
    if matrix != diagonal * sp.eye(len(comps)):
        from rgsym.errors import UnsupportedError

        raise UnsupportedError("", "truncation.scheme", "modes with different momentum dependence need "
                               "propagators per species, which the threshold integrals do not take yet")
    return matrix, diagonal
