"""Sampler: run the Polchinski flow backwards, as a reverse-time diffusion driven by the score.

The forward flow (:mod:`rgsym.polchinski.diffusion`) takes the bare field phi_0 to
phi_s = a phi_0 + sqrt(D (1 - a)) xi, a = D / D_0; in the rescaled field x = phi / a it is the
heat flow x_tau = phi_0 + sqrt(tau) xi with noise time tau = D_0 (D_0 / D - 1).  Its score is

    grad_x log p_tau(x) = a score_phi(a x),   score_phi = -grad S_s = -phi / D - phi v'(rho, sigma),

with v the flowed Wilsonian potential (the solution of the derived Polchinski PDE) and
sigma = D_0 - D.  The reverse-time SDE (Anderson 1982; Song et al., arXiv:2011.13456, eq. 47 for the
variance-exploding case) is, on a geometric ladder of noise times and with Euler-Maruyama for
brevity (the code uses the stochastic Heun scheme with the same noise z_i, weak order 2, as the
noise is additive),

    x_{i-1} = x_i + (tau_i - tau_{i-1}) grad log p_{tau_i}(x_i) + sqrt(tau_i - tau_{i-1}) z_i,

starts from N(0, tau_max) and ends at tau_min ~ 0 with samples of the bare model.

Errors, each bounded below the Monte-Carlo error in the tests:
- the start N(0, tau_max) instead of p_tau_max: relative variance error <phi^2>/(N tau_max);
- the last noise time tau_min adds tau_min per component to <phi^2>;
- the time step: second order in the log-step of the ladder (Heun).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rgsym.polchinski.diffusion import FlowedPotential, ZeroDimensionalModel, flow_potential

Score = Callable[[np.ndarray, float, np.ndarray], np.ndarray]

#: Largest noise time, in units of D_0: the start N(0, tau_max) differs from p_tau_max by a
#: relative variance <phi^2>/(N tau_max) ~ 1e-4, far below the Monte-Carlo error.
TAU_MAX = 1e4
#: Smallest noise time, in units of D_0: it adds N tau_min to <phi^2>.
TAU_MIN = 1e-6


@dataclass(frozen=True)
class Moments:
    """<phi^2> and <(phi^2)^2> of samples with their standard errors (std / sqrt(samples))."""

    phi2: float
    phi2_error: float
    phi4: float
    phi4_error: float
    samples: int


def sample_moments(phi: np.ndarray) -> Moments:
    """The moments of an array of samples of shape (samples, N)."""
    r2 = np.sum(phi**2, axis=1)
    m = r2.size
    return Moments(float(r2.mean()), float(r2.std(ddof=1) / np.sqrt(m)),
                   float((r2**2).mean()), float((r2**2).std(ddof=1) / np.sqrt(m)), m)


def noise_ladder(steps: int, reference: float) -> np.ndarray:
    """tau from TAU_MAX down to TAU_MIN (units of D_0), geometric, then 0."""
    taus = reference * np.geomspace(TAU_MAX, TAU_MIN, steps)
    return np.append(taus, 0.0)


def reverse_sample(model: ZeroDimensionalModel, score: Score, samples: int = 20000, steps: int = 400,
                   seed: int = 20260, potential: FlowedPotential | None = None) -> np.ndarray:
    """Samples of the bare zero-dimensional model, from noise, driven by the flowed score.

    Parameters
    ----------
    model
        The bare model (and the reference propagator D_0).
    score
        ``score(phi, inverse_covariance, u_prime)``: -grad S, e.g. the generated
        ``score.py`` of :func:`rgsym.polchinski.score.render_score`.
    samples, steps, seed
        Number of chains, of Heun steps, and the seed of NumPy's default generator.
    potential
        The flowed Wilsonian potential; by default the derived PDE is integrated here.

    Returns
    -------
    numpy.ndarray
        Shape (samples, N).
    """
    d0 = model.reference
    taus = noise_ladder(steps, d0)
    sigmas = d0 * taus / (taus + d0)
    flowed = potential or flow_potential(model, float(sigmas[0]))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, model.components)) * np.sqrt(taus[0])
    drift = _score_in_noise_time(model, score, flowed)
    now = drift(x, float(sigmas[0]))
    for i in range(steps):
        step = taus[i] - taus[i + 1]
        noise = np.sqrt(step) * rng.standard_normal(x.shape)
        guess = x + step * now + noise
        later = drift(guess, float(sigmas[i + 1]))
        x = x + step * (now + later) / 2 + noise  # stochastic Heun: weak order 2 for additive noise
        now = drift(x, float(sigmas[i + 1]))
    return x


def _score_in_noise_time(model: ZeroDimensionalModel, score: Score, flowed: FlowedPotential
                         ) -> Callable[[np.ndarray, float], np.ndarray]:
    """grad_x log p_tau(x) = a score_phi(a x) at sigma = D_0 - D, a = D / D_0."""
    d0 = model.reference
    rho_max = float(flowed.rho[-1])

    @functools.lru_cache(maxsize=2)  # each noise time is asked for twice in a row (Heun)
    def potential_derivative(sigma: float) -> np.polynomial.Chebyshev:
        return flowed.interpolant(sigma).deriv()

    def drift(x: np.ndarray, sigma: float) -> np.ndarray:
        cov = d0 - sigma
        a = cov / d0
        phi = a * x
        rho = np.minimum(np.sum(phi**2, axis=1) / 2, rho_max)  # beyond the grid: the edge value
        return a * score(phi, 1.0 / cov, potential_derivative(sigma)(rho))

    return drift
