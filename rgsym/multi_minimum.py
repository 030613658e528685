"""Several fields around the minimum: the betas of u(rho_1, ..., rho_B) on a background that
each fixed point decides.

A background is a choice, per block, of where its invariant is expanded: around a running
minimum kappa_b > 0 (the block's radial component has the value sqrt(2 kappa_b)) or around
zero (the block's field is an expansion variable, as in ``expand_around = "zero"``).  For
two blocks there are four backgrounds: zero (the Gaussian point, and points whose minimum
is at the origin), along phi, along chi, and along both (decoupled and biconical points).
The ansatz is

    u = sum_a lambda_a prod_b x_b^(a_b) / a_b!,   x_b = rho_b - kappa_b or rho_b,

of total degree 1 ... order + 1 in the x_b, without the linear terms of the blocks at a
minimum (u_b(kappa) = 0 defines the minimum; kappa_b runs instead).

The flow is derived, not typed in.  The mass matrix comes from :func:`rgsym.vertices.take_vertices`
on an :class:`rgsym.action.Action` whose expansion point is the background.  With two blocks at a
minimum the radial modes mix (the entry sigma_b sigma_c u_bc), so the propagator at the
expansion point is a matrix: (1 + M0)^-1.  The loop is then the trace of the regulator's
threshold function of the matrix, T_1(M) (a function of the eigenvalues).  When T_1(w) is
C / (1 + w), as for the Litim regulator in the LPA (checked on the closed form of
:func:`rgsym.integrate.threshold_integral`), T_1(M) = C (1 + M)^-1, and its trace over each
group of mixing modes is tr adj(1 + M) / det(1 + M), expanded around the background (the
resolvent series of the loop engine, summed in closed form per group; one mode gives the
geometric series of its propagator).  Other regulators need the eigenvalues of M0 (square roots)
and are refused.  The odd powers of sigma_b in the mixing entries go away by the similarity
transform M -> D^-1 M D, D = diag(sigma_b of the radial modes at a minimum), which leaves the
trace unchanged: the entries become polynomials in rho_b.

The projection: f_a = d^a (d_t u) at the background (scaling part A u + B sum_b rho_b u_b
plus the loop); u_b(kappa) = 0 for all t gives d_t kappa = -H^-1 f_S, H_bc = lambda_(e_b + e_c)
over the blocks S at a minimum, and d_t lambda_a = f_a + sum_(c in S) lambda_(a + e_c) d_t kappa_c.

The module is a little over 400 lines: it is one stage (ansatz, mass matrix, loop, projection
around one background), and its parts only make sense together.

References
----------
Eichhorn, Mesterhazy, Scherer, Phys. Rev. E 88 (2013) 042141, arXiv:1306.2952 (O(N) + O(M)
with the FRG around the minimum, the background per fixed point); Boettcher, Phys. Rev. E 91
(2015) 062112, arXiv:1503.07817; Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006 (the
expansion around the running minimum and the Litim threshold functions).
"""

from __future__ import annotations

import itertools
import math

import symengine as se
import sympy as sp

from rgsym import symbols
from rgsym.action import Action, representative_components
from rgsym.betasystem import BetaSystem
from rgsym.couplings import Coupling, MultiIndex
from rgsym.errors import UnsupportedError
from rgsym.expand import ExpansionVariable, derivative_series, shift_series
from rgsym.series import Series
from rgsym.spec import TheorySpec

Background = tuple[bool, ...]


def backgrounds(spec: TheorySpec) -> list[Background]:
    """Every background of the spec's blocks: which of them sit at a minimum.

    Parameters
    ----------
    spec
        A spec with several field blocks.

    Returns
    -------
    list of tuple of bool
        Ordered by the number of blocks at a minimum, then block by block (phi before chi).
    """
    nb = len(spec.theory.blocks)
    out = list(itertools.product((False, True), repeat=nb))
    return sorted(out, key=lambda b: (sum(b), tuple(not x for x in b)))


