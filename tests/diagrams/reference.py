"""Reference side of the consistency theorem: field derivatives of the core engine's LPA flow.

The core engine (rgsym.pipeline.derive with truncation.potential = "full") returns
d_t u = rhs(rho, u, u', u'', ...).  Here rho = sigma^2 / 2 on the radial background
and the u^(j)(rho) become symbols u_j; a sigma-derivative then acts as

    D = d/d sigma + sum_j sigma u_(j+1) d/d u_j        (d rho / d sigma = sigma),

and a rho-derivative as D_rho = d/d rho + sum_j u_(j+1) d/d u_j.  Powers of the
inverse propagators 1/(1 + w_i) are replaced by symbols s_i with D s_i = -s_i^2 D w_i,
so both sides of a comparison are polynomials, which expand to a canonical form.
"""

from __future__ import annotations

from collections.abc import Sequence

import symengine as se
import sympy as sp

from rgsym.project import PotentialFlow, scaling_coefficients

J = 14
U = [sp.Symbol(f"u_{j}", real=True) for j in range(J)]


def in_symbols(flow: PotentialFlow, loops_only_in: sp.Expr | None = None) -> sp.Expr:
    """The rhs with u^(j)(rho) -> u_j.

    With ``loops_only_in`` = d the canonical scaling part A u + B rho u' (from the
    engine's own :func:`rgsym.project.scaling_coefficients`) is removed first.
    """
    rho, u = flow.invariant, flow.potential
    expr = flow.rhs
    if loops_only_in is not None:
        a, b = scaling_coefficients(loops_only_in, sp.Integer(0))
        expr = expr - a * u - b * rho * sp.diff(u, rho)
    for j in range(J - 1, 0, -1):
        expr = expr.subs(sp.Derivative(u, (rho, j)), U[j])
    return expr.subs(u, U[0])


def inverse_propagators(expr: sp.Expr, masses: Sequence[sp.Expr]) -> tuple[sp.Expr, list[sp.Symbol]]:
    """Replace (1 + w_i)^-c by s_i^c."""
    props = [sp.Symbol(f"s_{i}") for i in range(len(masses))]
    bases = {sp.expand(1 + w): s for w, s in zip(masses, props, strict=True)}

    def swap(e: sp.Pow) -> sp.Expr:
        return bases[e.base] ** (-e.exp)

    out = expr.replace(lambda e: e.is_Pow and e.base in bases and e.exp.is_Integer and e.exp < 0, swap)
    return out, props


def radial_derivative(expr: sp.Expr, n: int, sigma: sp.Symbol, rho: sp.Symbol,
                      masses: Sequence[sp.Expr]) -> se.Basic:
    """d^n/d sigma^n of expr(rho, u_j) at rho = sigma^2/2 (masses are functions of sigma, u_j)."""
    expr = expr.subs(rho, sigma**2 / 2)
    poly, props = inverse_propagators(expr, masses)
    assert not any(poly.has(sp.expand(1 + w)) for w in masses), "an inverse propagator was not replaced"
    return _iterate(poly, n, sigma, props, masses, radial=True)


def rho_derivative(expr: sp.Expr, n: int, sigma: sp.Symbol, rho: sp.Symbol,
                   masses_of_rho: Sequence[sp.Expr]) -> se.Basic:
    """d^n/d rho^n of expr(rho, u_j), then rho = sigma^2/2 (masses given as functions of rho)."""
    poly, props = inverse_propagators(expr, masses_of_rho)
    out = _iterate(poly, n, rho, props, masses_of_rho, radial=False)
    return se.expand(out.xreplace({se.sympify(rho): se.sympify(sigma) ** 2 / 2}))


def _iterate(poly: sp.Expr, n: int, var: sp.Symbol, props: list[sp.Symbol], masses: Sequence[sp.Expr],
             radial: bool) -> se.Basic:
    x = se.sympify(var)
    us = [se.sympify(s) for s in U]
    ps = [se.sympify(p) for p in props]
    factor = x if radial else se.Integer(1)

    def derivation(e: se.Basic, dw: Sequence[se.Basic]) -> se.Basic:
        out = se.diff(e, x) + sum(se.diff(e, us[j]) * factor * us[j + 1] for j in range(J - 1))
        return out + sum(se.diff(e, p) * (-p**2) * w for p, w in zip(ps, dw, strict=True))

    zero = [se.Integer(0)] * len(ps)
    dw = [derivation(se.sympify(w), zero) for w in masses]
    e = se.sympify(poly)
    for _ in range(n):
        e = se.expand(derivation(e, dw))
    return e


def as_polynomial(expr: sp.Expr, masses: Sequence[sp.Expr]) -> se.Basic:
    """Our side: the same replacement of inverse propagators, expanded."""
    poly, _ = inverse_propagators(expr, masses)
    return se.expand(se.sympify(poly))
