"""The flow of a Yukawa theory in paper notation: the potential's loop as named threshold functions.

The supertrace of :mod:`rgsym.fermions` gives the loop of d_t u as a density linear in the two
regulator insertions (d~_t r of the bosons, d~_t r_F of the fermions).  Split along them, and the
boson part in partial fractions of its propagators, it is

    L_u(rho) = sum_i n_i l_B(w_i) + c_F l_F(w_F),

with one boson threshold function per mode mass w_i (multiplicity n_i) and one fermion threshold
function of the fermion mass w_F, both defined by their y-integrals:

    l_B(w) = v_d int_0^oo dy y^(d/2-1) d~_t r(y) / (y + r(y) + w),
             d~_t r = (2 - eta_phi) r - 2 y r',
    l_F(w) = v_d int_0^oo dy y^(d/2-1) y (1 + r_F) d~_t r_F / (y (1 + r_F)^2 + w),
             d~_t r_F = -eta_psi r_F - 2 y r_F'.

The loop of the Yukawa vertex is a ring of one fermion and one boson propagator.  Before d~_t it
is a sum of C_j(s) (P_F + w_F)^(-n_F) (P_B + w_B)^(-n_B) (P_B = y + r, P_F = y (1 + r_F)^2, found
by partial fractions in P_B), so its integral is a sum of

    l_(n_F, n_B)(w_F, w_B) = v_d int_0^oo dy y^(d/2-1) d~_t [(P_F + w_F)^(-n_F) (P_B + w_B)^(-n_B)],

and the flow of h, the s-derivative of that loop at the expansion point, follows from the rules
d l_(n_F, n_B) / d w_F = -n_F l_(n_F + 1, n_B) (and the same in w_B): :class:`MixedThreshold`.

The eta equations are written in named m-functions by :mod:`rgsym.yukawa_eta_notation`.

The multiplicities, the masses and the sign and weight c_F of the fermion loop (-2 d_gamma N_f per
Dirac field, half of it for a Majorana one) come out of the algebra here; nothing is typed.  The
closed forms of l_B and l_F for the Litim regulator are the same y-integrals
(:func:`rgsym.fermion_thresholds.loop_integral`); :func:`potential_loop` puts them back together,
and the tests check that this is the loop :func:`rgsym.gny.yukawa_loops` integrates.

:func:`yukawa_flow_notation` also keeps the betas with eta_phi and eta_psi as symbols, and the
two etas apart, which is how a paper states an LPA' flow (the BetaSystem has them put in).

References
----------
Gies, Janssen, Rechenberger, Scherer, PRD 81 (2010) 025009, arXiv:0910.0764, eqs. (11)-(13) and
app. B (the same split into boson and fermion threshold functions, and the Litim forms);
Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122, sec. 5.2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy as sp

from rgsym.fermion_thresholds import RF, R, loop_integral
from rgsym.fermions import A_F, ADOT_F, R_B, RDOT_B, U1, U2, H, S, Y, YukawaModel, boson_masses
from rgsym.symbols import angular_factor

if TYPE_CHECKING:
    from rgsym.regulators import Regulator
    from rgsym.spec import TheorySpec

#: The dimensionless rho and the squared Yukawa coupling at rho (the symbols of :mod:`rgsym.gny`).
RHO = sp.Symbol("rho", nonnegative=True)
H2 = sp.Symbol("h2", positive=True)
#: The argument of the threshold functions.
W = sp.Symbol("w")


@dataclass(frozen=True)
class ThresholdTerm:
    """One term n l(w) of the potential's loop.

    Attributes
    ----------
    statistics
        ``"boson"`` (l_B) or ``"fermion"`` (l_F).
    factor
        The multiplicity n (bosons), or the sign and trace weight of the fermion loop.
    mass
        w, in u' (U1), u'' (U2), rho and h^2.
    """

    statistics: str
    factor: sp.Expr
    mass: sp.Expr


@dataclass(frozen=True)
class YukawaNotation:
    """A Yukawa flow in paper notation.

    Attributes
    ----------
    terms
        The potential's loop L_u(rho) = sum of :class:`ThresholdTerm`.
    boson_weight, fermion_weight
        The integrands of l_B(w) and l_F(w) per v_d y^(d/2-1), in y, r(y), r_F(y) and their y-derivatives.
    boson_closed, fermion_closed
        l_B(W) and l_F(W) in closed form, or None when the regulator needs quadrature.
    yukawa
        d_t h^2 at the expansion point in :class:`MixedThreshold` functions of the couplings.
    mixed_closed
        :func:`closed_mixed` (None when the regulator needs quadrature).
    names, betas
        The couplings (as in the BetaSystem) and their betas with eta_phi and eta_psi as symbols.
    etas
        The right-hand sides of the linear equations eta_phi = F_phi(eta_phi, eta_psi), eta_psi =
        F_psi(eta_phi, eta_psi) in the couplings (empty in the LPA); the BetaSystem has them solved.
    named_etas
        The same right-hand sides in :class:`rgsym.yukawa_eta_notation.EtaThreshold` functions
        (empty in the LPA).
    eta_closed
        (kind, closed form at W1[, W2]) of each of those functions, or empty (LPA, quadrature).
    """

    terms: tuple[ThresholdTerm, ...]
    boson_weight: sp.Expr
    fermion_weight: sp.Expr
    boson_closed: sp.Expr | None
    fermion_closed: sp.Expr | None
    yukawa: sp.Expr = sp.Integer(0)
    mixed_closed: sp.Expr | None = None
    names: tuple[str, ...] = ()
    betas: tuple[sp.Expr, ...] = ()
    etas: tuple[sp.Expr, ...] = ()
    named_etas: tuple[sp.Expr, ...] = ()
    eta_closed: tuple[tuple[str, sp.Expr], ...] = ()


def insertion_weights(eta_phi: sp.Expr, eta_psi: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """d~_t r and d~_t a_F = d~_t r_F for R_B = Z_phi k^2 r(q^2/k^2), R_F = Z_psi q/ r_F(q^2/k^2)."""
    return (2 - eta_phi) * R(Y) - 2 * Y * sp.diff(R(Y), Y), -eta_psi * RF(Y) - 2 * Y * sp.diff(RF(Y), Y)


def potential_terms(model: YukawaModel) -> tuple[ThresholdTerm, ...]:
    """Split the supertrace's potential density into boson and fermion threshold terms.

    Raises
    ------
    AssertionError
        If the density is not of the form sum_i n_i d~_t r / (y + r + w_i) + c a_F y d~_t a_F /
        (a_F^2 y + w_F) (the trace algebra would have changed).
    """
    from rgsym.fermions import potential_density

    masses = boson_masses(U1, U2, len(model.matrices))
    density = potential_density(model, masses)
    boson, fermion = sp.diff(density, RDOT_B), sp.diff(density, ADOT_F)
    if sp.simplify(density - boson * RDOT_B - fermion * ADOT_F) != 0:
        raise AssertionError("the potential density is not linear in the regulator insertions")
    on_rho = {S: sp.sqrt(2 * RHO)}
    terms: dict[sp.Expr, sp.Expr] = {}
    for part in sp.Add.make_args(sp.apart(sp.together(boson), R_B)):
        numerator, denominator = sp.fraction(sp.factor(part))
        mass = sp.expand(denominator - R_B - Y)
        if numerator.has(Y, R_B) or mass.has(Y, R_B):
            raise AssertionError(f"not a boson propagator term: {part}")
        mass = sp.expand(mass.xreplace(on_rho))
        terms[mass] = terms.get(mass, sp.Integer(0)) + numerator
    ordered = sorted(terms.items(), key=lambda kv: sp.default_sort_key(kv[0]))
    out = [ThresholdTerm("boson", n, w) for w, n in ordered]
    numerator, denominator = sp.fraction(sp.factor(fermion))
    mass = sp.expand(denominator - A_F**2 * Y)
    factor = sp.simplify(numerator / (A_F * Y))
    if factor.has(Y, A_F) or mass.has(Y, A_F):
        raise AssertionError(f"not a fermion propagator term: {fermion}")
    w_f = sp.expand(mass.xreplace(on_rho).subs(H, sp.sqrt(H2)))
    return (*out, ThresholdTerm("fermion", factor, w_f))


def threshold_weights(eta_phi: sp.Expr, eta_psi: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """The integrands of l_B(W) and l_F(W) per v_d y^(d/2-1) (see the module docstring)."""
    rdot, adot = insertion_weights(eta_phi, eta_psi)
    boson = rdot / (Y + R(Y) + W)
    fermion = Y * (1 + RF(Y)) * adot / (Y * (1 + RF(Y)) ** 2 + W)
    return boson, fermion


def closed_thresholds(regulator: Regulator, d: sp.Expr, eta_phi: sp.Expr, eta_psi: sp.Expr
                      ) -> tuple[sp.Expr, sp.Expr] | None:
    """l_B(W), l_F(W) for a regulator with closed integrals (Litim), else None."""
    from rgsym.fermion_thresholds import _is_closed

    if not _is_closed(regulator):
        return None
    return tuple(sp.factor(angular_factor(d) * loop_integral(Y ** (d / 2 - 1) * weight, regulator, d))
                 for weight in threshold_weights(eta_phi, eta_psi))  # type: ignore[return-value]


def potential_loop(terms: tuple[ThresholdTerm, ...], boson: sp.Expr, fermion: sp.Expr) -> sp.Expr:
    """sum_i n_i l_B(w_i) + c_F l_F(w_F) with l_B(W) = ``boson``, l_F(W) = ``fermion``."""
    return sp.Add(*[t.factor * (boson if t.statistics == "boson" else fermion).subs(W, t.mass)
                    for t in terms])


class MixedThreshold(sp.Function):
    """l_(n_F, n_B)(w_F, w_B): the y-integral of d~_t of n_F fermion and n_B boson propagators.

    Arguments ``(n_F, n_B, w_F, w_B)``; the derivative in a mass raises its count (see the module
    docstring).  The Litim closed form is :func:`closed_mixed`.

    Examples
    --------
    >>> wf, wb = sp.symbols("w_F w_B")
    >>> MixedThreshold(1, 1, wf, wb).diff(wb)
    -MixedThreshold(1, 2, w_F, w_B)
    """

    nargs = 4

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        """d/dw_F and d/dw_B (the counts are integers, not variables)."""
        n_f, n_b, w_f, w_b = self.args
        if argindex == 3:
            return -n_f * MixedThreshold(n_f + 1, n_b, w_f, w_b)
        if argindex == 4:
            return -n_b * MixedThreshold(n_f, n_b + 1, w_f, w_b)
        raise sp.ArgumentIndexError(self, argindex)


#: Generic counts and masses of the closed form of :class:`MixedThreshold`.
N_F, N_B = sp.symbols("n_F n_B", positive=True, integer=True)
W_F, W_B = sp.symbols("w_F w_B")


def yukawa_terms(model: YukawaModel) -> tuple[tuple[sp.Expr, int, int, sp.Expr, sp.Expr], ...]:
    """The Yukawa vertex's loop before d~_t as terms (C, n_F, n_B, w_F, w_B) of
    C (P_F + w_F)^(-n_F) (P_B + w_B)^(-n_B), in the jet symbols s, u', u'' and h.

    Raises
    ------
    AssertionError
        If a term is not of that form.
    """
    from rgsym.fermions import yukawa_density

    masses = boson_masses(U1, U2, len(model.matrices))
    pre = yukawa_density(model, masses, before_dt=True)
    out = []
    for term in sp.Add.make_args(sp.apart(sp.factor(pre), R_B)):
        coefficient, counts = sp.Integer(1), {"F": (0, sp.Integer(0)), "B": (0, sp.Integer(0))}
        for base, exponent in term.as_powers_dict().items():
            if base.has(R_B):
                kind, propagator = "B", Y + R_B
            elif base.has(A_F):
                kind, propagator = "F", A_F**2 * Y
            else:
                coefficient *= base**exponent
                continue
            mass = sp.expand(base - propagator)
            if not (exponent.is_Integer and exponent < 0) or mass.has(Y, R_B, A_F) or counts[kind][0]:
                raise AssertionError(f"not a propagator power: {base}**{exponent} in {term}")
            counts[kind] = (int(-exponent), mass)
        if coefficient.has(Y, R_B, A_F):
            raise AssertionError(f"a coefficient depends on y: {term}")
        (n_f, w_f), (n_b, w_b) = counts["F"], counts["B"]
        out.append((coefficient, n_f, n_b, w_f, w_b))
    return tuple(sorted(out, key=lambda t: sp.default_sort_key(sp.Tuple(*t))))


def yukawa_loop(model: YukawaModel) -> sp.Expr:
    """d_t h / h from the loop, in :class:`MixedThreshold` of the masses at rho (in U1, U2, U3, RHO,
    H2): the s-derivative of the vertex's loop (s = sqrt(2 rho), u' and u'' depend on s), as
    :func:`rgsym.gny.yukawa_loops` takes it of the integrated loop."""
    from rgsym.fermions import U3

    loop = sp.Add(*[c * MixedThreshold(n_f, n_b, w_f, w_b) for c, n_f, n_b, w_f, w_b in yukawa_terms(model)])
    ds = sp.diff(loop, S) + S * (sp.diff(loop, U1) * U2 + sp.diff(loop, U2) * U3)
    return sp.expand(ds / H).xreplace({S: sp.sqrt(2 * RHO)}).subs(H, sp.sqrt(H2))


def closed_mixed(regulator: Regulator, d: sp.Expr, eta_phi: sp.Expr, eta_psi: sp.Expr) -> sp.Expr | None:
    """l_(N_F, N_B)(W_F, W_B) in closed form for the Litim regulator (None for others)."""
    from rgsym.fermion_thresholds import _is_closed

    if not _is_closed(regulator):
        return None
    rdot, adot = insertion_weights(eta_phi, eta_psi)
    p_f, p_b = Y * (1 + RF(Y)) ** 2, Y + R(Y)
    dot_f, dot_b = 2 * Y * (1 + RF(Y)) * adot, rdot  # d~_t P_F, d~_t P_B
    rate = -N_F * dot_f / (p_f + W_F) - N_B * dot_b / (p_b + W_B)
    integrand = rate / ((p_f + W_F) ** N_F * (p_b + W_B) ** N_B)
    return sp.factor(angular_factor(d) * loop_integral(Y ** (d / 2 - 1) * integrand, regulator, d))


def with_closed_mixed(expr: sp.Expr, closed: sp.Expr) -> sp.Expr:
    """``expr`` with each :class:`MixedThreshold` replaced by the closed form ``closed``."""
    swap = {atom: closed.xreplace(dict(zip((N_F, N_B, W_F, W_B), atom.args, strict=True)))
            for atom in expr.atoms(MixedThreshold)}
    return expr.xreplace(swap)


def yukawa_flow_notation(spec: TheorySpec) -> YukawaNotation:
    """The paper notation of a Gross-Neveu-Yukawa spec (:class:`YukawaNotation`).

    Parameters
    ----------
    spec
        A spec with fermions (checked by :mod:`rgsym.spec`).

    Returns
    -------
    YukawaNotation
    """
    from rgsym.fermion_thresholds import _is_closed
    from rgsym.gny import yukawa_flow, yukawa_model
    from rgsym.integrate import regulator_of
    from rgsym.yukawa_eta import ETA_PHI, ETA_PSI
    from rgsym.yukawa_eta_notation import KINDS, closed_eta_threshold, named_anomalous_equations

    model = yukawa_model(spec.theory)
    prime = spec.truncation.scheme == "lpa'"
    eta_phi, eta_psi = (ETA_PHI, ETA_PSI) if prime else (sp.Integer(0), sp.Integer(0))
    regulator = regulator_of(spec.regulator)
    closed = closed_thresholds(regulator, spec.theory.d, eta_phi, eta_psi)
    boson, fermion = threshold_weights(eta_phi, eta_psi)
    flow = yukawa_flow(spec)
    yukawa = yukawa_beta(model, spec.theory.d, spec.truncation.order, spec.truncation.expand_around,
                         eta_phi, eta_psi)
    named: tuple[sp.Expr, ...] = ()
    eta_closed: tuple[tuple[str, sp.Expr], ...] = ()
    if prime:
        tr = spec.truncation
        external = 1 if tr.eta_projection == "goldstone" and len(model.matrices) > 1 else 0
        named = named_anomalous_equations(model, spec.theory.d, tr.order, tr.expand_around, external)
        if _is_closed(regulator):
            eta_closed = tuple((kind, closed_eta_threshold(kind, regulator, spec.theory.d)) for kind in KINDS)
    return YukawaNotation(potential_terms(model), boson, fermion, None if closed is None else closed[0],
                          None if closed is None else closed[1], yukawa,
                          closed_mixed(regulator, spec.theory.d, eta_phi, eta_psi),
                          tuple(c.name for c in flow.couplings), flow.betas, flow.implicit, named, eta_closed)


def yukawa_beta(model: YukawaModel, d: sp.Expr, order: int, around: str, eta_phi: sp.Expr,
                eta_psi: sp.Expr) -> sp.Expr:
    """d_t h^2 = (d - 4 + eta_phi + 2 eta_psi) h^2 + 2 h^2 (d_t h / h)_loop at the expansion point
    (rho = 0 or kappa), the loop in :class:`MixedThreshold` functions of the couplings."""
    from rgsym.fermions import U3
    from rgsym.symbols import coupling

    point = sp.Integer(0) if around == "zero" else coupling("kappa")
    first = 1 if around == "zero" else 2
    lam = {k: coupling(f"lambda_{k}") for k in range(first, order + 2)}
    h2 = coupling("h2")
    at = {RHO: point, H2: h2} | {u: lam.get(k + 1, sp.Integer(0)) for k, u in enumerate((U1, U2, U3))}
    loop = sp.expand(2 * h2 * yukawa_loop(model).xreplace(at))
    named = sorted(loop.atoms(MixedThreshold), key=sp.default_sort_key)
    return (d - 4 + eta_phi + 2 * eta_psi) * h2 + sp.collect(loop, named)
