"""Derive: the LPA of the Polchinski equation, from functional derivatives on a constant background.

The Wilsonian action is S = (1/2) phi . Delta^-1 . phi + S_int with Delta(p) = K(p^2/Lambda^2) / p^2.
With t = ln Lambda the Polchinski equation for the interaction part reads

    d_t S_int = (1/2) dS_int/dphi . d_t Delta . dS_int/dphi - (1/2) Tr[d_t Delta . d^2 S_int/dphi dphi]

(field-independent terms dropped; Polchinski, Nucl. Phys. B231 (1984) 269; Morris, hep-th/0503161,
eq. 2.2).  It is the heat equation d_t exp(-S_int) = -(1/2) d_t Delta . d^2/dphi dphi exp(-S_int)
for the Boltzmann factor (:mod:`rgsym.polchinski.diffusion`).

In the LPA S_int = int d^dx U(rho(phi)).  On a constant background phi(x) = phi:

- the first derivative is dU/dphi_i times (2 pi)^d delta(p): the *tree term* carries the momentum
  factor d_t Delta at p = 0 and the field-space structure sum_i (dU/dphi_i)^2;
- the second derivative is the Hessian U_ij times delta(p + q): the *loop term* carries the momentum
  integral int_p d_t Delta(p) and the field-space structure Tr U_ij.

Both field-space structures come from differentiating u(rho(phi)) (the Hessian through
:func:`rgsym.vertices.take_vertices`, the gradient here), and both momentum factors from
differentiating and integrating K with sympy.  In dimensionless variables u = U / Lambda^d,
rho~ = Lambda^(2-d) rho (Z = 1, eta = 0) each term is Lambda^d times a number, so

    d_t u = A u + B rho u' + c_tree sum_i (d_i u)^2 + c_loop Tr(d_i d_j u),

with A, B from :func:`rgsym.project.scaling_coefficients`.  The polynomial projection and the
full-potential PDE are those of the Wetterich route (:mod:`rgsym.project`).

References
----------
- J. Polchinski, Nucl. Phys. B231 (1984) 269.
- T. R. Morris, JHEP 0507 (2005) 027, hep-th/0503161 (LPA of the Polchinski flow; its Legendre map).
- T. R. Morris, Int. J. Mod. Phys. A9 (1994) 2411, hep-ph/9308265 (the Wilson/Legendre relation).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

import symengine as se
import sympy as sp

from rgsym import symbols
from rgsym.action import Action, build_action
from rgsym.betasystem import BetaSystem
from rgsym.errors import UnsupportedError
from rgsym.expand import _entry_series, _expansion_variables
from rgsym.polchinski.cutoffs import CUTOFFS, Cutoff
from rgsym.project import (
    PotentialFlow,
    _betas_from_series,
    _scaling_series,
    assemble_potential_flow,
    assemble_system,
    describe,
    scaling_coefficients,
)
from rgsym.spec import TheorySpec
from rgsym.vertices import Vertices, derivative_symbol, take_vertices


@dataclass(frozen=True)
class PropagatorKernels:
    """The momentum factors of the Polchinski equation in the LPA, in units of Lambda.

    Attributes
    ----------
    cutoff
        The cutoff function K the kernels were derived from (None for a single mode, d = 0).
    rate
        Lambda^2 d_t Delta(p) as a function of y = p^2 / Lambda^2, one expression per piece of K.
    tree
        (1/2) Lambda^2 d_t Delta(0): the coefficient of sum_i (d_i u)^2.
    loop
        -(1/2) Lambda^(2-d) int d^dp/(2 pi)^d d_t Delta(p): the coefficient of Tr u_ij.
    """

    cutoff: Cutoff | None
    rate: tuple[sp.Expr, ...]
    tree: sp.Expr
    loop: sp.Expr

    def __repr__(self) -> str:
        name = self.cutoff.name if self.cutoff else "single mode"
        return f"PropagatorKernels({name}: tree={self.tree}, loop={self.loop})"


@dataclass(frozen=True)
class WilsonianTerms:
    """The Polchinski equation on a constant background, before projection.

    Attributes
    ----------
    vertices
        The Hessian of the ansatz on the radial background (:func:`rgsym.vertices.take_vertices`).
    gradient
        d u / d phi_i of each representative component on the background, in the symbols
        ``u_a`` and ``sigmabar_b`` of :mod:`rgsym.vertices`.
    tree
        sum_i multiplicity_i (d_i u)^2: the field-space structure of the tree term.
    loop
        sum_i multiplicity_i u_ii: the field-space trace of the loop term.
    kernels
        The momentum factors.
    """

    vertices: Vertices
    gradient: tuple[sp.Expr, ...]
    tree: sp.Expr
    loop: sp.Expr
    kernels: PropagatorKernels

    @property
    def action(self) -> Action:
        """The LPA ansatz the terms were derived from (that of ``vertices``).

        Returns
        -------
        Action
        """
        return self.vertices.action

    def __repr__(self) -> str:
        return (f"WilsonianTerms(d_t u = A u + B rho u' + ({self.kernels.tree}) * [{self.tree}]"
                f" + ({self.kernels.loop}) * [{self.loop}])")


@cache
def propagator_kernels(cutoff: Cutoff, d: sp.Expr) -> PropagatorKernels:
    """Differentiate Delta = K(p^2/Lambda^2)/p^2 in t = ln Lambda and integrate over momenta.

    Examples
    --------
    >>> from rgsym.polchinski.cutoffs import LITIM_TYPE
    >>> k = propagator_kernels(LITIM_TYPE, sp.Integer(3))
    >>> k.tree, sp.simplify(k.loop * 6 * sp.pi**2)
    (1, -1)
    """
    t, p2 = sp.symbols("t p2", positive=True)
    lam2 = sp.exp(2 * t)
    rates = []
    for piece in cutoff.pieces:
        delta = piece.shape.subs(symbols.y, p2 / lam2) / p2
        rates.append(sp.simplify((lam2 * sp.diff(delta, t)).subs(p2, symbols.y * lam2)))
    tree = sp.limit(rates[0], symbols.y, 0, "+") / 2
    dd = sp.Dummy("dd", positive=True)
    integral = sp.Add(*[
        sp.integrate(symbols.y ** (dd / 2 - 1) * rate.subs(d, dd), (symbols.y, piece.lower, piece.upper))
        for piece, rate in zip(cutoff.pieces, rates, strict=True) if rate != 0
    ])
    loop = -sp.Rational(1, 2) * 2 * symbols.angular_factor(d) * sp.simplify(integral.subs(dd, d))
    return PropagatorKernels(cutoff, tuple(rates), sp.simplify(tree), sp.simplify(loop))


def take_gradient(action: Action) -> tuple[sp.Expr, ...]:
    """d u(rho(phi)) / d phi_i on the radial background, for every representative component.

    u is replaced by its first-order jet around the background invariants (the gradient
    depends on nothing more), as :func:`rgsym.vertices.take_vertices` does for the Hessian.
    """
    nb = len(action.blocks)
    comps = action.components
    bars = {c.symbol: symbols.background_value(action.blocks[c.block].name) for c in comps if c.radial}
    background_rho = [bars[c.symbol] ** 2 / 2 for c in comps if c.radial]
    rho_of_fields = [sp.Integer(0)] * nb
    for c in comps:
        rho_of_fields[c.block] += c.symbol**2 / 2
    jet = sp.Add(*[derivative_symbol(a) * sp.Mul(*[(rho_of_fields[b] - background_rho[b]) ** a[b]
                                                   for b in range(nb)])
                   for a in itertools.product(range(2), repeat=nb) if sum(a) <= 1])
    on_background = {c.symbol: 0 for c in comps if not c.radial} | bars
    return tuple(sp.expand(sp.diff(jet, c.symbol).subs(on_background)) for c in comps)


def wilsonian_terms(action: Action, kernels: PropagatorKernels) -> WilsonianTerms:
    """Tree and loop structures of the Polchinski equation for an ansatz."""
    vertices = take_vertices(action)
    gradient = take_gradient(action)
    mult = [c.multiplicity for c in action.components]
    tree = sp.expand(sp.Add(*[m * g**2 for m, g in zip(mult, gradient, strict=True)]))
    loop = sp.expand(sp.Add(*[m * vertices.mass_matrix[i, i] for i, m in enumerate(mult)]))
    return WilsonianTerms(vertices, gradient, tree, loop, kernels)


def derive_polchinski(spec: TheorySpec) -> BetaSystem | PotentialFlow:
    """The LPA of the Polchinski equation for a spec with ``flow.equation = "polchinski"``.

    Returns the same objects as the Wetterich route: a :class:`BetaSystem` for a polynomial
    truncation, a :class:`PotentialFlow` for the full potential.

    Raises
    ------
    UnsupportedError
        For a scheme other than the LPA, or d = 0 (no momentum integral to do).
    """
    if spec.truncation.scheme != "lpa":
        raise UnsupportedError(spec.source, "truncation.scheme",
                               "with flow.equation = 'polchinski' only 'lpa' is derived")
    if spec.theory.d == 0:
        raise UnsupportedError(spec.source, "theory.d", "the Polchinski LPA needs d > 0 (a momentum "
                               "integral); d = 0 is rgsym.polchinski.diffusion's exact check")
    cutoff = CUTOFFS[spec.flow.cutoff or "litim"]
    terms = wilsonian_terms(build_action(spec), propagator_kernels(cutoff, spec.theory.d))
    if terms.action.potential == "full":
        return _potential_flow(terms, spec)
    return _beta_system(terms, spec)


def _beta_system(terms: WilsonianTerms, spec: TheorySpec) -> BetaSystem:
    """Project onto the Taylor couplings of the ansatz, as :func:`rgsym.project.project_couplings`."""
    action = terms.action
    variables = _expansion_variables(action)
    weights = tuple(v.weight for v in variables)
    max_weight = 2 * max(sum(a) for a, _ in action.taylor)
    a_coeff, b_coeff = scaling_coefficients(action.d, action.eta)
    flow = _scaling_series(action, variables, weights, max_weight, a_coeff, b_coeff)
    for structure, coefficient in ((terms.tree, terms.kernels.tree), (terms.loop, terms.kernels.loop)):
        series = _entry_series(terms.vertices, structure, variables, max_weight)
        flow = flow + series.scale(se.sympify(coefficient))
    betas = [se.expand(b) for b in _betas_from_series(action, variables, flow)]
    return assemble_system(describe(spec), spec, action.couplings, betas, action.eta, {}, (),
                           coupling_scales(terms.kernels, action))


def coupling_scales(kernels: PropagatorKernels, action: Action) -> tuple[sp.Expr, ...]:
    """a! (b/c_tree) b^(-|a|) per coupling (b for kappa), with b = (number of components) c_loop.

    Rescaling rho = b r and u = (b / c_tree) w turns both kernels into one (up to sign), so the
    couplings in these units are of order one, also at large N.
    """
    b = -sp.Add(*[c.multiplicity for c in action.components]) * kernels.loop  # K decreases: loop < 0
    return tuple(b if cp.is_minimum else
                 sp.prod([sp.factorial(k) for k in cp.index]) * b / kernels.tree * b ** (-sum(cp.index))
                 for cp in action.couplings)


def field_space_flow(terms: WilsonianTerms) -> tuple[sp.Symbol, sp.Expr, sp.Expr, sp.Expr]:
    """rho, u(rho) and the tree and loop structures as expressions in u(rho) (one multiplet).

    The background value is sigmabar = sqrt(2 rho) and each ``u_a`` symbol the a-th derivative.
    """
    action = terms.action
    (rho,) = action.invariants
    u = action.potential_function()
    subs: dict[sp.Expr, sp.Expr] = {
        sym: sp.diff(u, *([rho] * a[0])) for a, sym in terms.vertices.derivative_symbols}
    subs[symbols.background_value(action.blocks[0].name)] = sp.sqrt(2 * rho)
    return rho, u, sp.expand(terms.tree.subs(subs)), sp.expand(terms.loop.subs(subs))


def _potential_flow(terms: WilsonianTerms, spec: TheorySpec) -> PotentialFlow:
    """The PDE d_t u = A u + B rho u' + c_tree [tree] + c_loop [loop] of the full potential."""
    rho, u, tree, loop = field_space_flow(terms)
    a_coeff, b_coeff = scaling_coefficients(terms.action.d, terms.action.eta)
    rhs = (a_coeff * u + b_coeff * rho * sp.diff(u, rho)
           + terms.kernels.tree * tree + terms.kernels.loop * loop)
    return assemble_potential_flow(describe(spec), spec, rho, u, rhs)


def dimensionless_power(d: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """Powers of Lambda left after making the tree and loop terms dimensionless (both zero).

    U = Lambda^d u, rho = Lambda^(d-2) rho~; the tree term Lambda^-2 rho (dU/drho)^2 and the loop
    term Lambda^(d-2) dU/drho, divided by Lambda^d, carry these powers of Lambda.

    >>> dimensionless_power(sp.Symbol("d"))
    (0, 0)
    """
    lam = sp.Symbol("Lambda", positive=True)
    rho_t = sp.Symbol("r", positive=True)
    big_u_prime = lam**d * lam ** (2 - d)  # d(Lambda^d u)/d rho per u'
    tree = lam**-2 * lam ** (d - 2) * rho_t * big_u_prime**2 / lam**d
    loop = lam ** (d - 2) * big_u_prime / lam**d
    return (sp.simplify(sp.log(sp.powsimp(tree / rho_t, force=True)) / sp.log(lam)).expand(force=True),
            sp.simplify(sp.log(sp.powsimp(loop, force=True)) / sp.log(lam)).expand(force=True))

