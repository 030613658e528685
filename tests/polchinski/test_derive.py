"""The Polchinski LPA as derived by the engine: kernels, the PDE, the polynomial projection, emission.

Reference forms (printed here only to check against, as REFERENCES.md does for Wetterich):
the LPA of the Polchinski equation, Morris, JHEP 0507 (2005) 027, hep-th/0503161, eq. (2.5) in our
conventions (t = ln Lambda, rho = phi.phi/2, u = U/Lambda^d):

    d_t u = -d u + (d-2) rho u' + (-K'(0)) 2 rho u'^2 + 2 v_d int_0^oo dy y^(d/2-1) K'(y) (N u' + 2 rho u'').
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from rgsym import symbols
from rgsym.betasystem import BetaSystem
from rgsym.pipeline import derive_flow
from rgsym.polchinski.cutoffs import CUTOFFS, EXPONENTIAL, LITIM_TYPE
from rgsym.polchinski.derive import dimensionless_power, propagator_kernels
from rgsym.project import PotentialFlow
from rgsym.spec import TheorySpec, parse_spec

D, N = symbols.d, symbols.N


def polchinski(d: object = 3, n: object = 1, **truncation: object) -> TheorySpec:
    cutoff = truncation.pop("cutoff", "litim")
    return parse_spec({"theory": {"d": d, "N": n}, "truncation": truncation,
                       "flow": {"equation": "polchinski", "cutoff": cutoff}}, "test.toml")


def test_kernels_of_the_litim_type_cutoff_are_the_litim_loop_prefactor() -> None:
    """Tree coefficient -K'(0) = 1; loop coefficient -4 v_d / d, the Litim l_0 prefactor (REFERENCES.md)."""
    kernels = propagator_kernels(LITIM_TYPE, D)
    assert kernels.tree == 1
    assert sp.simplify(kernels.loop + 4 * symbols.angular_factor(D) / D) == 0


def test_kernels_of_the_exponential_cutoff() -> None:
    """K = exp(-y): -K'(0) = 1 and 2 v_d int y^(d/2-1) K'(y) dy = -2 v_d Gamma(d/2)."""
    kernels = propagator_kernels(EXPONENTIAL, D)
    assert kernels.tree == 1
    assert sp.simplify(kernels.loop + 2 * symbols.angular_factor(D) * sp.gamma(D / 2)) == 0


def test_tree_and_loop_terms_are_dimensionless() -> None:
    assert dimensionless_power(D) == (0, 0)


@pytest.mark.parametrize("cutoff", sorted(CUTOFFS))
def test_full_potential_pde_is_the_polchinski_lpa(cutoff: str) -> None:
    """Symbolic identity with the reference form above, for symbolic d and N."""
    flow = derive_flow(polchinski("d", "N", potential="full", cutoff=cutoff))
    assert isinstance(flow, PotentialFlow)
    rho, u = flow.invariant, flow.potential
    y = symbols.y
    shape = CUTOFFS[cutoff].shape()
    k0 = sp.limit(sp.diff(CUTOFFS[cutoff].pieces[0].shape, y), y, 0)
    dd = sp.Symbol("dd", positive=True)
    integral = sp.Add(*[sp.integrate(y ** (dd / 2 - 1) * sp.diff(p.shape, y), (y, p.lower, p.upper))
                        for p in CUTOFFS[cutoff].pieces]).subs(dd, D)
    up, upp = sp.diff(u, rho), sp.diff(u, rho, 2)
    reference = (-D * u + (D - 2) * rho * up - k0 * 2 * rho * up**2
                 + 2 * symbols.angular_factor(D) * integral * (N * up + 2 * rho * upp))
    assert shape.has(y)
    assert sp.simplify(flow.rhs - reference) == 0