def background_name(spec: TheorySpec, background: Background) -> str:
    """E.g. ``minimum(phi)``, ``minimum(phi,chi)`` or ``zero``.

    Parameters
    ----------
    spec
        The spec.
    background
        Which blocks sit at a minimum.

    Returns
    -------
    str
    """
    names = [b.name for b, at in zip(spec.theory.blocks, background, strict=True) if at]
    return f"minimum({','.join(names)})" if names else "zero"


def check_supported(spec: TheorySpec) -> None:
    """What the minimum expansion of several fields supports: LPA, Wetterich, Litim, polynomial.

    Parameters
    ----------
    spec
        The spec.

    Raises
    ------
    UnsupportedError
        Naming the key to change.
    """
    if spec.flow.equation != "wetterich":
        raise UnsupportedError(spec.source, "flow.equation", "several fields around the minimum need "
                               "'wetterich'; use expand_around = 'zero' for 'polchinski'")
    if spec.theory.invariants:
        raise UnsupportedError(spec.source, "truncation.expand_around", "theory.invariants with several "
                               "field blocks is expanded around zero field only; use 'zero'")
    if spec.regulator.kind != "litim":
        raise UnsupportedError(spec.source, "regulator.kind", f"several fields around the minimum need "
                               f"'litim' (the mixing radial modes need T_1 of a matrix, closed for Litim "
                               f"only), got {spec.regulator.kind!r}; or use expand_around = 'zero'")


def _indices(nb: int, top: int) -> list[MultiIndex]:
    """Multi-indices of total degree 1 ... top, by degree, then the first block's power first."""
    out = [a for a in itertools.product(range(top + 1), repeat=nb) if 1 <= sum(a) <= top]
    return sorted(out, key=lambda a: (sum(a), tuple(-x for x in a)))


def _couplings(spec: TheorySpec, background: Background
               ) -> tuple[tuple[Coupling, ...], tuple[tuple[MultiIndex, sp.Expr], ...], tuple[sp.Expr, ...]]:
    """kappa_b per block at a minimum, then lambda_a by degree (no u_b at a minimum)."""
    blocks = spec.theory.blocks
    nb = len(blocks)
    couplings: list[Coupling] = []
    point: list[sp.Expr] = []
    for i, (b, at) in enumerate(zip(blocks, background, strict=True)):
        if at:  # kappa_b takes the place of u_b: its multi-index is e_b (the slot it involves)
            unit = tuple(1 if j == i else 0 for j in range(nb))
            kappa = Coupling(f"kappa_{b.name}", rf"\kappa_{{{b.name}}}", unit, is_minimum=True)
            couplings.append(kappa)
            point.append(kappa.symbol)
        else:
            point.append(sp.Integer(0))
    taylor = []
    for a in _indices(nb, spec.truncation.order + 1):
        if sum(a) == 1 and background[a.index(1)]:
            continue  # u_b(kappa) = 0 defines the minimum
        label = "_".join(map(str, a))
        c = Coupling(f"lambda_{label}", rf"\lambda_{{{','.join(map(str, a))}}}", a)
        couplings.append(c)
        taylor.append((a, c.symbol))
    return tuple(couplings), tuple(taylor), tuple(point)


def background_action(spec: TheorySpec, background: Background) -> Action:
    """The LPA ansatz expanded around ``background``.

    Parameters
    ----------
    spec
        The spec (several blocks, polynomial potential).
    background
        Which blocks sit at a minimum.

    Returns
    -------
    Action
    """
    blocks = spec.theory.blocks
    couplings, taylor, point = _couplings(spec, background)
    return Action(blocks, representative_components(blocks), tuple(symbols.invariant(b.name) for b in blocks),
                  spec.theory.d, sp.Integer(0), "polynomial", point, taylor, couplings)


