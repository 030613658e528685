"""Invariant flow: the betas of u(rho, tau) for a block with the cubic anisotropy.

The derivation of :mod:`rgsym.invariants` (see its docstring for the ansatz and the plane of
the projection): the mass matrix on the plane comes from sympy differentiation, the trace is
expanded with the truncated series of :mod:`rgsym.series` (every mode has the same mass at zero
field, so the resolvent is a power series in M - M(0)), the thresholds come from
:mod:`rgsym.integrate` (closed forms, or quadrature placeholders as in :mod:`rgsym.project`),
and d_t u on the plane is rewritten in the basis rho^k tau^m / (k! m!) degree by degree.

References
----------
Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122, sec. 2.3 and 4
(the trace expansion and the threshold functions); Tissier, Mouhanna, Vidal, Delamotte,
cond-mat/0109176 (the cubic model with the effective average action).
"""

from __future__ import annotations

import math

import symengine as se
import sympy as sp

from rgsym import symbols
from rgsym.action import Coupling
from rgsym.betasystem import BetaSystem
from rgsym.errors import UnsupportedError
from rgsym.invariants import Plane, coupling_indices, cubic_couplings, mass_matrix, plane, potential
from rgsym.loop import resolvent_expansion
from rgsym.series import Series
from rgsym.spec import TheorySpec


def _series(poly: sp.Expr, variables: tuple[sp.Symbol, sp.Symbol], max_weight: int) -> Series:
    """A polynomial in (s, t) as a truncated series (coefficients in symengine)."""
    weights = (1, 1)
    if poly == 0:
        return Series({}, weights, max_weight)
    terms: dict[tuple[int, ...], se.Basic] = {}
    for monom, coeff in sp.Poly(sp.expand(poly), *variables).terms():
        terms[tuple(monom)] = se.sympify(coeff)
    return Series(terms, weights, max_weight)


def _loop_series(hessian: sp.Matrix, field_plane: Plane, mass: sp.Symbol, max_weight: int,
                 thresholds: list[se.Symbol]) -> Series:
    """The loop engine's resolvent expansion on the plane: sum_n (-1)^n T_{n+1} tr_mult[(M - M(0))^n].

    Every mode has the mass ``mass`` at zero field, so all are one propagator species and a
    loop key with n + 1 propagators integrates to T_{n+1}(mass) (``thresholds[n]``).
    """
    s, t, _ = field_plane.fields
    at_zero = hessian.subs({s: 0, t: 0})
    if at_zero != mass * sp.eye(3):
        raise UnsupportedError("", "theory.invariants", "the modes do not share one mass at zero field")
    v = [[_series(hessian[i, j] - at_zero[i, j], (s, t), max_weight) for j in range(3)] for i in range(3)]
    terms = resolvent_expansion(v, field_plane.multiplicities, (1, 1), max_weight, species=(0, 0, 0))
    zero = Series({}, (1, 1), max_weight)
    loop = zero
    for key, series in terms:
        (count,) = key.counts
        loop = loop + series.scale(thresholds[count - 1])
    return loop


