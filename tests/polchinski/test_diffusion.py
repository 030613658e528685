"""The Fokker-Planck view on the zero-dimensional O(N) model: exact answers are ordinary integrals.

Model: S = (m^2/2) phi.phi + (lambda/4!) (phi.phi)^2 on R^N (Keitel & Bartosch, J. Phys. A 45 (2012)
285401, arXiv:1109.3013).  m^2 = -1, lambda = 2: a double well, far from Gaussian.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from rgsym.emit.numpy_module import load_module
from rgsym.polchinski.diffusion import (
    ZeroDimensionalModel,
    derive_fokker_planck,
    flow_potential,
    heat_flow,
    ou_density,
    wilsonian_density,
    zero_dimensional_flow,
    zero_dimensional_spec,
)
from rgsym.polchinski.sampler import noise_ladder, reverse_sample, sample_moments
from rgsym.polchinski.score import derive_score, render_score

MODEL = {"mass2": -1.0, "coupling": 2.0}


def test_fokker_planck_drift_and_diffusion() -> None:
    """A = (D'/D) phi, B = -D'/2: an Ornstein-Uhlenbeck process that keeps N(0, D) invariant."""
    fp = derive_fokker_planck(2)
    cov = fp.covariance
    rate = sp.diff(cov, fp.time)
    assert all(sp.simplify(a - rate / cov * p) == 0 for a, p in zip(fp.drift, fp.field, strict=True))
    assert sp.simplify(fp.diffusion + rate / 2) == 0
    # the free Gaussian: the variance v obeys dv/ds = 2 (D'/D) v + 2 B, solved by v = D
    assert sp.simplify(2 * rate / cov * cov + 2 * fp.diffusion - rate) == 0


def test_zero_dimensional_pde_is_the_heat_equation_for_the_boltzmann_factor() -> None:
    """d_sigma v = (1/2) Lap v - (1/2) |grad v|^2  <=>  d_sigma exp(-v) = (1/2) Lap exp(-v) (radial, R^N)."""
    for n in (1, 3):
        eq = zero_dimensional_flow(n)
        rho = eq.terms.action.invariants[0]
        f = sp.Function("u")(rho)
        r = sp.Symbol("r", positive=True)
        radial = f.subs(rho, r**2 / 2)
        laplacian = sp.diff(radial, r, 2) + (n - 1) / r * sp.diff(radial, r)
        reference = laplacian / 2 - sp.diff(radial, r) ** 2 / 2
        assert sp.simplify(eq.rhs.subs(rho, r**2 / 2).doit() - reference.doit()) == 0


@pytest.mark.parametrize("n", [1, 3])
def test_flowed_action_is_the_heat_flow_of_the_bare_one(n: int) -> None:
    """exp(-S_int) from the derived PDE equals the Gaussian convolution of exp(-S_int,0) (quadrature).

    Tolerance 1e-7 in v for rho <= 6: measured <= 2.2e-8 (N = 1, 2, 3; sigma = 0.1, 0.5, 0.9),
    from the PDE's outer edge (rho_max = 16; 2e-5 with rho_max = 12), the time integration
    (rtol 1e-10) and the quadrature (1e-12).
    """
    model = ZeroDimensionalModel(components=n, **MODEL)
    flowed = flow_potential(model, 0.9)
    rho = np.linspace(0.0, 6.0, 9)
    for sigma in (0.1, 0.5, 0.9):
        np.testing.assert_allclose(flowed.interpolant(sigma)(rho), heat_flow(model, rho, sigma), rtol=0,
                                   atol=1e-7)


@pytest.mark.parametrize("n", [1, 2])
def test_wilsonian_distribution_is_the_ornstein_uhlenbeck_image_of_the_bare_one(n: int) -> None:
    """P_s = N_D exp(-v) / Z is the law of a phi_0 + sqrt(D (1 - a)) xi (quadrature over the bare P).

    Tolerance 1e-7 of max P: delta P / P = delta v, and v is good to 2e-8 on rho <= 6 (above;
    measured here: 2e-8 at N = 1, sigma = 0.5, below 1e-9 elsewhere).
    """
    model = ZeroDimensionalModel(components=n, **MODEL)
    flowed = flow_potential(model, 0.9)
    rho = np.linspace(0.0, 5.0, 7)
    for sigma in (0.3, 0.5, 0.9):
        exact = ou_density(model, rho, sigma)
        np.testing.assert_allclose(wilsonian_density(model, flowed, rho, sigma), exact, rtol=0,
                                   atol=1e-7 * exact.max())


def test_emitted_score_is_minus_the_gradient_of_the_action() -> None:
    """Generated score.py against central differences of S = phi.phi/(2D) + u(rho), u = rho^2 + rho."""
    spec = zero_dimensional_spec(3)
    text = render_score(spec)["score.py"]
    assert text == render_score(spec)["score.py"]  # byte-reproducible
    assert "do not edit" in text
    module = load_module(text)
    rng = np.random.default_rng(1)
    phi = rng.normal(size=(5, 3))
    inverse = 0.7

    def action(p: np.ndarray) -> np.ndarray:
        rho = np.sum(p**2, axis=-1) / 2
        return inverse * rho + rho**2 + rho

    rho = np.sum(phi**2, axis=-1) / 2
    got = module.score(phi, inverse, 2 * rho + 1)
    h = 1e-6
    for i in range(3):
        step = np.zeros(3)
        step[i] = h
        numeric = -(action(phi + step) - action(phi - step)) / (2 * h)
        np.testing.assert_allclose(got[:, i], numeric, rtol=1e-8)  # central differences: O(h^2) ~ 1e-12
    _, expressions, _, _ = derive_score(spec)
    assert len(expressions) == 3


def test_emitted_score_of_a_polynomial_truncation_has_its_potential() -> None:
    from rgsym.spec import parse_spec

    spec = parse_spec({"theory": {"d": 3, "N": 2}, "truncation": {"order": 2, "expand_around": "zero"},
                       "flow": {"equation": "polchinski"}}, "test.toml")
    module = load_module(render_score(spec)["score.py"])
    assert module.COUPLINGS == ("lambda_1", "lambda_2", "lambda_3")
    rho = np.array([0.0, 0.5, 2.0])
    np.testing.assert_allclose(module.potential_derivative(rho, [0.3, 2.0, -1.0]),
                               0.3 + 2.0 * rho - rho**2 / 2, rtol=1e-14)


def test_noise_ladder() -> None:
    taus = noise_ladder(10, 1.0)
    assert taus[0] == pytest.approx(1e4) and taus[-1] == 0.0 and np.all(np.diff(taus) < 0)


def test_reverse_sampler_recovers_the_bare_moments() -> None:
    """<phi^2> and <(phi^2)^2> of the bare model from noise, driven by the generated score.

    Tolerance: 4 standard errors of the sample mean.  For an unbiased sampler a 4-sigma deviation
    has probability ~6e-5 (central limit theorem), and the seed makes the run deterministic.  The
    known biases are far smaller: the start N(0, tau_max) (relative 1e-4 of the variance), tau_min
    (N 1e-6), and the time step: with 1e5 samples and 600 Heun steps the deviations were
    +0.005 +- 0.006 in <phi^2> and +0.014 +- 0.046 in <(phi^2)^2> (seed 11), i.e. no bias visible
    at a quarter of this test's standard errors (0.02 and 0.15).
    """
    model = ZeroDimensionalModel(components=1, **MODEL)
    module = load_module(render_score(zero_dimensional_spec(1))["score.py"])
    samples = reverse_sample(model, module.score, samples=10000, steps=600, seed=20260)
    moments = sample_moments(samples)
    phi2, phi4 = model.moments()
    assert abs(moments.phi2 - phi2) < 4 * moments.phi2_error
    assert abs(moments.phi4 - phi4) < 4 * moments.phi4_error
    # Keitel & Bartosch: m^2 <phi^2> + (lambda/6) <(phi^2)^2> = N for the exact moments
    assert model.mass2 * phi2 + model.coupling / 6 * phi4 == pytest.approx(1.0, rel=1e-10)
