"""Reference O(d^2) flow equations of the Ising (N = 1) scalar theory, for the derived flows to match.

This is a plain module (not a test): the derivative-expansion tests import it, and once the
derivation core produces the O(d^2) flows they are compared with :func:`reference_flows`
symbolically (same symbols, same conventions).

Ansatz and conventions (rgsym's)
--------------------------------
Gamma_k = int_x [ U_k(rho) + 1/2 Z_k(rho) (d phi)^2 ],  rho = phi^2 / 2,  t = ln k.
Regulator R_k(q^2) = Z_k k^2 r(y), y = q^2/k^2, with the field-independent Z_k, and
eta = -d_t ln Z_k.  Dimensionless: rho~ = Z_k k^(2-d) rho, u = U/k^d, z = Z(rho)/Z_k,
written below without tildes.  eta is fixed by a normalisation z(rho_0) = 1 (the solver takes
rho_0; rho_0 = 0 is Canet et al.'s choice, see the test).  v_d = 1/(2^(d+1) pi^(d/2) Gamma(d/2)).

The flows, d_t at fixed dimensionless rho (m = u1 + 2 rho u2 is the radial mass,
g(y) = 1/(z y + r(y) + m) the dimensionless propagator, rdot = (2 - eta) r - 2 y r' = d_t R/(Z_k k^2)):

- d_t u  = -d u + (d-2+eta) rho u1 + v_d int dy y^(d/2-1) rdot g                      (the LPA form)
- d_t u1 = (eta-2) u1 + (d-2+eta) rho u2 - v_d int dy y^(d/2-1) rdot g^2 (3 u2 + 2 rho u3 + z1 y)
- d_t z  = eta z + (d-2+eta) rho z1 + 2 v_d int dy y^(d/2-1) rdot g^2 A, with

  A = a^2 [ -g^2 P1 + (4y/d) (g^3 P1^2 - g^2 r''/2) ] + 2 a Zp g - (4y/d) a Zp g^2 P1
      + (y/d) Zp^2 g - Zpp/2,

  P1 = z + r'(y), a = phi (3 u2 + 2 rho u3 + z1 y) (the 3-vertex U''' + Z'(phi) q^2 at p = 0),
  Zp = dZ/dphi = phi z1, Zpp = d^2Z/dphi^2 = z1 + 2 rho z2, phi^2 = 2 rho.

This is the p^2 coefficient of d_t Gamma^(2)(p) = int_q d_tR G^2 [Gamma^(3)^2 G(p+q) - Gamma^(4)/2]
on a constant background, with Gamma^(3)(p, q, -p-q) = U''' + Z'(p^2 + q^2 + p.q),
Gamma^(4)(p, -p, q, -q) = U'''' + Z''(p^2 + q^2), expanded to O(p^2) and averaged over the
angle (<(p.q)^2> = p^2 q^2 / d): the general-regulator form of Canet, Delamotte, Mouhanna, Vidal,
PRD 67 (2003) 065004, hep-th/0211055, sec. II (flows of U'(phi) and Z(phi)), rewritten in rho.
Provenance, plainly: the full texts were not readable from this machine (the search tool returns
opening excerpts only), so these lines were re-derived from the definitions above, not copied from
an equation of the paper; the tests check them three independent ways (the LPA limit z = 1 against
rgsym's derived LPA flow; the p^2 coefficient against a direct two-dimensional quadrature of the
one-loop integral at finite p; the exponents of Canet et al. at the PMS point).

Regulators
----------
- ``"generic"``: r = r(y) an undefined sympy Function (``r_shape``), r' and r'' as Derivatives;
  the form to compare a derivation with before a regulator is chosen.
- ``"exponential"``: r = alpha y/(e^y - 1) (Canet et al. 2003; rgsym's ``exponential``); the
  integrals run over (0, oo) and stay :class:`sympy.Integral`.  ``"exponential-stable"`` is the
  same function written as a Piecewise (its Taylor series below y = 1/2) for double-precision
  quadrature.
- ``"litim"``: r = (1 - y) theta(1 - y) (Litim, PRD 64 (2001) 105007, hep-th/0103195).  Then
  r' = -theta(1-y) and r'' = delta(1-y): the delta meets the jump of rdot at y = 1, and the
  angular average of the exact finite-p integral gives theta(0) = 1/2 there (the p^2 term of
  int dx theta(-x) g(x + p cos) over symmetric directions takes the mean of the one-sided slopes).
  The delta term is written out as its value at y = 1; the rest is an Integral over (0, 1).
"""

from __future__ import annotations

import sympy as sp

#: Symbols of the reference flows (documented names; the derived flows should use the same).
rho, u, u1, u2, u3 = sp.symbols("rho u u1 u2 u3", real=True)
z, z1, z2 = sp.symbols("z z1 z2", real=True)
eta, y, alpha = sp.symbols("eta y alpha", real=True)
d_symbol = sp.Symbol("d", positive=True)

REGULATORS = ("generic", "litim", "exponential", "exponential-stable")
#: The regulator shape of the ``"generic"`` flows: R_k = Z_k k^2 r(y).
r_shape = sp.Function("r")


def angular_factor(d: sp.Expr) -> sp.Expr:
    """v_d = 1/(2^(d+1) pi^(d/2) Gamma(d/2)); v_3 = 1/(8 pi^2)."""
    return 1 / (2 ** (d + 1) * sp.pi ** (d / 2) * sp.gamma(d / 2))


