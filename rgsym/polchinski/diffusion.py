"""Diffusion: the Polchinski flow of P = exp(-S) as a Fokker-Planck equation on field space.

Dictionary (derived in :func:`derive_fokker_planck`, checked in tests/polchinski)
-------------------------------------------------------------------------------
- **action <-> -log p.**  P_s(phi) = exp(-S_s(phi)) / Z with S_s = phi.phi / (2 D(s)) + S_int,s: the
  Wilsonian action is minus the log-density, up to the s-independent constant log Z, and the
  score of diffusion models is grad log P_s = -grad S_s.
- **cutoff <-> noise time.**  Lowering the cutoff lowers the UV propagator D(s) = K(.)
  (s = ln(Lambda_0 / Lambda) the RG time towards the infrared).  The Polchinski equation is the heat
  equation d_s exp(-S_int) = -(1/2) D'(s) Lap exp(-S_int), so exp(-S_int) is the bare one
  convolved with a Gaussian of variance D_0 - D(s) (the modes integrated out so far).
- **Fokker-Planck form.**  P_s itself obeys d_s P = -div(A P) + Lap(B P) with the linear drift
  A = (D'/D) phi (towards the origin, D' < 0) and the scalar diffusion B = -D'/2: an
  Ornstein-Uhlenbeck process dphi = (D'/D) phi ds + sqrt(-D') dW.  Its solution is
  phi_s = a phi_0 + sqrt(D (1 - a)) xi with a = D / D_0, xi standard normal: in the rescaled
  field x = phi / a the flow is pure heat flow (a "variance-exploding" diffusion)
  x_tau = phi_0 + sqrt(tau) xi with noise time tau = D_0 (D_0 / D - 1).

The zero-dimensional O(N) model (field space R^N, Keitel & Bartosch, arXiv:1109.3013) makes all
of this checkable with ordinary integrals: :class:`ZeroDimensionalModel`.

References
----------
- J. Polchinski, Nucl. Phys. B231 (1984) 269.
- J. Cotler, S. Rezchikov, Phys. Rev. D 108 (2023) 025003, arXiv:2202.11737 (RG as optimal
  transport; the Polchinski flow as a diffusion).
- A. Carosso, Phys. Rev. D 101 (2020) 034512, arXiv:1904.13057 (stochastic RG).
- Y. Song et al., ICLR 2021, arXiv:2011.13456 (score-based diffusion, reverse-time SDEs).
- B. D. O. Anderson, Stoch. Proc. Appl. 12 (1982) 313 (reverse-time diffusion).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp
from scipy import integrate, special

from rgsym.action import Action, build_action
from rgsym.polchinski.derive import PropagatorKernels, WilsonianTerms, field_space_flow, wilsonian_terms
from rgsym.spec import FieldBlock, FlowSpec, RegulatorSpec, Theory, TheorySpec, Truncation


@dataclass(frozen=True)
class FokkerPlanck:
    """d_s P = -sum_i d_i (A_i P) + sum_i d_i d_i (B P) for P = exp(-S) on R^n.

    Attributes
    ----------
    field
        The field components phi_i.
    time
        The RG time s towards the infrared.
    covariance
        The UV propagator D(s), an undetermined function.
    drift
        A_i, derived.
    diffusion
        B, derived (one scalar: the Polchinski kernel is proportional to the identity).
    """

    field: tuple[sp.Symbol, ...]
    time: sp.Symbol
    covariance: sp.Expr
    drift: tuple[sp.Expr, ...]
    diffusion: sp.Expr

    def __repr__(self) -> str:
        return f"FokkerPlanck(drift={list(self.drift)}, diffusion={self.diffusion})"


@cache
def derive_fokker_planck(components: int = 2) -> FokkerPlanck:
    """Derive drift and diffusion from the Polchinski equation for S_int.

    P = exp(-phi.phi/(2 D) - S_int) with d_s S_int = (1/2) D' (|grad S_int|^2 - Lap S_int) (the
    Polchinski equation on R^n, D' = dD/ds).  The ansatz A_i = alpha(s) phi_i, B = beta(s) is put
    into d_s P - FP[P]; dividing by P leaves a polynomial in phi and the derivatives of S_int,
    whose coefficients must all vanish.  Solving them gives alpha = D'/D and beta = -D'/2.

    >>> fp = derive_fokker_planck(1)
    >>> fp.drift, fp.diffusion
    ((phi_1*Derivative(D(s), s)/D(s),), -Derivative(D(s), s)/2)
    """
    s = sp.Symbol("s", real=True)
    phi = sp.symbols(f"phi_1:{components + 1}", real=True)
    cov = sp.Function("D")(s)
    s_int = sp.Function("S_int")(*phi, s)
    alpha, beta = sp.symbols("alpha beta")
    grad = [sp.diff(s_int, p) for p in phi]
    lap = sp.Add(*[sp.diff(s_int, p, 2) for p in phi])
    polchinski = sp.diff(cov, s) / 2 * (sp.Add(*[g**2 for g in grad]) - lap)
    # the Gaussian factor normalised: the heat flow keeps int N_D exp(-S_int) fixed, so this P has an
    # s-independent norm (the field-independent term of the Polchinski equation sits in (2 pi D)^(-n/2))
    density = (2 * sp.pi * cov) ** sp.Rational(-components, 2) * sp.exp(
        -sp.Add(*[p**2 for p in phi]) / (2 * cov) - s_int)
    d_s = sp.diff(density, s).subs(sp.Derivative(s_int, s), polchinski)
    fokker = sp.Add(*[-sp.diff(alpha * p * density, p) + sp.diff(beta * density, p, 2) for p in phi])
    residual = sp.expand(sp.simplify((d_s - fokker) / density))
    structures = [*grad, *[sp.diff(s_int, p, 2) for p in phi], *phi]
    coefficients = sp.Poly(residual, *structures).coeffs()
    solution = sp.solve(coefficients, [alpha, beta], dict=True)
    if len(solution) != 1:
        raise ArithmeticError("the Polchinski flow has no Fokker-Planck form with linear drift")
    a, b = solution[0][alpha], solution[0][beta]
    return FokkerPlanck(phi, s, cov, tuple(sp.simplify(a * p) for p in phi), sp.simplify(b))


# -- the zero-dimensional O(N) model --------------------------------------------------------------

@dataclass(frozen=True)
class ZeroDimensionalModel:
    """S(phi) = (m^2/2) phi.phi + (lambda/4!) (phi.phi)^2 on R^N (Keitel & Bartosch, arXiv:1109.3013).

    The Wilsonian split uses the reference propagator D_0: S = phi.phi/(2 D_0) + S_int,0 with
    S_int,0(rho) = (m^2 - 1/D_0) rho + (lambda/6) rho^2, rho = phi.phi/2.
    """

    components: int = 1
    mass2: float = 1.0
    coupling: float = 1.0
    reference: float = 1.0

    def interaction(self, rho: np.ndarray | float) -> np.ndarray | float:
        """The bare interaction S_int,0(rho) = (m^2 - 1/D_0) rho + (lambda/6) rho^2.

        Parameters
        ----------
        rho
            The invariant rho = phi.phi / 2 (a number or an array).

        Returns
        -------
        numpy.ndarray or float
            Same shape as ``rho``.

        References
        ----------
        Keitel & Bartosch, arXiv:1109.3013.
        """
        return (self.mass2 - 1.0 / self.reference) * rho + self.coupling / 6.0 * rho**2

    def action(self, rho: np.ndarray | float) -> np.ndarray | float:
        """The full action S(rho) = m^2 rho + (lambda/6) rho^2, i.e. S(phi) in terms of rho = phi.phi / 2.

        Parameters
        ----------
        rho
            The invariant rho = phi.phi / 2 (a number or an array).

        Returns
        -------
        numpy.ndarray or float
            Same shape as ``rho``.

        References
        ----------
        Keitel & Bartosch, arXiv:1109.3013.
        """
        return self.mass2 * rho + self.coupling / 6.0 * rho**2

    def radial_moment(self, power: int) -> float:
        """I_n = int_0^oo r^(N-1+2n) exp(-S(r)) dr (Keitel & Bartosch, eq. 5)."""
        value, _ = integrate.quad(lambda r: r ** (self.components - 1 + 2 * power)
                                  * math.exp(-self.action(r * r / 2)), 0, math.inf,
                                  epsabs=0, epsrel=1e-13, limit=200)
        return float(value)

    def moments(self) -> tuple[float, float]:
        """Exact <phi^2> = I_1/I_0 and <(phi^2)^2> = I_2/I_0."""
        i0 = self.radial_moment(0)
        return self.radial_moment(1) / i0, self.radial_moment(2) / i0


def zero_dimensional_spec(components: int) -> TheorySpec:
    """A spec object (no file) for the field content of the d = 0 model, full potential.

    Only its field content is used: the momentum kernels are replaced by the single mode.
    """
    return TheorySpec("<zero-dimensional O(N) model>",
                      Theory(sp.Integer(0), (FieldBlock("phi", components),)),
                      Truncation(potential="full"), RegulatorSpec(), FlowSpec("polchinski", "litim"))


def noise_time_kernels() -> PropagatorKernels:
    """The single-mode kernels in noise time sigma = D_0 - D (dD/dsigma = -1).

    With d_sigma Delta = -1 the tree coefficient (1/2) d_sigma Delta is -1/2 and the loop
    coefficient -(1/2) d_sigma Delta is +1/2: no momentum integral in zero dimensions.
    """
    rate = sp.Integer(-1)
    return PropagatorKernels(None, (rate,), rate / 2, -rate / 2)


@dataclass(frozen=True)
class FlowEquation:
    """d_sigma v = F(rho, v', v''), compiled, with dF/dv' and dF/dv''."""

    terms: WilsonianTerms
    rhs: sp.Expr
    flow: Callable[..., np.ndarray]
    partials: tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]


def zero_dimensional_flow(components: int) -> FlowEquation:
    """The Polchinski PDE of the d = 0 model in noise time, derived as for d > 0.

    >>> print(zero_dimensional_flow(1).rhs)  # (1/2) Lap v - (1/2) |grad v|^2 in rho = phi^2/2
    -rho_phi*Derivative(u(rho_phi), rho_phi)**2 + rho_phi*Derivative(u(rho_phi), (rho_phi, 2)) + ...
    """
    action: Action = build_action(zero_dimensional_spec(components))
    terms = wilsonian_terms(action, noise_time_kernels())
    rho, u, tree, loop = field_space_flow(terms)
    rhs = sp.expand(terms.kernels.tree * tree + terms.kernels.loop * loop)
    w1, w2 = sp.symbols("w1 w2")
    plain = rhs.subs(sp.Derivative(u, (rho, 2)), w2).subs(sp.Derivative(u, rho), w1)
    args = (rho, w1, w2)
    return FlowEquation(terms, rhs, sp.lambdify(args, plain, "numpy"),
                        (sp.lambdify(args, sp.diff(plain, w1), "numpy"),
                         sp.lambdify(args, sp.diff(plain, w2), "numpy")))


@dataclass(frozen=True)
class FlowedPotential:
    """v(rho, sigma) on a Chebyshev grid for noise times sigma in [0, sigma_max] (dense output)."""

    rho: np.ndarray
    d1: np.ndarray
    solution: object  # scipy OdeSolution

    def values(self, sigma: float) -> np.ndarray:
        """The flowed potential v(rho, sigma) at the grid points ``rho`` (dense ODE output).

        Parameters
        ----------
        sigma
            Noise time, within the integrated interval [0, sigma_max].

        Returns
        -------
        numpy.ndarray
            One value per grid point.
        """
        return np.asarray(self.solution(sigma), dtype=float)  # type: ignore[operator]

    def interpolant(self, sigma: float) -> np.polynomial.Chebyshev:
        """The flowed potential at noise time ``sigma`` as a Chebyshev series in rho.

        The series interpolates :meth:`values` at the grid points (degree = points - 1) on the
        domain [0, rho_max].

        Parameters
        ----------
        sigma
            Noise time, within the integrated interval [0, sigma_max].

        Returns
        -------
        numpy.polynomial.Chebyshev
        """
        return np.polynomial.Chebyshev.fit(self.rho, self.values(sigma), self.rho.size - 1,
                                           domain=[0.0, float(self.rho[-1])])


#: Outer edge of the rho grid of the d = 0 flow.  The edge is not a perfect outflow boundary (the
#: diffusion term carries its error inwards slowly): at sigma = 0.9, m^2 = -1, lambda = 2 the flowed v
#: differs from the quadrature by 2e-5 at rho = 6 with rho_max = 12, and by 1e-8 with rho_max = 16.
ZERO_DIM_RHO_MAX = 16.0


def flow_potential(model: ZeroDimensionalModel, sigma_max: float, points: int = 48,
                   rho_max: float = ZERO_DIM_RHO_MAX) -> FlowedPotential:
    """Integrate the derived PDE from v = S_int,0 over noise time [0, sigma_max] (method of lines).

    rho = rho_max is an outflow boundary: there d_sigma v is dominated by -rho v'^2 (v' > 0), whose
    characteristics leave the domain, so the interior does not depend on what happens at the edge.
    There the diffusion term is dropped (the first-order Hamilton-Jacobi part is kept): collocating
    a second-order term at an edge without a boundary condition made the integration blow up.
    The bare potential is a polynomial of degree 2 in rho, exact on the grid.
    """
    from rgsym.solve.pde import chebyshev_grid

    eq = zero_dimensional_flow(model.components)
    grid = chebyshev_grid(points, rho_max)
    rho = grid.rho

    d2 = grid.d2.copy()
    d2[-1] = 0.0  # outflow edge: no diffusion term there

    def rhs(_: float, v: np.ndarray) -> np.ndarray:
        return np.asarray(eq.flow(rho, grid.d1 @ v, d2 @ v), dtype=float) * np.ones_like(v)

    def jac(_: float, v: np.ndarray) -> np.ndarray:
        g1 = np.broadcast_to(eq.partials[0](rho, grid.d1 @ v, d2 @ v), v.shape)
        g2 = np.broadcast_to(eq.partials[1](rho, grid.d1 @ v, d2 @ v), v.shape)
        return g1[:, None] * grid.d1 + g2[:, None] * d2

    sol = integrate.solve_ivp(rhs, (0.0, sigma_max), model.interaction(rho), method="Radau", jac=jac,
                              rtol=1e-10, atol=1e-12, dense_output=True)
    if not sol.success:
        raise ArithmeticError(f"the zero-dimensional flow did not integrate: {sol.message}")
    return FlowedPotential(rho, grid.d1, sol.sol)


def heat_flow(model: ZeroDimensionalModel, rho: np.ndarray, sigma: float) -> np.ndarray:
    """-log of the Gaussian convolution (variance sigma) of exp(-S_int,0), by quadrature.

    For radial f on R^N: (G_sigma * f)(r) = int_0^oo f(r') r'^(N-1) (2 pi sigma)^(-N/2)
    exp(-(r - r')^2 / (2 sigma)) (2 pi)^(N/2) z^(1-N/2) I_(N/2-1)(z) e^-z dr', z = r r'/sigma
    (the angular integral of exp(r r' cos theta / sigma); scaled Bessel function for stability).
    """
    n = model.components
    out = np.empty_like(rho, dtype=float)
    for k, r in enumerate(np.sqrt(2 * np.asarray(rho, dtype=float))):
        def integrand(rp: float, r: float = r) -> float:
            z = r * rp / sigma
            angular = (2 * math.pi) ** (n / 2) * (z ** (1 - n / 2) * special.ive(n / 2 - 1, z) if z > 0
                                                  else 1 / math.gamma(n / 2) / 2 ** (n / 2 - 1))
            return (rp ** (n - 1) * (2 * math.pi * sigma) ** (-n / 2) * angular
                    * math.exp(-(r - rp) ** 2 / (2 * sigma) - float(model.interaction(rp * rp / 2))))
        value, _ = integrate.quad(integrand, 0, math.inf, epsabs=0, epsrel=1e-12, limit=200)
        out[k] = -math.log(value)
    return out


def ou_density(model: ZeroDimensionalModel, rho: np.ndarray, sigma: float) -> np.ndarray:
    """The bare distribution pushed through the Ornstein-Uhlenbeck process, by quadrature.

    P_s(phi) = int P_0(psi) N(phi - a psi; D (1 - a)) dpsi with D = D_0 - sigma, a = D / D_0: the
    law of a phi_0 + sqrt(D (1 - a)) xi.  Returned normalised on R^N as a function of rho.
    """
    d0 = model.reference
    a = (d0 - sigma) / d0
    var = (d0 - sigma) * (1 - a)
    n = model.components
    z0 = model.radial_moment(0) * 2 * math.pi ** (n / 2) / math.gamma(n / 2)  # int exp(-S) d^N phi
    out = np.empty_like(rho, dtype=float)
    for k, r in enumerate(np.sqrt(2 * np.asarray(rho, dtype=float))):
        def integrand(rp: float, r: float = r) -> float:
            z = r * a * rp / var
            angular = (2 * math.pi) ** (n / 2) * (z ** (1 - n / 2) * special.ive(n / 2 - 1, z) if z > 0
                                                  else 1 / math.gamma(n / 2) / 2 ** (n / 2 - 1))
            return (rp ** (n - 1) * (2 * math.pi * var) ** (-n / 2) * angular
                    * math.exp(-(r - a * rp) ** 2 / (2 * var) - float(model.action(rp * rp / 2))))
        value, _ = integrate.quad(integrand, 0, math.inf, epsabs=0, epsrel=1e-12, limit=200)
        out[k] = value / z0
    return out


def wilsonian_density(model: ZeroDimensionalModel, potential: FlowedPotential, rho: np.ndarray,
                      sigma: float) -> np.ndarray:
    """P_s = exp(-rho / D - v(rho, sigma)) normalised on R^N, with v from the flowed PDE."""
    n = model.components
    cov = model.reference - sigma
    v = potential.interpolant(sigma)
    rho_max = float(potential.rho[-1])
    norm, _ = integrate.quad(lambda r: r ** (n - 1) * math.exp(-r * r / (2 * cov) - float(v(r * r / 2))),
                             0, math.sqrt(2 * rho_max), epsabs=0, epsrel=1e-12, limit=200)
    norm *= 2 * math.pi ** (n / 2) / math.gamma(n / 2)
    return np.exp(-rho / cov - v(rho)) / norm
