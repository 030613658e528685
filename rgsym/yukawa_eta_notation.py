"""The anomalous dimensions of a Yukawa theory in paper notation: m-type threshold functions.

:mod:`rgsym.yukawa_eta` projects two rings.  Before the projection each is a sum of monomials
c A(y) B(y_p) (p.q)^i (p^2)^j, one propagator function at q and one at q + p.  Here every factor
is identified by its propagator structure (P_B = y + r, P_F = y (1 + r_F)^2):

    G_B(w) = 1 / (P_B + w),   G_S(w) = 1 / (P_F + w),   G_V(w) = (1 + r_F) / (P_F + w)

(the boson line, and the mass and q/ parts of the fermion line), and the monomials group into four
ring structures, each the projection of yukawa_eta applied to one propagator pair:

    m_(2,2)(w_1, w_2)   ~ d/dp^2 of G_B(w_1)(q) G_B(w_2)(q + p)               (boson ring),
    m_4^(F)(w)          ~ d/dp^2 of q.(q + p) G_V(w)(q) G_V(w)(q + p)         (fermion ring, q/ parts),
    m_2^(F)(w)          ~ d/dp^2 of G_S(w)(q) G_S(w)(q + p)                   (fermion ring, mass parts),
    m_(1,2)^(FB)(w_F, w_B) ~ p^-2 of p.(q + p) G_B(w_B)(q) G_V(w_F)(q + p)    (fermion self-energy).

Each is v_d int dy of d~_t of the projected integrand times a fixed normalisation, sign d / (4 v_d)
(:func:`normalisation`); v_d cancels, and after an integration by parts the definitions are the
compact ones of :data:`DEFINITIONS`, e.g. m_(2,2)(w_1, w_2) = -1/2 int dy y^(d/2) d~_t [d_y G_B(w_1)
d_y G_B(w_2)] (the tests check that both integrate to the same), and the Litim closed forms are
the functions of Gies, Janssen, Rechenberger, Scherer, PRD 81 (2010) 025009, app. B
(tests/literature/gny_reference.py).  The coefficients in front of them, -2 c / normalisation,
are those of the derived rings: nothing about the equations is typed, and a term that fits none
of the structures is refused (AssertionError).

The rings are built here as :func:`rgsym.yukawa_eta.anomalous_dimensions` builds them (that
module keeps them inside its function); the tests check that the named equations, with the
closed forms put in, are :func:`rgsym.gny.anomalous_equations` exactly.

References
----------
Gies, Janssen, Rechenberger, Scherer, PRD 81 (2010) 025009, arXiv:0910.0764, app. B;
Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122, sec. 4.3 (m_(2,2)).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from rgsym.fermion_thresholds import RF, R, loop_integral
from rgsym.fermions import U1, U2, U3, H, S, Y, YukawaModel
from rgsym.regulators import Regulator
from rgsym.symbols import angular_factor
from rgsym.yukawa_eta import (
    P2,
    PQ,
    YP,
    ShiftedLine,
    boson_propagator,
    project_ring,
    regulator_variation,
    two_point_rings,
)

#: Placeholders of r(y) and r_F(y) while a factor is identified.
_RB, _RF = sp.symbols("r_b r_f")
#: Generic masses of the closed forms.
W1, W2 = sp.symbols("w_1 w_2")


class EtaThreshold(sp.Function):
    """A named threshold function of the anomalous dimensions: ``(kind, w...)``.

    ``kind`` is one of :data:`KINDS`; the arguments after it are the masses (two for ``"BB"`` and
    ``"FB"`` (w_F, w_B), one for ``"VV"`` and ``"SS"``).
    """


#: kind -> (LaTeX name, number of masses).
KINDS = {"BB": (r"m^{d}_{2,2}", 2), "VV": (r"m^{(F)d}_{4}", 1), "SS": (r"m^{(F)d}_{2}", 1),
         "FB": (r"m^{(FB)d}_{1,2}", 2)}
#: The sign of each function's normalisation sign (d / (4 v_d)) (a convention: with it the
#: definitions are those of :data:`DEFINITIONS` and the Litim closed forms those of Gies et al.).
SIGNS = {"BB": 1, "VV": 1, "SS": 1, "FB": -1}
#: The compact definitions, kind -> (prefactor, extra power of y, factors): the function is
#: prefactor int_0^oo dy y^(d/2 + power) d~_t [product of the factors], a factor (line, mass slot,
#: differentiated) being G_line(w_slot) or its y-derivative.  :func:`definition_integrand` builds
#: them, and the tests check that they integrate to :func:`closed_eta_threshold` (they are the
#: projected structures after an integration by parts).
DEFINITIONS: dict[str, tuple[sp.Expr, int, tuple[tuple[str, int, bool], ...]]] = {
    "BB": (sp.Rational(-1, 2), 0, (("B", 0, True), ("B", 1, True))),
    "VV": (sp.Rational(-1, 2), 1, (("V", 0, True), ("V", 0, True))),
    "SS": (sp.Rational(-1, 2), 0, (("S", 0, True), ("S", 0, True))),
    "FB": (sp.Rational(1, 2), 0, (("V", 0, False), ("B", 1, True))),
}


def normalisation(kind: str, d: sp.Expr) -> sp.Expr:
    """The factor between the named function and v_d int dy d~_t of its projected structure."""
    return SIGNS[kind] * d / (4 * angular_factor(d))


def definition_integrand(kind: str, d: sp.Expr, masses: tuple[sp.Expr, ...] = (W1, W2)) -> sp.Expr:
    """The integrand of the compact definition of ``kind`` before d~_t (:data:`DEFINITIONS`),
    with the measure, in Y, R(Y), RF(Y)."""
    prefactor, power, factors = DEFINITIONS[kind]
    out = prefactor * Y ** (d / 2 + power)
    for line, slot, differentiated in factors:
        g = _factor(line, masses[slot], Y)
        out *= sp.diff(g, Y) if differentiated else g
    return out


def _propagator(expr: sp.Expr, y: sp.Expr) -> list[tuple[sp.Expr, int, str, sp.Expr]]:
    """``expr`` (in y, _RB, _RF) as a sum of c y^k G(w): terms (c, k, kind 'B'/'S'/'V', w).

    Raises
    ------
    AssertionError
        If a term is no propagator function of that form.
    """
    expr = sp.together(expr)
    parts = sp.Add.make_args(sp.apart(expr, _RB)) if expr.has(_RB) else (expr,)
    out = []
    for part in parts:
        numerator, denominator = sp.fraction(sp.factor(part))
        if denominator.has(_RB):
            lead = sp.Poly(denominator, _RB).LC()
            mass = sp.expand(denominator / lead - _RB - y)
            constant, kind = numerator / lead, "B"
        else:
            lead = sp.Poly(denominator, _RF).LC()
            mass = sp.expand(denominator * y / lead - y * (1 + _RF) ** 2)
            constant, kind = sp.factor(numerator * y / lead), "S"
            if constant.has(_RF):
                constant, kind = sp.factor(constant / (1 + _RF)), "V"
        power = sp.degree(constant, y) if constant.has(y) else 0
        constant = sp.simplify(constant / y**power)
        if mass.has(y, _RB, _RF) or constant.has(y, _RB, _RF) or power < 0:
            raise AssertionError(f"not a propagator function: {part}")
        out.append((constant, int(power), kind, mass))
    return out


def propagator_function(line: str, mass: sp.Expr) -> sp.Expr:
    """G_B, G_S or G_V (``line`` 'B', 'S', 'V') of ``mass`` at Y, in R(Y) and RF(Y)."""
    return _factor(line, mass, Y)


def _factor(kind: str, mass: sp.Expr, at: sp.Expr) -> sp.Expr:
    if kind == "B":
        return boson_propagator(at, mass)
    rf = RF(at)
    scalar = 1 / (at * (1 + rf) ** 2 + mass)
    return scalar if kind == "S" else (1 + rf) * scalar


def structure(kind: str, masses: tuple[sp.Expr, ...]) -> tuple[sp.Expr, sp.Expr, str]:
    """The ring structure of ``kind`` at ``masses``: (expression in PQ, P2, Y and one shifted atom,
    the atom's form in YP, the projection 'p2' or 'linear')."""
    atom = sp.Symbol("B0")
    if kind == "BB":
        a, b = _factor("B", masses[0], Y), _factor("B", masses[1], YP)
        return a * atom, b, "p2"
    if kind == "VV":
        a, b = _factor("V", masses[0], Y), _factor("V", masses[0], YP)
        return (Y + PQ) * a * atom, b, "p2"
    if kind == "SS":
        a, b = _factor("S", masses[0], Y), _factor("S", masses[0], YP)
        return a * atom, b, "p2"
    a, b = _factor("B", masses[1], Y), _factor("V", masses[0], YP)
    return (PQ + P2) * a * atom, b, "linear"


def closed_eta_threshold(kind: str, regulator: Regulator, d: sp.Expr) -> sp.Expr:
    """The named function of ``kind`` at (W1[, W2]) as its y-integral (closed for Litim): the
    normalisation times v_d int dy d~_t of the projected structure."""
    masses = (W1, W2)[: KINDS[kind][1]]
    expr, form, how = structure(kind, masses)
    shifted = ShiftedLine({sp.Symbol("B0"): form})
    integrand = regulator_variation(project_ring(expr, shifted, d, how))
    return sp.factor(normalisation(kind, d) * angular_factor(d) * loop_integral(integrand, regulator, d))


def _named(expr: sp.Expr, shifted: ShiftedLine, ring: str, d: sp.Expr) -> sp.Expr:
    """The ring ``expr`` (monomials in PQ, P2 and the shifted atoms) as a sum of EtaThreshold over
    their normalisations, times v_d int d~_t: exactly the projection of yukawa_eta."""
    on = {R(Y): _RB, RF(Y): _RF, R(YP): _RB, RF(YP): _RF}
    groups: dict[tuple[sp.Expr, ...], dict[tuple[int, int, int], sp.Expr]] = {}
    poly = sp.Poly(sp.expand(expr), PQ, P2, *shifted.atoms)
    for monomial, coefficient in poly.terms():
        i, j, *powers = monomial
        atom = list(shifted.atoms)[powers.index(1)]
        ((cb, kb, kind_b, wb),) = _propagator(shifted.atoms[atom].xreplace(on), YP)
        for ca, ka, kind_a, wa in _propagator(coefficient.xreplace(on), Y):
            if kb:
                raise AssertionError("a shifted line with a power of y_p")
            pair = kind_a + kind_b
            if pair == "BB":
                key: tuple[sp.Expr, ...] = ("BB", *sorted((wa, wb), key=sp.default_sort_key))
            elif pair in ("VV", "SS") and wa == wb:
                key = (pair, wa)
            elif pair == "BV" and ring == "linear":
                key = ("FB", wb, wa)
            else:
                raise AssertionError(f"no ring structure for the lines {pair} ({wa}, {wb})")
            slot = groups.setdefault(key, {})
            slot[(i, j, ka)] = sp.expand(slot.get((i, j, ka), 0) + ca * cb)
    patterns = {"BB": ((0, 0, 0),), "SS": ((0, 0, 0),), "VV": ((0, 0, 1), (1, 0, 0)),
                "FB": ((1, 0, 0), (0, 1, 0))}
    total = sp.Integer(0)
    for key, slot in groups.items():
        wanted = patterns[str(key[0])]
        coefficient = slot.get(wanted[0], sp.Integer(0))
        if ring == "linear":  # the projection keeps only the monomials linear in p
            slot = {k: v for k, v in slot.items() if k[:2] != (0, 0)}
        if set(slot) != set(wanted) or any(sp.simplify(slot[k] - coefficient) != 0 for k in wanted):
            raise AssertionError(f"the terms {slot} do not form the structure {key[0]}")
        total += coefficient / normalisation(str(key[0]), d) * EtaThreshold(*key)
    return total


@dataclass(frozen=True)
class NamedAnomalous:
    """eta_phi = F_phi, eta_psi = F_psi in :class:`EtaThreshold` functions (in U1, U2, U3, S, H)."""

    boson: sp.Expr
    fermion: sp.Expr


def named_anomalous_dimensions(model: YukawaModel, d: sp.Expr, external: int = 0) -> NamedAnomalous:
    """The right-hand sides of the eta equations as :func:`rgsym.yukawa_eta.anomalous_dimensions`
    builds them (same rings), in named functions: F = -2 sum_k c_k m_k / normalisation_k."""
    rings = two_point_rings(model, external)
    return NamedAnomalous(-2 * _named(rings.boson, rings.boson_shifted, "p2", d),
                          -2 * _named(rings.fermion, rings.fermion_shifted, "linear", d))


def named_anomalous_equations(model: YukawaModel, d: sp.Expr, order: int, around: str, external: int
                              ) -> tuple[sp.Expr, sp.Expr]:
    """:func:`named_anomalous_dimensions` at the expansion point, in the couplings (as
    :func:`rgsym.gny.anomalous_equations`), each collected in its named functions."""
    from rgsym.symbols import coupling

    raw = named_anomalous_dimensions(model, d, external)
    point = sp.Integer(0) if around == "zero" else coupling("kappa")
    first = 1 if around == "zero" else 2
    lam = {k: coupling(f"lambda_{k}") for k in range(first, order + 2)}
    at = {S: sp.sqrt(2 * point), H: sp.sqrt(coupling("h2")), U1: lam.get(1, sp.Integer(0)),
          U2: lam.get(2, sp.Integer(0)), U3: lam.get(3, sp.Integer(0))}
    out = []
    for side in (raw.boson, raw.fermion):
        expr = sp.expand(side.xreplace(at))
        named = sorted(expr.atoms(EtaThreshold), key=sp.default_sort_key)
        out.append(sp.collect(expr, named))
    return out[0], out[1]


def with_closed_eta(expr: sp.Expr, regulator: Regulator, d: sp.Expr) -> sp.Expr:
    """``expr`` with each :class:`EtaThreshold` replaced by its closed form."""
    closed = {kind: closed_eta_threshold(kind, regulator, d) for kind in KINDS}
    swap = {}
    for atom in expr.atoms(EtaThreshold):
        kind, *masses = atom.args
        swap[atom] = closed[str(kind)].xreplace(dict(zip((W1, W2), masses, strict=False)))
    return expr.xreplace(swap)
