"""Anomalous: eta of LPA' from the momentum dependence of the two-point function.

In LPA' the wave-function renormalisation Z_k is field independent but runs,
eta = -d_t ln Z_k.  It is read off the flow of Gamma^(2)(p) of one field
component at the running minimum,

    eta = -(1/Z_k) d/dp^2 [ d_t Gamma^(2)_aa(p) ] at p = 0.

Differentiating the Wetterich equation twice gives
d_t Gamma^(2)_ab = -1/2 d~_t Tr[G Gamma^(3)_a G Gamma^(3)_b] + 1/2 d~_t Tr[G Gamma^(4)_ab],
where d~_t acts on the regulator only (d~_t G = -G d_t R G).  With momentum-independent
LPA vertices only the ring of two propagators G_i(q) G_k(q + p) depends on p: it is the
p^2 projection of the one loop engine (:func:`rgsym.loop.momentum_ring`), and its integral is
evaluated with the other loop integrals (:func:`rgsym.integrate.loop_integral`).  Everything
below is derived, not typed in:

* the vertices Gamma^(3) are third derivatives of u(rho(phi)) on the background
  (:func:`rgsym.vertices.background_derivative`);
* the p^2 coefficient of the angular average of B((q + p)^2) comes from a Taylor
  expansion in p, and an integration by parts turns int y^(d/2-1) A [B' + (2/d) y B'']
  into an integral of A' B' (no second derivatives: these would give products of
  distributions for a regulator with a kink);
* d~_t acts through d_t R_k = Z k^2 [(2 - eta) r - 2 y r'], the same regulator insertion
  as in the potential's flow (:mod:`rgsym.integrate`);
* for a piecewise regulator (Litim) the y-derivatives are taken as distributions: a
  jump of d~_t A at a breakpoint gives a delta function, and the other factor, which
  jumps there too, is taken at its mean value (Heaviside(0) = 1/2, the limit of smooth
  regulators).

The projection ``"goldstone"`` takes a transverse component as external leg (for N = 1
too, as is customary: the formula is that of a Goldstone mode); ``"radial"`` takes the
radial one.  The result is linear in eta (eta enters through d_t R_k) and is solved for it.

References
----------
Tetradis and Wetterich, Nucl. Phys. B422 (1994) 541, hep-ph/9308260 (eta from the Goldstone
two-point function); Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122,
eqs. (4.13)-(4.15) (m_{2,2} threshold functions); Litim, Phys. Rev. D64 (2001) 105007,
hep-th/0103195 (closed forms for the optimised regulator).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from rgsym import symbols
from rgsym.action import Action, Component
from rgsym.errors import UnsupportedError
from rgsym.integrate import loop_integral, momentum_derivative_integral, p2_kernel
from rgsym.loop import momentum_ring
from rgsym.regulators import Regulator
from rgsym.vertices import background_derivative, derivative_symbol

__all__ = ["AnomalousDimension", "BubbleTerm", "anomalous_dimension", "momentum_derivative_integral",
           "p2_kernel"]


@dataclass(frozen=True)
class BubbleTerm:
    """One internal pair (i, k) of the momentum-dependent ring: weight x vertices x its integral
    (v_d J(w_i, w_k), :func:`rgsym.integrate.loop_integral`)."""

    internal: tuple[str, str]
    weight: sp.Expr
    vertices: sp.Expr
    integral: sp.Expr


@dataclass(frozen=True)
class AnomalousDimension:
    """eta of LPA' as a function of the couplings.

    Attributes
    ----------
    projection
        ``"goldstone"`` or ``"radial"``: the external leg of Gamma^(2)(p).
    equation
        The right-hand side F of eta = F(g, eta), as derived.
    eta
        Its solution for eta, in the couplings (and d, N where symbolic).
    terms
        The contributing internal pairs of the ring diagram.
    """

    projection: str
    equation: sp.Expr
    eta: sp.Expr
    terms: tuple[BubbleTerm, ...]

    def __repr__(self) -> str:
        return f"AnomalousDimension({self.projection}: eta = {self.eta})"

    def _repr_latex_(self) -> str:
        return rf"$$\eta = {sp.latex(self.eta)}$$"


def anomalous_dimension(action: Action, regulator: Regulator, projection: str) -> AnomalousDimension:
    """Derive eta of LPA' at the running minimum of a single O(N) multiplet.

    Raises
    ------
    UnsupportedError
        For several multiplets, away from the minimum, or for a regulator whose
        momentum-derivative integral has no closed form (quadrature is not available
        for it yet).
    """
    if len(action.blocks) != 1 or not action.couplings or not action.couplings[0].is_minimum:
        raise UnsupportedError("", "truncation.scheme",
                               "LPA' is derived at the running minimum of a single O(N) multiplet")
    comps = _projection_components(action)
    external = comps[0] if projection == "radial" else comps[1]
    values = _values_at_minimum(action)
    masses = tuple(background_derivative(action, comps, (c, c)).xreplace(values) for c in comps)
    d, eta = action.d, action.eta
    # the p^2 part of the two-point function: the ring of the loop engine with the external
    # vertex Gamma^(3)_{external, i, k}; only the ring depends on p with LPA vertices
    vertex = sp.Matrix(len(comps), len(comps), lambda i, k: sp.expand(
        background_derivative(action, comps, (external, comps[i], comps[k])).xreplace(values)))
    ring = momentum_ring([c.name for c in comps], [c.multiplicity for c in comps], vertex,
                         [c.statistics for c in comps])
    terms = tuple(BubbleTerm(t.internal, t.weight, t.vertices,
                             loop_integral(regulator, t.key, masses, d, eta)) for t in ring)
    # eta = -d/dp^2 d_t Gamma^(2)(p) at p = 0
    equation = -sp.Add(*[t.coefficient * term.integral for t, term in zip(ring, terms, strict=True)])
    return AnomalousDimension(projection, equation, _solve_linear(equation, eta), tuple(terms))


def _projection_components(action: Action) -> tuple[Component, ...]:
    """Radial, the external transverse leg, and the other N - 2 transverse components.

    The external Goldstone leg needs a component of its own: the vertex
    Gamma^(3)_{pi pi' sigma} vanishes unless pi' = pi, so the transverse directions
    split into "the same as the leg" and "the others".
    """
    block = action.blocks[0]
    n = sp.sympify(block.components)
    radial = Component(f"sigma_{block.name}", 0, symbols.radial_component(block.name), sp.Integer(1), True)
    leg = Component(f"pi_{block.name}", 0, symbols.goldstone_component(block.name), sp.Integer(1), False)
    others = Component(f"pi'_{block.name}", 0, sp.Symbol(f"pi2_{block.name}", real=True), n - 2, False)
    return radial, leg, others


def _values_at_minimum(action: Action) -> dict[sp.Expr, sp.Expr]:
    """u_a at rho = kappa (u_1 = 0 there) and the background field sqrt(2 kappa)."""
    taylor = dict(action.taylor)
    top = max(sum(a) for a in taylor) + 3
    values: dict[sp.Expr, sp.Expr] = {derivative_symbol((a,)): taylor.get((a,), sp.Integer(0))
                                      for a in range(0, top + 1)}
    (kappa,) = action.expansion_point
    values[symbols.background_value(action.blocks[0].name)] = sp.sqrt(2 * kappa)
    return values


def _solve_linear(equation: sp.Expr, eta: sp.Expr) -> sp.Expr:
    """eta = a + b eta  ->  eta = a / (1 - b)."""
    expanded = sp.expand(equation)
    poly = sp.Poly(expanded, eta)
    if poly.degree() > 1:
        raise UnsupportedError("", "truncation.scheme", "the eta equation is not linear in eta")
    b = poly.coeff_monomial(eta)
    a = poly.coeff_monomial(1)
    return sp.factor(sp.together(a / (1 - b))) if b != 0 else sp.factor(sp.together(a))
