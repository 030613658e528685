"""Pipeline: the one orchestrator; it reads like the derivation.

    TheorySpec -> Action -> Vertices -> FlowTrace -> LoopIntegrals -> BetaSystem
                                                                       -> fixed points, exponents
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from rgsym import cache as disk_cache
from rgsym.action import build_action
from rgsym.anomalous import anomalous_dimension
from rgsym.betasystem import BetaSystem
from rgsym.errors import SolveError, SpecError, UnsupportedError
from rgsym.expand import expand_flow_trace
from rgsym.integrate import integrate_loops
from rgsym.project import PotentialFlow, project_couplings
from rgsym.solve.exponents import Exponents, compute_exponents, select_critical
from rgsym.solve.fixed_points import FixedPoint, find_fixed_points
from rgsym.solve.numeric import NumericSystem, compile_system
from rgsym.spec import TheorySpec
from rgsym.vertices import take_vertices


@cache
def derive(spec: TheorySpec) -> BetaSystem | PotentialFlow:
    """:func:`derive_flow`, kept on disk by :mod:`rgsym.cache` (unless ``RGSYM_NO_CACHE=1``)."""
    flow = disk_cache.cached("derive", spec.digest, lambda: derive_flow(spec),
                             accept=lambda v: isinstance(v, BetaSystem | PotentialFlow),
                             describe=lambda v: f"{v.name} ({spec.source})")
    return disk_cache.with_source(flow, spec.source)


def derive_flow(spec: TheorySpec) -> BetaSystem | PotentialFlow:
    """Derive the flow of a spec from the Wetterich equation.

    Returns a :class:`BetaSystem` for a polynomial truncation and a
    :class:`PotentialFlow` (the LPA partial differential equation) for a full potential.
    The vertex scheme goes through the diagrams of :mod:`rgsym.diagrams` instead.
    """
    try:
        return _derive_flow(spec)
    except SpecError as exc:  # stages below the spec know the key, not the file
        if exc.source:
            raise
        raise type(exc)(spec.source, exc.key, exc.detail) from None


def _derive_flow(spec: TheorySpec) -> BetaSystem | PotentialFlow:
    if spec.flow.equation == "polchinski":
        from rgsym.polchinski.derive import derive_polchinski

        return derive_polchinski(spec)
    if spec.truncation.scheme == "vertex":
        from rgsym.diagrams.truncation import derive_vertex_expansion

        return derive_vertex_expansion(spec)
    action = build_action(spec)
    vertices = take_vertices(action)
    trace = expand_flow_trace(vertices)
    integrals = integrate_loops(trace, spec.regulator)
    anomalous = None
    if spec.truncation.scheme == "lpa'":
        anomalous = anomalous_dimension(action, integrals.regulator, spec.truncation.eta_projection)
    return project_couplings(integrals, spec, anomalous)


def emit(spec: TheorySpec, formats: Sequence[str], outdir: str | Path) -> list[Path]:
    """Derive and write the flow as files: ``formats`` from :data:`rgsym.emit.FORMATS`.

    A polynomial truncation gives the betas; a full potential (a PotentialFlow) the PDE on
    a grid (``c`` and ``numpy`` only, :mod:`rgsym.emit.grid`).  All files are rendered before
    any is written, and written all or nothing.
    """
    from rgsym.emit import render_files, write_files

    return write_files(render_files(derive(spec), spec, formats), outdir)


def numeric_system(spec: TheorySpec, backend: str = "symengine") -> NumericSystem:
    """Derive and compile a polynomial truncation; d and N must be numbers.

    ``backend`` is one of :data:`rgsym.solve.numeric.BACKENDS`.
    """
    system = derive(spec)
    if not isinstance(system, BetaSystem):
        raise UnsupportedError(spec.source, "truncation.potential",
                               "got 'full': the fixed-point function of the whole potential comes from "
                               "'rgsym fixed-function'; use 'polynomial' here")
    return _compiled(system, backend)


@cache
def _compiled(system: BetaSystem, backend: str = "symengine") -> NumericSystem:
    return compile_system(system, backend=backend)


def fixed_points(spec: TheorySpec, backend: str = "symengine") -> list[FixedPoint]:
    """Every fixed point found at the spec's truncation order (continuation in the order)."""
    return find_fixed_points(numeric_system(spec, backend))


def exponents(spec: TheorySpec, backend: str = "symengine") -> list[tuple[FixedPoint, Exponents]]:
    """Each fixed point with its critical exponents."""
    numeric = numeric_system(spec, backend)
    return [(fp, compute_exponents(numeric, fp)) for fp in find_fixed_points(numeric)]


def critical_exponents(spec: TheorySpec, index: int | None = None,
                       backend: str = "symengine") -> tuple[FixedPoint, Exponents]:
    """Exponents at one fixed point: ``index`` into :func:`fixed_points`, or by default the
    most stable non-Gaussian one (Wilson-Fisher for a single O(N) multiplet).

    Raises
    ------
    SolveError
        If no non-Gaussian fixed point was found.
    SpecError
        If ``index`` is out of range (a user mistake: exit code 2).
    """
    points = exponents(spec, backend)
    if index is not None:
        if not 0 <= index < len(points):
            raise SpecError("", "--fixed-point", f"{index} is out of range: {len(points)} fixed points "
                            f"were found (indices 0 to {len(points) - 1}; see 'rgsym fixed-points')")
        return points[index]
    chosen = select_critical(points)
    if chosen is None:
        raise SolveError(
            f"no non-Gaussian fixed point with a relevant direction among {len(points)} found at "
            f"order {spec.truncation.order}: tried multi-start at order 1 and continuation in the "
            "order; try truncation.expand_around = 'minimum' or another truncation.order"
        )
    return chosen
