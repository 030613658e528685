"""Gross-Neveu-Yukawa flows with smooth regulators: the fermion loops by quadrature.

rgsym.fermion_thresholds integrates the Yukawa loops for any regulator: closed for Litim, by
quadrature (WeightedThreshold, the bosonic machinery) for the exponential and exp-mass shapes.
The integrals are checked against the bosonic threshold integral and against a direct mpmath
quadrature of their definition (the potential's fermion loop, and the eta_psi projection written
out with the RG-time dependence of the regulators), and the node count is doubled to bound the
quadrature error of the LPA and LPA' flows.  At large N_f the smooth regulators reach the same
limit as Litim (Braun, J. Phys. G 39 (2012) 033001; Zerf et al., arXiv:1709.05057).
"""

from __future__ import annotations

import json
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp

from rgsym import load_spec
from rgsym.betasystem import BetaSystem
from rgsym.cli import main
from rgsym.fermions import A_F, ADOT_F, R_B, RDOT_B, Y
from rgsym.gny import derive_gny, integrate_density
from rgsym.integrate import regulator_of
from rgsym.spec import RegulatorSpec
from rgsym.symbols import angular_factor, y
from rgsym.threshold import ThresholdIntegral

SPECS = "derivations"


def _exponents(capsys: pytest.CaptureFixture[str], spec: str, *overrides: str) -> dict[str, float]:
    args = ["exponents", f"{SPECS}/{spec}", "--json"]
    for item in overrides:
        args += ["--set", item]
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def _regulator(kind: str, alpha: int = 1):  # type: ignore[no-untyped-def]
    return regulator_of(RegulatorSpec(kind, (("alpha", alpha),) if alpha != 1 else ()))


@pytest.mark.parametrize("kind", ["exponential", "exp-mass"])
def test_boson_loop_is_the_bosonic_threshold_integral(kind: str) -> None:
    """The boson part of the potential's density, rdot/(y + r + w), is T_1(w) of rgsym.threshold:
    the same nodes and the same integrand, so equal to rounding (1e-13 relative)."""
    reg = _regulator(kind)
    w = sp.Rational(3, 10)
    got = integrate_density(RDOT_B / (Y + R_B + w), reg, sp.Integer(3), sp.Integer(0), sp.Integer(0))
    expected = ThresholdIntegral(sp.Lambda(y, reg.pieces[0].shape), 3, 0, sp.Tuple(1), w)
    assert float(got.evalf()) == pytest.approx(float(expected.evalf()), rel=1e-13)


@pytest.mark.parametrize(("kind", "alpha"), [("exponential", 1), ("exponential", 2), ("exp-mass", 1)])
def test_fermion_loop_against_its_definition(kind: str, alpha: int) -> None:
    """The fermion loop of the potential, -2 adot_F a_F y / (a_F^2 y + m^2) per component (the
    d~_t of -Tr ln K), with a_F = sqrt((y + r)/y) and adot_F = -2 y a_F', against mpmath's
    tanh-sinh quadrature of the same integral written out here, on [1e-12, 100] (below, the integrand
    ~ y^(1/2) adds ~1e-18; above, adot_F ~ e^-y adds ~e^-100; in between 40 digits leave ~16 after
    the cancellations of r' near 0): 1e-10 relative."""
    reg = _regulator(kind, alpha)
    m2 = sp.Rational(2, 5)
    density = -2 * ADOT_F * A_F * Y / (A_F**2 * Y + m2)
    got = float(integrate_density(density, reg, sp.Integer(3), sp.Integer(0), sp.Integer(0)).evalf())
    shape = sp.lambdify(y, reg.pieces[0].shape, "mpmath")
    slope = sp.lambdify(y, sp.diff(reg.pieces[0].shape, y), "mpmath")

    def integrand(q: mpmath.mpf) -> mpmath.mpf:
        a = mpmath.sqrt((q + shape(q)) / q)
        da = (1 + slope(q)) / (2 * q * a) - (q + shape(q)) / (2 * q**2 * a)  # d/dy sqrt((y + r)/y)
        return mpmath.sqrt(q) * (-2) * (-2 * q * da) * a * q / (q + shape(q) + float(m2))

    with mpmath.workdps(40):
        integral = mpmath.quad(integrand, [mpmath.mpf("1e-12"), 1, 10, 100])
    expected = float(angular_factor(sp.Integer(3)).evalf()) * float(integral)
    assert got == pytest.approx(expected, rel=1e-10)


