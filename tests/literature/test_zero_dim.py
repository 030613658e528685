"""The zero-dimensional O(N) model: the flow against exact integrals.

Keitel & Bartosch, J. Phys. A45 (2012) 105401, arXiv:1109.3013 (REFERENCES.md,
"Zero-dimensional O(N) model").  In d = 0 the LPA is exact, so the flow of the whole
potential from U_Lambda = S down to k -> 0 must give the exact Gamma^(2) = N/<phi.phi>
and lambda_eff = -3 (A - G^2)/G^4; the exact values come from quadrature of
I_n = int_0^oo r^(N-1+2n) exp(-S(r)) dr, computed here.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

from rgsym.spec import load_spec
from rgsym.workflows.flow import flow_couplings, flow_potential

SPEC = str(Path(__file__).resolve().parents[2] / "derivations" / "zero_dim_on.toml")
#: The issue asks for 1e-6.  The error budget is far below it: O(lambda/k_uv^2) = 1e-10 from
#: starting at k_uv = 1e5 with U = S, O(k_ir^2) = 1e-10 from stopping at k_ir = 1e-5, the BDF
#: tolerance 1e-10 and the spectral grid (measured: 2e-9 for gamma2, 1.4e-8 for lambda_eff).
EXACT_TOLERANCE = 1e-6


def moments(n_components: int, m2: float, lam: float) -> tuple[float, float]:
    """<phi.phi> = I_1/I_0 and <(phi.phi)^2> = I_2/I_0 (the angular factors cancel)."""
    def integral(n: int) -> float:
        def weight(r: float) -> float:
            return r ** (n_components - 1 + 2 * n) * math.exp(-(m2 * r * r / 2 + lam * r**4 / 24))

        # quad to 1e-13 relative: a million times finer than what is asserted
        return quad(weight, 0.0, np.inf, epsabs=0.0, epsrel=1e-13, limit=200)[0]

    i0, i1, i2 = (integral(n) for n in range(3))
    return i1 / i0, i2 / i0


def exact(n_components: int, m2: float = 1.0, lam: float = 1.0) -> dict[str, float]:
    """gamma2 = N/<phi^2>, lambda_eff = -3 (A - G^2)/G^4 with G = <phi^2>/N, A = <phi^4>/(N(N+2))."""
    phi2, phi4 = moments(n_components, m2, lam)
    g = phi2 / n_components
    a = phi4 / (n_components * (n_components + 2))
    return {"gamma2": n_components / phi2, "lambda_eff": -3 * (a - g * g) / g**4, "phi2": phi2}


@pytest.mark.parametrize("n_components", [1, 4])
def test_quadrature_obeys_the_schwinger_dyson_identity(n_components: int) -> None:
    # m^2 <phi^2> + (lambda/6) <phi^4> = N (integration by parts); at m^2 = 0, <phi^4> = 6N/lambda.
    # Both sides come from 1e-13 quadratures: 1e-11 leaves a factor of 100.
    phi2, phi4 = moments(n_components, 1.0, 1.0)
    assert phi2 + phi4 / 6 == pytest.approx(n_components, rel=1e-11)
    _, phi4_massless = moments(n_components, 0.0, 2.0)
    assert phi4_massless == pytest.approx(6 * n_components / 2.0, rel=1e-11)


@pytest.mark.parametrize("n_components", [1, 4])
def test_full_potential_flow_reproduces_the_exact_values(n_components: int) -> None:
    result = flow_potential(load_spec(SPEC, [f"theory.N={n_components}"]))
    reference = exact(n_components)
    for key in ("gamma2", "lambda_eff", "phi2"):
        assert result.observables[key] == pytest.approx(reference[key], rel=EXACT_TOLERANCE), key
    assert result.convex
    assert result.observables["phase"] == "symmetric"


def test_massless_model_flows_to_the_exact_values() -> None:
    # the consistency point of REFERENCES.md, m^2 = 0, where the bare potential has no mass at all
    spec = load_spec(SPEC, ["bare.constants={m2 = 0.0, lam = 1.0}"])
    result = flow_potential(spec)
    reference = exact(1, 0.0, 1.0)
    assert result.observables["gamma2"] == pytest.approx(reference["gamma2"], rel=EXACT_TOLERANCE)
    assert result.observables["lambda_eff"] == pytest.approx(reference["lambda_eff"], rel=EXACT_TOLERANCE)


def test_flow_at_finite_k_is_the_exact_model_with_the_regulator_mass() -> None:
    # Gamma_k + (k^2/2) phi^2 is the Legendre transform of the model with m^2 -> m^2 + k^2, so at any
    # k the flow gives U_k'(0) = Gamma^(2)[m^2 + k^2] - k^2: the whole flow is checked, not only k -> 0.
    # Same tolerance and error budget as at k -> 0 (the O(k_ir^2) term is now part of the exact value).
    k = 0.7
    result = flow_potential(load_spec(SPEC, [f"bare.k_ir={k}", "theory.N=4"]))
    assert result.observables["gamma2"] == pytest.approx(exact(4, 1.0 + k * k)["gamma2"] - k * k,
                                                         rel=EXACT_TOLERANCE)


def polynomial_errors(n_components: int, orders: range) -> dict[int, dict[str, float]]:
    """Relative errors of the polynomial truncations (around zero field) at k_ir = 1e-4.

    k_ir = 1e-4 rather than 1e-5: the dimensionless couplings k^(-2n) G_n of order 16 would
    overflow a double below it; the O(k_ir^2) = 1e-8 it costs is below every error asserted.
    """
    reference = exact(n_components)
    out = {}
    for order in orders:
        spec = load_spec(SPEC, [f"theory.N={n_components}", "truncation.potential='polynomial'",
                                f"truncation.order={order}", "bare.k_ir=1e-4"])
        obs = flow_couplings(spec).observables
        out[order] = {key: abs(obs[key] / reference[key] - 1) for key in ("gamma2", "lambda_eff")}
    return out


def test_polynomial_truncations_converge_to_the_exact_values() -> None:
    # The error is not monotonic in the order (order 4 is worse than order 3: the Taylor
    # coefficients alternate), so what is asserted is that it falls by blocks: the worst error of
    # orders 6..9 is at least 30 times below the worst of orders 2..5 (measured: 150 for
    # lambda_eff, 800 for gamma2), and order 9 is within 1e-4 (measured 1.2e-5, 1.8e-7).
    errors = polynomial_errors(1, range(2, 10))
    for key in ("gamma2", "lambda_eff"):
        early = max(errors[n][key] for n in range(2, 6))
        late = max(errors[n][key] for n in range(6, 10))
        assert late < early / 30, key
        assert errors[9][key] < 1e-4, key


@pytest.mark.slow
@pytest.mark.parametrize("n_components", [1, 4])
def test_polynomial_truncations_of_order_16_are_within_1e6(n_components: int) -> None:
    # measured at order 16: gamma2 1e-8 (N = 1), 4e-9 (N = 4); lambda_eff 1.2e-7, 2.3e-7
    errors = polynomial_errors(n_components, range(14, 17))
    for order in range(14, 17):
        assert errors[order]["gamma2"] < 1e-7
        assert errors[order]["lambda_eff"] < 1e-6
