"""Anomalous: eta of LPA' from the momentum dependence of the two-point function.

In LPA' the wave-function renormalisation Z_k is field independent but runs,
eta = -d_t ln Z_k.  It is read off the flow of Gamma^(2)(p) of one field
component at the running minimum,

    eta = -(1/Z_k) d/dp^2 [ d_t Gamma^(2)_aa(p) ] at p = 0.

Differentiating the Wetterich equation twice gives
d_t Gamma^(2)_ab = -1/2 d~_t Tr[G Gamma^(3)_a G Gamma^(3)_b] + 1/2 d~_t Tr[G Gamma^(4)_ab],
where d~_t acts on the regulator only (d~_t G = -G d_t R G).  With momentum-independent
LPA vertices only the ring of two propagators G_i(q) G_k(q + p) depends on p.  Everything
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

import itertools
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import sympy as sp

from rgsym import symbols
from rgsym.action import Action, Component
from rgsym.errors import UnsupportedError
from rgsym.integrate import regulator_insertion
from rgsym.regulators import Piece, Regulator
from rgsym.symbols import angular_factor, y
from rgsym.vertices import background_derivative, derivative_symbol


@dataclass(frozen=True)
class BubbleTerm:
    """One internal pair (i, k) of the momentum-dependent ring: weight x vertices x J(w_i, w_k)."""

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
    masses = {c.name: background_derivative(action, comps, (c, c)).xreplace(values) for c in comps}
    d, eta = action.d, action.eta
    terms = []
    # the ring is symmetric under i <-> k (mixed partials commute, J(w_i, w_k) = J(w_k, w_i)):
    # each unordered pair once, off-diagonal ones counted for both orders
    for i, k in itertools.combinations_with_replacement(comps, 2):
        vertex = background_derivative(action, comps, (external, i, k))
        product = sp.expand((vertex**2).xreplace(values))
        if product == 0:
            continue
        weight = _pair_weight(i, k) * (1 if i == k else 2)
        integral = momentum_derivative_integral(regulator, d, eta, masses[i.name], masses[k.name])
        terms.append(BubbleTerm((i.name, k.name), weight, product, integral))
    # eta = -d/dp^2 d_t Gamma^(2) = -(-1/2) * sum weight * vertices * (2 v_d) * J
    equation = angular_factor(d) * sp.Add(*[t.weight * t.vertices * t.integral for t in terms])
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


def _pair_weight(i: Component, k: Component) -> sp.Expr:
    """How many ordered pairs of real components a pair of representatives stands for."""
    if i == k:
        return i.multiplicity
    if i.multiplicity == 1 or k.multiplicity == 1:
        return i.multiplicity * k.multiplicity
    raise UnsupportedError("", "theory.fields",
                           f"the ring of {i.name} and {k.name} mixes two multi-component classes")


def _solve_linear(equation: sp.Expr, eta: sp.Expr) -> sp.Expr:
    """eta = a + b eta  ->  eta = a / (1 - b)."""
    expanded = sp.expand(equation)
    poly = sp.Poly(expanded, eta)
    if poly.degree() > 1:
        raise UnsupportedError("", "truncation.scheme", "the eta equation is not linear in eta")
    b = poly.coeff_monomial(eta)
    a = poly.coeff_monomial(1)
    return sp.factor(sp.together(a / (1 - b))) if b != 0 else sp.factor(sp.together(a))


@cache
def p2_kernel(d: sp.Expr) -> sp.Expr:
    """K(y) in  d/dp^2 int dy y^(d/2-1) A(q^2) B((q + p)^2) |_(p=0) = int dy K(y) A'(y) B'(y).

    Derived: Taylor-expand B(q^2 + 2 q p c + p^2) to order p^2, average c = cos(angle)
    over directions (<c> = 0, <c^2> = 1/d), then integrate the B'' term by parts
    (boundary terms vanish for d > 0 and decaying B').  The remaining coefficient of A
    (undifferentiated) must cancel; it is checked.
    """
    p, c, q2 = sp.symbols("p c q2", positive=True)
    a_fun, b_fun = sp.Function("A"), sp.Function("B")
    shifted = b_fun(q2 + 2 * sp.sqrt(q2) * p * c + p**2)
    coefficient = sp.diff(shifted, p, 2).subs(p, 0) / 2
    averaged = sp.expand(coefficient).subs(c**2, 1 / d).subs(c, 0)
    bp = sp.Derivative(b_fun(q2), q2)
    bpp = sp.Derivative(b_fun(q2), (q2, 2))
    averaged = averaged.doit()
    c1 = averaged.coeff(bp)
    c2 = averaged.coeff(bpp)
    if sp.simplify(averaged - c1 * bp - c2 * bpp) != 0:
        raise AssertionError("the p^2 coefficient is not linear in B' and B''")
    measure = q2 ** (d / 2 - 1)
    # int m A (c1 B' + c2 B'') = int [m c1 A - d/dq2 (m c2 A)] B'
    a = a_fun(q2)
    times_bp = sp.expand(measure * c1 * a - sp.diff(measure * c2 * a, q2))
    ap = sp.Derivative(a, q2)
    kernel = sp.simplify(times_bp.coeff(ap))
    if sp.simplify(times_bp - kernel * ap) != 0:
        raise AssertionError("integration by parts left a term without A'")
    return sp.simplify(kernel.subs(q2, y))


def momentum_derivative_integral(regulator: Regulator, d: sp.Expr, eta: sp.Expr,
                                 w_a: sp.Expr, w_b: sp.Expr) -> sp.Expr:
    """J(w_a, w_b) = int dy K(y) d~_t [A'(y) B'(y)], A = 1/(y + r + w_a), B = 1/(y + r + w_b).

    The regular part is integrated piece by piece; jumps of d~_t A, d~_t B at the
    regulator's breakpoints contribute delta functions, multiplied by the mean of the
    other factor's left and right values.
    """
    if regulator.sharp:
        raise UnsupportedError("", "regulator.kind",
                               "LPA' needs propagators differentiable in the momentum, which the sharp "
                               "cutoff does not have; use 'litim'")
    kernel = p2_kernel(d)
    pieces = regulator.pieces
    if len(pieces) == 1 and sp.expand(y + pieces[0].shape).has(y):
        return _by_quadrature(regulator, d, eta, w_a, w_b)
    parts = [_ring_on_piece(piece, eta, w_a, w_b) for piece in pieces]
    total = sp.Integer(0)
    for piece, part in zip(pieces, parts, strict=True):
        if regulator_insertion(piece, eta) == 0:
            continue  # d~_t A = d~_t B = 0 on this piece: no regular part
        if sp.expand(y + piece.shape).has(y):
            raise UnsupportedError("", "regulator.kind",
                                   f"LPA' with the piecewise {regulator.name!r} regulator needs its "
                                   "momentum-derivative threshold by quadrature together with the "
                                   "delta functions at its breakpoints, which is not available; use "
                                   "'litim' with alpha = 1 or a smooth regulator")
        integrand = sp.expand(kernel * (sp.diff(part.ta, y) * part.db + part.da * sp.diff(part.tb, y)))
        total += sp.integrate(integrand, (y, piece.lower, piece.upper))
    for piece, left, right in zip(pieces[:-1], parts[:-1], parts[1:], strict=True):
        at = {y: piece.upper}
        lv, rv = (_Ring(*(e.subs(at) for e in side)) for side in (left, right))
        if sp.simplify(rv.a - lv.a) != 0 or sp.simplify(rv.b - lv.b) != 0:
            raise UnsupportedError("", "regulator.kind",
                                   f"the {regulator.name!r} regulator makes the propagator jump at "
                                   f"y = {piece.upper}: d/dp^2 of the ring is ill-defined")
        # the jump of d~_t A times the mean of B' (Heaviside(0) = 1/2), and A <-> B
        total += kernel.subs(at) * ((rv.ta - lv.ta) * (lv.db + rv.db) / 2
                                    + (lv.da + rv.da) / 2 * (rv.tb - lv.tb))
    return sp.simplify(total)


class _Ring(NamedTuple):
    """The two propagators A, B on one regulator piece, their y-derivatives and d~_t A, d~_t B."""

    a: sp.Expr
    b: sp.Expr
    da: sp.Expr
    db: sp.Expr
    ta: sp.Expr
    tb: sp.Expr


def _ring_on_piece(piece: Piece, eta: sp.Expr, w_a: sp.Expr, w_b: sp.Expr) -> _Ring:
    """A = 1/(y + r + w_a), B likewise, with r the piece's shape; d~_t acts on R only."""
    rr = sp.Symbol("R")
    insertion = regulator_insertion(piece, eta)
    prop_a, prop_b = 1 / (y + rr + w_a), 1 / (y + rr + w_b)
    on_piece = {rr: piece.shape}
    a, b = prop_a.subs(on_piece), prop_b.subs(on_piece)
    return _Ring(a, b, sp.diff(a, y), sp.diff(b, y), (sp.diff(prop_a, rr) * insertion).subs(on_piece),
                 (sp.diff(prop_b, rr) * insertion).subs(on_piece))


def _by_quadrature(regulator: Regulator, d: sp.Expr, eta: sp.Expr, w_a: sp.Expr, w_b: sp.Expr) -> sp.Expr:
    """J(w_a, w_b) of a smooth regulator as a sum of quadrature integrals.

    The integrand K(y) d~_t[A'(y) B'(y)] is derived for a generic shape r(y): a sum of
    f(y, r, r', r'') (y + r + w_a)^-a (y + r + w_b)^-b.  Each f is split into its eta^0 and
    eta^1 parts and becomes the weight of a :class:`~rgsym.threshold.WeightedThreshold`
    (which includes v_d and the measure y^(d/2-1), divided out here).
    """
    from rgsym.threshold import WeightedThreshold

    r_fun = sp.Function("r")(y)
    generic = Piece(sp.Integer(0), sp.oo, r_fun)
    insertion = regulator_insertion(generic, eta)
    wa, wb, ia, ib = sp.symbols("w_a w_b i_a i_b")
    prop_a, prop_b = 1 / (y + r_fun + wa), 1 / (y + r_fun + wb)
    ta = -insertion * prop_a**2  # d~_t G = -G d_t R G
    tb = -insertion * prop_b**2
    integrand = p2_kernel(d) * (sp.diff(ta, y) * sp.diff(prop_b, y) + sp.diff(prop_a, y) * sp.diff(tb, y))
    inverse = {y + r_fun + wa: 1 / ia, y + r_fun + wb: 1 / ib}
    poly = sp.Poly(sp.expand(integrand.xreplace(inverse)), ia, ib)
    shape = sp.Lambda(y, regulator.pieces[0].shape)
    concrete = {r_fun: regulator.pieces[0].shape}
    total = sp.Integer(0)
    for (a, b), coefficient in sorted(poly.terms()):
        per_measure = sp.expand(coefficient / y ** (d / 2 - 1))
        for power, part in enumerate(sp.Poly(per_measure, eta).all_coeffs()[::-1]):
            if part == 0:
                continue
            weight = sp.simplify(part.subs(concrete).doit())
            total += eta**power * WeightedThreshold(shape, d, sp.Lambda(y, weight), sp.Tuple(a, b), w_a, w_b)
    return total / angular_factor(d)
