"""Fermion loops: the resolved diagrams of a Yukawa theory evaluated at zero external momentum.

The diagrams of :mod:`rgsym.diagrams.lines` are evaluated on the constant boson background
phi = s e_1 with the LPA vertices of a GNY truncation:

* boson vertices Gamma^(m)_(a_1..a_m) = d^m U(rho) / d phi_(a_1) ... d phi_(a_m), from
  :func:`rgsym.diagrams.evaluate.potential_derivative` (the jet symbols u_j = U^(j)(rho));
* the Yukawa vertex Gamma^(3)_(phi_a psibar psi) = h T_a, with T_a of :class:`rgsym.fermions.YukawaModel`;
* the boson propagator G_a = 1/(y + r_B + w_a), diagonal on the background, with w_a read off
  the vertices; the fermion propagator S = K^-1, K = i a_F q/ + h s T_1
  (:func:`rgsym.fermions.fermion_kernel`), inverted in the Dirac algebra of :mod:`rgsym.dirac`.

The regulator line G d_t R G is -d~_t G, d~_t acting on the regulator values only
(:func:`rgsym.fermions.tilde_dt`); the vertex-free loop Tr[d_t R G] is d~_t Tr ln G^-1.
The Dirac structure is multiplied along each fermion line against its arrow (the psibar end on
the left); a closed loop is traced (d_gamma x flavour trace) and counted N_f times.

The result is an integrand in y = q^2/k^2 (units of k), in the symbols of :mod:`rgsym.fermions`:
d_t Gamma^(n) = int_q of it.  Nothing here refers to the Berezinian of :mod:`rgsym.fermions`;
the tests compare the two at random points.

References
----------
Gies, Janssen, Rechenberger, Scherer, PRD 81 (2010) 025009, arXiv:0910.0764 (the truncation
and its Feynman rules); Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TypeAlias, Union

import symengine as se
import sympy as sp

from rgsym.diagrams.evaluate import potential_derivative, to_sympy
from rgsym.diagrams.graphs import DiagramTerm, FlowDiagrams
from rgsym.diagrams.lines import YukawaFields
from rgsym.dirac import Clifford
from rgsym.fermions import R_B, RDOT_B, H, S, Y, YukawaModel, fermion_kernel, radial_background, tilde_dt

#: A ring's value: a number (closed or no fermion line) or a Dirac-algebra element (open line).
Value: TypeAlias = Union[sp.Expr, Clifford]  # noqa: UP007 (sp.Expr | ... is not a type at run time)


class YukawaBackground:
    """The LPA vertices and propagators of a Yukawa theory on the background s e_1.

    ``point`` (symbol -> number, e.g. s, h, u_j, a_F, the regulator values) is put into every
    vertex and propagator before they are multiplied, so that a check at a random point does
    not carry rational functions of ten symbols through the Dirac algebra; only y = q^2 is kept
    (the Dirac algebra reduces q/ q/ to it) and replaced at the end.
    """

    def __init__(self, model: YukawaModel, fields: YukawaFields,
                 point: Mapping[sp.Symbol, sp.Expr] | None = None) -> None:
        self.model = model
        self.fields = fields
        self.point = {k: v for k, v in (point or {}).items() if k != Y}
        self.final = dict(point or {})
        self.bosons = len(model.matrices)
        self.signature = tuple((f"phi_{a + 1}", 0, a == 0) for a in range(self.bosons))

    def __repr__(self) -> str:
        return (f"YukawaBackground({self.bosons} bosons, N_f = {self.model.flavours}, "
                f"d_gamma = {self.model.spinor_dim})")

    def vertex(self, slots: Sequence[int]) -> sp.Expr:
        """d^m U / d phi_(slots) at phi = s e_1, in the jet symbols u_j."""
        expr = potential_derivative(self.signature, 1, tuple(sorted(slots)))
        at = {se.Symbol(name): (se.Symbol("s") if radial else se.Integer(0))
              for name, _, radial in self.signature}
        out = to_sympy(se.expand(expr.xreplace(at)))
        return self.at(out.xreplace({sp.Symbol("s"): S}))

    def at(self, expr: sp.Expr) -> sp.Expr:
        """The expression at the point (unchanged without one)."""
        return sp.sympify(expr).xreplace(self.point) if self.point else expr

    @cached_property
    def masses(self) -> tuple[sp.Expr, ...]:
        """w_a of every boson component (the boson Hessian must be diagonal on the background)."""
        for a, b in itertools.combinations(range(self.bosons), 2):
            if self.vertex((a, b)) != 0:
                raise ArithmeticError("the bosons mix on the background")
        return tuple(self.vertex((a, a)) for a in range(self.bosons))

    def boson_line(self, a: int, regulated: bool) -> sp.Expr:
        """G_a, or the regulator line G_a d_t R G_a = -d~_t G_a."""
        g = 1 / (Y + R_B + self.masses[a])
        return self.at(-tilde_dt(g) if regulated else g)

    @cached_property
    def _kernel(self) -> Clifford:
        return fermion_kernel(self.model, radial_background(self.model))

    @cached_property
    def _inverse(self) -> Clifford:
        return self._kernel.inverse()

    @cached_property
    def _propagator(self) -> Clifford:
        return self._inverse.map_coefficients(self.at)

    @cached_property
    def _regulated(self) -> Clifford:
        return self._inverse.map_coefficients(lambda e: self.at(-tilde_dt(e)))

    def fermion_line(self, regulated: bool) -> Clifford:
        """S = K^-1, or the regulator line S d_t R_F S = -d~_t S."""
        return self._regulated if regulated else self._propagator

    def yukawa(self, a: int) -> Clifford:
        """The Yukawa vertex h T_a."""
        return self.model.matrices[a].scale(self.at(H))

    def vacuum(self, fermion: bool) -> sp.Expr:
        """Tr[d_t R G] of the vertex-free loop: d~_t Tr ln G^-1 (a closed fermion loop counts N_f times)."""
        if not fermion:
            return sp.Add(*[self.at(RDOT_B / (Y + R_B + w)) for w in self.masses])
        dkernel = self._kernel.map_coefficients(lambda e: self.at(tilde_dt(e)))
        return self.at(self.model.flavours * (self._propagator * dkernel).trace(self.model.spinor_dim))


def evaluate_term(term: DiagramTerm, background: YukawaBackground) -> Value:
    """The field-space and Dirac trace of one resolved ring (without its prefactor), as an integrand."""
    lines = term.lines or ("B",) * max(term.loop_length, 1)
    k = term.loop_length
    if k == 0:
        return background.vacuum(lines[0] != "B")
    fields = background.fields
    bosons = [i for i, x in enumerate(lines) if x == "B"]
    head = {i: (i + 1) % k if x == "F+" else i for i, x in enumerate(lines) if x != "B"}
    tail = {i: i if x == "F+" else (i + 1) % k for i, x in enumerate(lines) if x != "B"}
    total: Value | None = None
    for comps in itertools.product(range(background.bosons), repeat=len(bosons)):
        line_comp = dict(zip(bosons, comps, strict=True))
        scalar = sp.Integer(1)
        for i in bosons:
            scalar *= background.boson_line(line_comp[i], i == k - 1)
        matrices: dict[int, Clifford] = {}
        for v in range(k):
            ext = term.fields[v]
            slots = [0] * list(ext).count(fields.boson)  # external boson legs are radial
            ends = ((v - 1) % k, v)  # for k = 1 both ends of the self-loop: a diagonal line
            slots += [line_comp[e] for e in ends if e in line_comp]
            if len(slots) < len(ext) + 2:  # a fermion leg: the Yukawa vertex phi psibar psi
                (a,) = slots
                matrices[v] = background.yukawa(a)
            else:
                scalar *= background.vertex(slots)
        if scalar == 0:
            continue
        value = scalar if not head else _fermion_line(term, background, matrices, head, tail, scalar)
        total = value if total is None else total + value  # type: ignore[operator]
    return sp.Integer(0) if total is None else total


def _fermion_line(term: DiagramTerm, background: YukawaBackground, matrices: dict[int, Clifford],
                  head: dict[int, int], tail: dict[int, int], scalar: sp.Expr) -> Value:
    """Multiply the Dirac structure against the arrows; trace a closed loop, return an open line."""
    k = term.loop_length
    fields = background.fields
    start = next((v for v in range(k) if fields.antifermion in term.fields[v]), None)
    closed = start is None
    current = 0 if start is None else start
    product = matrices[current]
    for _ in range(k):
        edge = next((e for e, h in head.items() if h == current), None)
        if edge is None:
            break
        current = tail[edge]
        product = product * background.fermion_line(edge == k - 1)
        if closed and current == 0:
            break
        product = product * matrices[current]
    if closed:
        return scalar * background.at(background.model.flavours * product.trace(background.model.spinor_dim))
    return product.scale(scalar)


def evaluate_yukawa_flow(diagrams: FlowDiagrams, background: YukawaBackground) -> Value:
    """The loop integrand of d_t Gamma^(n) at p = 0: sum of prefactor x multiplicity x ring value.

    The external boson legs sit on the radial component phi_1; with a psibar-psi pair the result
    is an element of the Dirac algebra (project it with :func:`project_on_mass`).

    References
    ----------
    Pawlowski, Ann. Phys. 322 (2007) 2831, hep-th/0512261, sec. 3; Gies, Janssen, Rechenberger,
    Scherer, PRD 81 (2010) 025009, arXiv:0910.0764.
    """
    total: Value | None = None
    for term in diagrams.terms:
        c = sp.Rational(term.coefficient.numerator, term.coefficient.denominator)
        value = evaluate_term(term, background)
        value = value.scale(c) if isinstance(value, Clifford) else c * value
        total = value if total is None else total + value  # type: ignore[operator]
    if total is None:
        return sp.Integer(0)
    if background.final:
        final = background.final
        return (total.map_coefficients(lambda e: e.xreplace(final)) if isinstance(total, Clifford)
                else sp.sympify(total).xreplace(final))
    return total


def project_on_mass(value: Value, model: YukawaModel) -> sp.Expr:
    """The coefficient of T_1 in a Dirac-algebra element: Tr[T_1 X] / Tr[T_1 T_1]."""
    if not isinstance(value, Clifford):
        raise TypeError("only a psibar-psi flow has a T_1 component")
    first = model.matrices[0]
    return sp.together((first * value).trace(1) / (first * first).trace(1))


__all__ = ["YukawaBackground", "evaluate_term", "evaluate_yukawa_flow", "project_on_mass"]
