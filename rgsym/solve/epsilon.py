"""Epsilon: the Wilson-Fisher fixed point and its exponents as power series in epsilon = 4 - d.

Near four dimensions the Wilson-Fisher fixed point branches off the Gaussian
one.  With g = eps g_1 + eps^2 g_2 + ... the fixed-point condition
beta(g(eps), eps) = 0 is solved order by order.  At eps = 0 the stability
matrix L0 of the Gaussian point has a one-dimensional kernel (the marginal
quartic coupling), so each order determines g_k only up to a multiple of the
kernel vector; that multiple is fixed one order later by the solvability
condition (a Lyapunov-Schmidt reduction).  At first order the condition is
quadratic and has the Gaussian root and the Wilson-Fisher root; the
non-trivial one is taken.  The exponents follow from Rayleigh-Schroedinger
perturbation theory of the simple eigenvalues of the stability matrix series
B(eps) = B_0 + eps B_1 + ..., whose leading term is the triangular Gaussian matrix.

Nothing here calls ``sympy.series`` on a flow equation: the betas are Taylor
expanded in the couplings by differentiation at the Gaussian point, and only
the resulting scalar coefficients (functions of eps alone) are expanded in eps.

References
----------
K. G. Wilson and M. E. Fisher, Phys. Rev. Lett. 28 (1972) 240 (the epsilon expansion).
A. Pelissetto and E. Vicari, Phys. Rept. 368 (2002) 549, cond-mat/0012164
(review; nu, eta and omega of the O(N) model to O(eps^2) and beyond).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import symengine as se
import sympy as sp

from rgsym import symbols
from rgsym.betasystem import BetaSystem, to_sympy

#: The upper critical dimension of a Z2-symmetric scalar with a quartic interaction.
UPPER_CRITICAL_DIMENSION = 4


@dataclass(frozen=True)
class EpsilonExpansion:
    """The Wilson-Fisher fixed point and its stability exponents as series in eps.

    Attributes
    ----------
    epsilon
        The expansion parameter, d = 4 - epsilon.
    order
        Every series is a polynomial in epsilon of this degree (the error is O(eps^(order+1))).
    names
        The couplings, in the order of the BetaSystem.
    scaled_fixed_point
        x_i* = g_i* / scale_i as polynomials in eps, with the natural scales of the
        BetaSystem (units where the loop prefactor 4 v_d / d is one); rational in N.
    scales
        scale_i as functions of eps (d = 4 - eps substituted).
    theta
        The eigenvalues theta = -eig(B) of the stability matrix at the fixed point,
        ordered by their value at eps = 0 (largest first); each is a polynomial in eps.
    """

    epsilon: sp.Symbol
    order: int
    names: tuple[str, ...]
    scaled_fixed_point: tuple[sp.Expr, ...]
    scales: tuple[sp.Expr, ...]
    theta: tuple[sp.Expr, ...]

    @cached_property
    def fixed_point(self) -> tuple[sp.Expr, ...]:
        """g_i*(eps) in the couplings of the BetaSystem, expanded to eps^order.

        Beyond the leading term these contain the expansion of the loop prefactor
        4 v_d / d around d = 4, hence log(pi), log(2) and EulerGamma.
        """
        return tuple(_tidy(_truncate(_eps_taylor(s, self.epsilon, self.order) * x, self.epsilon,
                                     self.order), self.epsilon)
                     for s, x in zip(self.scales, self.scaled_fixed_point, strict=True))

    @property
    def nu(self) -> sp.Expr:
        """nu = 1 / theta_1, theta_1 the relevant (thermal) eigenvalue, expanded in eps."""
        return _tidy(_reciprocal_series(self.theta[0], self.epsilon, self.order), self.epsilon)

    @property
    def omega(self) -> sp.Expr:
        """omega = -theta for the eigenvalue that is marginal at eps = 0 (the quartic coupling)."""
        return _tidy(-self.theta[1], self.epsilon)

    def coupling(self, name: str) -> sp.Expr:
        """The fixed-point value of the coupling called ``name``, as a series in eps."""
        return self.fixed_point[self.names.index(name)]


def epsilon_expansion(system: BetaSystem, order: int = 1) -> EpsilonExpansion:
    """Expand the Wilson-Fisher fixed point and its exponents in eps = 4 - d.

    Parameters
    ----------
    system
        A polynomial truncation expanded around zero field, with the dimension left
        symbolic (parameter ``d``) or already written as ``4 - epsilon``.  Other
        parameters (such as N) stay symbolic.
    order
        The highest power of eps kept.  A truncation of order M (degree of u') gives the
        exact LPA coefficients up to eps^M at least; order 1 needs M >= 1.

    Returns
    -------
    EpsilonExpansion
        Fixed point and theta spectrum as polynomials in eps.

    Raises
    ------
    ValueError
        If the system is expanded around the running minimum, has a numerical
        dimension, depends on symbols other than d, epsilon and N, or its Gaussian
        stability matrix at d = 4 does not have exactly one marginal direction and
        simple eigenvalues (e.g. several fields).

    References
    ----------
    Wilson and Fisher, Phys. Rev. Lett. 28 (1972) 240; Pelissetto and Vicari,
    Phys. Rept. 368 (2002) 549, cond-mat/0012164.

    Examples
    --------
    >>> from rgsym.spec import parse_spec
    >>> from rgsym.pipeline import derive
    >>> spec = parse_spec({"theory": {"d": "4 - epsilon", "N": 1},
    ...                    "truncation": {"order": 1, "expand_around": "zero"}})
    >>> epsilon_expansion(derive(spec)).nu
    epsilon/12 + 1/2
    """
    if order < 1:
        raise ValueError(f"order must be a positive integer, got {order}")
    if any(c.is_minimum for c in system.couplings):
        raise ValueError("the epsilon expansion needs a truncation expanded around zero field "
                         "(truncation.expand_around = 'zero')")
    eps = symbols.epsilon
    betas, scales = _scaled_betas(system, eps)
    xs = list(system.symbols)  # from here on they stand for the scaled couplings g_i / scale_i
    poly = [_taylor_polynomial(b, xs, order + 1, eps, order + 1) for b in betas]
    linear = sp.Matrix([[p.coeff(eps, 0).coeff(x) for x in xs] for p in poly]).subs(
        {x: 0 for x in xs})
    kernel, left = _marginal_direction(linear)
    x_star = _fixed_point_series(poly, xs, linear, kernel, left, eps, order)
    stability = _stability_series(poly, xs, x_star, eps, order)
    theta = tuple(_tidy(-lam, eps) for lam in _eigenvalue_series(stability, eps, order))
    scaled = tuple(_tidy(sp.Add(*[t[i] * eps ** (k + 1) for k, t in enumerate(x_star)]), eps)
                   for i in range(len(xs)))
    return EpsilonExpansion(eps, order, system.names, scaled, tuple(scales), theta)


def _scaled_betas(system: BetaSystem, eps: sp.Symbol) -> tuple[list[sp.Expr], list[sp.Expr]]:
    """Betas of x_i = g_i / scale_i with d = 4 - eps; the eigenvalues do not change.

    In these units the loop prefactor is one, so the coefficients are rational in eps.
    """
    dim = {symbols.d: UPPER_CRITICAL_DIMENSION - eps}
    scales = [sp.sympify(s).subs(dim) for s in system.scales] or [sp.Integer(1)] * len(system)
    syms = system.symbols
    scaled = {g: s * g for g, s in zip(syms, scales, strict=True)}
    betas = [sp.sympify(b).subs(dim).xreplace(scaled) / s
             for b, s in zip(system.betas, scales, strict=True)]
    extra = set().union(*(b.free_symbols for b in betas)) - set(syms) - {eps, symbols.N}
    if extra:
        raise ValueError(f"the betas depend on {sorted(map(str, extra))}; only the couplings, "
                         "epsilon (or d) and N may appear")
    if not any(b.has(eps) for b in betas):
        raise ValueError("the dimension must be left symbolic: theory.d = 'd' or '4 - epsilon'")
    return betas, scales


def _eps_taylor(expr: sp.Expr, eps: sp.Symbol, order: int) -> sp.Expr:
    """Taylor polynomial of a scalar function of eps (never of a whole flow), by differentiation."""
    expr = sp.gammasimp(sp.powsimp(expr, force=True))
    total, current = sp.Integer(0), expr
    for k in range(order + 1):
        value = current.subs(eps, 0)
        if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            return sp.expand(sp.series(expr, eps, 0, order + 1).removeO())  # removable singularity
        total += sp.expand(value) * eps**k / math.factorial(k)
        current = sp.diff(current, eps)
    return sp.expand(total)


def _truncate(expr: sp.Expr, eps: sp.Symbol, order: int) -> sp.Expr:
    """Drop the powers of eps above ``order`` from a polynomial in eps."""
    poly = sp.Poly(sp.expand(expr), eps)
    return sp.Add(*[c * eps**k for (k,), c in poly.terms() if k <= order])


def _taylor_polynomial(beta: sp.Expr, xs: Sequence[sp.Symbol], degree: int, eps: sp.Symbol,
                       order: int) -> sp.Expr:
    """sum_a (d^a beta)(0) x^a / a! over |a| <= degree, coefficients expanded to eps^order.

    The derivatives are taken with symengine; only their values at x = 0, which are
    scalar functions of eps, are expanded (with sympy).
    """
    plain = [se.Symbol(x.name) for x in xs]
    zero = {x: se.Integer(0) for x in plain}
    derivatives: dict[tuple[int, ...], se.Basic] = {(): se.sympify(beta).xreplace(
        {se.sympify(x): p for x, p in zip(xs, plain, strict=True)})}
    total = sp.Integer(0)
    for k in range(degree + 1):
        for combo in itertools.combinations_with_replacement(range(len(xs)), k):
            if combo:
                derivatives[combo] = se.diff(derivatives[combo[:-1]], plain[combo[-1]])
            value = derivatives[combo].xreplace(zero)
            if value == 0:
                continue
            weight = math.prod(math.factorial(combo.count(j)) for j in set(combo))
            monomial = sp.Mul(*[xs[j] for j in combo])
            total += _eps_taylor(to_sympy(value), eps, order) * monomial / weight
    return sp.expand(total)


def _marginal_direction(linear: sp.Matrix) -> tuple[sp.Matrix, sp.Matrix]:
    """Right and left null vectors of the Gaussian stability matrix at d = 4."""
    kernel, left = linear.nullspace(), linear.T.nullspace()
    if len(kernel) != 1 or len(left) != 1:
        raise ValueError(f"the Gaussian fixed point at d = {UPPER_CRITICAL_DIMENSION} has "
                         f"{len(kernel)} marginal directions; the expansion needs exactly one")
    if sp.simplify(left[0].dot(kernel[0])) == 0:
        raise ValueError("the marginal eigenvalue of the Gaussian stability matrix is not simple")
    return kernel[0], left[0]


def _bordered_solve(matrix: sp.Matrix, kernel: sp.Matrix, left: sp.Matrix, rhs: sp.Matrix) -> sp.Matrix:
    """The solution p of matrix p = rhs with left . p = 0, for a matrix with a simple null vector.

    The bordered matrix [[M, v], [w^T, 0]] is invertible; its extra unknown is zero
    exactly when rhs is in the range of M.
    """
    n = matrix.shape[0]
    bordered = matrix.row_join(kernel).col_join(left.T.row_join(sp.zeros(1, 1)))
    solution = bordered.LUsolve(rhs.col_join(sp.zeros(1, 1)))
    return sp.Matrix([sp.cancel(e) for e in solution[:n]])


def _order_coefficient(poly: Sequence[sp.Expr], xs: Sequence[sp.Symbol], terms: Sequence[sp.Matrix],
                       eps: sp.Symbol, k: int) -> sp.Matrix:
    """Coefficient of eps^k in poly(x) with x = sum_j terms[j] eps^(j+1)."""
    series = {x: sum((t[i] * eps ** (j + 1) for j, t in enumerate(terms)), sp.Integer(0))
              for i, x in enumerate(xs)}
    return sp.Matrix([sp.expand(p.xreplace(series)).coeff(eps, k) for p in poly])


def _fixed_point_series(poly: Sequence[sp.Expr], xs: Sequence[sp.Symbol], linear: sp.Matrix,
                        kernel: sp.Matrix, left: sp.Matrix, eps: sp.Symbol, order: int) -> list[sp.Matrix]:
    """The coefficients x_1, ..., x_order of the non-trivial fixed point x(eps) = sum x_k eps^k."""
    t = sp.Dummy("t")
    terms: list[sp.Matrix] = []
    current = kernel * t
    for k in range(1, order + 1):
        condition = sp.cancel(left.dot(_order_coefficient(poly, xs, [*terms, current], eps, k + 1)))
        roots = [r for r in sp.solve(condition, t) if k > 1 or r != 0]
        if len(roots) != 1:
            raise ValueError(f"no unique non-Gaussian fixed point at order eps^{k}: "
                             f"the solvability condition {condition} = 0 has roots {roots}")
        terms.append(current.subs(t, roots[0]).applyfunc(sp.cancel))
        if k == order:
            break
        rest = _order_coefficient(poly, xs, terms, eps, k + 1)
        current = _bordered_solve(linear, kernel, left, -rest) + kernel * t
    return terms


def _stability_series(poly: Sequence[sp.Expr], xs: Sequence[sp.Symbol], x_star: Sequence[sp.Matrix],
                      eps: sp.Symbol, order: int) -> list[sp.Matrix]:
    """B_0, ..., B_order with B(eps) = d poly / dx at x*(eps) = sum_k B_k eps^k."""
    series = {x: sum((t[i] * eps ** (j + 1) for j, t in enumerate(x_star)), sp.Integer(0))
              for i, x in enumerate(xs)}
    jac = [[sp.expand(sp.diff(p, x).xreplace(series)) for x in xs] for p in poly]
    return [sp.Matrix([[sp.cancel(e.coeff(eps, k)) for e in row] for row in jac])
            for k in range(order + 1)]


def _eigenvalue_series(stability: Sequence[sp.Matrix], eps: sp.Symbol, order: int) -> list[sp.Expr]:
    """Series of every eigenvalue of B(eps), by Rayleigh-Schroedinger perturbation theory.

    The eigenvalues of B_0 must be simple; they are returned largest theta first, i.e.
    in ascending order of the eigenvalue of B_0.
    """
    base = stability[0]
    values = base.eigenvals()
    if any(m != 1 for m in values.values()):
        raise ValueError(f"the Gaussian stability matrix has degenerate eigenvalues {values}")
    if not all(v.is_number for v in values):
        raise ValueError(f"the Gaussian eigenvalues {list(values)} at d = 4 are not numbers")
    ordered = sorted(values, key=lambda v: float(v))
    return [_one_eigenvalue(stability, lam, eps, order) for lam in ordered]


def _one_eigenvalue(stability: Sequence[sp.Matrix], lam0: sp.Expr, eps: sp.Symbol, order: int) -> sp.Expr:
    """lambda(eps) = lam0 + sum_k mu_k eps^k for one simple eigenvalue lam0 of B_0."""
    n = stability[0].shape[0]
    shifted = stability[0] - lam0 * sp.eye(n)
    right, left = shifted.nullspace()[0], shifted.T.nullspace()[0]
    norm = left.dot(right)
    vectors, mus = [right], [lam0]
    for k in range(1, order + 1):
        r = sp.zeros(n, 1)
        for j in range(1, k + 1):
            r += stability[j] * vectors[k - j]
        for j in range(1, k):
            r -= mus[j] * vectors[k - j]
        mu = sp.cancel(left.dot(r) / norm)
        mus.append(mu)
        vectors.append(_bordered_solve(shifted, right, left, -(r - mu * right)))
    return sp.Add(*[m * eps**k for k, m in enumerate(mus)])


def _reciprocal_series(value: sp.Expr, eps: sp.Symbol, order: int) -> sp.Expr:
    """1 / value to eps^order for a polynomial value with a non-zero constant term."""
    a0 = value.coeff(eps, 0)
    delta = sp.expand(value / a0 - 1)
    total = sum(((-delta) ** k for k in range(order + 1)), sp.Integer(0))
    return _truncate(total / a0, eps, order)


def _tidy(expr: sp.Expr, eps: sp.Symbol) -> sp.Expr:
    """A polynomial in eps with each coefficient factored."""
    return sp.collect(sp.expand(expr), eps, sp.factor)