def _pieces(regulator: str) -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr]:
    """(r, r', r'', upper limit) of the smooth part of the regulator."""
    if regulator == "generic":
        shape = r_shape(y)
        return shape, sp.diff(shape, y), sp.diff(shape, y, 2), sp.oo
    if regulator == "litim":
        return 1 - y, sp.Integer(-1), sp.Integer(0), sp.Integer(1)
    if regulator == "exponential":
        r = alpha * y / (sp.exp(y) - 1)
        return r, sp.diff(r, y), sp.diff(r, y, 2), sp.oo
    if regulator == "exponential-stable":
        # the same function; below y = 1/2 its Taylor series (radius 2 pi: the remainder at
        # order 16 is (1/(4 pi))^17 ~ 1e-19), because r' and r'' of the closed form lose
        # eps/y^2 and eps/y^3 to cancellation near y = 0, which stalls Newton at 1e-7
        r = alpha * y / (sp.exp(y) - 1)
        series = alpha * sp.series(y / (sp.exp(y) - 1), y, 0, 17).removeO()
        pieces = [sp.Piecewise((sp.diff(series, y, k), y < sp.Rational(1, 2)), (sp.diff(r, y, k), True))
                  for k in range(3)]
        return pieces[0], pieces[1], pieces[2], sp.oo
    raise ValueError(f"regulator: {regulator!r} is not one of {', '.join(REGULATORS)}")


def _vertex(p1: sp.Expr, at_y: sp.Expr) -> dict[str, sp.Expr]:
    """a^2, a Zp, Zp^2 and Zpp at the loop momentum y (phi^2 = 2 rho written out)."""
    b = 3 * u2 + 2 * rho * u3 + z1 * at_y
    return {"aa": 2 * rho * b**2, "aZ": 2 * rho * z1 * b, "ZZ": 2 * rho * z1**2, "Zpp": z1 + 2 * rho * z2}


def _z_integrand(d: sp.Expr, r: sp.Expr, r1: sp.Expr, r2: sp.Expr) -> sp.Expr:
    g = 1 / (z * y + r + sp.Symbol("m"))
    p1 = z + r1
    v = _vertex(p1, y)
    inner = (v["aa"] * (-g**2 * p1 + 4 * y / d * (g**3 * p1**2 - g**2 * r2 / 2))
             + 2 * v["aZ"] * g - 4 * y / d * v["aZ"] * g**2 * p1 + y / d * v["ZZ"] * g - v["Zpp"] / 2)
    rdot = (2 - eta) * r - 2 * y * r1
    return y ** (d / 2 - 1) * rdot * g**2 * inner


def reference_flows(N: int = 1, d: sp.Expr | int = 3, regulator: str = "litim") -> dict[str, sp.Expr]:
    """The dimensionless O(d^2) flows d_t u, d_t u', d_t z of the N = 1 theory.

    Parameters
    ----------
    N
        Number of field components; only N = 1 (no Y(rho)) is transcribed.
    d
        The dimension (a number or a symbol).
    regulator
        One of :data:`REGULATORS`; ``"exponential"`` carries the amplitude symbol ``alpha``.

    Returns
    -------
    dict
        ``{"u": d_t u, "u1": d_t u', "z": d_t z}`` in the module's symbols rho, u, u1, u2, u3,
        z, z1, z2, eta (and alpha); loop integrals are :class:`sympy.Integral` over ``y``.

    References
    ----------
    Canet, Delamotte, Mouhanna, Vidal, PRD 67 (2003) 065004, hep-th/0211055, sec. II.
    """
    if N != 1:
        raise NotImplementedError("only N = 1 is transcribed (the O(N) flows with Y(rho) are not)")
    if regulator not in REGULATORS:
        raise ValueError(f"regulator: {regulator!r} is not one of {', '.join(REGULATORS)}")
    d = sp.sympify(d)
    vd = angular_factor(d)
    r, r1, r2, top = _pieces(regulator)
    mass = u1 + 2 * rho * u2
    g = 1 / (z * y + r + mass)
    rdot = (2 - eta) * r - 2 * y * r1
    flow_u = -d * u + (d - 2 + eta) * rho * u1 + vd * sp.Integral(y ** (d / 2 - 1) * rdot * g, (y, 0, top))
    flow_u1 = ((eta - 2) * u1 + (d - 2 + eta) * rho * u2
               - vd * sp.Integral(y ** (d / 2 - 1) * rdot * g**2 * (3 * u2 + 2 * rho * u3 + z1 * y),
                                  (y, 0, top)))
    loop_z = 2 * vd * sp.Integral(_z_integrand(d, r, r1, r2).subs(sp.Symbol("m"), mass), (y, 0, top))
    if regulator == "litim":
        # the delta(1-y) of r'': 2 v_d * [y^(d/2-1) rdot theta] g^4 a^2 (4y/d)(-1/2) at y = 1,
        # with rdot(1^-) = 2 and theta(0) = 1/2 (see the module docstring)
        g1 = 1 / (z + mass)
        loop_z += 2 * vd * (-(2 / d)) * g1**4 * _vertex(z - 1, sp.Integer(1))["aa"]
    flow_z = eta * z + (d - 2 + eta) * rho * z1 + loop_z
    return {"u": flow_u, "u1": flow_u1, "z": flow_z}