@pytest.mark.parametrize("around", ["zero", "minimum"])
def test_polynomial_betas_are_taylor_coefficients_of_the_pde(around: str) -> None:
    """Projection check: with u the truncation's polynomial, the PDE's Taylor coefficients at the
    expansion point are the betas (up to the terms that the truncation drops)."""
    order = 3
    system = derive_flow(polchinski(3, 2, order=order, expand_around=around))
    flow = derive_flow(polchinski(3, 2, potential="full"))
    assert isinstance(system, BetaSystem) and isinstance(flow, PotentialFlow)
    rho = flow.invariant
    g = {c.name: sp.Symbol(c.name, real=True) for c in system.couplings}
    point = g["kappa"] if around == "minimum" else 0
    lam = {n: g.get(f"lambda_{n}", 0) for n in range(1, order + 2)}
    poly = sp.Add(*[lam[n] * (rho - point) ** n / sp.factorial(n) for n in range(1, order + 2)])
    rhs = sp.expand(flow.rhs.subs(flow.potential, poly).doit())
    taylor = {n: sp.diff(rhs, rho, n).subs(rho, point) for n in range(1, order + 1)}
    if around == "zero":
        for n in range(1, order + 1):  # d_t lambda_n = n-th Taylor coefficient; lambda_{order+2} = 0
            assert sp.simplify(system.beta(f"lambda_{n}") - taylor[n]) == 0
    else:  # u'(kappa) = 0 at all t: d_t kappa = -f_1 / lambda_2, d_t lambda_n = f_n + lambda_{n+1} d_t kappa
        beta_kappa = -taylor[1] / lam[2]
        assert sp.simplify(system.beta("kappa") - beta_kappa) == 0
        for n in range(2, order + 1):
            assert sp.simplify(system.beta(f"lambda_{n}") - taylor[n] - lam[n + 1] * beta_kappa) == 0


def test_cutoffs_differ_by_a_rescaling_only() -> None:
    """Both cutoffs give the same PDE after rho -> s rho, u -> s u: c_loop is the only difference."""
    litim = derive_flow(polchinski(3, 1, potential="full", cutoff="litim"))
    expo = derive_flow(polchinski(3, 1, potential="full", cutoff="exponential"))
    assert isinstance(litim, PotentialFlow) and isinstance(expo, PotentialFlow)
    three = sp.Integer(3)
    ratio = propagator_kernels(EXPONENTIAL, three).loop / propagator_kernels(LITIM_TYPE, three).loop
    rho, u = litim.invariant, litim.potential
    f = sp.Function("f")
    scaled = expo.rhs.subs(u, ratio * f(rho / ratio)).doit()
    target = ratio * litim.rhs.subs(u, f(rho)).doit().subs(rho, rho / ratio)
    assert sp.simplify(scaled - target) == 0


def test_emission_and_json_work_for_polchinski_systems() -> None:
    """NumPy code from the shared emitter agrees with the sympy betas; JSON round-trips."""
    from rgsym.emit import render_files
    from rgsym.emit.numpy_module import load_module

    spec = polchinski(3, 1, order=4)
    system = derive_flow(spec)
    assert isinstance(system, BetaSystem)
    files = render_files(system, ("numpy", "c", "latex", "json"))
    assert {"betas.py", "betas.c", "betas.tex", "betas.json"} <= set(files)
    module = load_module(files["betas.py"])
    g = np.array([0.03, 5.0, -60.0, 4000.0, -1e5])
    expected = [float(b.subs(dict(zip(system.symbols, g, strict=True)))) for b in system.betas]
    np.testing.assert_allclose(module.rhs(g), expected, rtol=1e-12)  # two roundings of one polynomial
    assert BetaSystem.from_dict(system.to_dict()).betas == system.betas


def test_derivation_file_derives(derivations: object) -> None:
    from pathlib import Path

    from rgsym.spec import load_spec

    spec = load_spec(Path(str(derivations)) / "on_polchinski_lpa.toml", ["truncation.order=2"])
    system = derive_flow(spec)
    assert isinstance(system, BetaSystem)
    assert system.names == ("kappa", "lambda_2", "lambda_3")
    assert "polchinski" in system.name and "litim cutoff" in system.name