def _variables(action: Action) -> tuple[ExpansionVariable, ...]:
    return tuple(ExpansionVariable(b, symbols.small(block.name), "field" if point == 0 else "shift")
                 for b, (block, point) in enumerate(zip(action.blocks, action.expansion_point, strict=True)))


def _entry(entry: sp.Expr, action: Action, derivative_syms: tuple[tuple[MultiIndex, sp.Symbol], ...],
           variables: tuple[ExpansionVariable, ...], max_weight: int) -> Series:
    """A (similarity-transformed) mass-matrix entry as a series in the expansion variables."""
    weights = tuple(v.weight for v in variables)
    shifts = [shift_series(v, weights, max_weight) for v in variables]
    sigmas = [symbols.background_value(b.name) for b in action.blocks]
    gens = [s for _, s in derivative_syms] + sigmas
    total = Series({}, weights, max_weight)
    for monom, coeff in sp.Poly(sp.expand(entry), *gens).terms():
        term = Series.constant(se.sympify(coeff), weights, max_weight)
        for (a, _), k in zip(derivative_syms, monom[:len(derivative_syms)], strict=True):
            if k:
                term = term * derivative_series(action, a, shifts, weights, max_weight) ** k
        for v, k in zip(variables, monom[len(derivative_syms):], strict=True):
            if not k:
                continue
            x = Series.variable(v.block, weights, max_weight)
            if v.kind == "field":
                term = term * x**k
            elif k % 2:
                raise UnsupportedError("", "truncation.expand_around",
                                       "an odd power of the background field survives at the minimum")
            else:
                rho = Series.constant(se.sympify(action.expansion_point[v.block]), weights, max_weight) + x
                term = term * rho.scale(se.Integer(2)) ** (k // 2)
        total = total + term
    return total


def litim_constant(spec: TheorySpec) -> sp.Expr:
    """C in T_1(w) = C / (1 + w), read off the regulator's closed form (else refused)."""
    from rgsym.integrate import regulator_of, threshold_integral

    w = sp.Symbol("w")
    reg = regulator_of(spec.regulator)
    t1 = sp.sympify(threshold_integral(reg, (1,), (w,), spec.theory.d, sp.Integer(0)))
    c = sp.simplify(t1 * (1 + w))
    if c.has(w) or c == 0:
        raise UnsupportedError(spec.source, "regulator.kind", "the threshold function T_1(w) is not "
                               "C / (1 + w): T_1 of the mixing mass matrix is not closed; use 'litim'")
    return c


def _mixing_blocks(mass: list[list[Series]]) -> list[list[int]]:
    """The modes in groups that mix (a non-zero entry anywhere in the series joins two modes)."""
    n = len(mass)
    group = list(range(n))

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    for i, j in itertools.product(range(n), repeat=2):
        if i != j and (mass[i][j].terms or mass[j][i].terms):
            group[root(i)] = root(j)
    out: dict[int, list[int]] = {}
    for i in range(n):
        out.setdefault(root(i), []).append(i)
    return list(out.values())


def _det(m: list[list[Series]]) -> Series:
    """The determinant of a small matrix of series, by Laplace expansion along the first row."""
    if len(m) == 1:
        return m[0][0]
    total = _det([row[1:] for row in m[1:]]) * m[0][0]
    for j in range(1, len(m)):
        if m[0][j].terms:
            minor = _det([row[:j] + row[j + 1:] for row in m[1:]])
            term = m[0][j] * minor
            total = total + (term if j % 2 == 0 else term.scale(se.Integer(-1)))
    return total


def matrix_loop(mass: list[list[Series]], multiplicities: tuple[sp.Expr, ...], weights: tuple[int, ...],
          max_weight: int) -> tuple[Series, dict[se.Basic, se.Basic], sp.Matrix]:
    """sum_i mult_i [(1 + M)^-1]_ii as a series.

    Per group of mixing modes, (1 + M)^-1 = adj(1 + M) / det(1 + M): the diagonal cofactors and
    the determinant are polynomials in the entries, and 1 / det = h sum_k (-h delta)^k with
    h = 1 / det(1 + M0) and delta the field-dependent part of the determinant (for one mode this
    is the geometric series of the propagator).  The constant entries, the entries' Taylor
    coefficients and h are placeholders (small symbols: the products stay polynomials in them);
    their values, rational in the couplings, go in once at the end.

    Returns the series, the placeholder values and 1 + M0 (sympy).
    """
    n = len(mass)
    zero = Series({}, weights, max_weight)
    one_plus = sp.Matrix(n, n, lambda i, j: symbols.to_sympy(mass[i][j].constant_term())
                         + (1 if i == j else 0))
    values: dict[se.Basic, se.Basic] = {}
    entries = [[zero] * n for _ in range(n)]
    for i, j in itertools.product(range(n), repeat=2):  # not symmetric: D^-1 M D is not
        terms = {}
        series = mass[i][j].without_constant()
        for e in sorted(series.terms):
            sym = se.Symbol(f"V_{i}_{j}_" + "_".join(map(str, e)))
            values[sym] = series.terms[e]
            terms[e] = sym
        if one_plus[i, j] != 0:
            sym = se.Symbol(f"m_{i}_{j}")
            values[sym] = se.sympify(one_plus[i, j])
            terms[(0,) * len(weights)] = sym
        entries[i][j] = Series(terms, weights, max_weight)
    total = zero
    for k, group in enumerate(_mixing_blocks(mass)):
        block = [[entries[i][j] for j in group] for i in group]
        det = _det(block)
        h = se.Symbol(f"h_{k}")
        values[h] = se.sympify(sp.cancel(1 / one_plus.extract(group, group).det()))
        delta = det.without_constant().scale(h)
        inverse = Series.constant(h, weights, max_weight)
        power = inverse
        while True:
            power = (power * delta).scale(se.Integer(-1))
            if power.is_zero():
                break
            inverse = inverse + power
        numerator = zero
        for a, i in enumerate(group):
            rest = [[block[r][c] for c in range(len(group)) if c != a] for r in range(len(group)) if r != a]
            cofactor = _det(rest) if rest else Series.constant(se.Integer(1), weights, max_weight)
            numerator = numerator + cofactor.scale(se.sympify(multiplicities[i]))
        total = total + numerator * inverse
    return total, values, one_plus


def _taylor(flow: Series, variables: tuple[ExpansionVariable, ...], a: MultiIndex) -> se.Basic:
    """d^a (d_t u) at the background from the series in x."""
    exps, factor = [], se.Integer(1)
    for v, k in zip(variables, a, strict=True):
        exps.append(2 * k if v.kind == "field" else k)
        factor *= math.factorial(k) * (se.Integer(2) ** k if v.kind == "field" else 1)
    return factor * flow.coefficient(tuple(exps))


def pivots(one_plus: sp.Matrix) -> tuple[sp.Expr, ...]:
    """w_i = p_i - 1 with p_i the LDL pivots of 1 + M0: all w_i > -1 iff 1 + M0 is positive definite."""
    n = one_plus.shape[0]
    minors = [sp.Integer(1)] + [one_plus[:k, :k].det() for k in range(1, n + 1)]
    return tuple(sp.cancel(minors[k + 1] / minors[k]) - 1 for k in range(n))


def derive_at_background(spec: TheorySpec, background: Background) -> BetaSystem:
    """The betas of the polynomial truncation around ``background`` (see the module docstring).

    Parameters
    ----------
    spec
        A spec with several field blocks, ``expand_around = "minimum"``.
    background
        Which blocks sit at a minimum (:func:`backgrounds`).

    Returns
    -------
    BetaSystem
        Named after the background; kappa_b first, then lambda_a by degree.
    """
    from rgsym.project import assemble_system, describe, scaling_coefficients
    from rgsym.vertices import take_vertices

    check_supported(spec)
    action = background_action(spec, background)
    vertices = take_vertices(action)
    variables = _variables(action)
    weights = tuple(v.weight for v in variables)
    max_weight = 2 * (spec.truncation.order + 1)
    comps = action.components
    at_min = [comp.radial and background[comp.block] for comp in comps]
    scale_of = [symbols.background_value(action.blocks[comp.block].name) if m else sp.Integer(1)
                for comp, m in zip(comps, at_min, strict=True)]
    n = len(comps)
    derivative_syms = vertices.derivative_symbols
    mass = [[_entry(sp.expand(vertices.mass_matrix[i, j] * scale_of[j] / scale_of[i]), action,
                    derivative_syms, variables, max_weight) for j in range(n)] for i in range(n)]
    multiplicities = tuple(comp.multiplicity for comp in comps)
    loop, g_values, one_plus = matrix_loop(mass, multiplicities, weights, max_weight)
    c = litim_constant(spec)
    a_coeff, b_coeff = scaling_coefficients(action.d, sp.Integer(0))
    shifts = [shift_series(v, weights, max_weight) for v in variables]
    nb = len(variables)
    u = derivative_series(action, (0,) * nb, shifts, weights, max_weight)
    flow = u.scale(se.sympify(a_coeff)) + loop.scale(se.sympify(c))
    for b in range(nb):
        rho = Series.constant(se.sympify(action.expansion_point[b]), weights, max_weight) + shifts[b]
        unit = tuple(1 if j == b else 0 for j in range(nb))
        du = derivative_series(action, unit, shifts, weights, max_weight)
        flow = flow + (rho * du).scale(se.sympify(b_coeff))
    betas = _betas(action, variables, flow, background)
    betas = [b.xreplace(g_values) for b in betas]
    total = sp.Add(*multiplicities)
    unit_loop = sp.simplify(total * c)
    scales = tuple(unit_loop if cp.is_minimum else
                   unit_loop ** (1 - sum(cp.index)) * sp.prod([sp.factorial(k) for k in cp.index])
                   for cp in action.couplings)
    name = f"{describe(spec)}, background {background_name(spec, background)}"
    return assemble_system(name, spec, action.couplings, betas, sp.Integer(0), {}, pivots(one_plus), scales)


def _betas(action: Action, variables: tuple[ExpansionVariable, ...], flow: Series,
           background: Background) -> list[se.Basic]:
    """d_t kappa from u_b(kappa) = 0, then d_t lambda_a = f_a + sum_c lambda_(a + e_c) d_t kappa_c."""
    nb = len(variables)
    lam = {a: se.sympify(coeff) for a, coeff in action.taylor}
    at = [b for b in range(nb) if background[b]]

    def unit(b: int) -> MultiIndex:
        return tuple(1 if j == b else 0 for j in range(nb))

    def plus(a: MultiIndex, b: int) -> MultiIndex:
        return tuple(x + (1 if j == b else 0) for j, x in enumerate(a))

    kappa_dot: dict[int, se.Basic] = {}
    if at:
        # H = (lambda_(e_b + e_c)) over S: small and in the couplings alone, inverted by sympy
        hessian = sp.Matrix(len(at), len(at), lambda i, j: symbols.to_sympy(
            lam.get(plus(unit(at[i]), at[j]), se.Integer(0))))
        inverse = [[se.sympify(e) for e in row] for row in (hessian.adjugate() / hessian.det()).tolist()]
        f_s = [_taylor(flow, variables, unit(b)) for b in at]
        kappa_dot = {b: -se.Add(*[inverse[i][j] * f_s[j] for j in range(len(at))]) for i, b in enumerate(at)}
    out = [kappa_dot[b] for b in at]
    for a, _ in action.taylor:
        beta = _taylor(flow, variables, a)
        for b in at:
            beta = beta + lam.get(plus(a, b), se.Integer(0)) * kappa_dot[b]
        out.append(beta)
    return out
