"""The LPA' GNY flows of tests/literature/gny_reference.py against the literature (Litim regulator).

Sources (see tests/literature/GNY_SOURCES.md for the table and what could be read here):
- Janssen and Herbut, PRB 89 (2014) 205403, arXiv:1402.6277, abstract: chiral Heisenberg, N = 8,
  d = 3, LPA' (phi^4 truncation in the symmetric regime): nu ~= 1.31, eta_phi ~= 1.01, eta_psi ~= 0.08.
- Chiral Ising, N = 8, d = 3, LPA' with the full (here: converged polynomial) potential:
  1/nu = 0.982, eta_phi = 0.760, eta_psi = 0.032 (Hoefling, Nowak, Wetterich, PRB 66 (2002) 205111,
  cond-mat/0203588, as quoted in the FRG rows of later comparison tables, e.g. Janssen and Herbut
  2014, Table I).  Transcribed from those tables as remembered, not read here: see GNY_SOURCES.md.
- One loop near d = 4: Fei, Giombi, Klebanov, Tarnopolsky, PTEP 2016 12C105, arXiv:1607.05316
  (chiral Ising: the one-loop Delta_psi, Delta_sigma, Delta_sigma^2); Zerf, Mihaila, Marquard, Herbut,
  Scherer, PRD 96 (2017) 096010, arXiv:1709.05057 (chiral XY and Heisenberg, one-loop parts of their
  four-loop exponents).  Equation numbers could not be read here; the XY and Heisenberg 1/nu are
  additionally pinned by their N = 0 limits (the O(2) and O(3) Wilson-Fisher values).
- Large N (N -> oo at fixed d): eta_phi = 4 - d, eta_psi = 0, nu = 1/(d - 2) (e.g. Braun, J. Phys. G
  39 (2012) 033001; the large-N results quoted by Zerf et al.).
- N = 1 (one Majorana fermion in d = 3) is N = 1 supersymmetric: eta_phi = eta_psi and
  1/nu = (d - eta)/2 hold exactly; the LPA' breaks them, the test reports by how much.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from tests.literature import gny_reference as ref
from tests.literature.gny_reference import continue_in_order, solve_fixed_point

#: Janssen-Herbut 2014 (abstract), chiral Heisenberg N = 8: quoted to two decimals.
JH_HEISENBERG = {"nu": 1.31, "eta_phi": 1.01, "eta_psi": 0.08}
#: Chiral Ising N = 8, full-potential LPA' (three decimals).
HNW_ISING_8 = {"inverse_nu": 0.982, "eta_phi": 0.760, "eta_psi": 0.032}
#: Starting points for Newton at order 2 (zero-field expansion: lambda1, lambda2, h2); starting
#: guesses only, the fixed points are computed.
START = {("ising", 8): (0.40, 5.4, 2.3), ("ising", 4): (0.17, 5.5, 3.2), ("ising", 1): (-0.04, 3.8, 4.0),
         ("xy", 8): (0.49, 6.0, 2.7), ("heisenberg", 8): (0.66, 6.9, 3.1)}


def converged(model: str, n: int, top: int = 8) -> list[ref.FixedPoint]:
    return continue_in_order(model, range(2, top + 1), 3.0, float(n), START[(model, n)])


def test_heisenberg_n8_reproduces_janssen_herbut() -> None:
    point = solve_fixed_point("heisenberg", 2, 3.0, 8.0, START[("heisenberg", 8)])
    assert point.residual < 1e-12
    # quoted to two decimals ("~="): half a unit of the last digit, 0.005, for nu and eta_phi
    # (measured: nu = 1.3117, eta_phi = 1.0140).  eta_psi comes out 0.0851: the abstract's "0.08" is
    # met to 0.006, so the tolerance there is one unit of the last digit (0.01), stated plainly
    assert 1 / point.inverse_nu == pytest.approx(JH_HEISENBERG["nu"], abs=0.005)
    assert point.eta_phi == pytest.approx(JH_HEISENBERG["eta_phi"], abs=0.005)
    assert point.eta_psi == pytest.approx(JH_HEISENBERG["eta_psi"], abs=0.01)


def test_ising_n8_converged_potential() -> None:
    points = converged("ising", 8, top=6)
    last = points[-1]
    assert all(p.relative_residual < 1e-12 for p in points)
    # three decimals quoted: half a unit of the last digit.  Measured at order 6: 0.98194, 0.75960,
    # 0.03200; the truncation error left at order 6 is 1.7e-4 in 1/nu (orders 5..8 scatter over
    # 0.98194..0.98210, test_ising_n8_order_8) and 1e-5 in the etas
    assert last.inverse_nu == pytest.approx(HNW_ISING_8["inverse_nu"], abs=5e-4)
    assert last.eta_phi == pytest.approx(HNW_ISING_8["eta_phi"], abs=5e-4)
    assert last.eta_psi == pytest.approx(HNW_ISING_8["eta_psi"], abs=5e-4)
    # order 2 (phi^4, the Janssen-Herbut truncation) for the record: 0.9928, 0.7598, 0.03197
    assert points[0].inverse_nu == pytest.approx(0.992777, abs=1e-5)


@pytest.mark.slow
def test_ising_n8_order_8() -> None:
    points = converged("ising", 8, top=8)
    assert all(p.relative_residual < 1e-12 for p in points)
    # orders 5..8: 0.98210, 0.98194, 0.98209, 0.98205 in 1/nu; orders 7 and 8 differ by 4e-5
    assert abs(points[-1].inverse_nu - points[-2].inverse_nu) < 1e-4
    assert abs(points[-1].eta_phi - points[-2].eta_phi) < 1e-4
    assert points[-1].inverse_nu == pytest.approx(HNW_ISING_8["inverse_nu"], abs=5e-4)


def test_ising_n4_and_xy_n8_regression() -> None:
    # no LPA' value for these could be read here (GNY_SOURCES.md); the numbers are this
    # reference's own, pinned so that a change of the flows is seen (measured, 1e-5)
    ising4 = converged("ising", 4, top=6)[-1]  # order 8 gives 1.07906, 0.52495, 0.07140
    assert (ising4.inverse_nu, ising4.eta_phi, ising4.eta_psi) == pytest.approx((1.07890, 0.52487, 0.07142),
                                                                               abs=1e-4)
    xy = solve_fixed_point("xy", 2, 3.0, 8.0, START[("xy", 8)])
    assert (xy.inverse_nu, xy.eta_phi, xy.eta_psi) == pytest.approx((0.86520, 0.87447, 0.06276), abs=1e-4)


def test_supersymmetric_point_n1() -> None:
    # N = 1: the fixed point of the zero-field expansion has u'(0) < 0 (a nonzero minimum)
    points = converged("ising", 1, top=6)
    last = points[-1]
    assert last.couplings[0] < 0
    # measured at order 6: eta_phi = 0.1431, eta_psi = 0.1479 (3 % apart); 1/nu = 1.4035 against
    # (3 - eta)/2 = 1.4273 with eta = (eta_phi + eta_psi)/2 (1.7 % apart; order 8: 1.4077, 1.4 %).
    # Bounds with a margin:
    assert abs(last.eta_phi - last.eta_psi) < 0.01
    eta = (last.eta_phi + last.eta_psi) / 2
    assert abs(last.inverse_nu - (3 - eta) / 2) < 0.03


@pytest.mark.parametrize("model", ["ising", "xy", "heisenberg"])
def test_large_n(model: str) -> None:
    # N -> oo: eta_phi -> 4 - d, eta_psi -> 0, 1/nu -> d - 2 with 1/N corrections; at N = 1e4 the
    # deviations are ~ c/N with c = O(1-10), so 1e-2 bounds them; the ratio check shows the 1/N law
    results = []
    for n in (1e3, 1e4):
        start = (2.0, 6.0, 2.0 * 8.0 / n * 10)  # h2 ~ 1/N
        point = solve_fixed_point(model, 2, 3.0, n, start)
        assert point.residual < 1e-10
        results.append(point)
    big = results[1]
    assert big.eta_phi == pytest.approx(1.0, abs=1e-2)
    assert big.eta_psi == pytest.approx(0.0, abs=1e-2)
    assert big.inverse_nu == pytest.approx(1.0, abs=1e-2)
    ratio = (1 - results[0].eta_phi) / (1 - results[1].eta_phi)
    assert ratio == pytest.approx(10.0, rel=0.05)  # 1/N: ten times N, a tenth of the deviation


# --- one loop near d = 4 ----------------------------------------------------------------------

EPS, N = sp.symbols("epsilon N", positive=True)


def _coefficient(expr: sp.Expr, power: int) -> sp.Expr:
    for _ in range(power):
        expr = sp.diff(expr, EPS)
    return sp.simplify(expr.subs(EPS, 0) / sp.factorial(power))


def one_loop_exponents(model: str) -> dict[str, sp.Expr]:
    """eta_phi/eps, eta_psi/eps and (1/nu - 2)/eps at one loop, derived from the reference betas.

    d = 4 - eps, zero-field expansion at order 2 (lambda1, lambda2, h2 = eps x): the fixed point
    from the eps^2 parts of beta_lambda2 and beta_h2; 1/nu = -(d beta_lambda1/d lambda1), whose eps
    part is the one-loop coefficient (the other entries of the stability matrix shift it at eps^2).
    """
    betas = ref.reference_betas(model, 2, 4 - EPS, N, "radial", "zero")
    l1, l2, h2 = ref.couplings(2, "zero")
    x1, x2, x3 = sp.symbols("x1 x2 x3")
    scale = {l1: EPS * x1, l2: EPS * x2, h2: EPS * x3}
    free = {ref.eta_phi: 0, ref.eta_psi: 0}
    etas = {k: _coefficient(betas[k].subs(free).subs(scale), 1) for k in ("eta_phi", "eta_psi")}
    at_eta = {ref.eta_phi: EPS * etas["eta_phi"], ref.eta_psi: EPS * etas["eta_psi"]}
    beta_h = _coefficient(betas["h2"].subs(scale).subs(at_eta), 2)
    beta_l2 = _coefficient(betas["lambda2"].subs(scale).subs(at_eta), 2)
    x3_star = next(r for r in sp.solve(beta_h, x3) if r != 0)
    # the stable (positive) lambda2 root, chosen at N = 8
    x2_star = next(r for r in sp.solve(beta_l2.subs(x3, x3_star), x2) if r.subs(N, 8).evalf() > 0)
    point = {x2: x2_star, x3: x3_star}
    flow_l1 = betas["lambda1"].subs({ref.eta_phi: betas["eta_phi"].subs(free),
                                     ref.eta_psi: betas["eta_psi"].subs(free)})
    slope = _coefficient(sp.diff(flow_l1, l1).subs(scale), 1).subs(point)
    return {"eta_phi": sp.simplify(etas["eta_phi"].subs(point)),
            "eta_psi": sp.simplify(etas["eta_psi"].subs(point)), "inverse_nu": sp.simplify(-slope)}


#: Published one-loop results, d = 4 - eps, N = d_gamma N_f: eta_phi/eps, eta_psi/eps, (1/nu - 2)/eps.
#: Ising: Fei et al. 2016: Delta_sigma = 1 - 3 eps/(N+6), Delta_psi = 3/2 -
#: (N+5) eps/(2(N+6)), Delta_sigma^2 = 2 + (sqrt(N^2+132N+36) - N - 30) eps/(6(N+6)); eta = 2 Delta -
#: d + 2 (boson), 2 Delta - d + 1 (fermion), 1/nu = d - Delta_sigma^2.  XY and Heisenberg: Zerf et
#: al. 2017 (their N is the same trace N = d_gamma N_f; Heisenberg graphene N = 8).
ONE_LOOP = {
    "ising": {"eta_phi": N / (N + 6), "eta_psi": 1 / (N + 6),
              "inverse_nu": -1 - (sp.sqrt(N**2 + 132 * N + 36) - N - 30) / (6 * (N + 6))},
    "xy": {"eta_phi": N / (N + 4), "eta_psi": 2 / (N + 4),
           "inverse_nu": -(4 * N + 4 + sp.sqrt(N**2 + 152 * N + 16)) / (5 * (N + 4))},
    "heisenberg": {"eta_phi": N / (N + 2), "eta_psi": 3 / (N + 2),
                   "inverse_nu": -(17 * N + 10 + 5 * sp.sqrt(N**2 + 172 * N + 4)) / (22 * (N + 2))},
}


@pytest.mark.parametrize("model", ["ising", "xy", "heisenberg"])
def test_one_loop_epsilon_expansion(model: str) -> None:
    derived = one_loop_exponents(model)
    for key, published in ONE_LOOP[model].items():
        assert sp.simplify(derived[key] - published) == 0, key


def test_one_loop_limits() -> None:
    # without fermions (N = 0) 1/nu is the O(N_b) Wilson-Fisher value 2 - (N_b+2) eps/(N_b+8)
    for model, n_b in (("ising", 1), ("xy", 2), ("heisenberg", 3)):
        assert sp.simplify(ONE_LOOP[model]["inverse_nu"].subs(N, 0) + sp.Rational(n_b + 2, n_b + 8)) == 0
    # N = 1 chiral Ising and N = 2 chiral XY are supersymmetric: eta_phi = eta_psi at one loop, and
    # for N = 1 also 1/nu = (d - eta)/2
    assert ONE_LOOP["ising"]["eta_phi"].subs(N, 1) == ONE_LOOP["ising"]["eta_psi"].subs(N, 1)
    assert ONE_LOOP["xy"]["eta_phi"].subs(N, 2) == ONE_LOOP["xy"]["eta_psi"].subs(N, 2)
    eta = ONE_LOOP["ising"]["eta_phi"].subs(N, 1)  # per eps
    # (d - eta)/2 = 2 - (1 + eta) eps/2
    assert sp.simplify(ONE_LOOP["ising"]["inverse_nu"].subs(N, 1) + (1 + eta) / 2) == 0


def test_numeric_near_four_dimensions_matches_one_loop() -> None:
    # d = 4 - eps with eps = 1e-3: the solver's exponents agree with the one-loop formulas up to
    # O(eps^2) ~ 1e-6 (coefficients of order one)
    eps = 1e-3
    x3 = 16 * math.pi**2 / 14 * eps  # the one-loop h2* for N = 8 (start value)
    point = solve_fixed_point("ising", 2, 4 - eps, 8.0, (0.001, 0.01, x3))
    assert point.eta_phi == pytest.approx(8 / 14 * eps, abs=1e-5)
    inverse_nu = 2 + float(ONE_LOOP["ising"]["inverse_nu"].subs(N, 8)) * eps
    assert point.inverse_nu == pytest.approx(inverse_nu, abs=1e-5)


def test_bad_input_is_one_line_error() -> None:
    with pytest.raises(ValueError, match="model: 'ising2' is not one of ising, xy, heisenberg"):
        ref.reference_betas("ising2", 2)
    with pytest.raises(ValueError, match="projection"):
        ref.reference_betas("ising", 2, projection="goldstone")
    with pytest.raises(ValueError, match="expansion"):
        ref.reference_betas("ising", 2, expansion="maximum")


# --- the threshold functions against direct quadrature of the one-loop diagrams ----------------
# d = 3, k = 1, Z = 1; Litim: fermion G_F = -i qslash K + m S with K = A/D, S = 1/D, A = max(1, 1/q),
# D = q^2 A^2 + m^2; boson G_B = 1/(max(q^2, 1) + m_B^2).  d~_t acts on the regulators only, with
# their eta terms (d~_t R_psi = i qslash theta(1-q) (1/q - eta_psi (1/q - 1)), d~_t R_phi =
# theta(1-q) (2 - eta_phi (1 - q^2))).  Angular integrals are done in s = |q +- p| (the kink at
# s = 1 is a breakpoint), so quad reaches ~1e-12; p^2 coefficients come from a least-squares fit of
# 1, p^2, p^3, p^4 at p = 0.02..0.06 (the Litim kinks make the expansion non-analytic at p^3).

MEASURE = 1 / (4 * math.pi**2)  # int d^3q/(2 pi)^3 = MEASURE int Q^2 dQ int_{-1}^{1} dc
V3 = 1 / (8 * math.pi**2)


def _fermion(q: float, m2: float, eta: float) -> tuple[float, float, float, float]:
    a = max(1.0, 1.0 / q)
    den = q * q * a * a + m2
    if q >= 1.0:
        return a / den, 1 / den, 0.0, 0.0
    adot = 1.0 / q - eta * (1.0 / q - 1.0)
    # d~_t G_F = -G_F (i qslash adot) G_F = -adot [-i qslash (q^2 A^2 - m^2) + 2 m q^2 A] / D^2
    return a / den, 1 / den, -adot * (q * q * a * a - m2) / den**2, -adot * 2 * q * q * a / den**2


def _boson(q: float, m2: float, eta: float) -> tuple[float, float]:
    g = 1.0 / (max(q * q, 1.0) + m2)
    return g, (-g * g * (2 - eta * (1 - q * q)) if q < 1 else 0.0)


def _shell(radius: float, p: float, g: Callable[[float], float]) -> float:
    from scipy.integrate import quad

    lo, hi = abs(radius - p), radius + p
    points = [1.0] if lo < 1.0 < hi else None
    return quad(lambda s: g(s) * s / (radius * p), lo, hi, points=points, epsabs=1e-13, epsrel=1e-11,
                limit=200)[0]


def _radial(f: Callable[[float], float], p: float = 0.0) -> float:
    from scipy.integrate import quad

    points = [1 - p] if p > 0 else None
    return MEASURE * quad(lambda q: q * q * f(q), 0, 1, points=points, epsabs=1e-14, epsrel=1e-12,
                          limit=200)[0]


def _p2(f: Callable[[float], float]) -> float:
    ps = np.array([0.02, 0.03, 0.04, 0.05, 0.06])
    design = np.column_stack([np.ones_like(ps), ps**2, ps**3, ps**4])
    return float(np.linalg.lstsq(design, np.array([f(p) for p in ps]), rcond=None)[0][1])


def _fermion_loop(p: float, m2: float, sign: int, eta: float) -> float:
    """d~_t of int_q tr[G_F(q) G G_F(q+p) G]/N: 2 int [-Kdot K' q.q' + s Sdot S' m^2]."""
    def outer(q: float) -> float:
        _, _, kdot, sdot = _fermion(q, m2, eta)

        def inner(s: float) -> float:
            k2, s2, _, _ = _fermion(s, m2, eta)
            return -kdot * k2 * (q * q + s * s - p * p) / 2 + sign * sdot * s2 * m2
        return _shell(q, p, inner)
    return 2 * _radial(outer, p)


def _fermion_kinetic(p: float, mf: float, mb: float, eta_phi_: float, eta_psi_: float) -> float:
    """pslash coefficient of d~_t int_q qslash K(q) G_B(p - q)."""
    def on_fermion(q: float) -> float:
        kdot = _fermion(q, mf, eta_psi_)[2]
        return _shell(q, p, lambda s: kdot * _boson(s, mb, eta_phi_)[0] * (q * q + p * p - s * s) / 2) / p**2

    def on_boson(q: float) -> float:
        gdot = _boson(q, mb, eta_phi_)[1]
        kinetic = lambda s: gdot * _fermion(s, mf, eta_psi_)[0] * (p * p - q * q + s * s) / 2  # noqa: E731
        return _shell(q, p, kinetic) / p**2
    return _radial(on_fermion, p) + _radial(on_boson, p)


def _litim(expr: sp.Expr, values: dict[sp.Symbol, float]) -> float:
    return float(expr.subs(ref.d_symbol, 3).subs(values))


@pytest.mark.parametrize(("w_f", "sign", "eta"),
                         [(0.0, 1, 0.0), (0.3, 1, 0.3), (0.3, -1, 0.0), (1.0, 1, 0.0)])
def test_fermion_loop_p2_is_m4_minus_s_w_m2(w_f: float, sign: int, eta: float) -> None:
    # the fermion loop in Gamma^(2)_phi: its p^2 coefficient is -(8 v_d/d) [m4F(w) - s w m2F(w)] per h^2 N
    # (s = +1 radial, -1 for a Yukawa matrix anticommuting with the mass).  The fit in p leaves
    # ~1e-7 absolute (measured 1e-7 at w = 0, 2e-8 at w = 1): 3e-7 is 1e-5 of the scale 8 v_3/3
    expected = 8 * V3 / 3 * _litim(ref.m4_fermion(ref.w, ref.d_symbol) - sign * ref.w * ref.m2_fermion(ref.w),
                                   {ref.w: w_f, ref.eta_psi: eta})
    assert -_p2(lambda p: _fermion_loop(p, w_f, sign, eta)) == pytest.approx(expected, abs=3e-7)


@pytest.mark.parametrize(("w_f", "w_b", "e_phi", "e_psi"), [(0.0, 0.0, 0.0, 0.0), (0.3, 0.5, 0.4, 0.2)])
def test_fermion_self_energy_is_m12(w_f: float, w_b: float, e_phi: float, e_psi: float) -> None:
    # the pslash coefficient at p -> 0 (p = 0.01; the O(p^2) remainder is ~3e-5 relative, measured)
    expected = 8 * V3 / 3 * _litim(ref.m12_fb(ref.wF, ref.wB, ref.d_symbol),
                                   {ref.wF: w_f, ref.wB: w_b, ref.eta_phi: e_phi})
    assert -_fermion_kinetic(0.01, w_f, w_b, e_phi, e_psi) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize(("w1", "w2"), [(0.0, 0.0), (0.2, 0.7)])
def test_boson_loop_p2_is_m22(w1: float, w2: float) -> None:
    # d~_t int G_1(q) G_2(q+p): p^2 coefficient (8 v_d/d) m22(w1, w2) (eta-independent for Litim);
    # the fit in p leaves 7e-7 absolute at w = 0 (measured), so 1e-6 (3e-5 of the value)
    def loop(p: float) -> float:
        def one(q: float, a: float, b: float) -> float:
            return _shell(q, p, lambda s: _boson(q, a, 0.3)[1] * _boson(s, b, 0.3)[0])
        return _radial(lambda q: one(q, w1, w2), p) + _radial(lambda q: one(q, w2, w1), p)
    assert _p2(loop) == pytest.approx(8 * V3 / 3 * float(ref.m22(w1, w2)), abs=1e-6)


@pytest.mark.parametrize(("w_f", "w_b", "e_phi", "e_psi"), [(0.0, 0.0, 0.0, 0.0), (0.3, 0.5, 0.4, 0.2)])
def test_yukawa_vertex_loop_is_l11(w_f: float, w_b: float, e_phi: float, e_psi: float) -> None:
    # the p = 0 fermion-boson loop of the fermion mass: d~_t int S G_B = -4 v_d l_{1,1}^(FB) (per m)
    def integrand(q: float) -> float:
        _, s, _, sdot = _fermion(q, w_f, e_psi)
        g, gdot = _boson(q, w_b, e_phi)
        return sdot * g + s * gdot
    expected = -4 * V3 * _litim(ref.l_fb(1, 1, ref.wF, ref.wB, ref.d_symbol),
                                {ref.wF: w_f, ref.wB: w_b, ref.eta_phi: e_phi, ref.eta_psi: e_psi})
    assert 2 * _radial(integrand) == pytest.approx(expected, rel=1e-10)


def test_mixed_threshold_functions_are_derivatives() -> None:
    # l_{n1+1,n2} = -(1/n1) d/dwF l_{n1,n2}, l_{n1,n2+1} = -(1/n2) d/dwB l_{n1,n2}: the Yukawa flow's
    # l21 and l12 are the wF- and wB-derivatives of l11 (the phi-derivative of the mass flow)
    d = ref.d_symbol
    l11 = ref.l_fb(1, 1, ref.wF, ref.wB, d)
    assert sp.simplify(-sp.diff(l11, ref.wF) - ref.l_fb(2, 1, ref.wF, ref.wB, d)) == 0
    assert sp.simplify(-sp.diff(l11, ref.wB) - ref.l_fb(1, 2, ref.wF, ref.wB, d)) == 0


@pytest.mark.parametrize(("model", "n_b"), [("ising", 1), ("xy", 2), ("heisenberg", 3)])
def test_bosonic_limit_is_rgsyms_lpa_flow(model: str, n_b: int) -> None:
    # h = 0, eta_phi = 0: d_t u' is the rho-derivative of the O(N_b) LPA flow rgsym derives (symbolic d)
    from rgsym.pipeline import derive
    from rgsym.project import PotentialFlow
    from rgsym.spec import load_spec
    from tests.conftest import DERIVATIONS

    flow = derive(load_spec(str(DERIVATIONS / "on_lpa_full.toml"), [f"theory.N={n_b}"]))
    assert isinstance(flow, PotentialFlow)
    f, r = flow.potential, flow.invariant
    ours = sp.diff(flow.rhs, r)
    for order, name in ((3, ref.u3), (2, ref.u2), (1, ref.u1)):
        ours = ours.subs(sp.Derivative(f, (r, order)), name)
    (d_engine,) = (s for s in flow.rhs.free_symbols if s.name == "d")
    ours = ours.subs({r: ref.rho, d_engine: ref.d_symbol})
    reference = ref.potential_flow(model, ref.d_symbol, 0).subs({ref.h2: 0, ref.eta_phi: 0})
    assert sp.simplify(ours - reference) == 0


@pytest.mark.parametrize("model", ["xy", "heisenberg"])
def test_projection_matters_only_off_zero_field(model: str) -> None:
    # at rho0 = 0 the radial and Goldstone two-point functions coincide (O(N_b) symmetry); at the
    # minimum they differ (the boson loop and the sign of the w_F m2F term)
    zero = [ref.reference_betas(model, 3, 3, 8, p, "zero") for p in ref.PROJECTIONS]
    assert sp.simplify(zero[0]["eta_phi"] - zero[1]["eta_phi"]) == 0
    at_min = [ref.reference_betas(model, 3, 3, 8, p, "minimum") for p in ref.PROJECTIONS]
    point = {ref.kappa: 0.1, ref.lam(2): 5.0, ref.lam(3): 1.0, ref.h2: 2.0,
             ref.eta_phi: 0.5, ref.eta_psi: 0.05}
    assert abs(float((at_min[0]["eta_phi"] - at_min[1]["eta_phi"]).subs(point))) > 1e-3