def _named(expr: sp.Expr, values: dict[str, float]) -> sp.Expr:
    expr = sp.sympify(expr)
    return expr.xreplace({x: values[x.name] for x in expr.free_symbols if x.name in values})


def flows_at(system: BetaSystem, point: dict[str, float]) -> np.ndarray:
    """The betas and etas of ``system`` at ``point``, its quadrature thresholds evaluated there."""
    values = dict(point)
    for name, t in system.thresholds:
        values[name] = float(_named(t, point).evalf())
    out = [float(_named(b, values)) for b in system.betas]
    out += [float(_named(e, values).evalf()) for _, e in system.etas]
    return np.array(out)


def clear_quadrature_caches() -> None:
    """Forget the nodes and weights, so that a changed node count takes effect."""
    from rgsym import threshold

    for cached in (threshold._legendre_rule, threshold._quadrature, threshold._weighted_quadrature):
        cached.cache_clear()


def test_litim_alpha_other_than_one_is_refused_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["derive", f"{SPECS}/gny_chiral_ising.toml", "--set", "regulator.alpha=2"])
    err = capsys.readouterr().err
    assert code == 2
    assert "regulator.alpha" in err and "exponential" in err and "Traceback" not in err


@pytest.mark.slow
def test_doubling_the_nodes_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chiral Ising LPA betas (exponential regulator) at a generic point, with 240 and 480
    Gauss-Legendre nodes per interval: they agree to 1e-10 relative (measured: 1e-16), so the flows
    carry no quadrature error above that.

    Single integrals of the decomposition need not converge on their own: a weight may be singular
    at y = 0 (a_F ~ y^(-1/2)) where the singular parts cancel in the sum of the loop's terms.  All
    terms share the nodes, so their sum is the quadrature of the finite loop integrand, which is
    what is checked here."""
    from rgsym import threshold

    spec = load_spec(f"{SPECS}/gny_chiral_ising.toml", ["truncation.order=1", "truncation.scheme=lpa",
                                                                 "regulator.kind=exponential"])
    system = derive_gny(spec)
    point = dict(zip(system.names, (0.3, 2.1, 0.7), strict=True))

    def flows() -> np.ndarray:
        return flows_at(system, point)

    def clear() -> None:
        clear_quadrature_caches()

    coarse = flows()
    clear()
    monkeypatch.setattr(threshold, "NODES_PER_INTERVAL", 2 * threshold.NODES_PER_INTERVAL)
    fine = flows()
    clear()
    assert np.all(np.isfinite(coarse))
    assert np.max(np.abs(fine - coarse) / np.abs(fine)) < 1e-10


def test_exponential_lpa_taylor_coefficients_through_the_threshold_series(capsys: pytest.CaptureFixture[str]
                                                                          ) -> None:
    """With a smooth regulator the loop holds quadrature integrals of the masses; their Taylor series
    (derivatives in the masses, gny._threshold_series) must give the fixed point that the repeated
    total rho-derivatives of the loop gave (the route before rgsym.series.compose, measured at commit
    44bb9a6: nu = 0.7697869123732375, omega = 1.4106799299624426, h2 = 9.305844295937462).  Both
    evaluate the same quadrature, so they agree to rounding: 1e-10."""
    from rgsym.cli import main

    args = ["exponents", "derivations/gny_chiral_ising.toml", "--json", "--set", "truncation.scheme=lpa",
            "--set", "regulator.kind=exponential", "--set", "regulator.alpha=2",
            "--set", "truncation.order=3",
            "--set", 'theory.fermions=[{name="psi", flavours=1, spinor_dim=2}]']
    assert main(args) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["nu"] == pytest.approx(0.7697869123732375, abs=1e-10)
    assert got["omega"] == pytest.approx(1.4106799299624426, abs=1e-10)
    assert got["fixed_point"]["h2"] == pytest.approx(9.305844295937462, rel=1e-10)


def test_code_emission_with_a_smooth_regulator(tmp_path: Path) -> None:
    """``--emit c,numpy`` writes the flow with its quadrature tables (one weight table per family
    of fermion-loop integrals; tests/emit/test_gny_code.py compiles and checks them)."""
    from tests.conftest import run_cli

    out = run_cli("derive", "derivations/gny_chiral_ising.toml", "--set", "truncation.scheme=lpa",
                  "--set", "regulator.kind=exponential", "--set", "truncation.order=1",
                  "--emit", "c,numpy", "-o", str(tmp_path / "out"))
    assert out.returncode == 0, out.stderr
    c = (tmp_path / "out" / "betas.c").read_text()
    assert "rgsym_quadrature_weight_5[RGSYM_QUADRATURE_NODES]" in c  # six families
    assert "_WEIGHT_5 = numpy.array" in (tmp_path / "out" / "betas.py").read_text()


@pytest.mark.parametrize("kind", ["exponential", "exp-mass"])
def test_eta_psi_projection_against_its_definition(kind: str) -> None:
    """The loop part of eta_psi (rgsym.yukawa_eta: the i p/ coefficient of d~_t Gamma_psibar psi,
    chiral Ising) at a random point, against mpmath quadrature of its definition written out here:
    h^2 G_B(q) times the p/ part of K^-1(q + p) = (-i a q/ + h s)/(a^2 q^2 + h^2 s^2) at
    external momentum p = 1e-10 (projected with Tr[p/ .]/p^2, averaged over the angle by a 4-point
    Gauss rule, exact for the cubic in cos theta left at that p), with d~_t taken as a numerical
    derivative in the RG time t of the regulators R_B = e^(-eta_phi t) k^2 r(q^2/k^2) and
    a = 1 + e^(-eta_psi t) r_F((q + p)^2/k^2), k = e^t, at t = 0.  The engine goes another way
    (Dirac algebra, the variation of the shapes, the decomposition into weighted thresholds);
    both are good to ~1e-14, and the O(p) remainder is 1e-10 of a term odd in cos theta that the
    rule averages away: 1e-11 relative."""
    from rgsym.fermions import U1, U2, U3, H, S
    from rgsym.gny import yukawa_model
    from rgsym.yukawa_eta import ETA_PHI, ETA_PSI, anomalous_dimensions

    reg = _regulator(kind)
    spec = load_spec(f"{SPECS}/gny_chiral_ising.toml", ["truncation.scheme=lpa"])
    raw = anomalous_dimensions(yukawa_model(spec.theory), sp.Integer(3), 0, reg)
    rng = np.random.default_rng(17)
    u1, u2, s, h, e_phi, e_psi = (sp.Rational(int(v * 1000), 1000) for v in rng.uniform(0.1, 1.0, 6))
    point = {U1: u1, U2: u2, U3: sp.Integer(0), S: s, H: h, ETA_PHI: e_phi, ETA_PSI: e_psi}
    got = float(raw.fermion.xreplace(point).evalf())

    shape = sp.lambdify(y, reg.pieces[0].shape, "mpmath")
    w_b, m_f2, h2 = float(u1 + s**2 * u2), float(h**2 * s**2), float(h**2)  # radial boson mass

    def projected(t: mpmath.mpf, q2: mpmath.mpf, p2: mpmath.mpf, pq: mpmath.mpf) -> mpmath.mpf:
        k2 = mpmath.exp(2 * t)
        r_b = mpmath.exp(-float(e_phi) * t) * k2 * shape(q2 / k2)
        qp2 = q2 + 2 * pq + p2
        a = 1 + mpmath.exp(-float(e_psi) * t) * (mpmath.sqrt((qp2 + k2 * shape(qp2 / k2)) / qp2) - 1)
        return h2 / (q2 + r_b + w_b) * a / (a**2 * qp2 + m_f2) * (pq + p2) / p2

    nodes, weights = np.polynomial.legendre.leggauss(4)
    p = mpmath.mpf("1e-10")

    def radial(q2: mpmath.mpf) -> mpmath.mpf:
        q = mpmath.sqrt(q2)

        def average(t: mpmath.mpf) -> mpmath.mpf:
            return sum(float(w) * projected(t, q2, p * p, q * p * float(c))
                       for c, w in zip(nodes, weights, strict=True)) / 2

        return mpmath.sqrt(q2) * mpmath.diff(average, 0)  # y^(d/2 - 1), d = 3

    with mpmath.workdps(30):
        integral = mpmath.quad(radial, [0, 1, 4, 16, 60])  # the shapes decay like e^-y
    # int d^3q/(2 pi)^3 = 2 v_3 int dy y^(1/2)
    expected = 2 * float(angular_factor(sp.Integer(3)).evalf()) * float(integral)
    assert got == pytest.approx(expected, rel=1e-11)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["exponential", "exp-mass"])
def test_lpa_prime_doubling_the_nodes(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """LPA' chiral Ising (order 2 around zero, N_f = 2) with a smooth regulator: the betas and both
    etas at a generic point with 240 and 480 Gauss-Legendre nodes per interval.  The eta weights are
    sums of terms diverging like powers of 1/y that cancel; they are evaluated at doubling precision
    until two precisions agree (rgsym.threshold._precise_values).  Measured change: 2.3e-10
    (exponential), 1.6e-15 (exp-mass); at the order-4 N = 8 point the exponents moved by < 1e-11
    (exponential).  The bound 1e-9 relative is 4x the largest measured change."""
    from rgsym import threshold

    spec = load_spec(f"{SPECS}/gny_chiral_ising.toml", ["truncation.order=2", f"regulator.kind={kind}"])
    system = derive_gny(spec)
    point = dict(zip(system.names, (0.55, 4.0, 2.2, -4.0), strict=True))

    def flows() -> np.ndarray:
        return flows_at(system, point)

    def clear() -> None:
        clear_quadrature_caches()

    clear()
    coarse = flows()
    clear()
    monkeypatch.setattr(threshold, "NODES_PER_INTERVAL", 2 * threshold.NODES_PER_INTERVAL)
    fine = flows()
    clear()
    assert np.all(np.isfinite(coarse)) and len(coarse) == len(system.betas) + 2
    assert np.max(np.abs(fine - coarse) / np.abs(fine)) < 1e-9


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["exponential", "exp-mass"])
def test_large_n_with_a_smooth_regulator(capsys: pytest.CaptureFixture[str], kind: str) -> None:
    """N -> oo at d = 3 does not depend on the regulator: eta_phi -> 4 - d = 1, eta_psi -> 0,
    1/nu -> d - 2 = 1 (Braun, J. Phys. G 39 (2012) 033001; the large-N limit quoted by Zerf et al.,
    arXiv:1709.05057), tested as for Litim in test_gny_exponents.py: at N_f = 100 the 1/N
    corrections are a few per cent, so 5e-2 is the bound (measured at order 2: eta_phi = 0.99632,
    eta_psi = 4.0e-4, 1/nu = 0.99920 exponential; 0.99617, 4.2e-4, 0.99905 exp-mass)."""
    got = _exponents(capsys, "gny_chiral_ising.toml", "truncation.order=2", f"regulator.kind={kind}",
                     'theory.fermions=[{name="psi", flavours=100, spinor_dim=4}]')
    assert got["eta_phi"] == pytest.approx(1.0, abs=5e-2)
    assert got["eta_psi"] == pytest.approx(0.0, abs=5e-2)
    assert 1 / got["nu"] == pytest.approx(1.0, abs=5e-2)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["exponential", "exp-mass"])
def test_near_four_dimensions_the_regulator_drops_out(capsys: pytest.CaptureFixture[str], kind: str) -> None:
    """The one-loop epsilon expansion of 1/nu, eta_phi and eta_psi is universal: with a smooth
    regulator the chiral Ising LPA' flow (N = 8, order 1) at d = 4 - eps, eps = 1e-3, must give the
    coefficients that Litim gives in test_gny_exponents.py (Fei, Giombi, Klebanov, Tarnopolsky,
    arXiv:1607.05316: N/(N+6), 1/(N+6), -1 - (sqrt(N^2 + 132 N + 36) - N - 30)/(6(N+6))).  The
    regulator enters at O(eps^2) ~ 1e-6 (measured, exponential: eta_phi/eps = 0.571582,
    eta_psi/eps = 0.071395, (1/nu - 2)/eps = -0.952261; exp-mass: 0.571572, 0.071397, -0.952262;
    one loop: 0.571429, 0.071429, -0.952381, so |difference| <= 1.5e-7 in the exponents); the bound
    is the Litim test's 3e-6."""
    from tests.literature.test_gny_exponents import ONE_LOOP_N8

    eps = 1e-3
    got = _exponents(capsys, "gny_chiral_ising.toml", "truncation.order=1", f"theory.d={4 - eps}",
                     f"regulator.kind={kind}")
    eta_phi, eta_psi, slope = ONE_LOOP_N8["ising"]
    assert got["relevant_directions"] == 1
    assert got["eta_phi"] == pytest.approx(eta_phi * eps, abs=3e-6)
    assert got["eta_psi"] == pytest.approx(eta_psi * eps, abs=3e-6)
    assert 1 / got["nu"] == pytest.approx(2 + slope * eps, abs=3e-6)
