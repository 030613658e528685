"""Truncation: the vertex expansion as a truncation scheme (``truncation.scheme = "vertex"``).

The running couplings are the zero-momentum n-point functions at zero field,
n <= ``truncation.order``.  With a Z2 per field block only even vertices are
non-zero there, and the O(N) structure of Gamma^(2j) is one invariant tensor,

    Gamma^(2j)_{a_1 .. a_2j}(0) = lambda_j S_{a_1 .. a_2j},   S = sum over the (2j-1)!! pairings of deltas,

so that lambda_j = d^j u / d rho^j (0): the couplings are named and normalised as
those of the polynomial LPA around zero field (``lambda_a`` for several blocks,
with 2 a_b legs on block b).  Each beta function is the flow of the vertex with
all legs on the radial components, d_t Gamma^(n) from :mod:`rgsym.diagrams`,
divided by d Gamma^(n) / d lambda_a = prod_b (2 a_b - 1)!!, plus its canonical
scaling; vertices above ``truncation.order`` are set to zero.  The result is
the same system as the polynomial LPA around zero of order ``order // 2 - 1``
(a test checks it symbol by symbol), reached through the diagrams instead of
the expanded trace.

References
----------
Pawlowski, Ann. Phys. 322 (2007) 2831, hep-th/0512261 (vertex expansion);
Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122, sec. 4.1.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import symengine as se
import sympy as sp

from rgsym.action import Action, Coupling, build_action
from rgsym.betasystem import BetaSystem, threshold_symbol
from rgsym.diagrams.evaluate import BackgroundVertices, loop_patterns, scaling_terms, take_background_vertices
from rgsym.diagrams.graphs import derive_flow_diagrams
from rgsym.expand import expand_flow_trace
from rgsym.integrate import integrate_loops, regulator_of, threshold_integral
from rgsym.project import _coupling_scales, assemble_system
from rgsym.spec import TheorySpec, Truncation
from rgsym.threshold import ThresholdIntegral
from rgsym.vertices import take_vertices

log = logging.getLogger(__name__)


def derive_vertex_expansion(spec: TheorySpec) -> BetaSystem:
    """Beta functions of the vertex expansion around zero field.

    Parameters
    ----------
    spec
        A spec with ``truncation.scheme = "vertex"``; ``truncation.order`` is the
        highest n-point function kept.

    Returns
    -------
    BetaSystem
        Couplings lambda_a (2|a| <= order), ordered by truncation order.

    References
    ----------
    Pawlowski, Ann. Phys. 322 (2007) 2831, hep-th/0512261, sec. 3 (vertex expansion); Berges, Tetradis,
    Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122, sec. 5.
    """
    action = build_action(polynomial_twin(spec))
    vertices = take_background_vertices(action, {b.name: sp.Integer(0) for b in action.blocks},
                                        {a: c for a, c in action.taylor}, truncate=True)
    regulator = regulator_of(spec.regulator)
    masses = vertices.masses()
    loops = [_flow(c, action, vertices) for c in action.couplings]
    closed: dict[se.Basic, se.Basic] = {}
    numeric: dict[se.Symbol, ThresholdIntegral] = {}
    for counts in sorted({c for patterns, _ in loops for c in patterns}):
        value = threshold_integral(regulator, counts, masses, action.d, action.eta)
        if isinstance(value, ThresholdIntegral):
            numeric[threshold_symbol(counts)] = value
        else:
            closed[threshold_symbol(counts)] = se.sympify(value)
    # placeholders are replaced after the expansion, so that (1 + w)^-c is never multiplied out
    betas = [se.expand(se.sympify(_beta(patterns, scaling))).xreplace(closed) for patterns, scaling in loops]
    scales = _natural_scales(spec, action.couplings)
    return assemble_system(_describe(spec), spec, action.couplings, betas, action.eta, numeric, masses,
                           scales)


def polynomial_twin(spec: TheorySpec) -> TheorySpec:
    """The polynomial LPA around zero field with the couplings of the vertex expansion."""
    order = spec.truncation.order // 2 - 1
    return replace(spec, truncation=Truncation("lpa", "polynomial", order, "zero"))


def _flow(coupling: Coupling, action: Action, vertices: BackgroundVertices
          ) -> tuple[dict[tuple[int, ...], sp.Expr], sp.Expr]:
    """d_t Gamma^(2a) with radial legs over d Gamma^(2a) / d lambda_a: loop patterns and scaling part."""
    legs = tuple(b.name for b, k in zip(action.blocks, coupling.index, strict=True) for _ in range(2 * k))
    diagrams = derive_flow_diagrams(legs, even_vertices=True, merge="word")
    log.info("vertex expansion: Gamma^(%d) %s from %d diagram classes", len(legs), coupling.name,
             len(diagrams))
    names = {b.name: i for i, b in enumerate(action.blocks)}
    slots = tuple(vertices.radial[names[leg]] for leg in legs)
    norm = sp.diff(sp.sympify(vertices.vertex(slots)), sp.Symbol(coupling.name))
    patterns = {c: v / norm for c, v in loop_patterns(diagrams, vertices).items()}
    return patterns, scaling_terms(diagrams, vertices, action.eta) / norm


def _beta(patterns: dict[tuple[int, ...], sp.Expr], scaling: sp.Expr) -> sp.Expr:
    """The beta function with threshold placeholders T_c."""
    loop = sp.Add(*[v * sp.Symbol(str(threshold_symbol(c))) for c, v in patterns.items()])
    return sp.expand(scaling + loop)


def _natural_scales(spec: TheorySpec, couplings: tuple[Coupling, ...]) -> tuple[sp.Expr, ...]:
    """The solvers' coupling scales, from the loop prefactor of the LPA at the lowest order."""
    lowest = build_action(replace(spec, truncation=Truncation("lpa", "polynomial", 1, "zero")))
    integrals = integrate_loops(expand_flow_trace(take_vertices(lowest)), spec.regulator)
    return _coupling_scales(integrals, couplings)


def _describe(spec: TheorySpec) -> str:
    th, tr = spec.theory, spec.truncation
    fields = ", ".join(f"{b.name}[{b.components}]" for b in th.blocks)
    return (f"VERTEX {th.symmetry} ({fields}), d={th.d}, n-point functions up to Gamma^({tr.order}) "
            f"at zero field, {spec.regulator.kind} regulator, {spec.flow.equation}")
