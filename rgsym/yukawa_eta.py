"""Yukawa eta: the anomalous dimensions eta_phi and eta_psi of a Yukawa theory (LPA').

Both come from two-point functions at external momentum p on the constant background s e_1,
one loop line carrying q and the other q + p:

* the boson two-point function of the component e (radial e = 1, or a Goldstone component):
  the boson ring -(1/2) sum_ab V_ab V_ba G_a(q) G_b(q + p), V_ab = d^3 U / d phi_e d phi_a d phi_b,
  and the fermion ring + N_f Tr[K^-1(q) h T_e K^-1(q + p) h T_e] (the second order of
  -Tr ln K, :mod:`rgsym.fermions`); eta_phi = -d/dp^2 of its flow at p = 0;
* the fermion two-point function -h^2 sum_a G_a(q) T_a K^-1(q + p) T_a (:mod:`rgsym.fermions`);
  eta_psi = -(its coefficient of i p/) at p -> 0.

The shifted line is a function of (q + p)^2 only, times (q/ + p/) for a fermion: after the
Dirac trace every term is A(y) B(y_p) times p.q^i (p^2)^j.  The p^2 coefficient of the angular
average is then, for the measure y^(d/2-1) dy,

    A B(y_p) -> K(y) A'(y) B'(y)   (integrated by parts: :func:`rgsym.integrate.p2_kernel`),
    p.q A B(y_p) -> (2 y / d) A B',   p^2 A B -> A B,   (p.q)^2 A B -> (y / d) A B,

which have first derivatives only.  d~_t acts afterwards, as the variation of the boson shape
r -> d~_t R_B / (Z_phi k^2) = (2 - eta_phi) r - 2 y r' and of the fermion shape r_F ->
-eta_psi r_F - 2 y r_F'.  The y-integral is :func:`rgsym.fermion_thresholds.loop_integral`: closed
for Litim (r'' = delta(y - 1), the mean rule at the kink), by quadrature for smooth shapes.

References
----------
Gies, Janssen, Rechenberger, Scherer, PRD 81 (2010) 025009, arXiv:0910.0764, app. B (eta_phi,
eta_psi in LPA' with these regulators); Berges, Tetradis, Wetterich, hep-ph/0005122, sec. 4.3.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import sympy as sp

from rgsym.dirac import Clifford, Kinematics
from rgsym.fermion_thresholds import RF, R, loop_integral
from rgsym.fermions import U1, U2, U3, H, S, Y, YukawaModel, fermion_kernel, radial_background
from rgsym.regulators import Regulator
from rgsym.symbols import angular_factor

#: y_p = (q + p)^2 / k^2 (the regulator shapes R, RF are those of :mod:`rgsym.fermion_thresholds`).
YP = sp.Symbol("y_p", nonnegative=True)
PQ, P2 = sp.Symbol("pq"), sp.Symbol("p2", nonnegative=True)
ETA_PHI, ETA_PSI = sp.Symbol("eta_phi", real=True), sp.Symbol("eta_psi", real=True)


@dataclass(frozen=True)
class ShiftedLine:
    """The shifted line of a ring: atoms standing for functions of y_p, and each function's form.

    Attributes
    ----------
    atoms
        Atom -> the function of y_p it stands for (filled by :meth:`add`).
    """

    atoms: dict[sp.Symbol, sp.Expr]

    def add(self, form: sp.Expr) -> sp.Symbol:
        """The atom standing for ``form`` (a new one, ``B<k>``, if ``form`` is not there yet).

        Parameters
        ----------
        form
            A function of y_p.

        Returns
        -------
        sympy.Symbol
        """
        for atom, known in self.atoms.items():
            if known == form:
                return atom
        atom = sp.Symbol(f"B{len(self.atoms)}")
        self.atoms[atom] = form
        return atom


def boson_propagator(at: sp.Expr, mass: sp.Expr) -> sp.Expr:
    """The regulated boson propagator 1 / (y + r(y) + w) at ``y = at``, dimensionless.

    Parameters
    ----------
    at
        The momentum variable (``Y`` or the shifted ``YP``).
    mass
        The dimensionless mass w.

    Returns
    -------
    sympy.Expr
    """
    return 1 / (at + R(at) + mass)


def _shifted_fermion(model: YukawaModel, kin: Kinematics, shifted: ShiftedLine) -> Clifford:
    """K^-1(q + p) with each coefficient a shifted atom: c_1 (q/ + p/) + c_0 (flavour-mass part)."""
    own = Kinematics(YP, sp.Integer(0), sp.Integer(0))
    inverse = fermion_kernel(model, radial_background(model), own, 1 + RF(YP)).inverse()
    out = Clifford.make({}, kin)
    momentum = Clifford.slash("q", 1, model.flavour_dim, kin) + Clifford.slash("p", 1, model.flavour_dim, kin)
    for (word, g5), matrix in inverse.terms:
        if word not in ((), ("q",)):
            raise AssertionError(f"unexpected word {word} in a propagator")
        flav = sp.zeros(*matrix.shape)
        for i, j in itertools.product(range(matrix.shape[0]), repeat=2):
            if matrix[i, j] != 0:
                flav[i, j] = shifted.add(matrix[i, j])
        element = Clifford.of(((), g5), flav, kin)
        out = out + (momentum * element if word == ("q",) else element)
    return out


def _unshifted_fermion(model: YukawaModel, kin: Kinematics) -> Clifford:
    return fermion_kernel(model, radial_background(model), kin, 1 + RF(Y)).inverse()


def _vertex_matrix(bosons: int, external: int) -> tuple[sp.Matrix, tuple[sp.Expr, ...]]:
    """V_ab = d^3 U / d phi_e d phi_a d phi_b on the background s e_1, and the boson masses."""
    from rgsym.hessian import derivative_symbol, potential_jet


    phis = sp.symbols(f"phi_1:{bosons + 1}", real=True)
    rho = sum(p**2 for p in phis) / 2
    jet = potential_jet([rho], [S**2 / 2], 3)
    on = {derivative_symbol((k,)): u for k, u in ((1, U1), (2, U2), (3, U3))}
    background = {phis[0]: S} | {p: 0 for p in phis[1:]}
    third = sp.Matrix(bosons, bosons, lambda a, b: sp.expand(
        sp.diff(jet, phis[external], phis[a], phis[b]).xreplace(background).xreplace(on)))
    masses = tuple(sp.expand(sp.diff(jet, p, p).xreplace(background).xreplace(on)) for p in phis)
    return third, masses


def project_ring(expr: sp.Expr, shifted: ShiftedLine, d: sp.Expr, kind: str) -> sp.Expr:
    """The p^2 coefficient (kind 'p2') or, for an expression linear in p, the coefficient of p^2
    after multiplication by p (kind 'linear'), as an integrand in y (measure included).

    Parameters
    ----------
    expr
        A ring, polynomial in ``PQ``, ``P2`` and the atoms of ``shifted`` (one atom a term).
    shifted
        The shifted line whose atoms ``expr`` contains.
    d
        The dimension.
    kind
        ``"p2"`` or ``"linear"``.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    AssertionError
        If a term of ``expr`` does not hold exactly one shifted atom.
    """
    from rgsym.integrate import p2_kernel

    expr = sp.expand(expr)
    measure = Y ** (d / 2 - 1)
    total = sp.Integer(0)
    poly = sp.Poly(expr, PQ, P2, *shifted.atoms)
    for monomial, coefficient in poly.terms():
        i, j, *powers = monomial
        if sum(powers) != 1:
            raise AssertionError("a ring term must have exactly one shifted line")
        atom = list(shifted.atoms)[powers.index(1)]
        a = coefficient.subs(Y, Y)
        b = shifted.atoms[atom].subs(YP, Y)
        db = sp.diff(b, Y)
        if (i, j) == (0, 0):
            if kind == "p2":
                total += p2_kernel(d) * sp.diff(a, Y) * db
        elif (i, j) == (1, 0):
            total += measure * 2 * Y / d * a * db
        elif (i, j) == (0, 1):
            total += measure * a * b
        elif (i, j) == (2, 0):
            total += measure * Y / d * a * b
    return total


def regulator_variation(expr: sp.Expr) -> sp.Expr:
    """d~_t: r -> (2 - eta_phi) r - 2 y r', r_F -> -eta_psi r_F - 2 y r_F' (a functional derivative).

    Parameters
    ----------
    expr
        An integrand in ``Y`` holding the regulator shapes ``R(Y)`` and ``RF(Y)``.

    Returns
    -------
    sympy.Expr
        The derivative of ``expr`` along the scale derivative of the regulators.
    """
    eps = sp.Symbol("epsilon_t")
    rate_b = (2 - ETA_PHI) * R(Y) - 2 * Y * sp.diff(R(Y), Y)
    rate_f = -ETA_PSI * RF(Y) - 2 * Y * sp.diff(RF(Y), Y)
    moved = expr.subs({R(Y): R(Y) + eps * rate_b, RF(Y): RF(Y) + eps * rate_f}).doit()
    return sp.diff(moved, eps).subs(eps, 0).doit()


@dataclass(frozen=True)
class AnomalousDimensions:
    """The loop parts of -eta_phi and -eta_psi (before solving), in U1, U2, U3, S, H, eta_phi, eta_psi.

    Attributes
    ----------
    boson, fermion
        d/dp^2 d_t Gamma_ee^(2) and the i p/ coefficient of d_t Gamma_psibar psi; eta = -(these).
    """

    boson: sp.Expr
    fermion: sp.Expr


@dataclass(frozen=True)
class TwoPointRings:
    """The two-point functions at external momentum p before projection, with their shifted lines.

    Attributes
    ----------
    boson, boson_shifted
        The boson two-point function of the external component (boson ring and fermion ring), and
        the atoms standing for its functions of y_p.
    fermion, fermion_shifted
        Tr[p/ Sigma] / (i d_gamma-free flavour trace) of the fermion self-energy, and its atoms.
    """

    boson: sp.Expr
    boson_shifted: ShiftedLine
    fermion: sp.Expr
    fermion_shifted: ShiftedLine


def two_point_rings(model: YukawaModel, external: int = 0) -> TwoPointRings:
    """Build the boson and fermion two-point rings of the module docstring (before projection).

    Parameters
    ----------
    model
        The Yukawa theory.
    external
        The boson component whose two-point function defines eta_phi (0: radial).

    Returns
    -------
    TwoPointRings
        Shared by :func:`anomalous_dimensions` and the paper notation
        (:mod:`rgsym.yukawa_eta_notation`).
    """
    kin = Kinematics(Y, P2, PQ)
    bosons = len(model.matrices)
    third, masses = _vertex_matrix(bosons, external)
    shifted = ShiftedLine({})
    f = model.flavour_dim
    # boson two-point function: boson ring and fermion ring
    ring = sp.Integer(0)
    for a, b in itertools.product(range(bosons), repeat=2):
        if third[a, b] != 0:
            atom = shifted.add(boson_propagator(YP, masses[b]))
            ring += -sp.Rational(1, 2) * third[a, b] * third[b, a] * boson_propagator(Y, masses[a]) * atom
    g_q = _unshifted_fermion(model, kin)
    g_qp = _shifted_fermion(model, kin, shifted)
    t_e = model.matrices[external]
    fermion_ring = (g_q * t_e * g_qp * t_e).trace(model.spinor_dim)
    ring += model.flavours * H**2 * fermion_ring
    # fermion two-point function: its i p/ coefficient, Tr[p/ X] / (i d_gamma f p^2)
    shifted_f = ShiftedLine({})
    g_qp = _shifted_fermion(model, kin, shifted_f)
    self_energy = Clifford.make({}, kin)
    for t, w in zip(model.matrices, masses, strict=True):
        self_energy = self_energy + (t * g_qp * t).scale(-H**2 * boson_propagator(Y, w))
    p_slash = Clifford.slash("p", 1, f, kin)
    traced = (p_slash * self_energy).trace(1) / (sp.I * f)
    return TwoPointRings(ring, shifted, traced, shifted_f)


@functools.lru_cache(maxsize=8)
def anomalous_dimensions(model: YukawaModel, d: sp.Expr, external: int = 0,
                         regulator: Regulator | None = None) -> AnomalousDimensions:
    """Derive and integrate the two projections (:func:`rgsym.fermion_thresholds.loop_integral`).

    Parameters
    ----------
    model
        The Yukawa theory.
    d
        Dimension.
    regulator
        The boson regulator (default: Litim with alpha = 1); the fermion one follows from it.
    external
        The boson component whose two-point function defines eta_phi (0: radial).

    Returns
    -------
    AnomalousDimensions
        Kept for the last few theories in the process (the polynomial and the full-potential routes
        of one spec both need them).
    """
    if regulator is None:
        from rgsym.regulators import LITIM

        regulator = LITIM.with_alpha(sp.Integer(1))
    rings = two_point_rings(model, external)
    boson_p2 = regulator_variation(project_ring(rings.boson, rings.boson_shifted, d, "p2"))
    boson_eta = 2 * angular_factor(d) * loop_integral(boson_p2, regulator, d)
    projected = project_ring(rings.fermion, rings.fermion_shifted, d, "linear")
    fermion_eta = 2 * angular_factor(d) * loop_integral(regulator_variation(projected), regulator, d)
    return AnomalousDimensions(boson_eta, fermion_eta)
