"""Program: the flow of a polynomial truncation as a recipe of series operations on numbers.

The betas of :func:`rgsym.project.project_couplings` are the expanded polynomials of the
projected flow; at order 40 of the LPA they hold 260 000 terms, which no compiler takes in
reasonable time, and the size grows with the number of partitions of the order.  The same flow
is a short computation on numbers:

1. the *inputs*, small expressions of the couplings: the Taylor coefficients of the insertion
   matrix V (:attr:`rgsym.expand.FlowTrace.insertions`), the threshold integral of every loop
   key at the expansion point (:class:`rgsym.integrate.LoopIntegrals`) and the scaling part
   A u + B rho u' (:func:`rgsym.project._scaling_series`);
2. the resolvent expansion of :func:`rgsym.loop.resolvent_expansion`, run again with those
   numbers as the coefficients of V (truncated products of series: O(order^3) operations);
3. the flow's Taylor coefficients F_e = scaling_e + sum_key T_key S_key,e;
4. the *projection*, the betas as expressions of the F_e and the couplings
   (:func:`rgsym.project._betas_from_series` applied to a series of symbols F_e: around the
   running minimum it carries d_t kappa = -F_1 / lambda_2).

Everything symbolic here comes out of the same stages as the expanded betas (nothing is typed
in), and :mod:`rgsym.solve.taylor` evaluates the program with first derivatives (exact Jacobian)
in doubles or 256-bit numbers.  Tests compare both with the expanded betas.

Supported: the generic polynomial path of the Wetterich equation (one block, or several blocks
around zero field) in the LPA and LPA' (eta, a closed expression of the couplings, put into the
inputs), with closed-form threshold integrals (Litim and the other regulators whose integrals have
closed forms) and numeric d and N.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from functools import cached_property

import symengine as se
import sympy as sp

from rgsym import symbols
from rgsym.anomalous import AnomalousDimension
from rgsym.errors import UnsupportedError
from rgsym.integrate import LoopIntegrals
from rgsym.loop import LoopKey
from rgsym.series import Exponent, Series
from rgsym.spec import TheorySpec
from rgsym.threshold import ThresholdIntegral


@dataclass(frozen=True)
class FlowProgram:
    """The recipe of :mod:`rgsym.program` for one truncation.

    Attributes
    ----------
    name
        The readable name of the truncation.
    couplings
        Coupling symbols, in the order of the BetaSystem.
    weights, max_weight
        Truncation of the series in the expansion variables.
    multiplicities, signs
        Per mode, as in the resolvent expansion.
    inputs
        Expressions of the couplings: every number the computation starts from.
    insertion_layout
        Per entry (i, j), i <= j, of V: (exponent, index into ``inputs``) of its coefficients.
    thresholds
        Per loop key: the key and the index of its integral in ``inputs``.
    scaling
        (exponent, index into ``inputs``) of the scaling part of d_t u.
    flow_symbols
        (exponent, symbol) of the Taylor coefficients F_e that the projection reads.
    projection
        The betas as expressions of the couplings and the F_e.
    """

    name: str
    couplings: tuple[se.Symbol, ...]
    weights: tuple[int, ...]
    max_weight: int
    multiplicities: tuple[se.Basic, ...]
    signs: tuple[int, ...]
    inputs: tuple[se.Basic, ...]
    insertion_layout: tuple[tuple[int, int, tuple[tuple[Exponent, int], ...]], ...]
    thresholds: tuple[tuple[LoopKey, int], ...]
    scaling: tuple[tuple[Exponent, int], ...]
    flow_symbols: tuple[tuple[Exponent, se.Symbol], ...]
    projection: tuple[se.Basic, ...]

    @cached_property
    def digest(self) -> str:
        """sha256 of the program's text: names it in the memo keys of the solvers."""
        parts = [self.name, *map(str, self.couplings), repr(self.weights), str(self.max_weight),
                 *map(str, self.multiplicities), repr(self.signs), *map(str, self.inputs),
                 repr(self.insertion_layout), repr(self.thresholds), repr(self.scaling),
                 repr(self.flow_symbols), *map(str, self.projection)]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    @property
    def modes(self) -> int:
        """Number of modes of the insertion matrix."""
        return len(self.multiplicities)

    def __repr__(self) -> str:
        return (f"FlowProgram({self.name}: {len(self.couplings)} couplings, {len(self.inputs)} inputs, "
                f"{len(self.thresholds)} loop keys, weight <= {self.max_weight})")


