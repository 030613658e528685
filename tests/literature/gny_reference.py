"""Reference LPA' flows of the Gross-Neveu-Yukawa models (chiral Ising, XY, Heisenberg), Litim regulator.

A plain module (not a test): tests/literature/test_gny_reference.py solves these flows and checks
them against the literature, and the derived GNY flows are to be compared with
:func:`reference_betas` (same conventions, documented below) once the engine produces them.

Ansatz and conventions
----------------------
Gamma_k = int_x [ Z_psi psibar i dslash psi + 1/2 Z_phi (d phi_a)^2 + U(rho) + hbar psibar (phi_a G_a) psi ],
rho = phi_a phi_a / 2, a = 1..N_b, with the Yukawa matrices G_a
  chiral Ising       N_b = 1: G_1 = 1;
  chiral XY          N_b = 2: G_1 = 1, G_2 = i gamma_5          (psibar (phi_1 + i gamma_5 phi_2) psi);
  chiral Heisenberg  N_b = 3: G_a = sigma_a (x) 1 (Pauli matrices on a doublet index of psi).
N = tr 1 over the whole fermion space = d_gamma N_f (spinor dimension times flavours; for the
Heisenberg model the doublet index is part of it: graphene's N_f = 2 four-component spinors give
N = 8).  N = 1 is one two-component Majorana spinor in d = 3 (N_f = 1/2), the supersymmetric point.
The sign of the Yukawa coupling is irrelevant: only hbar^2 enters.  In every model the fermion mass
matrix M = hbar phi_a G_a satisfies M Mbar = 2 hbar^2 rho, so the fermion mass is w_F = 2 h^2 rho.

Regulators (Litim, Phys. Rev. D 64 (2001) 105007, hep-th/0103195, and its fermion form):
R_phi = Z_phi (k^2 - q^2) theta(k^2 - q^2),  R_psi = Z_psi qslash (sqrt(k^2/q^2) - 1) theta(k^2 - q^2).
eta_phi = -d_t ln Z_phi, eta_psi = -d_t ln Z_psi, t = ln k.
Dimensionless: rho~ = Z_phi k^(2-d) rho, u = U/k^d, h^2 = hbar^2 k^(d-4) / (Z_phi Z_psi^2) (written
without tildes).  v_d = 1/(2^(d+1) pi^(d/2) Gamma(d/2)).  The polynomial potential around its
running minimum kappa (u'(kappa) = 0):  u(rho) = sum_{n=2}^{M} lambda_n/n! (rho - kappa)^n.

Expansion point rho0: either the running minimum kappa (u'(kappa) = 0, the symmetry-broken
regime), or rho0 = 0 with lambda_1 = u'(0) (the symmetric regime).  The d = 3 GNY fixed points
for N >= 4 lie in the symmetric regime (lambda_1* > 0), and the published LPA' numbers reproduced in
the test (Janssen-Herbut's phi^4 truncation; the converged chiral Ising N = 8 values) are those of
the zero-field expansion.  h, eta_phi and eta_psi are evaluated at rho0 in both cases.

Boson masses at rho0: radial w_r = u' + 2 rho0 u'', Goldstone w_G = u' (at the minimum 2 kappa
lambda_2 and 0; at zero both lambda_1); fermion w_F = 2 rho0 h^2.  s_b = +1 if G_b commutes with
the background mass matrix M ~ G_1 (the radial mode), -1 if it anticommutes (XY's i gamma_5,
Heisenberg's sigma_2, sigma_3).  Below, "kappa" stands for rho0 and lambda_n for u^(n)(rho0).

The flows, in the notation of Gies, Janssen, Rechenberger, Scherer, PRD 81 (2010) 025009,
arXiv:0910.0764 (chiral Ising), Janssen, Herbut, PRB 89 (2014) 205403, arXiv:1402.6277 (general
N_b), and Braun, J. Phys. G 39 (2012) 033001, arXiv:1108.4449 (threshold functions); their equation
numbers could not be read here (see the provenance note below):

- d_t u = -d u + (d-2+eta_phi) rho u' + 2 v_d [ l_0(w_r) + (N_b-1) l_0(w_G) - N l_0^(F)(w_F) ]
- eta_psi = (8 v_d/d) h^2 sum_b m_{1,2}^(FB)(w_F, w_b)
- eta_phi (radial projection, p^2 part of Gamma^(2)_{11} at the minimum)
    = (8 v_d/d) [ kappa (3 lambda_2 + 2 kappa lambda_3)^2 m_{2,2}(w_r, w_r)
                  + (N_b-1) kappa lambda_2^2 m_{2,2}(0, 0) ]
      + (8 v_d/d) N h^2 [ m_4^(F)(w_F) - w_F m_2^(F)(w_F) ]
  (Goldstone projection, Gamma^(2)_{22}, N_b > 1: (16 v_d/d) kappa lambda_2^2 m_{2,2}(w_r, 0)
      + (8 v_d/d) N h^2 [ m_4^(F)(w_F) + w_F m_2^(F)(w_F) ])
- d_t h^2 = (d-4+eta_phi+2 eta_psi) h^2
      + 8 v_d h^4 sum_b s_b [ l_{1,1}^(FB)(w_F, w_b) - 2 w_F l_{2,1}^(FB)(w_F, w_b)
                             - 2 kappa (d w_b/d rho) l_{1,2}^(FB)(w_F, w_b) ],
  h defined by the Yukawa vertex Gamma^(3)_{psibar psi phi_1} at the minimum (the phi-derivative
  of the flow of the fermion mass hbar phi G_1); d w_r/d rho = 3 lambda_2 + 2 kappa lambda_3,
  d w_G/d rho = lambda_2.

Litim closed forms (eta's from the regulators' d_t Z terms):
  l_n(w) = (2/d)(n + delta_n0)(1 - eta_phi/(d+2)) / (1+w)^(n+1)
  l_n^(F)(w) = (2/d)(n + delta_n0)(1 - eta_psi/(d+1)) / (1+w)^(n+1)
  l_{n1,n2}^(FB)(wF, wB) = (2/d) / ((1+wF)^n1 (1+wB)^n2)
                           * [ n1 (1-eta_psi/(d+1))/(1+wF) + n2 (1-eta_phi/(d+2))/(1+wB) ]
  m_{2,2}(w1, w2) = 1/((1+w1)^2 (1+w2)^2)
  m_2^(F)(w) = 1/(1+w)^4
  m_4^(F)(w) = 1/(1+w)^4 + (1-eta_psi)/(d-2) /(1+w)^3 - ((1-eta_psi)/(2d-4) + 1/4) /(1+w)^2
  m_{1,2}^(FB)(wF, wB) = (1 - eta_phi/(d+1)) / ((1+wF)(1+wB)^2)

Provenance, plainly: the full texts of these papers could not be read from this machine (the search
tool returns their opening pages only).  The lines above were re-derived from the definitions
(Wetterich equation, the ansatz, the regulators) in the notation of the cited papers, and checked
independently in test_gny_reference.py: every Litim threshold function used (with its eta terms)
against direct quadrature of its one-loop diagram at finite external momentum; the one-loop results
near d = 4 (Fei, Giombi, Klebanov, Tarnopolsky, PTEP 2016 12C105, arXiv:1607.05316; Zerf, Mihaila,
Marquard, Herbut, Scherer, PRD 96 (2017) 096010, arXiv:1709.05057), derived symbolically in N; the
large-N limit; and the published LPA' numbers listed in GNY_SOURCES.md (chiral Heisenberg N = 8
of Janssen-Herbut to their quoted digits).  What no published number checks: the
symmetry-broken-regime terms (the w_F m_2^(F) term of eta_phi, the l_{2,1} and l_{1,2} terms of the
Yukawa flow); they are checked by the quadratures and by d l_{1,1}/d w only.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

#: Symbols (documented names; the derived flows should use the same or map onto them).
rho, kappa, h2 = sp.symbols("rho kappa h2", real=True)
eta_phi, eta_psi = sp.symbols("eta_phi eta_psi", real=True)
d_symbol, N_symbol = sp.symbols("d N", positive=True)
u1, u2, u3 = sp.symbols("u1 u2 u3", real=True)  # u'(rho), u''(rho), u'''(rho)
w, wF, wB = sp.symbols("w w_F w_B", real=True)


def lam(n: int) -> sp.Symbol:
    """lambda_n = u^(n)(kappa)."""
    return sp.Symbol(f"lambda{n}", real=True)


@dataclass(frozen=True)
class Model:
    """A GNY universality class: the number of scalar components and the signs s_b (b = 1 radial)."""

    name: str
    n_b: int
    signs: tuple[int, ...]


MODELS = {
    "ising": Model("chiral Ising", 1, (1,)),
    "xy": Model("chiral XY", 2, (1, -1)),
    "heisenberg": Model("chiral Heisenberg", 3, (1, -1, -1)),
}
PROJECTIONS = ("radial", "goldstone")


def angular_factor(d: sp.Expr) -> sp.Expr:
    """v_d = 1/(2^(d+1) pi^(d/2) Gamma(d/2)); v_3 = 1/(8 pi^2), v_4 = 1/(32 pi^2)."""
    return 1 / (2 ** (d + 1) * sp.pi ** (d / 2) * sp.gamma(d / 2))


# --- Litim threshold functions (closed forms, see the module docstring) -------------------------

def l_boson(n: int, x: sp.Expr, d: sp.Expr) -> sp.Expr:
    """l_n^d(x; eta_phi)."""
    return sp.Rational(2) / d * (n + (1 if n == 0 else 0)) * (1 - eta_phi / (d + 2)) / (1 + x) ** (n + 1)


def l_fermion(n: int, x: sp.Expr, d: sp.Expr) -> sp.Expr:
    """l_n^(F)d(x; eta_psi)."""
    return sp.Rational(2) / d * (n + (1 if n == 0 else 0)) * (1 - eta_psi / (d + 1)) / (1 + x) ** (n + 1)


def l_fb(n1: int, n2: int, xf: sp.Expr, xb: sp.Expr, d: sp.Expr) -> sp.Expr:
    """l_{n1,n2}^(FB)d(xf, xb; eta_psi, eta_phi)."""
    return (sp.Rational(2) / d / ((1 + xf) ** n1 * (1 + xb) ** n2)
            * (n1 * (1 - eta_psi / (d + 1)) / (1 + xf) + n2 * (1 - eta_phi / (d + 2)) / (1 + xb)))


def m22(x1: sp.Expr, x2: sp.Expr) -> sp.Expr:
    """m_{2,2}^d(x1, x2) (no eta dependence for the Litim regulator)."""
    return 1 / ((1 + x1) ** 2 * (1 + x2) ** 2)


def m2_fermion(x: sp.Expr) -> sp.Expr:
    """m_2^(F)d(x)."""
    return 1 / (1 + x) ** 4


def m4_fermion(x: sp.Expr, d: sp.Expr) -> sp.Expr:
    """m_4^(F)d(x; eta_psi)."""
    return (1 / (1 + x) ** 4 + (1 - eta_psi) / (d - 2) / (1 + x) ** 3
            - ((1 - eta_psi) / (2 * d - 4) + sp.Rational(1, 4)) / (1 + x) ** 2)


def m12_fb(xf: sp.Expr, xb: sp.Expr, d: sp.Expr) -> sp.Expr:
    """m_{1,2}^(FB)d(xf, xb; eta_phi)."""
    return (1 - eta_phi / (d + 1)) / ((1 + xf) * (1 + xb) ** 2)


# --- flows -----------------------------------------------------------------------------------

def _resolve(model: str | Model) -> Model:
    if isinstance(model, Model):
        return model
    if model not in MODELS:
        raise ValueError(f"model: {model!r} is not one of {', '.join(MODELS)}")
    return MODELS[model]


def potential_flow(model: str | Model, d: sp.Expr | int = d_symbol, N: sp.Expr | int = N_symbol) -> sp.Expr:
    """d_t u' (rho) as a function of rho, u1 = u', u2 = u'', u3 = u''' (the rho-derivative of d_t u).

    d_t u = -d u + (d-2+eta_phi) rho u' + 2 v_d [l_0(w_r) + (N_b-1) l_0(w_G) - N l_0^(F)(2 h^2 rho)].
    """
    m = _resolve(model)
    d, N = sp.sympify(d), sp.sympify(N)
    r, f = sp.Symbol("r_"), sp.Function("f")
    # write the loop with a generic potential, differentiate in rho, then name the derivatives
    up = sp.diff(f(r), r)
    loop = 2 * angular_factor(d) * (l_boson(0, up + 2 * r * sp.diff(up, r), d)
                                    + (m.n_b - 1) * l_boson(0, up, d) - N * l_fermion(0, 2 * h2 * r, d))
    flow_u = -d * f(r) + (d - 2 + eta_phi) * r * up + loop
    flow_u1 = sp.diff(flow_u, r)
    names = {sp.diff(f(r), r, 3): u3, sp.diff(f(r), r, 2): u2, sp.diff(f(r), r): u1}
    for derivative, symbol in names.items():
        flow_u1 = flow_u1.subs(derivative, symbol)
    return flow_u1.subs(r, rho)


def _background(rho0: sp.Expr, v1: sp.Expr, v2: sp.Expr, v3: sp.Expr,
                n_b: int) -> tuple[list[sp.Expr], list[sp.Expr], sp.Expr]:
    """Boson masses and slopes d w_b/d rho (radial first), and the fermion mass, at rho0."""
    masses = [v1 + 2 * rho0 * v2] + [v1] * (n_b - 1)
    slopes = [3 * v2 + 2 * rho0 * v3] + [v2] * (n_b - 1)
    return masses, slopes, 2 * h2 * rho0


def anomalous_dimensions(model: str | Model, d: sp.Expr | int = d_symbol, N: sp.Expr | int = N_symbol,
                         projection: str = "radial", background: tuple[sp.Expr, ...] | None = None
                         ) -> dict[str, sp.Expr]:
    """The right-hand sides of eta_phi and eta_psi (they contain eta_phi and eta_psi, linearly).

    ``background`` = (rho0, u1, u2, u3), the point and u', u'', u''' there; the default is the
    minimum (kappa, 0, lambda2, lambda3).  Returns ``{"eta_phi": ..., "eta_psi": ...}``.
    """
    m = _resolve(model)
    if projection not in PROJECTIONS:
        raise ValueError(f"projection: {projection!r} is not one of {', '.join(PROJECTIONS)}")
    if projection == "goldstone" and m.n_b == 1:
        raise ValueError("projection: 'goldstone' needs N_b > 1 (chiral XY or Heisenberg)")
    d, N = sp.sympify(d), sp.sympify(N)
    rho0, v1, v2, v3 = background or (kappa, sp.Integer(0), lam(2), lam(3))
    vd = angular_factor(d)
    masses, _, w_f = _background(rho0, v1, v2, v3, m.n_b)
    eta_psi_rhs = 8 * vd / d * h2 * sum(m12_fb(w_f, x, d) for x in masses)
    if projection == "radial":
        # 1/2 sum_ij Gamma^(3)_{1ij}^2 m22(w_i, w_j): Gamma_111 = phi (3u'' + 2 rho u'''), Gamma_1GG = phi u''
        boson = rho0 * (3 * v2 + 2 * rho0 * v3) ** 2 * m22(masses[0], masses[0])
        boson += (m.n_b - 1) * rho0 * v2**2 * m22(v1, v1)
        fermion = m4_fermion(w_f, d) - w_f * m2_fermion(w_f)
    else:
        boson = 2 * rho0 * v2**2 * m22(masses[0], v1)
        fermion = m4_fermion(w_f, d) + w_f * m2_fermion(w_f)
    eta_phi_rhs = 8 * vd / d * (boson + N * h2 * fermion)
    return {"eta_phi": eta_phi_rhs, "eta_psi": eta_psi_rhs}


def yukawa_flow(model: str | Model, d: sp.Expr | int = d_symbol,
                background: tuple[sp.Expr, ...] | None = None) -> sp.Expr:
    """d_t h^2 (contains eta_phi, eta_psi); ``background`` as in :func:`anomalous_dimensions`."""
    m = _resolve(model)
    d = sp.sympify(d)
    rho0, v1, v2, v3 = background or (kappa, sp.Integer(0), lam(2), lam(3))
    vd = angular_factor(d)
    masses, slopes, w_f = _background(rho0, v1, v2, v3, m.n_b)
    vertex = sum(s * (l_fb(1, 1, w_f, x, d) - 2 * w_f * l_fb(2, 1, w_f, x, d)
                      - 2 * rho0 * slope * l_fb(1, 2, w_f, x, d))
                 for s, x, slope in zip(m.signs, masses, slopes, strict=True))
    return (d - 4 + eta_phi + 2 * eta_psi) * h2 + 8 * vd * h2**2 * vertex


EXPANSIONS = ("minimum", "zero")


def reference_betas(model: str | Model, order: int, d: sp.Expr | int = d_symbol, N: sp.Expr | int = N_symbol,
                    projection: str = "radial", expansion: str = "minimum") -> dict[str, sp.Expr]:
    """Beta functions of the polynomial couplings and h2, and the eta equations.

    Parameters
    ----------
    model
        ``"ising"``, ``"xy"`` or ``"heisenberg"`` (or a :class:`Model`).
    order
        M >= 2, the highest lambda_M kept in u = sum_n lambda_n/n! (rho - rho0)^n.
    d, N
        Dimension and fermion components N = d_gamma N_f (numbers or symbols).
    projection
        Which scalar two-point function defines eta_phi (see the module docstring).
    expansion
        ``"minimum"``: rho0 = kappa runs, u'(kappa) = 0, couplings (kappa, lambda2..lambdaM, h2), the
        symmetry-broken regime; ``"zero"``: rho0 = 0, couplings (lambda1 = u'(0), lambda2.., h2), the
        symmetric regime.

    Returns
    -------
    dict
        ``{coupling name: beta, ..., "eta_phi": rhs, "eta_psi": rhs}``; the betas contain eta_phi and
        eta_psi, fixed by the last two entries (eta = rhs, linear in the etas).

    References
    ----------
    Gies et al., arXiv:0910.0764; Janssen and Herbut, arXiv:1402.6277 (notation; see the module
    docstring for what was checked).
    """
    if order < 2:
        raise ValueError(f"order: {order} must be >= 2")
    if expansion not in EXPANSIONS:
        raise ValueError(f"expansion: {expansion!r} is not one of {', '.join(EXPANSIONS)}")
    d, N = sp.sympify(d), sp.sympify(N)
    at_zero = expansion == "zero"
    rho0 = sp.Integer(0) if at_zero else kappa
    first = 1 if at_zero else 2
    up = sum(lam(n) / sp.factorial(n - 1) * (rho - rho0) ** (n - 1) for n in range(first, order + 1))
    flow1 = potential_flow(model, d, N).subs({u1: up, u2: sp.diff(up, rho), u3: sp.diff(up, rho, 2)},
                                             simultaneous=True)
    derivs = [flow1]
    for _ in range(order - 1):
        derivs.append(sp.diff(derivs[-1], rho))
    at = [e.subs(rho, rho0) for e in derivs]  # d_t u^(n)(rho0) at fixed rho0, n = 1..order
    betas: dict[str, sp.Expr] = {}
    if at_zero:
        for n in range(1, order + 1):
            betas[f"lambda{n}"] = at[n - 1]
    else:
        dkappa = -at[0] / lam(2)
        betas["kappa"] = dkappa
        for n in range(2, order + 1):
            nxt = lam(n + 1) if n < order else sp.Integer(0)
            betas[f"lambda{n}"] = at[n - 1] + nxt * dkappa
    background = (rho0, lam(1) if at_zero else sp.Integer(0), lam(2), lam(3) if order >= 3 else sp.Integer(0))
    betas["h2"] = yukawa_flow(model, d, background)
    betas.update(anomalous_dimensions(model, d, N, projection, background))
    return betas


def couplings(order: int, expansion: str = "minimum") -> list[sp.Symbol]:
    """The coupling symbols in the order of :func:`reference_betas`."""
    first = [lam(1)] if expansion == "zero" else [kappa]
    return first + [lam(n) for n in range(2, order + 1)] + [h2]


# --- a small numeric solver (fixed point, stability matrix, exponents) --------------------------

@dataclass(frozen=True)
class FixedPoint:
    """A fixed point of :func:`reference_betas` and its exponents (theta = -eig(d beta/d g))."""

    couplings: tuple[float, ...]
    eta_phi: float
    eta_psi: float
    thetas: tuple[complex, ...]
    residual: float

    @property
    def relative_residual(self) -> float:
        """max |beta| over max(1, max |g|): the high lambda_n grow to ~1e7 at order 8."""
        return self.residual / max(1.0, max(abs(g) for g in self.couplings))

    @property
    def inverse_nu(self) -> float:
        """1/nu = the largest theta (its real part; it is real at the fixed points used here)."""
        return float(self.thetas[0].real)

    @property
    def omega(self) -> float:
        """omega = -theta of the irrelevant direction closest to zero (real part)."""
        return float(-max(t.real for t in self.thetas if t.real < 0))


def numeric_system(model: str | Model, order: int, d: float, N: float, projection: str = "radial",
                   expansion: str = "zero") -> tuple[Callable[[np.ndarray], np.ndarray],
                                                     Callable[[np.ndarray], np.ndarray]]:
    """(beta(g), etas(g)) as numpy functions of the couplings of :func:`couplings`.

    The eta equations are linear in (eta_phi, eta_psi); they are solved exactly at each g.
    """
    betas = reference_betas(model, order, d, N, projection, expansion)
    names = [str(c) for c in couplings(order, expansion)]
    args = [*couplings(order, expansion), eta_phi, eta_psi]
    residual = sp.lambdify(args, [betas["eta_phi"] - eta_phi, betas["eta_psi"] - eta_psi], "math")
    flow = sp.lambdify(args, [betas[n] for n in names], "math")

    def etas(g: np.ndarray) -> np.ndarray:
        r0 = np.array(residual(*g, 0.0, 0.0))
        columns = [np.array(residual(*g, 1.0, 0.0)) - r0, np.array(residual(*g, 0.0, 1.0)) - r0]
        return np.linalg.solve(np.column_stack(columns), -r0)

    def beta(g: np.ndarray) -> np.ndarray:
        return np.array(flow(*g, *etas(g)))

    return beta, etas


def solve_fixed_point(model: str | Model, order: int, d: float, N: float, start: Sequence[float],
                      projection: str = "radial", expansion: str = "zero", step: float = 1e-6) -> FixedPoint:
    """Newton (scipy fsolve) from ``start`` (missing higher couplings are set to 0), then the exponents
    from a central-difference stability matrix (relative step ``step``: errors ~ step^2 ~ 1e-12)."""
    from scipy.optimize import fsolve

    beta, etas = numeric_system(model, order, d, N, projection, expansion)
    n = order + 1
    guess = np.zeros(n)
    guess[: len(start) - 1] = start[:-1][: n - 1]
    guess[-1] = start[-1]
    with warnings.catch_warnings():  # "xtol too small" once converged to machine precision
        warnings.simplefilter("ignore", RuntimeWarning)
        solution = np.asarray(fsolve(beta, guess, xtol=1e-14), dtype=float)
    jacobian = np.zeros((n, n))
    for j in range(n):
        shift = np.zeros(n)
        shift[j] = step * max(1.0, abs(solution[j]))
        jacobian[:, j] = (beta(solution + shift) - beta(solution - shift)) / (2 * shift[j])
    thetas = sorted((-complex(t) for t in np.linalg.eigvals(jacobian)), key=lambda t: (-t.real, t.imag))
    e = etas(solution)
    return FixedPoint(tuple(float(x) for x in solution), float(e[0]), float(e[1]), tuple(thetas),
                      float(np.max(np.abs(beta(solution)))))


def continue_in_order(model: str | Model, orders: Sequence[int], d: float, N: float, start: Sequence[float],
                      projection: str = "radial", expansion: str = "zero") -> list[FixedPoint]:
    """Fixed points for increasing truncation orders, each started from the one before."""
    points: list[FixedPoint] = []
    current = list(start)
    for order in orders:
        point = solve_fixed_point(model, order, d, N, current, projection, expansion)
        points.append(point)
        current = list(point.couplings)
    return points
