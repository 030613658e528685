"""Paper notation: the flow projected with named threshold functions, as papers write it.

The explicit form (:mod:`rgsym.emit.latex`) prints each beta as a rational function of
the couplings, with the flow of the minimum substituted everywhere.  Papers instead keep

* the threshold functions as named functions of the masses, defined once: for a single
  propagator the l_n^d(w; eta) of Berges, Tetradis and Wetterich (hep-ph/0005122, eq. (2.16)),
  ``T_1 = 2 v_d l_0^d`` and ``T_{n+1} = 2 v_d l_n^d / n``; for two different propagators the
  l^d_{n_1 n_2}(w_1, w_2) = T_{n_1 n_2}/(2 v_d); for the anomalous dimension m^d_{2,2}
  (ibid., eqs. (4.13)-(4.15));
* d_t kappa as a symbol in the other betas (lambda_n = u^(n)(kappa) gives
  d_t lambda_n = d_t u^(n)(kappa)|_rho + lambda_{n+1} d_t kappa);
* eta as a symbol, with its own equation.

The structure is recovered from the derivation itself: :func:`rgsym.pipeline.derive_paper` runs
the stages up to the loop integrals (and eta in LPA'), and :func:`project_paper_flow` replaces
each threshold integral T_c of the trace by its named function before the projection onto the
couplings.  The definitions are kept with their explicit values, so that
:meth:`PaperFlow.explicit` substitutes them back; the tests check that this gives the derived
betas exactly.  :mod:`rgsym.emit.paper_latex` lays the result out; it derives nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import sympy as sp

from rgsym import symbols
from rgsym.action import Action, Coupling
from rgsym.loop import LoopKey
from rgsym.symbols import to_sympy

if TYPE_CHECKING:
    from rgsym.anomalous import AnomalousDimension
    from rgsym.integrate import LoopIntegrals
    from rgsym.spec import TheorySpec

#: The angular factor v_d = 1/(2^(d+1) pi^(d/2) Gamma(d/2)), kept as a symbol (without
#: assumptions: it passes through symengine, which does not keep them).
ANGULAR_FACTOR = sp.Symbol("v_d")


class ThresholdL(sp.Function):
    """l_n^d(w; eta): one propagator to the power n + 1 (Berges, Tetradis, Wetterich,
    hep-ph/0005122, eq. (2.16)).  Arguments (n, d, w)."""

    nargs = 3


class ThresholdMixed(sp.Function):
    """l^d_{n_1 n_2 ...}(w_1, w_2, ...) = T_c(w) / (2 v_d): loops with different propagators.

    Arguments (counts, d, w_1, w_2, ...) with ``counts`` a ``Tuple`` of the non-zero powers.
    """


class ThresholdM(sp.Function):
    """m^d_{2,2}(w_1, w_2; eta) of the anomalous dimension (hep-ph/0005122, eqs. (4.13)-(4.15)).

    Arguments (d, w_1, w_2).
    """

    nargs = 3


@dataclass(frozen=True)
class NamedFunction:
    """A threshold function in the paper betas and its explicit value (its definition)."""

    function: sp.Expr
    value: sp.Expr


@dataclass(frozen=True)
class PaperFlow:
    """The flow in paper notation.

    Attributes
    ----------
    couplings
        The couplings, in the order of the derived system.
    betas
        d_t g_i with threshold functions, v_d, d_t kappa and eta as symbols.
    rates
        Coupling -> the symbol standing for its flow (d_t kappa), for couplings that are
        the running minimum.
    eta
        The right-hand side of eta = F(g, eta) in paper notation, or None when eta does not run.
    functions
        Every threshold function used, with its explicit value.
    d
        The dimension (a number or a symbol).
    """

    couplings: tuple[Coupling, ...]
    betas: tuple[sp.Expr, ...]
    rates: tuple[tuple[Coupling, sp.Symbol], ...]
    eta: sp.Expr | None
    functions: tuple[NamedFunction, ...]
    d: sp.Expr

    def explicit(self, expr: sp.Expr, eta: sp.Expr | None = None) -> sp.Expr:
        """``expr`` with every definition substituted back: the threshold functions, v_d,
        the flows of the minimum (the betas of this flow, themselves made explicit) and eta.

        ``eta`` is the solved anomalous dimension in the couplings (LPA'); None leaves it.
        """
        values = {f.function: f.value for f in self.functions}
        out = expr.xreplace(values)
        for coupling, rate in self.rates:
            beta = self.betas[self.couplings.index(coupling)].xreplace(values)
            out = out.xreplace({rate: beta})
        out = out.xreplace({ANGULAR_FACTOR: symbols.angular_factor(self.d)})
        if eta is not None:
            out = out.xreplace({symbols.eta: eta})
        return out


def project_paper_flow(integrals: LoopIntegrals, spec: TheorySpec,
                       anomalous: AnomalousDimension | None = None) -> PaperFlow:
    """Project the loop integrals onto the couplings with named functions in place of the integrals.

    Parameters
    ----------
    integrals
        The loop integrals of the spec's trace (:func:`rgsym.integrate.integrate_loops`).
    spec
        The spec (for the projection's name and context).
    anomalous
        eta of LPA' (:func:`rgsym.anomalous.anomalous_dimension`), or None when eta does not run.

    Returns
    -------
    PaperFlow
    """
    from rgsym.project import project_couplings

    trace = integrals.trace
    action = trace.action
    d = trace.d
    named: list[tuple[LoopKey, sp.Expr]] = []
    functions: list[NamedFunction] = []
    placeholders: dict[sp.Symbol, sp.Expr] = {}
    for k, (key, value) in enumerate(integrals.thresholds):
        scale, function = threshold_function(key.counts, trace.masses, d)
        placeholder = sp.Symbol(f"paper_threshold_{k}")
        placeholders[placeholder] = function
        named.append((key, scale * placeholder))
        functions.append(NamedFunction(function, value / (scale.subs(ANGULAR_FACTOR,
                                                                      symbols.angular_factor(d)))))
    flow = project_couplings(replace(integrals, thresholds=tuple(named)), spec, None)
    betas = [sp.expand(to_sympy(b).xreplace(placeholders)) for b in flow.fast_betas]  # type: ignore[union-attr]
    rates = running_minimum_rates(action.couplings)
    betas = keep_minimum_flow(action.couplings, betas, rates)
    eta = None
    if anomalous is not None:
        eta, more = eta_equation(action, anomalous)
        functions.extend(more)
    unique = {f.function: f for f in functions}
    ordered = tuple(unique[f] for f in sorted(unique, key=sp.default_sort_key))
    return PaperFlow(action.couplings, tuple(betas), tuple(rates.items()), eta, ordered, d)


def threshold_function(counts: tuple[int, ...], masses: tuple[sp.Expr, ...], d: sp.Expr
                       ) -> tuple[sp.Expr, sp.Expr]:
    """(s, f) with T_c(w) = s f: the named function f for the propagator counts c.

    One propagator to the power n + 1 gives s = 2 v_d / n (2 v_d for n = 0) and l_n^d(w);
    several give s = 2 v_d and the mixed l^d_c(w).
    """
    used = [(c, w) for c, w in zip(counts, masses, strict=True) if c]
    if len(used) == 1:
        (c, w), = used
        n = c - 1
        return 2 * ANGULAR_FACTOR / max(n, 1), ThresholdL(n, d, w)
    return 2 * ANGULAR_FACTOR, ThresholdMixed(sp.Tuple(*(c for c, _ in used)), d, *(w for _, w in used))


def running_minimum_rates(couplings: tuple[Coupling, ...]) -> dict[Coupling, sp.Symbol]:
    """The symbol ``partial_t_kappa`` for each coupling that is the running minimum (its name sorts
    after the couplings', so that products print as lambda_3 d_t kappa)."""
    return {c: sp.Symbol(f"partial_t_{c.name}") for c in couplings if c.is_minimum}


def keep_minimum_flow(couplings: tuple[Coupling, ...], betas: list[sp.Expr],
                      rates: dict[Coupling, sp.Symbol]) -> list[sp.Expr]:
    """Undo the substitution of d_t kappa: beta_n - lambda_{n+1} (beta_kappa - d_t kappa).

    With lambda_n = u^(n)(kappa) the chain rule gives d_t lambda_n = d_t u^(n)|_kappa +
    lambda_{n+1} d_t kappa (Litim, hep-th/0203006, sec. 3), which the projection evaluates
    with d_t kappa = beta_kappa.
    """
    if not rates:
        return betas
    (minimum, rate), = rates.items()
    beta_kappa = betas[couplings.index(minimum)]
    by_index = {c.index: c.symbol for c in couplings if not c.is_minimum}
    out = []
    for c, beta in zip(couplings, betas, strict=True):
        higher = by_index.get((c.index[0] + 1,)) if not c.is_minimum else None
        out.append(beta if higher is None else sp.expand(beta - higher * (beta_kappa - rate)))
    return out


def eta_equation(action: Action, derived: AnomalousDimension) -> tuple[sp.Expr, list[NamedFunction]]:
    """eta = v_d sum_pairs weight vertices^2 (4/d) m^d_{2,2}(w_i, w_k), and the m's used.

    The ring integral v_d J of :mod:`rgsym.anomalous` (``derived``, as the pipeline derived it)
    has J = -2 c m_{2,2} with c the coefficient of y^(d/2) in its momentum kernel (c = -2/d):
    m^d_{2,2}(w_1, w_2) = -1/2 int dy y^(d/2) d~_t [d_y G_1 d_y G_2].
    """
    from rgsym.anomalous import (
        _projection_components,  # the masses of the ring's internal lines
        _values_at_minimum,
        p2_kernel,
    )
    from rgsym.vertices import background_derivative

    comps = _projection_components(action)
    values = _values_at_minimum(action)
    mass = {c.name: background_derivative(action, comps, (c, c)).xreplace(values) for c in comps}
    d = action.d
    ratio = sp.simplify(-2 * p2_kernel(d) / symbols.y ** (d / 2))
    total = sp.Integer(0)
    functions = []
    for term in derived.terms:
        wa, wb = sorted((mass[term.internal[0]], mass[term.internal[1]]), key=sp.default_sort_key)
        m = ThresholdM(d, wa, wb)
        # term.integral is the loop engine's v_d J (normalised like T_c)
        functions.append(NamedFunction(m, term.integral / (symbols.angular_factor(d) * ratio)))
        total += ANGULAR_FACTOR * term.weight * term.vertices * ratio * m
    return total, functions
