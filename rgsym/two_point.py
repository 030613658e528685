"""Two-point: the p^2 projection of the flow of Gamma^(2)(p) with momentum-dependent vertices.

The derivative expansion reads the flow of Z(rho) (and Y(rho)) off the p^2 coefficient of the
two-point function on a constant background.  Differentiating the Wetterich equation twice,

    d_t Gamma^(2)_aa(p) = (1/2) sum_i m_i  int_q d~_t[ G_i(q) ] Gamma^(4)_{a a i i}(p, -p, q, -q)
                        - (1/2) sum_(i,j) w_ij int_q d~_t[ G_j(q) G_i(q + p) ]
                              Gamma^(3)_{a j i}(p, q, -p-q) Gamma^(3)_{a i j}(-p, p+q, -q),

with G_i(q) = 1 / (K_ii q^2 + R_k(q^2) + M_ii) the propagator of mode i (diagonal on the
background), m_i its multiplicity, w_ij the number of ordered component pairs a pair of
representatives stands for (:func:`rgsym.loop.pair_weight`), and d~_t acting on R_k only.  The
vertices are those of the action's potential and gradient terms
(:func:`rgsym.hessian.momentum_vertex`), so Z'(rho), Z''(rho), Y(rho) enter through them and
through K.

This module only supplies the vertices: each tadpole and ring is a term of the one loop engine,
a loop key (the propagators at q and at q + p, projected order p^2) with its weight and its
vertices as numerator, and :func:`rgsym.loop.p2_projection` does the Taylor expansion of the
shifted propagator, the angular average and d~_t.  The result is the integrand F(q^2) of
d/dp^2 d_t Gamma^(2)_aa = int d^dq/(2 pi)^d F in terms of R_k(q^2), d_t R_k(q^2) and their
q^2-derivatives, kept as the undefined functions :data:`rgsym.loop.R` and :data:`rgsym.loop.RDOT`
so that any regulator can be put in afterwards (for a smooth regulator the y-integral is then a
plain quadrature; the Litim regulator needs the distributional rules of :mod:`rgsym.integrate`).
With momentum-independent vertices it reduces to the ring of :func:`rgsym.loop.momentum_ring`
(a test checks that both give eta of LPA').

References
----------
Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122, sec. 4 (the flow of
Gamma^(2)); Canet, Delamotte, Mouhanna, Vidal, Phys. Rev. D 67 (2003) 065004, hep-th/0211055
(the O(d^2) projection); Delamotte, cond-mat/0702365, sec. 5.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from rgsym.errors import UnsupportedError
from rgsym.hessian import Momentum, momentum_vertex
from rgsym.loop import LoopKey, p2_projection, pair_weight, species_counts


@dataclass(frozen=True)
class TwoPointFlow:
    """d/dp^2 d_t Gamma^(2)_aa(p) at p = 0, as loop keys and as an integrand over the loop momentum.

    Attributes
    ----------
    external
        The component of the external legs.
    integrand
        F(q^2) with d/dp^2 d_t Gamma^(2)_aa = int d^dq/(2 pi)^d F, in terms of ``R(q2)``,
        ``Rdot(q2)`` and their derivatives, the background values and the dimension d.
    terms
        (loop key, weight, vertices) of each tadpole and ring, as summed by
        :func:`rgsym.loop.p2_projection`.
    """

    external: sp.Symbol
    integrand: sp.Expr
    terms: tuple[tuple[LoopKey, sp.Expr, sp.Expr], ...] = ()

    def __repr__(self) -> str:
        return (f"TwoPointFlow(external={self.external}, {len(self.terms)} keys, "
                f"{sp.count_ops(self.integrand)} operations)")


def p2_flow(potential: sp.Expr, kinetic: sp.Matrix, fields: Sequence[sp.Symbol],
            multiplicities: Sequence[sp.Expr], external: int, background: Mapping[sp.Symbol, sp.Expr],
            d: sp.Expr) -> TwoPointFlow:
    """The integrand of d/dp^2 d_t Gamma^(2)_aa(p) at p = 0 (see the module docstring).

    Parameters
    ----------
    potential
        U as a function of the field components.
    kinetic
        The gradient coefficient matrix K_ab(phi) (:func:`rgsym.hessian.kinetic_matrix`).
    fields
        Representative components; a component standing for several (``multiplicities``) must be
        distinct from the external one and decoupled from the others on the background.
    multiplicities
        Components per representative.
    external
        Index of the external component a.
    background
        Values of the components on the background (components not given are zero).
    d
        The dimension (for the angular average).

    Returns
    -------
    TwoPointFlow

    Raises
    ------
    UnsupportedError
        If the mass or kinetic matrix is not diagonal on the background.
    """
    n = len(fields)
    at = {f: sp.Integer(0) for f in fields} | dict(background)
    mass = sp.Matrix(n, n, lambda i, j: sp.diff(potential, fields[i], fields[j]).xreplace(at))
    kin = kinetic.xreplace(at)
    for i, j in itertools.product(range(n), repeat=2):
        if i != j and (sp.simplify(mass[i, j]) != 0 or sp.simplify(kin[i, j]) != 0):
            raise UnsupportedError("", "theory.fields", "the two-point projection needs modes that are "
                                   "diagonal on the background")
    p, q = Momentum(sp.Integer(1), sp.Integer(0)), Momentum(sp.Integer(0), sp.Integer(1))
    a = external
    unit = [species_counts(n, None, i) for i in range(n)]
    terms: list[tuple[LoopKey, sp.Expr, sp.Expr]] = []
    for i in range(n):  # the tadpoles G_i Gamma^(4)_{a a i i}
        vertex = momentum_vertex(potential, kinetic, fields, [a, a, i, i], [p, -p, q, -q], at)
        terms.append((LoopKey(unit[i], p2_order=1), multiplicities[i], vertex))
    for i, j in itertools.product(range(n), repeat=2):  # the rings G_j(q) G_i(q + p) Gamma^(3) Gamma^(3)
        left = momentum_vertex(potential, kinetic, fields, [a, j, i], [p, q, -(p + q)], at)
        right = momentum_vertex(potential, kinetic, fields, [a, i, j], [-p, p + q, -q], at)
        product = sp.expand(left * right)
        if product == 0:
            continue
        weight = pair_weight([str(f) for f in fields], multiplicities, i, j)
        terms.append((LoopKey(unit[j], unit[i], p2_order=1), weight, product))
    flow = p2_projection(terms, [kin[i, i] for i in range(n)], [mass[i, i] for i in range(n)], d)
    return TwoPointFlow(fields[a], flow.doit(), tuple(terms))
