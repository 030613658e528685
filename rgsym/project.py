"""Project: from the integrated trace to beta functions of the couplings.

d_t u at fixed dimensionless invariants is the loop part plus the canonical
scaling part -d u + (d - 2 + eta) sum_b rho_b d u / d rho_b.  The scaling part is
derived here from u = k^-d U and rho~ = Z k^(2-d) rho; the loop part comes from
:mod:`rgsym.integrate`.  The polynomial projection reads off Taylor
coefficients of d_t u at the expansion point; around the running minimum the
condition u'(kappa) = 0 fixes d_t kappa.

References
----------
Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006, sec. 3 (expansion around the minimum).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import symengine as se
import sympy as sp

from rgsym import symbols
from rgsym.action import Action, Coupling
from rgsym.anomalous import AnomalousDimension
from rgsym.betasystem import BetaSystem, placeholder_for, stability_matrix_of, threshold_symbol, to_sympy
from rgsym.context import FermionContent, FieldContent, FlowContext
from rgsym.expand import ExpansionVariable, derivative_series, shift_series
from rgsym.integrate import LoopIntegrals
from rgsym.series import Series
from rgsym.spec import TheorySpec
from rgsym.threshold import ThresholdIntegral


@dataclass(frozen=True)
class PotentialFlow:
    """The flow of the full dimensionless potential: a PDE d_t u = rhs(rho, u', u'', ...).

    ``context`` says what it was derived for (regulator, truncation, d, fields); it is None only
    for a flow built by hand.
    """

    name: str
    spec_digest: str
    spec_source: str
    invariant: sp.Symbol
    potential: sp.Expr
    rhs: sp.Expr
    parameters: tuple[sp.Symbol, ...]
    context: FlowContext | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"PotentialFlow({self.name}: d_t u = {self.rhs})"

    def _repr_latex_(self) -> str:
        """The PDE for Jupyter: d_t u = rhs, at fixed dimensionless invariant."""
        return rf"$$\partial_t {sp.latex(self.potential)} = {sp.latex(self.rhs)}$$"


@cache
def scaling_coefficients(d: sp.Expr, eta: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(A, B) in d_t u|_rho~ = k^-d d_t U|_rho + A u + B rho~ u'.

    U(rho, t) = k^d c(t) rho~^n with rho~ = Z k^(2-d) rho, k = e^t, Z = e^(-eta t)
    (eta constant over an instant): U depends on t through c and the power
    k^(d + n (2 - d - eta)), so dc/dt = -(d + n (2 - d - eta)) c at fixed rho without a
    loop term, linear in n: A is its value at n = 0, B its slope.  They are read off that
    linear form (a sympy ``solve`` and ``simplify`` of the ansatz took 0.2-0.5 s,
    :func:`derived_scaling_coefficients`, which gives the same expressions; floating-point
    dimensions still go through it, as their products print differently).
    """
    if d.has(sp.Float) or sp.sympify(eta).has(sp.Float):
        return derived_scaling_coefficients(d, eta)
    n = sp.Symbol("n")
    per_c = sp.expand(-(d + n * (2 - d - eta)))
    return per_c.coeff(n, 0), per_c.coeff(n, 1)


def derived_scaling_coefficients(d: sp.Expr, eta: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(A, B) of :func:`scaling_coefficients` derived by sympy from the ansatz: d_t U of
    U(rho, t) = k^d c(t) rho~^n solved for dc/dt; A is the rate at n = 0, B its slope in n.
    """
    t, n, rho = symbols.t, sp.Symbol("n"), sp.Symbol("rho", positive=True)
    c = sp.Function("c")(t)
    k, z = sp.exp(t), sp.exp(-eta * t)
    big_u = k**d * c * (z * k ** (2 - d) * rho) ** n
    dc = sp.Symbol("dc")
    # d_t U at fixed rho with no loop term must equal k^d rho~^n (dc + scaling * c)
    lhs = sp.diff(big_u, t).subs(sp.Derivative(c, t), dc)
    with symbols.no_quantities():
        rate = sp.solve(symbols.simplify(lhs / (k**d * (z * k ** (2 - d) * rho) ** n)), dc)[0]
    per_c = sp.expand(symbols.simplify(rate / c))
    return symbols.simplify(per_c.subs(n, 0)), symbols.simplify(sp.diff(per_c, n))


def project_couplings(integrals: LoopIntegrals, spec: TheorySpec,
                      anomalous: AnomalousDimension | None = None) -> BetaSystem | PotentialFlow:
    """Project the flow of u onto the couplings of the truncation (or return the PDE).

    In LPA' ``anomalous`` gives eta as a function of the couplings; it is put into the
    betas (scaling terms and regulator insertion), so that they and their stability
    matrix are functions of the couplings alone.
    """
    trace = integrals.trace
    action = trace.action
    a_coeff, b_coeff = scaling_coefficients(action.d, action.eta)
    name = describe(spec)
    if action.potential == "full":
        return _potential_flow(integrals, a_coeff, b_coeff, spec, name)
    weights = tuple(v.weight for v in trace.variables)
    # threshold integrals enter as placeholders, so that expansion never multiplies out (1 + w)^-n;
    # closed forms are put in afterwards, quadrature-only ones stay symbols for the numerics
    closed: dict[se.Basic, se.Basic] = {}
    numeric: dict[se.Symbol, ThresholdIntegral] = {}
    loop: list[tuple[se.Basic, Series]] = []
    for (key, series), (_, value) in zip(trace.terms, integrals.thresholds, strict=True):
        if isinstance(value, ThresholdIntegral):
            tsym = placeholder_for(value)
            numeric[tsym] = value
        else:
            tsym = threshold_symbol(key.counts)
            closed[tsym] = _with_placeholders(value, numeric)
        loop.append((tsym, series))
    scaling = _scaling_series(action, trace.variables, weights, trace.max_weight, a_coeff, b_coeff)
    flow = CollectedSum(scaling, loop)
    closed.update(dict(trace.insertions))
    betas_se = [b.xreplace(closed) for b in _betas_from_series(action, trace.variables, flow)]
    eta_value: sp.Expr = action.eta
    syms = [se.Symbol(c.name) for c in action.couplings]  # couplings are among the pieces' symbols
    # every symbol of the betas comes from one of these small pieces (the trace's series are
    # polynomials in the insertion placeholders, with the multiplicities as coefficients)
    pieces = [*closed.values(), *scaling.terms.values(), *map(se.sympify, trace.multiplicities), *syms]
    replaced = set(closed)
    if anomalous is not None:
        eta_value = anomalous.eta
        eta_se = {se.Symbol(symbols.eta.name): _with_placeholders(eta_value, numeric)}
        betas_se = [b.xreplace(eta_se) for b in betas_se]
        pieces += eta_se.values()
        replaced |= set(eta_se)
    candidates = set().union(*(p.free_symbols for p in pieces)) - replaced
    masses = tuple(to_sympy(se.sympify(m)) for m in trace.masses)
    scales = _coupling_scales(integrals, action.couplings)
    return assemble_system(name, spec, action.couplings, betas_se, eta_value, numeric, masses, scales,
                           candidates)


def assemble_system(name: str, spec: TheorySpec, couplings: tuple[Coupling, ...], betas: list[se.Basic],
                    eta: sp.Expr, numeric: dict[se.Symbol, ThresholdIntegral], masses: tuple[sp.Expr, ...],
                    scales: tuple[sp.Expr, ...], candidates: set[se.Symbol] | None = None) -> BetaSystem:
    """The one place a BetaSystem is made: betas, their stability matrix, parameters, quadrature integrals.

    Every projection (the potential's flow here, the invariant flow, the vertex expansion) ends in it.

    Parameters
    ----------
    name
        The readable name of the truncation.
    spec
        The spec (its digest and source are recorded, so the system says where it came from).
    couplings
        The running couplings.
    betas
        Their betas (symengine), with quadrature integrals as placeholders.
    eta
        The anomalous dimension (0, or its expression in the couplings).
    numeric
        Placeholder -> quadrature integral.
    masses
        The dimensionless masses of the modes at the expansion point.
    scales
        The natural scale of each coupling.
    candidates
        When given, the symbols that can be free in the betas (a speed-up, see :func:`_parameters`).

    Returns
    -------
    BetaSystem
    """
    syms = [se.Symbol(c.name) for c in couplings]
    jacobian = stability_matrix_of(betas, syms, numeric)
    params = _parameters(betas, couplings, set(numeric), candidates)
    thresholds = tuple((str(k), v) for k, v in numeric.items())
    return BetaSystem(name, spec.digest, spec.source, couplings, params, tuple(betas), eta, jacobian, masses,
                      scales, thresholds, context_of(spec))


def assemble_potential_flow(name: str, spec: TheorySpec, rho: sp.Symbol, u: sp.Expr, rhs: sp.Expr
                            ) -> PotentialFlow:
    """The one place a PotentialFlow is made (Wetterich and Polchinski): its parameters and context.

    Parameters
    ----------
    name
        The readable name of the truncation.
    spec
        The spec (digest, source and :func:`context_of`).
    rho, u
        The invariant and the potential function u(rho).
    rhs
        d_t u at fixed dimensionless rho.

    Returns
    -------
    PotentialFlow
    """
    free = sorted(rhs.free_symbols - {rho}, key=sp.default_sort_key)
    return PotentialFlow(name, spec.digest, spec.source, rho, u, rhs, tuple(free), context_of(spec))


def context_of(spec: TheorySpec) -> FlowContext:
    """What later stages need to know of the spec a flow is derived from (:class:`FlowContext`).

    Parameters
    ----------
    spec
        The spec.

    Returns
    -------
    FlowContext
    """
    th, tr, reg = spec.theory, spec.truncation, spec.regulator
    fermions = tuple(FermionContent(f.name, f.flavours, f.spinor_dim, f.majorana) for f in th.fermions)
    return FlowContext(spec.flow.equation, spec.flow.cutoff, reg.kind, reg.parameters, reg.shape,
                       tr.scheme, tr.potential, tr.order, tr.expand_around, tr.eta_projection, th.d,
                       tuple(FieldContent(b.name, b.components) for b in th.blocks), tuple(th.invariants),
                       th.symmetry, fermions, tuple(th.yukawa))


class CollectedSum:
    """first + sum_k factor_k * series_k, kept as the list of its terms per monomial.

    Adding series term by term re-expands the growing sum at every step (quadratic in the
    number of loop terms: 5 s of 17 s at order 40); here a coefficient is expanded once, by
    :func:`_taylor_coefficient`, together with its Taylor factor.  The expanded polynomial is
    the same.

    Parameters
    ----------
    first
        A series (the scaling part).
    scaled
        Pairs (factor, series): the loop terms, each a threshold placeholder times its series.
    """

    def __init__(self, first: Series, scaled: list[tuple[se.Basic, Series]]) -> None:
        self.parts: dict[tuple[int, ...], list[se.Basic]] = {e: [c] for e, c in first.terms.items()}
        for factor, series in scaled:
            for e, c in series.terms.items():
                self.parts.setdefault(e, []).append(factor * c)

    def coefficient(self, e: tuple[int, ...]) -> se.Basic:
        """The coefficient of x^e as an unexpanded sum (zero when absent).

        Parameters
        ----------
        e
            Exponent of each variable.

        Returns
        -------
        symengine.Basic
        """
        return se.Add(*self.parts.get(e, ()))


def _with_placeholders(value: sp.Expr, numeric: dict[se.Symbol, ThresholdIntegral]) -> se.Basic:
    """``value`` for symengine, each quadrature integral in it replaced by its placeholder
    (recorded in ``numeric``)."""
    atoms = sp.sympify(value).atoms(ThresholdIntegral)
    swap = {}
    for atom in sorted(atoms, key=sp.default_sort_key):
        tsym = placeholder_for(atom)
        numeric[tsym] = atom
        swap[atom] = sp.Symbol(str(tsym))
    return se.sympify(sp.sympify(value).xreplace(swap))


def _coupling_scales(integrals: LoopIntegrals, couplings: tuple[Coupling, ...]) -> tuple[sp.Expr, ...]:
    """a! c^(1-|a|) per coupling (c for kappa), with c = T_1(0) times the number of field
    components: the whole loop term at zero mass (T_2(0) for the sharp cutoff, whose T_1 is
    only defined up to a constant).

    In these units the couplings are Taylor coefficients of the potential in units
    where the loop term is one, which are of order one, also at large N (kappa* ~ N c).
    """
    from rgsym.integrate import threshold_integral

    trace = integrals.trace
    components = sp.Add(*trace.multiplicities)
    loop = symbols.simplify(threshold_integral(integrals.regulator, (1,), (sp.Integer(0),),
                                          trace.d, sp.Integer(0), trace.kinetic))
    if loop == 0:  # the sharp cutoff: T_1 is -2 v_d ln(1 + w) up to a constant; use -dT_1/dw = T_2
        loop = symbols.simplify(threshold_integral(integrals.regulator, (2,), (sp.Integer(0),),
                                              trace.d, sp.Integer(0), trace.kinetic))
    c = components * loop
    return tuple(c if cp.is_minimum else
                 c ** (1 - sum(cp.index)) * sp.prod([sp.factorial(k) for k in cp.index])
                 for cp in couplings)


def _parameters(betas: list[se.Basic], couplings: tuple[Coupling, ...],
                placeholders: set[se.Symbol], candidates: set[se.Symbol] | None = None
                ) -> tuple[sp.Symbol, ...]:
    """The free symbols of the betas other than couplings and quadrature placeholders.

    ``candidates``, when given, holds every symbol that can be free in the betas: only those
    that are neither couplings nor placeholders (d, N when symbolic) are looked for in the
    large betas, instead of collecting all their symbols (1.5 s at order 40).
    """
    names = {c.name for c in couplings} | {str(p) for p in placeholders}
    if candidates is None:
        free = set().union(*(b.free_symbols for b in betas)) if betas else set()
    else:
        free = {s for s in candidates if s.name not in names and any(b.has(s) for b in betas)}
    known = {"d": symbols.d, "N": symbols.N, "M": symbols.M, "N_f": symbols.N_f, "epsilon": symbols.epsilon,
             "eta": symbols.eta}
    params = {known.get(s.name, sp.Symbol(s.name)) for s in free if s.name not in names}
    return tuple(sorted(params, key=sp.default_sort_key))


def _scaling_series(action: Action, variables: tuple[ExpansionVariable, ...], weights: tuple[int, ...],
                    max_weight: int, a_coeff: sp.Expr, b_coeff: sp.Expr) -> Series:
    """A u + B sum_b rho_b d_b u as a series in the expansion variables."""
    shifts = [shift_series(v, weights, max_weight) for v in variables]
    nb = len(variables)
    u = derivative_series(action, (0,) * nb, shifts, weights, max_weight)
    total = u.scale(se.sympify(a_coeff))
    for b in range(len(variables)):
        rho = Series.constant(se.sympify(action.expansion_point[b]), weights, max_weight) + shifts[b]
        unit = tuple(1 if j == b else 0 for j in range(nb))
        du = derivative_series(action, unit, shifts, weights, max_weight)
        total = total + (rho * du).scale(se.sympify(b_coeff))
    return total


def _taylor_coefficient(flow: Series | CollectedSum, variables: tuple[ExpansionVariable, ...],
                        a: tuple[int, ...]) -> se.Basic:
    """d^a (d_t u) at the expansion point, from the series in x."""
    exps = []
    factor = se.Integer(1)
    for v, k in zip(variables, a, strict=True):
        if v.kind == "field":  # x^(2k) = (2 rho)^k
            exps.append(2 * k)
            factor *= se.Integer(2) ** k
        else:
            exps.append(k)
        factor *= math.factorial(k)
    return se.expand(factor * flow.coefficient(tuple(exps)))


def _betas_from_series(action: Action, variables: tuple[ExpansionVariable, ...],
                       flow: Series | CollectedSum) -> list[se.Basic]:
    couplings = action.couplings
    if not couplings[0].is_minimum:
        return [_taylor_coefficient(flow, variables, c.index) for c in couplings]
    # single block around the running minimum: u'(kappa) = 0 at all t
    lam = {c.index[0]: se.Symbol(c.name) for c in couplings[1:]}
    order = max(lam)
    f = {n: _taylor_coefficient(flow, variables, (n,)) for n in range(1, order + 1)}
    beta_kappa = se.expand(-f[1] / lam[2])
    betas = [beta_kappa]
    for n in range(2, order + 1):
        higher = lam.get(n + 1, se.Integer(0))
        betas.append(f[n] + higher * beta_kappa)
    return betas


def _potential_flow(integrals: LoopIntegrals, a_coeff: sp.Expr, b_coeff: sp.Expr, spec: TheorySpec,
                    name: str) -> PotentialFlow:
    action = integrals.trace.action
    (rho,) = action.invariants
    u = action.potential_function()
    loop = sp.Add(*[to_sympy(s.constant_term()) * t for (c, s), (_, t)
                    in zip(integrals.trace.terms, integrals.thresholds, strict=True)])
    rhs = a_coeff * u + b_coeff * rho * sp.diff(u, rho) + loop
    return assemble_potential_flow(name, spec, rho, u, rhs)


def describe(spec: TheorySpec) -> str:
    """A readable name of the truncation: scheme, fields, d, potential, regulator (or cutoff)
    and flow equation."""
    th, tr = spec.theory, spec.truncation
    fields = ", ".join(f"{b.name}[{b.components}]" for b in th.blocks)
    pot = (f"polynomial order {tr.order} around {tr.expand_around}" if tr.potential == "polynomial"
           else "full potential")
    scheme = (f"{spec.flow.cutoff} cutoff K" if spec.flow.equation == "polchinski"
              else f"{spec.regulator.kind} regulator")
    return f"{tr.scheme.upper()} {th.symmetry} ({fields}), d={th.d}, {pot}, {scheme}, {spec.flow.equation}"
