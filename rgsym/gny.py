"""GNY: the flows of Gross-Neveu-Yukawa models in the LPA, from the supertrace of :mod:`rgsym.fermions`.

Truncation (dimensionless, Z_phi = Z_psi = 1 in the LPA):

    Gamma_k = int [ psibar d-slash psi + (1/2) (d phi)^2 + U(rho) + h phi_a psibar T_a psi ].

The loop densities of :mod:`rgsym.fermions` (the potential's, and the fermion two-point
function's projection on T_1 at p = 0) are functions of y, the regulator values r_B, a_F =
1 + r_F and their d~_t, the background s = |phi| (rho = s^2/2), the potential's derivatives
u' and u'' at rho and h.  Here the regulator is put in and the y-integral done:

* the boson regulator R_B = Z_phi k^2 r(y) of the spec, with d~_t R_B / (Z_phi k^2) derived
  (:func:`rgsym.integrate.regulator_insertion`);
* the fermion regulator R_F = i Z_psi q/ r_F(y) with y (1 + r_F)^2 = y + r(y), so that bosons and
  fermions share the regularised kinetic term P(y) = y + r(y) (for Litim r_F = (1/sqrt(y) - 1)
  theta(1 - y), the choice of Gies et al. and Janssen-Herbut); d~_t r_F is derived likewise.

The y-integrals are those of :mod:`rgsym.fermion_thresholds`: closed with Litim (the denominators
are constant where d~_t R does not vanish, y < 1), by quadrature for smooth regulators.

Projection: d_t u = -d u + (d - 2) rho u' + L_u(rho); the Yukawa coupling is read off the
rho-derivative of the fermion mass term, d_t (h s) = L_h(s), d_t h = dL_h/ds at the expansion
point (the running minimum kappa, or zero), and h^2 = h_bar^2 k^(d-4) scales with d - 4.

References
----------
Gies, Janssen, Rechenberger, Scherer, PRD 81 (2010) 025009, arXiv:0910.0764, sec. III and app. B
(the same truncation and projections); Janssen, Herbut, PRB 89 (2014) 205403, arXiv:1402.6277;
Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122, sec. 5.2.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import sympy as sp

from rgsym.fermion_thresholds import RF, R, loop_integral
from rgsym.fermions import (
    A_F,
    ADOT_F,
    R_B,
    RDOT_B,
    U1,
    U2,
    U3,
    H,
    S,
    Y,
    YukawaModel,
    boson_masses,
    potential_density,
    yukawa_density,
)
from rgsym.regulators import Regulator
from rgsym.symbols import angular_factor

if TYPE_CHECKING:
    import symengine as se

    from rgsym.betasystem import BetaSystem
    from rgsym.couplings import Coupling
    from rgsym.series import Series
    from rgsym.spec import Theory, TheorySpec

RHO = sp.Symbol("rho", nonnegative=True)
ZERO = sp.Integer(0)
#: The dimensionless squared Yukawa coupling.
H2 = sp.Symbol("h2", positive=True)


@dataclass(frozen=True)
class YukawaLoops:
    """The integrated loops of a Yukawa theory, as functions of the jet at rho.

    Attributes
    ----------
    potential
        L_u(rho): the loop part of d_t u, in U1 = u', U2 = u'', RHO and H2.
    yukawa
        The loop part of d_t h / h at rho (the rho-derivative projection), in U1, U2, U3, RHO, H2.
    """

    potential: sp.Expr
    yukawa: sp.Expr


def integrate_density(density: sp.Expr, regulator: Regulator, d: sp.Expr, eta_phi: sp.Expr,
                      eta_psi: sp.Expr) -> sp.Expr:
    """v_d int_0^oo dy y^(d/2-1) density, by :func:`rgsym.fermion_thresholds.loop_integral`.

    The density's regulator symbols become the shapes: r_B -> r(y), a_F -> 1 + r_F(y), and the
    insertions d~_t R_B / (Z_phi k^2) = (2 - eta_phi) r - 2 y r' and d~_t a_F = -eta_psi r_F
    - 2 y r_F' (from R_B = Z_phi k^2 r(q^2/k^2), R_F = Z_psi q/ r_F(q^2/k^2), d_t Z = -eta Z).
    """
    rdot = (2 - eta_phi) * R(Y) - 2 * Y * sp.diff(R(Y), Y)
    adot = -eta_psi * RF(Y) - 2 * Y * sp.diff(RF(Y), Y)
    integrand = density.xreplace({RDOT_B: rdot, ADOT_F: adot}).xreplace({R_B: R(Y), A_F: 1 + RF(Y)})
    return angular_factor(d) * loop_integral(Y ** (d / 2 - 1) * integrand, regulator, d)


@functools.lru_cache(maxsize=8)
def yukawa_loops(model: YukawaModel, regulator: Regulator, d: sp.Expr, eta_phi: sp.Expr = ZERO,
                 eta_psi: sp.Expr = ZERO) -> YukawaLoops:
    """Derive and integrate the potential and Yukawa loops of ``model``.

    Parameters
    ----------
    model
        The algebra data (matrices T_a, spinor dimension, flavours).
    regulator
        The boson regulator (the fermion one follows from it).
    d
        Dimension.
    eta_phi, eta_psi
        Anomalous dimensions (0 in the LPA).

    Returns
    -------
    YukawaLoops
        Kept for the last few theories in the process (the polynomial and the full-potential routes
        of one spec both need them).
    """
    masses = boson_masses(U1, U2, len(model.matrices))
    on_rho = {S: sp.sqrt(2 * RHO)}
    pot = integrate_density(potential_density(model, masses), regulator, d, eta_phi, eta_psi)
    pot = pot.xreplace(on_rho).subs(H, sp.sqrt(H2))
    # the T_1 part of d_t Gamma_psibar psi(p = 0) is d_t(h s) = L_h(s); d_t h = d L_h / d s
    mass_loop = integrate_density(yukawa_density(model, masses), regulator, d, eta_phi, eta_psi)
    ds = sp.diff(mass_loop, S) + S * (sp.diff(mass_loop, U1) * U2 + sp.diff(mass_loop, U2) * U3)
    per_h = sp.expand(ds / H).xreplace(on_rho).subs(H, sp.sqrt(H2))
    return YukawaLoops(pot, per_h)


def _taylor_coefficients(potential: sp.Expr, d: sp.Expr, order: int, point: sp.Expr, lam: dict[int, sp.Expr],
                         h2: sp.Expr, eta_phi: sp.Expr) -> list[sp.Expr]:
    """f_n = (d/drho)^(n-1) d_t u' at the expansion point, n = 1 .. order + 1.

    d_t u' = -(2 - eta_phi) u' + (d - 2 + eta_phi) rho u'' + d L_u / drho, with u'(rho) the
    polynomial sum_k lambda_(k+1) x^k / k! in x = rho - point: L_u is expanded as a truncated
    series in x (:func:`rgsym.series.compose`), which is the Taylor expansion of the total
    rho-derivatives without building them.
    """
    import symengine as se

    from rgsym.series import Series, compose

    weights, top = (1,), order + 1

    def polynomial(shift: int) -> Series:  # u^(shift)(rho) around the point
        return Series({(k,): se.sympify(lam.get(k + shift, 0)) / sp.factorial(k) for k in range(top + 1)},
                      weights, top)

    x = Series.variable(0, weights, top)
    rho = Series.constant(se.sympify(point), weights, top) + x
    subs: dict[se.Basic, Series] = {RHO: rho, U1: polynomial(1), U2: polynomial(2),
                                    H2: Series.constant(se.sympify(h2), weights, top)}
    # back to sympy with the original symbols (symengine keeps no assumptions)
    inputs = (potential, d, point, h2, eta_phi, *lam.values())
    known = set().union(*(sp.sympify(e).free_symbols for e in inputs))
    back: dict[sp.Basic, sp.Basic] = {sp.Symbol(s.name): s for s in known}
    potential = _threshold_series(potential, subs, weights, top, back)
    loop = compose(se.sympify(potential), subs, weights, top)
    scaling = (subs[U1].scale(se.sympify(-(2 - eta_phi)))
               + (rho * subs[U2]).scale(se.sympify(d - 2 + eta_phi)))
    flow = [scaling.coefficient((k,)) + (k + 1) * loop.coefficient((k + 1,)) for k in range(top)]
    return [sp.sympify(c).xreplace(back) * sp.factorial(k) for k, c in enumerate(flow)]


def _threshold_series(potential: sp.Expr, subs: dict[se.Basic, Series], weights: tuple[int, ...], top: int,
                      back: dict[sp.Basic, sp.Basic]) -> sp.Expr:
    """Quadrature integrals (smooth regulators) in ``potential`` replaced by symbols with their series.

    A threshold integral T(w_1, ..., w_n) of the masses is a function symengine cannot hold; its
    Taylor series sum_a d^a T(w0) prod_i delta_i^(a_i) / a_i! (delta_i = w_i - w_i(0) as series)
    is put into ``subs`` under a new symbol, each derivative d^a T(w0) (again a threshold integral,
    by its own derivative rule in the masses) under a symbol that ``back`` turns into it.
    """
    import symengine as se

    from rgsym.series import Series, compose
    from rgsym.threshold import ThresholdIntegral

    atoms = sorted(potential.atoms(ThresholdIntegral), key=sp.default_sort_key)
    swap = {}
    for k, atom in enumerate(atoms):
        masses = atom.masses
        generic = sp.symbols(f"_m0:{len(masses)}")
        template = atom.func(*atom.args[: len(atom.args) - len(masses)], *generic)
        arguments = [compose(se.sympify(w), subs, weights, top) for w in masses]
        at = {g: sp.sympify(a.constant_term()).xreplace(back)
              for g, a in zip(generic, arguments, strict=True)}
        deltas = [a.without_constant() for a in arguments]
        total = Series.constant(0, weights, top)
        for alpha in itertools.product(range(top + 1), repeat=len(masses)):
            if sum(alpha) > top:
                continue
            derivative = template
            for g, n in zip(generic, alpha, strict=True):
                derivative = derivative.diff(g, n) if n else derivative
            name = se.Symbol(f"_threshold_{k}_" + "_".join(map(str, alpha)))
            back[sp.Symbol(name.name)] = derivative.xreplace(at)
            term = Series.constant(name / math.prod(math.factorial(n) for n in alpha), weights, top)
            for delta, n in zip(deltas, alpha, strict=True):
                term = term * delta ** n
            total = total + term
        placeholder = se.Symbol(f"_threshold_{k}")
        subs[placeholder] = total
        swap[atom] = sp.Symbol(placeholder.name)
    return potential.xreplace(swap)


def _jet(n: int) -> list[sp.Symbol]:
    """U1 .. Un: u'(rho), u''(rho), ... (U1..U3 are the module's symbols)."""
    return [U1, U2, U3] + [sp.Symbol(f"U{k}", real=True) for k in range(4, n + 1)]


@dataclass(frozen=True)
class YukawaProjection:
    """The polynomial truncation of a Yukawa theory: couplings and their betas (sympy).

    Attributes
    ----------
    names
        kappa (around the minimum) or lambda_1 (around zero), lambda_2, ..., then h2.
    betas
        d_t of each, in the coupling symbols.
    masses
        Radial, Goldstone (when N_b > 1) and fermion dimensionless masses at the expansion point.
    """

    names: tuple[str, ...]
    betas: tuple[sp.Expr, ...]
    masses: tuple[sp.Expr, ...]


def project_polynomial(loops: YukawaLoops, d: sp.Expr, order: int, around: str, bosons: int,
                       eta_phi: sp.Expr = ZERO, eta_psi: sp.Expr = ZERO) -> YukawaProjection:
    """Taylor coefficients of d_t u' at the expansion point, and d_t h^2 there.

    Around the running minimum (u'(kappa) = 0 at all t): d_t kappa = -f_1 / lambda_2 and
    d_t lambda_n = f_n + lambda_(n+1) d_t kappa, with f_n = (d/drho)^(n-1) d_t u' at kappa.
    Around zero: d_t lambda_n = f_n at rho = 0.  d_t h^2 = (d - 4 + eta_phi + 2 eta_psi) h^2
    + 2 h^2 (d_t h / h)|_loop at the same point.
    """
    from rgsym.symbols import coupling

    lam = {k: coupling(f"lambda_{k}") for k in range(1 if around == "zero" else 2, order + 2)}
    kappa = coupling("kappa")
    point = sp.Integer(0) if around == "zero" else kappa
    jet = _jet(3)
    values = {RHO: point} | {u: lam.get(k + 1, sp.Integer(0)) for k, u in enumerate(jet)}
    h2 = coupling("h2")
    at = {**values, H2: h2}
    fn = _taylor_coefficients(loops.potential, d, order, point, lam, h2, eta_phi)  # fn[k] = f_(k+1)
    beta_h2 = (d - 4 + eta_phi + 2 * eta_psi) * h2 + 2 * h2 * loops.yukawa.xreplace(at)
    if around == "zero":
        names = tuple(f"lambda_{k}" for k in lam)
        betas = [fn[k - 1] for k in lam]
    else:
        beta_kappa = -fn[0] / lam[2]
        names = ("kappa", *(f"lambda_{k}" for k in lam))
        betas = [beta_kappa] + [fn[k - 1] + lam.get(k + 1, 0) * beta_kappa for k in lam]
    masses = boson_masses(values[U1], values[U2], bosons)
    w = [sp.expand(m.xreplace({S: sp.sqrt(2 * point)})) for m in masses[:2]]
    return YukawaProjection((*names, "h2"), (*betas, beta_h2), (*w, sp.expand(2 * h2 * point)))


def yukawa_model(theory: Theory) -> YukawaModel:
    """The algebra data of the spec's Yukawa theory (matrices read and checked by the spec)."""
    from rgsym.fermions import yukawa_matrices

    matrices, flavour = yukawa_matrices(theory.yukawa)
    (fermion,) = theory.fermions
    return YukawaModel(matrices, flavour, sp.Integer(fermion.spinor_dim), fermion.loop_flavours)


@dataclass(frozen=True)
class YukawaFlow:
    """The projected flow of a Yukawa spec, before it becomes a BetaSystem.

    Attributes
    ----------
    couplings
        kappa (or lambda_1) and the order-1 couplings, h2, then the higher lambda_k: the order of
        the BetaSystem.
    betas
        Their betas, with eta_phi and eta_psi as the symbols of :mod:`rgsym.yukawa_eta` in LPA'.
    etas
        eta_phi and eta_psi in the couplings (LPA'), or () in the LPA.
    implicit
        The equations they solve, eta = F(eta_phi, eta_psi) (:func:`anomalous_equations`), or ().
    masses
        Radial, Goldstone and fermion masses at the expansion point.
    bosons, components
        The boson components, and the fermion components per Dirac field (for the natural scales).
    """

    couplings: tuple[Coupling, ...]
    betas: tuple[sp.Expr, ...]
    etas: tuple[sp.Expr, ...]
    implicit: tuple[sp.Expr, ...]
    masses: tuple[sp.Expr, ...]
    bosons: int
    components: sp.Expr


@functools.lru_cache(maxsize=4)
def yukawa_flow(spec: TheorySpec) -> YukawaFlow:
    """Derive, integrate and project the flow of a Gross-Neveu-Yukawa spec (etas kept as symbols).

    Parameters
    ----------
    spec
        A spec with theory.fermions and theory.yukawa (checked by :mod:`rgsym.spec`).

    Returns
    -------
    YukawaFlow

    Notes
    -----
    Kept for the last few specs in the process: ``--emit latex`` needs it for the BetaSystem and
    again for the paper notation (:func:`rgsym.yukawa_notation.yukawa_flow_notation`).
    """
    from rgsym.couplings import Coupling
    from rgsym.integrate import regulator_of
    from rgsym.yukawa_eta import ETA_PHI, ETA_PSI

    model = yukawa_model(spec.theory)
    d = spec.theory.d
    tr = spec.truncation
    bosons = len(model.matrices)
    prime = tr.scheme == "lpa'"
    eta_phi, eta_psi = (ETA_PHI, ETA_PSI) if prime else (sp.Integer(0), sp.Integer(0))
    regulator = regulator_of(spec.regulator)
    loops = yukawa_loops(model, regulator, d, eta_phi, eta_psi)
    projection = project_polynomial(loops, d, tr.order, tr.expand_around, bosons, eta_phi, eta_psi)
    etas: tuple[sp.Expr, ...] = ()
    implicit: tuple[sp.Expr, ...] = ()
    if prime:
        external = 1 if tr.eta_projection == "goldstone" and bosons > 1 else 0
        implicit = anomalous_equations(model, d, tr.order, tr.expand_around, external, regulator)
        etas = solve_anomalous_equations((implicit[0], implicit[1]))
    couplings = []
    for name in projection.names:
        if name == "kappa":
            couplings.append(Coupling("kappa", r"\kappa", (0,), True))
        elif name == "h2":
            couplings.append(Coupling("h2", "h^{2}", (0,)))
        else:
            k = int(name.split("_")[1])
            couplings.append(Coupling(name, rf"\lambda_{{{k}}}", (k,)))
    # h2 belongs to the lowest truncation order: it goes after the order-1 couplings
    first = sum(1 for cp in couplings if cp.name != "h2" and cp.order == 1)
    order = [*range(first), len(couplings) - 1, *range(first, len(couplings) - 1)]
    return YukawaFlow(tuple(couplings[i] for i in order), tuple(projection.betas[i] for i in order), etas,
                      implicit, projection.masses, bosons, model.components)


def derive_gny(spec: TheorySpec) -> BetaSystem:
    """The BetaSystem of a Gross-Neveu-Yukawa spec: derive, integrate, project, assemble.

    Parameters
    ----------
    spec
        A spec with theory.fermions and theory.yukawa (checked by :mod:`rgsym.spec`).

    Returns
    -------
    BetaSystem
        Couplings kappa (or lambda_1), lambda_2, ..., h2.
    """

    from rgsym.project import _with_placeholders, assemble_system
    from rgsym.threshold import ThresholdIntegral
    from rgsym.yukawa_eta import ETA_PHI, ETA_PSI

    flow = yukawa_flow(spec)
    d = spec.theory.d
    tr = spec.truncation
    betas = flow.betas
    if flow.etas:
        put = {ETA_PHI: flow.etas[0], ETA_PSI: flow.etas[1]}
        betas = tuple(b.xreplace(put) for b in betas)
    # natural scales: c = (bosons + fermion components) x the loop at zero mass (as for the LPA)
    loop = 2 * angular_factor(d) / d  # v_d int_0^1 y^(d/2-1) 2 dy, Litim
    c = (flow.bosons + flow.components) * loop
    scales = tuple(c if cp.is_minimum else (1 / c if cp.name == "h2" else c ** (1 - cp.index[0]) *
                                            sp.factorial(cp.index[0])) for cp in flow.couplings)
    # quadrature integrals (smooth regulators) enter as placeholders, evaluated by the numerics
    numeric: dict[se.Symbol, ThresholdIntegral] = {}
    placed = [_with_placeholders(b, numeric) for b in betas]
    fields = ", ".join(f"{b.name}[{b.components}]" for b in spec.theory.blocks)
    (fermion,) = spec.theory.fermions
    kind = " Majorana" if fermion.majorana else ""
    name = (f"{tr.scheme.upper()} Yukawa ({fields}; {fermion.name}[{fermion.flavours} x "
            f"{fermion.spinor_dim}{kind}]), d={d}, polynomial order {tr.order} around {tr.expand_around}, "
            f"{spec.regulator.kind} regulator, wetterich")
    eta = flow.etas[0] if flow.etas else sp.Integer(0)
    system = assemble_system(name, spec, flow.couplings, placed, eta, numeric, flow.masses, scales)
    if not flow.etas:
        return system
    return replace(system, etas=(("eta_phi", flow.etas[0]), ("eta_psi", flow.etas[1])))


def anomalous_equations(model: YukawaModel, d: sp.Expr, order: int, around: str, external: int,
                        regulator: Regulator | None = None) -> tuple[sp.Expr, sp.Expr]:
    """The right-hand sides F of eta_phi = F_phi(eta_phi, eta_psi), eta_psi = F_psi(eta_phi, eta_psi)
    at the expansion point, in the couplings: the two projections of
    :func:`rgsym.yukawa_eta.anomalous_dimensions` (linear in the etas)."""
    from rgsym.symbols import coupling
    from rgsym.yukawa_eta import anomalous_dimensions

    raw = anomalous_dimensions(model, d, external, regulator)
    point = sp.Integer(0) if around == "zero" else coupling("kappa")
    first = 1 if around == "zero" else 2
    lam = {k: coupling(f"lambda_{k}") for k in range(first, order + 2)}
    at = {S: sp.sqrt(2 * point), H: sp.sqrt(coupling("h2")), U1: lam.get(1, sp.Integer(0)),
          U2: lam.get(2, sp.Integer(0)), U3: lam.get(3, sp.Integer(0))}
    return -raw.boson.xreplace(at), -raw.fermion.xreplace(at)


def solve_anomalous_equations(equations: tuple[sp.Expr, sp.Expr]) -> tuple[sp.Expr, sp.Expr]:
    """eta_phi and eta_psi from :func:`anomalous_equations` (a linear system), by Cramer's rule."""
    from rgsym.yukawa_eta import ETA_PHI, ETA_PSI

    zero = [ETA_PHI - equations[0], ETA_PSI - equations[1]]
    matrix, rhs = sp.linear_eq_to_matrix([sp.expand(e) for e in zero], [ETA_PHI, ETA_PSI])
    (a11, a12), (a21, a22) = matrix.tolist()
    b1, b2 = rhs
    # Cramer's rule, left uncancelled: cancelling the rational functions costs minutes at higher
    # orders and changes nothing but the form (the compiled betas evaluate the same numbers)
    det = a11 * a22 - a12 * a21
    return (b1 * a22 - a12 * b2) / det, (a11 * b2 - a21 * b1) / det


def solved_anomalous_dimensions(model: YukawaModel, d: sp.Expr, order: int, around: str, external: int,
                                regulator: Regulator | None = None) -> tuple[sp.Expr, sp.Expr]:
    """eta_phi and eta_psi at the expansion point, in the couplings (:func:`anomalous_equations`,
    solved)."""
    return solve_anomalous_equations(anomalous_equations(model, d, order, around, external, regulator))
