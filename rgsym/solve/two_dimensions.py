"""The LPA in d = 2: why there is no fixed-point function to follow, and what there is instead.

With eta = 0 the field is dimensionless in d = 2: the scaling term (d - 2 + eta) rho u' of the
LPA flow vanishes, and the fixed-point equation loses the term that selects isolated solutions
with the power-law growth u' ~ rho^{2/(d-2)} (which itself degenerates as d -> 2).  What remains
(checked on the derived flow by :func:`two_dimensional_report`):

- the Gaussian point u' = 0, whose linearised flow is triangular on the monomials rho^m with
  theta_m = d - m(d - 2), i.e. theta = 2 for every m in d = 2 (infinitely many relevant
  directions, all degenerate), read off the derived flow here rather than assumed;
- for N = 1, with v(phi) = u(rho), phi^2 = 2 rho, the fixed-point equation becomes
  d v = l(v''): an autonomous second-order ODE in phi (no explicit phi), whose bounded solutions
  are periodic in phi, a continuous one-parameter family (the critical sine-Gordon-type
  continuum limits; Morris, "The renormalization group and two dimensional multicritical
  effective scalar field theory", Phys. Lett. B 345 (1995) 139, hep-th/9410141: "at zeroth
  order [the LPA], only continuum limits based on critical sine-Gordon models are accessible").

So in d = 2 the LPA has no isolated non-Gaussian fixed point with exponents to report: the
infinite multicritical family of 2D minimal models appears only at second order in the
derivative expansion (Morris, same paper) or with a running eta (LPA', Codello, Defenu,
D'Odorico, PRD 91 (2015) 105003, arXiv:1410.3308).  Approaching d = 2 from above, rgsym's
Wilson-Fisher branch has theta_1 = 1/nu -> 0 (measured on the full potential, N = 1: 0.734 at
d = 2.2, 0.479 at d = 2.1, 0.290 at d = 2.05), consistent with this.
"""

from __future__ import annotations

import sympy as sp

from rgsym.errors import SolveError
from rgsym.project import PotentialFlow

#: Monomials rho^m checked for the Gaussian spectrum (m = 1 .. GAUSSIAN_MONOMIALS).
GAUSSIAN_MONOMIALS = 6


def gaussian_thetas(flow: PotentialFlow, count: int = GAUSSIAN_MONOMIALS) -> list[sp.Expr]:
    """theta_m of rho^m (m = 1..count) at the Gaussian point u = const, from the derived flow.

    The flow linearised at u' = 0 maps rho^m to c_m rho^m + (lower powers of rho) (the loop term
    only lowers the power), so the diagonal entries are the eigenvalues: theta_m = -c_m.

    Parameters
    ----------
    flow
        A full-potential flow with numeric or symbolic d.
    count
        How many monomials.

    Returns
    -------
    list of sympy expressions

    Raises
    ------
    SolveError
        If the linearised flow is not triangular on the monomials (then the premise fails).
    """
    rho, u = flow.invariant, flow.potential
    eps = sp.Symbol("epsilon_lin")
    w0, w1, w2 = sp.symbols("w0 w1 w2")
    base = flow.rhs.subs(sp.Derivative(u, (rho, 2)), w2).subs(sp.Derivative(u, rho), w1)
    constant = sp.solve(base.subs({w1: 0, w2: 0}).subs(u, w0), w0)
    if len(constant) != 1:
        raise SolveError("the Gaussian potential u* = const is not unique in the derived flow")
    thetas = []
    for m in range(1, count + 1):
        perturbed = base.subs(u, constant[0] + eps * rho**m).subs(
            {w1: eps * m * rho ** (m - 1), w2: eps * m * (m - 1) * rho ** (m - 2)})
        linear = sp.expand(sp.simplify(sp.diff(perturbed, eps).subs(eps, 0)))
        poly = sp.Poly(linear, rho)
        if poly.degree() > m:
            raise SolveError(f"the linearised flow raises rho^{m} to rho^{poly.degree()}")
        thetas.append(sp.simplify(-poly.coeff_monomial(rho**m)))
    return thetas


def scaling_term_vanishes(flow: PotentialFlow) -> bool:
    """Whether the derived flow has no rho u' term (the field is dimensionless: d - 2 + eta = 0).

    Parameters
    ----------
    flow
        A full-potential flow.

    Returns
    -------
    bool
    """
    rho, u = flow.invariant, flow.potential
    w1, w2 = sp.symbols("w1 w2")
    base = flow.rhs.subs(sp.Derivative(u, (rho, 2)), w2).subs(sp.Derivative(u, rho), w1)
    # the scaling part is what survives when the loop term is switched off: the part linear in
    # w1 at w2 = 0 that is proportional to rho
    tree = sp.expand(sp.diff(base, w1).subs({w1: 0, w2: 0}))
    return bool(sp.simplify(sp.expand(tree).coeff(rho, 1)) == 0)


def two_dimensional_report(flow: PotentialFlow, components: int) -> str:
    """The error text for a fixed-point function asked for at d = 2 (checked on the flow).

    Parameters
    ----------
    flow
        The derived full-potential flow at d = 2.
    components
        N of the O(N) multiplet (the periodic solutions are stated for N = 1 only).

    Returns
    -------
    str
        One line: what the LPA has in d = 2 and what to use instead.
    """
    thetas = sorted({float(t) for t in gaussian_thetas(flow)})
    vanishes = scaling_term_vanishes(flow)
    gaussian = (f"the Gaussian point has theta = {thetas[0]:g} for every rho^m (m = 1..{GAUSSIAN_MONOMIALS} "
                "checked)" if len(thetas) == 1 else
                f"the Gaussian thetas of rho^1..rho^{GAUSSIAN_MONOMIALS} are "
                f"{', '.join(f'{t:g}' for t in thetas)}")
    periodic = ("the other solutions are periodic in phi (sine-Gordon type), a continuous family "
                "without isolated exponents (Morris, hep-th/9410141); " if components == 1 else "")
    scaling = ("the scaling term (d - 2) rho u' of the derived flow vanishes, so no term selects isolated "
               "solutions; " if vanishes else "")
    return ("no Wilson-Fisher or multicritical fixed-point function at d = 2 in the LPA (eta = 0): "
            f"{scaling}{gaussian}; {periodic}followed from d = 3 the Wilson-Fisher point has "
            "1/nu -> 0 as d -> 2; use d > 2 or a running eta (LPA')")


def polynomial_report(order: int, around: str) -> str:
    """The error text for a polynomial truncation of the LPA asked for its Wilson-Fisher point at d = 2.

    A polynomial truncation does have roots with one relevant direction at d = 2 (order 8 around
    zero: nu = 0.847 with lambda_9 ~ 1e8), but the untruncated LPA has no isolated non-Gaussian
    point there (module docstring), so such a root is an artefact of the truncation.

    Parameters
    ----------
    order, around
        The truncation (for the message).

    Returns
    -------
    str
    """
    return (f"no Wilson-Fisher fixed point at d = 2 in the LPA (eta = 0): the roots of the polynomial "
            f"truncation of order {order} around {around} are artefacts of the truncation, since the "
            "full LPA has only the Gaussian point (theta = 2 for every rho^m) and, for N = 1, a continuous "
            "family of periodic solutions there (Morris, hep-th/9410141; 'rgsym fixed-function' on a "
            "full-potential spec checks this on the derived flow); use d > 2 or a running eta (LPA')")