def _project(flow: Series, couplings: tuple[Coupling, ...], field_plane: Plane, order: int,
             ) -> list[se.Basic]:
    """The betas: d_t u on the plane written in the basis rho^k tau^m / (k! m!), degree by degree."""
    s, t, p = field_plane.fields
    rho, tau = field_plane.rho.subs(p, 0), field_plane.tau.subs(p, 0)
    wanted = {(c.index[0], c.index[1] // 2): i for i, c in enumerate(couplings)}
    betas: list[se.Basic] = [se.Integer(0)] * len(couplings)
    for half in range(1, order + 2):
        basis = [(half - 2 * m, m) for m in range(half // 2 + 1)]
        rows = [(2 * a, 2 * (half - a)) for a in range(half // 2 + 1)]
        matrix = sp.zeros(len(rows), len(basis))
        for col, (k, m) in enumerate(basis):
            poly = sp.Poly(sp.expand(rho**k * tau**m / (math.factorial(k) * math.factorial(m))), s, t)
            for row, exps in enumerate(rows):
                matrix[row, col] = poly.coeff_monomial(s ** exps[0] * t ** exps[1])
        inverse = matrix.inv()
        values = [flow.coefficient(e) for e in rows]
        for col, km in enumerate(basis):
            if km in wanted:
                betas[wanted[km]] = se.expand(sum((se.sympify(inverse[col, r]) * values[r]
                                                   for r in range(len(rows))), se.Integer(0)))
    return betas


def check_truncation(spec: TheorySpec) -> None:
    """What the invariant ansatz supports: LPA, Wetterich, polynomial, zero field.

    Parameters
    ----------
    spec
        A spec with ``theory.invariants``.

    Raises
    ------
    UnsupportedError
        Naming the key that has to change.
    """
    tr = spec.truncation
    if spec.flow.equation != "wetterich":
        raise UnsupportedError(spec.source, "flow.equation", "theory.invariants needs 'wetterich'")
    if tr.scheme != "lpa":
        raise UnsupportedError(spec.source, "truncation.scheme", "theory.invariants needs 'lpa'")
    if tr.potential != "polynomial":
        raise UnsupportedError(spec.source, "truncation.potential", "theory.invariants needs 'polynomial'")
    if tr.expand_around != "zero":
        raise UnsupportedError(spec.source, "truncation.expand_around",
                               "theory.invariants is expanded around zero field; use 'zero'")


def derive_with_invariants(spec: TheorySpec) -> BetaSystem:
    """The betas of u(rho, tau) for a block with the cubic anisotropy (see the module docstring).

    Parameters
    ----------
    spec
        A spec with ``theory.invariants``.

    Returns
    -------
    BetaSystem
    """
    from rgsym.betasystem import placeholder_for, to_sympy
    from rgsym.integrate import regulator_of, threshold_integral
    from rgsym.project import assemble_system, describe, scaling_coefficients
    from rgsym.threshold import ThresholdIntegral

    check_truncation(spec)
    (inv,) = spec.theory.invariants
    order, d = spec.truncation.order, spec.theory.d
    couplings = cubic_couplings(order, inv.max_power)
    field_plane = plane(inv)
    s, t, p = field_plane.fields
    max_weight = 2 * (order + 1)
    mass = symbols.coupling("lambda_1_0")
    reg = regulator_of(spec.regulator)
    placeholders = [se.Symbol(f"T_{n + 1}") for n in range(order + 2)]
    closed: dict[se.Basic, se.Basic] = {}
    numeric: dict[se.Symbol, ThresholdIntegral] = {}
    for n, tsym in enumerate(placeholders):
        value = sp.sympify(threshold_integral(reg, (n + 1,), (mass,), d, sp.Integer(0)))
        for atom in sorted(value.atoms(ThresholdIntegral), key=sp.default_sort_key):
            numeric[placeholder_for(atom)] = atom
            value = value.xreplace({atom: sp.Symbol(str(placeholder_for(atom)))})
        closed[tsym] = se.sympify(value)
    loop = _loop_series(mass_matrix(couplings, field_plane), field_plane, mass, max_weight, placeholders)
    a_coeff, b_coeff = scaling_coefficients(d, sp.Integer(0))
    u = potential(couplings, field_plane.rho, field_plane.tau).subs(p, 0)
    euler = (s * sp.diff(u, s) + t * sp.diff(u, t)) / 2  # phi . d/dphi / 2: rho d/drho for one rho
    flow = _series(sp.expand(a_coeff * u + b_coeff * euler), (s, t), max_weight) + loop
    betas = [b.xreplace(closed) for b in _project(flow, couplings, field_plane, order)]
    loop_at_zero = threshold_integral(reg, (1,), (sp.Integer(0),), d, sp.Integer(0))
    c = sp.simplify(sp.sympify(inv.components) * loop_at_zero)  # the whole loop at zero mass
    scales = tuple(c ** (1 - k - 2 * m) * math.factorial(k) * math.factorial(m)
                   for k, m in coupling_indices(order, inv.max_power))
    name = f"{describe(spec)}, u(rho, {inv.name} = sum({inv.block}_a^{inv.power}))"
    return assemble_system(name, spec, couplings, betas, sp.Integer(0), numeric,
                           (to_sympy(se.Symbol(mass.name)),), scales)