def build_program(integrals: LoopIntegrals, spec: TheorySpec,
                  anomalous: AnomalousDimension | None = None) -> FlowProgram:
    """The program of the flow whose trace and integrals are ``integrals``.

    Parameters
    ----------
    integrals
        The loop integrals of the expanded trace (generic polynomial path).
    spec
        The spec (its source names the file in errors).
    anomalous
        In LPA', eta as a function of the couplings: put into every input, as
        :func:`rgsym.project.project_couplings` puts it into the betas.

    Returns
    -------
    FlowProgram

    Raises
    ------
    UnsupportedError
        For LPA' without ``anomalous``, integrals that need quadrature, a full potential, or
        symbolic parameters (d, N).
    """
    from rgsym.project import _betas_from_series, _scaling_series, describe, scaling_coefficients

    trace = integrals.trace
    action = trace.action
    if action.potential != "polynomial" or not trace.variables:
        raise UnsupportedError(spec.source, "truncation.potential",
                               "the Taylor-arithmetic evaluation takes polynomial truncations")
    eta: dict[se.Basic, se.Basic] = {}
    if sp.sympify(action.eta) != 0:
        if anomalous is None or sp.sympify(anomalous.eta).atoms(ThresholdIntegral):
            raise UnsupportedError(spec.source, "truncation.scheme",
                                   "the Taylor-arithmetic evaluation needs eta in closed form")
        eta = {se.Symbol(symbols.eta.name): se.sympify(anomalous.eta)}
    couplings = tuple(se.Symbol(c.name) for c in action.couplings)
    allowed = set(couplings)
    weights = tuple(v.weight for v in trace.variables)
    inputs: list[se.Basic] = []

    def add(value: object, what: str) -> int:
        expr = se.sympify(value).xreplace(eta) if eta else se.sympify(value)
        left = expr.free_symbols - allowed
        if left:
            name = sorted(map(str, left))[0]
            key = "theory.d" if name == "d" else "theory.N" if name == "N" else "regulator"
            raise UnsupportedError(spec.source, key,
                                   f"the Taylor-arithmetic evaluation needs numbers; {what} contains {name}")
        inputs.append(expr)
        return len(inputs) - 1

    placeholders = dict(trace.insertions)
    layout = []
    for i, j in itertools.combinations_with_replacement(range(len(trace.insertion_matrix)), 2):
        entry = trace.insertion_matrix[i][j]
        coefficients = sorted(entry.terms.items())
        layout.append((i, j, tuple((e, add(placeholders[c], "an insertion")) for e, c in coefficients)))
    thresholds = []
    for key, value in integrals.thresholds:
        if sp.sympify(value).atoms(ThresholdIntegral):
            raise UnsupportedError(spec.source, "regulator.kind",
                                   "the Taylor-arithmetic evaluation needs threshold integrals in closed "
                                   "form; this regulator's are computed by quadrature")
        thresholds.append((key, add(value, "a threshold integral")))
    a_coeff, b_coeff = scaling_coefficients(action.d, action.eta)
    scaling_series = _scaling_series(action, trace.variables, weights, trace.max_weight, a_coeff, b_coeff)
    scaling = tuple((e, add(c, "the scaling part")) for e, c in sorted(scaling_series.terms.items()))
    monomials = [e for e in itertools.product(*(range(trace.max_weight // w + 1) for w in weights))
                 if sum(k * w for k, w in zip(e, weights, strict=True)) <= trace.max_weight]
    flow_symbols = tuple((e, se.Symbol("F_" + "_".join(map(str, e)))) for e in sorted(monomials))
    flow = Series(dict(flow_symbols), weights, trace.max_weight)
    projection = tuple(_betas_from_series(action, trace.variables, flow))
    multiplicities = tuple(se.sympify(m) for m in trace.multiplicities)
    for m in multiplicities:
        if not m.is_Number:
            raise UnsupportedError(spec.source, "theory.N",
                                   f"the Taylor-arithmetic evaluation needs numbers; a multiplicity is {m}")
    signs = tuple(c.statistics for c in action.components)
    used = set().union(*(p.free_symbols for p in projection)) if projection else set()
    kept = tuple((e, s) for e, s in flow_symbols if s in used)
    return FlowProgram(describe(spec), couplings, weights, trace.max_weight, multiplicities, signs,
                       tuple(inputs), tuple(layout), tuple(thresholds), scaling, kept, projection)
