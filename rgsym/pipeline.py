"""Pipeline: the one orchestrator; it reads like the derivation.

    TheorySpec -> Action -> Vertices -> FlowTrace -> LoopIntegrals -> BetaSystem
                                                                       -> fixed points, exponents
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from rgsym import cache as disk_cache
from rgsym.action import build_action
from rgsym.anomalous import AnomalousDimension, anomalous_dimension
from rgsym.betasystem import BetaSystem
from rgsym.errors import SolveError, SpecError, UnsupportedError
from rgsym.expand import expand_flow_trace
from rgsym.integrate import LoopIntegrals, integrate_loops
from rgsym.project import PotentialFlow, project_couplings
from rgsym.spec import TheorySpec
from rgsym.vertices import take_vertices

if TYPE_CHECKING:  # the solvers import scipy (0.9 s): 'rgsym derive' does not need them
    from collections.abc import Callable
    from fractions import Fraction

    from rgsym.paper_notation import PaperFlow
    from rgsym.program import FlowProgram
    from rgsym.solve.continuation import Branch
    from rgsym.solve.exponents import Exponents
    from rgsym.solve.fixed_points import FixedPoint
    from rgsym.solve.numeric import NumericSystem
    from rgsym.yukawa_notation import YukawaNotation


@cache
def derive(spec: TheorySpec) -> BetaSystem | PotentialFlow:
    """:func:`derive_flow`, kept on disk by :mod:`rgsym.cache` (unless ``RGSYM_NO_CACHE=1``).

    A fresh derivation is handed out as the cache would hand it out (one round trip through the
    cache's JSON form): expressions read back are equal but ordered differently, so their compiled
    code rounds differently, and the results must not depend on whether the cache was warm.  The
    round trip is made once (:func:`rgsym.cache.round_trip`): the value read back keeps its tokens,
    which are what is stored (:func:`rgsym.cache.encode` of a system read from the cache writes
    nothing again).
    """

    def compute() -> BetaSystem | PotentialFlow:
        return disk_cache.round_trip(derive_flow(spec))  # type: ignore[no-any-return]

    flow = disk_cache.cached("derive", spec.digest, compute,
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
    if spec.truncation.is_derivative_expansion:
        raise UnsupportedError(spec.source, "truncation.scheme",
                               "the 'd2' flows are printed by 'rgsym derive' and solved by 'rgsym exponents' "
                               "(rgsym.workflows.d2); emitting files for them is not available yet")
    if spec.theory.fermions and spec.truncation.potential == "full":
        raise UnsupportedError(spec.source, "truncation.potential",
                               "a Yukawa theory with a full potential is solved on a grid by 'rgsym "
                               "exponents' and 'rgsym fixed-function' (rgsym.workflows.gny_functions); "
                               "'derive' writes the polynomial truncation: use 'polynomial'")
    if spec.theory.fermions:
        from rgsym.gny import derive_gny

        return derive_gny(spec)
    if spec.flow.equation == "polchinski":
        from rgsym.polchinski.derive import derive_polchinski

        return derive_polchinski(spec)
    if spec.truncation.scheme == "vertex":
        from rgsym.diagrams.truncation import derive_vertex_expansion

        return derive_vertex_expansion(spec)
    if len(spec.theory.blocks) > 1 and spec.truncation.expand_around == "minimum" \
            and spec.truncation.potential == "polynomial":  # every block at its minimum: rgsym.multi_minimum
        from rgsym.multi_minimum import derive_at_background

        return derive_at_background(spec, (True,) * len(spec.theory.blocks))
    if spec.theory.invariants and spec.truncation.expand_around == "minimum":  # the axis: rgsym.cubic_minimum
        from rgsym.cubic_minimum import derive_on_ray

        return derive_on_ray(spec, "axis")
    if spec.theory.invariants:  # an anisotropic invariant (cubic): rgsym.invariants
        from rgsym.invariant_flow import derive_with_invariants

        return derive_with_invariants(spec)
    return project_couplings(*loop_stages(spec))


def loop_stages(spec: TheorySpec) -> tuple[LoopIntegrals, TheorySpec, AnomalousDimension | None]:
    """The generic path up to the loop integrals: Action -> Vertices -> FlowTrace -> LoopIntegrals,
    and in LPA' eta from its projection; the arguments of the projections
    (:func:`rgsym.project.project_couplings`, :func:`rgsym.paper_notation.project_paper_flow`,
    :func:`rgsym.program.build_program`)."""
    action = build_action(spec)
    integrals = integrate_loops(expand_flow_trace(take_vertices(action)), spec.regulator)
    anomalous = None
    if spec.truncation.scheme == "lpa'":
        anomalous = anomalous_dimension(action, integrals.regulator, spec.truncation.eta_projection)
    return integrals, spec, anomalous


def derive_paper(spec: TheorySpec) -> PaperFlow:
    """The flow of ``spec`` in paper notation: the stages up to the loop integrals (and eta in
    LPA'), then :func:`rgsym.paper_notation.project_paper_flow` with the threshold functions and
    d_t kappa kept as symbols.  :mod:`rgsym.emit.paper_latex` lays it out.

    Raises
    ------
    UnsupportedError
        For the Polchinski equation, the vertex expansion, a full potential and d = 0,
        which have no threshold functions of this kind (:func:`rgsym.emit.has_paper_notation`).
    """
    from rgsym.emit import has_paper_notation
    from rgsym.paper_notation import project_paper_flow
    from rgsym.project import context_of

    if not has_paper_notation(context_of(spec)):
        raise UnsupportedError(spec.source, "--latex-style",
                               "paper notation needs a polynomial truncation of the Wetterich "
                               "equation (lpa or lpa') in d > 0; use --latex-style explicit")
    return project_paper_flow(*loop_stages(spec))


def render_derivation(spec: TheorySpec, formats: Sequence[str], latex_style: str = "paper") -> dict[str, str]:
    """Derive the flow of ``spec`` and render it as files (:func:`rgsym.emit.render_files`): the
    derived system, and for LaTeX in paper notation the flow of :func:`derive_paper` too.

    Parameters
    ----------
    spec
        The spec.
    formats
        Formats from :data:`rgsym.emit.FORMATS`.
    latex_style
        ``"paper"`` or ``"explicit"``.

    Returns
    -------
    dict
        File name -> text; nothing is written.
    """
    from rgsym.emit import has_paper_notation, render_files

    system = derive(spec)
    paper: PaperFlow | YukawaNotation | None = None
    if "latex" in formats and spec.theory.fermions:
        from rgsym.yukawa_notation import yukawa_flow_notation

        paper = yukawa_flow_notation(spec)
    elif ("latex" in formats and latex_style == "paper" and isinstance(system, BetaSystem)
            and system.context is not None and has_paper_notation(system.context)):
        paper = derive_paper(spec)
    return render_files(system, formats, latex_style, paper)


def emit(spec: TheorySpec, formats: Sequence[str], outdir: str | Path) -> list[Path]:
    """Derive and write the flow as files: ``formats`` from :data:`rgsym.emit.FORMATS`.

    A polynomial truncation gives the betas; a full potential (a PotentialFlow) the PDE on
    a grid (``c`` and ``numpy`` only, :mod:`rgsym.emit.grid`).  All files are rendered before
    any is written (:func:`render_derivation`), and written all or nothing.
    """
    from rgsym.emit import write_files

    return write_files(render_derivation(spec, formats), outdir)


def numeric_system(spec: TheorySpec, backend: str = "symengine") -> NumericSystem:
    """Derive and compile a polynomial truncation; d and N must be numbers.

    ``backend`` is one of :data:`rgsym.solve.numeric.BACKENDS`.
    """
    from rgsym.spec import MAX_SOLVE_ORDER, TAYLOR_FROM_ORDER

    order = spec.truncation.order
    if spec.truncation.potential != "full" and order >= TAYLOR_FROM_ORDER:
        why = taylor_unsupported(spec)
        if not why and backend == "symengine":
            # the expanded betas are large: the flow is evaluated in Taylor arithmetic instead
            from rgsym.solve.taylor import taylor_system

            try:
                program = flow_program(spec)
            except UnsupportedError as exc:  # quadrature thresholds, symbolic d or N
                why = exc.detail
            else:
                system = derive(spec)
                assert isinstance(system, BetaSystem)
                return taylor_system(system, program)
        if order > MAX_SOLVE_ORDER:
            why = why or f"the backend '{backend}' compiles the betas (use the default backend)"
            raise UnsupportedError(spec.source, "truncation.order",
                                   f"the fixed-point solvers compile the betas up to order {MAX_SOLVE_ORDER} "
                                   f"(higher orders take minutes), got {order}; above that they evaluate "
                                   f"the flow in Taylor arithmetic, but {why}; 'rgsym derive' goes to 40, "
                                   "and 'rgsym fixed-function' solves the whole potential")
    system = derive(spec)
    if not isinstance(system, BetaSystem):
        raise UnsupportedError(spec.source, "truncation.potential",
                               "got 'full': the fixed-point function of the whole potential comes from "
                               "'rgsym fixed-function'; use 'polynomial' here")
    return _compiled(system, backend)


@cache
def flow_program(spec: TheorySpec) -> FlowProgram:
    """The flow of ``spec`` as a program of series operations on numbers (:mod:`rgsym.program`):
    the stages up to the loop integrals, then :func:`rgsym.program.build_program`.

    Raises
    ------
    UnsupportedError
        Outside the generic polynomial path of the LPA (one field, or several around zero
        field; closed-form threshold integrals; numeric d and N).
    """
    from rgsym.program import build_program

    why = taylor_unsupported(spec)
    if why:
        raise UnsupportedError(spec.source, "truncation", f"the Taylor-arithmetic evaluation {why[5:]}")
    return build_program(*loop_stages(spec))


def taylor_unsupported(spec: TheorySpec) -> str:
    """Why :func:`flow_program` does not take ``spec`` ("" when it does): it takes the generic
    polynomial path of the LPA and LPA' (one field, or several around zero field) of the Wetterich
    equation, with numeric d and N and threshold integrals in closed form.
    """
    tr, th = spec.truncation, spec.theory
    if (tr.is_derivative_expansion or th.fermions or spec.flow.equation != "wetterich"
            or tr.scheme not in ("lpa", "lpa'")):
        return "that takes the LPA and LPA' of the Wetterich equation without fermions"
    if (tr.potential != "polynomial" or th.invariants
            or (len(th.blocks) > 1 and tr.expand_around == "minimum")):
        return "that takes a polynomial O(N) potential of one field, or of several around zero field"
    return ""


@cache
def _compiled(system: BetaSystem, backend: str = "symengine") -> NumericSystem:
    from rgsym.solve.numeric import compile_system

    return compile_system(system, backend=backend)


def fixed_points(spec: TheorySpec, backend: str = "symengine") -> list[FixedPoint]:
    """Every fixed point found at the spec's truncation order (continuation in the order)."""
    from rgsym.solve.fixed_points import find_fixed_points

    return find_fixed_points(numeric_system(spec, backend))


def exponents(spec: TheorySpec, backend: str = "symengine") -> list[tuple[FixedPoint, Exponents]]:
    """Each fixed point with its critical exponents.  With several fields: also the points
    that branch off symmetric ones (:mod:`rgsym.solve.branches`), nu and omega from the
    singlet sector and a name (:mod:`rgsym.solve.sectors`, :mod:`rgsym.solve.naming`)."""
    from rgsym.backgrounds import background_numerics, uses_backgrounds
    from rgsym.solve.backgrounds import points_on_backgrounds
    from rgsym.solve.branches import add_branches
    from rgsym.solve.exponents import compute_exponents
    from rgsym.solve.fixed_points import find_fixed_points
    from rgsym.solve.naming import name_points
    from rgsym.solve.sectors import by_sector

    if uses_backgrounds(spec):  # several fields around the minimum: one system per background
        return points_on_backgrounds(background_numerics(spec, backend))
    numeric = numeric_system(spec, backend)
    found = add_branches(numeric, find_fixed_points(numeric))
    points = [(fp, by_sector(numeric, fp, compute_exponents(numeric, fp))) for fp in found]
    return name_points(numeric, points)


def _is_single_on(spec: TheorySpec) -> bool:
    """One O(N) multiplet without further invariants or fermions, in a numeric dimension."""
    return (spec.theory.is_single_multiplet and not spec.theory.invariants and not spec.theory.fermions
            and spec.theory.d.is_number)


def _yukawa_names(spec: TheorySpec, points: Sequence[tuple[FixedPoint, Exponents]]) -> list[str]:
    """Names in a Yukawa theory: Gaussian; the bosonic point (h2 = 0) named as in the O(N) model;
    the Gross-Neveu-Yukawa point (h2 > 0, one relevant direction) named by its universality class
    (theory.yukawa); anything else unidentified, with its count of relevant directions."""
    from rgsym.fermions import yukawa_class

    label = yukawa_class(spec.theory.yukawa) or "Gross-Neveu-Yukawa"
    names = []
    for fp, ex in points:
        h2 = fp.values[fp.names.index("h2")]
        if fp.is_gaussian:
            names.append("Gaussian")
        elif abs(h2) < 1e-9 and ex.relevant == 2:
            names.append("bosonic Wilson-Fisher (h2 = 0; h2 relevant)")
        elif h2 > 0 and ex.relevant == 1:
            names.append(label)
        else:
            names.append(f"unidentified ({ex.relevant} relevant directions, h2 = {h2:.6g})")
    return names


def fixed_point_names(spec: TheorySpec, points: Sequence[tuple[FixedPoint, Exponents]],
                      backend: str = "symengine") -> list[str]:
    """A name for each point.

    One O(N) multiplet: Gaussian, Wilson-Fisher (the point the continuation in d reaches),
    tricritical, ... (by the number of relevant directions, where d < d_c; see
    :func:`rgsym.solve.multicritical_names.multicritical_name`), or "unidentified (...)".
    Several multiplets or invariants: the names of :mod:`rgsym.solve.naming` (gaussian,
    ising(phi), decoupled, isotropic, cubic, biconical), read off the couplings and symmetries.
    """
    import numpy as np

    from rgsym.backgrounds import uses_backgrounds
    from rgsym.solve.multicritical_names import multicritical_name

    if spec.theory.fermions:
        return _yukawa_names(spec, points)
    if uses_backgrounds(spec):  # named on their own backgrounds (rgsym.solve.backgrounds)
        return [str(getattr(ex, "name", "")) for _, ex in points]
    if not _is_single_on(spec):
        from rgsym.solve.naming import fixed_point_names as names_by_symmetry

        return names_by_symmetry(numeric_system(spec, backend), points)
    try:
        wilson_fisher: FixedPoint | None = critical_exponents(spec, backend=backend)[0]
    except SolveError:
        wilson_fisher = None
    names = []
    for fp, ex in points:
        if fp.is_gaussian:
            names.append("Gaussian")
        elif wilson_fisher is not None and np.allclose(fp.values, wilson_fisher.values,
                                                       rtol=1e-6, atol=1e-12):
            names.append("Wilson-Fisher")
        elif ex.relevant == 1:
            names.append("unidentified (one relevant direction, not on the Wilson-Fisher branch from d = 3)")
        else:
            name = multicritical_name(ex.relevant, None, float(spec.theory.d))
            names.append(name if name.startswith("unidentified") else f"{name} candidate")
    return names


def critical_exponents(spec: TheorySpec, index: int | str | None = None,
                       backend: str = "symengine") -> tuple[FixedPoint, Exponents]:
    """Exponents at one fixed point: ``index`` into :func:`fixed_points` or its name
    (:func:`fixed_point_names`), or by default the Wilson-Fisher point for a single O(N)
    multiplet (identified at d = 3 and followed in d,
    :func:`follow_wilson_fisher`), else the most stable non-Gaussian one
    (with several fields, by its singlet-sector exponents).  With quadrature thresholds the
    point and its exponents are checked with twice the nodes
    (:func:`rgsym.solve.quadrature_check.check_quadrature`).

    Raises
    ------
    SolveError
        If no non-Gaussian fixed point was found, or the point does not survive finer quadrature.
    SpecError
        If ``index`` is out of range (a user mistake: exit code 2).
    """
    fp, ex = _critical_exponents(spec, index, backend)
    check_quadrature_of(spec, [(fp, ex)], backend)
    return fp, ex


def check_quadrature_of(spec: TheorySpec, points: Sequence[tuple[FixedPoint, Exponents]],
                        backend: str = "symengine") -> None:
    """Each point against twice the quadrature nodes, when the flow has quadrature thresholds
    (:func:`rgsym.solve.quadrature_check.check_quadrature`; Gaussian points pass by themselves).

    Parameters
    ----------
    spec
        The spec the points were found for.
    points
        Fixed points with their exponents (:func:`exponents`, :func:`critical_exponents`).
    backend
        As for :func:`numeric_system`.

    Raises
    ------
    SolveError
        If a point is not a fixed point of the flow with converged thresholds.
    """
    from rgsym.backgrounds import uses_backgrounds
    from rgsym.solve.quadrature_check import check_quadrature

    system = derive(spec)
    if not (isinstance(system, BetaSystem) and system.thresholds) or uses_backgrounds(spec):
        return
    numeric = numeric_system(spec, backend)
    for fp, ex in points:
        if not fp.is_gaussian:
            check_quadrature(numeric, fp, ex)


def _critical_exponents(spec: TheorySpec, index: int | str | None,
                        backend: str) -> tuple[FixedPoint, Exponents]:
    if index is None and _is_single_on(spec):
        branch = follow_wilson_fisher(spec, backend)
        return branch.point, branch.exponents
    from rgsym.solve.exponents import select_critical

    points = exponents(spec, backend)
    if isinstance(index, str):
        names = fixed_point_names(spec, points, backend)
        if index not in names:
            raise SpecError("", "--fixed-point", f"{index!r}: no fixed point of that name; found "
                            f"{', '.join(names)} (see 'rgsym fixed-points')")
        index = names.index(index)
    if index is None and spec.theory.fermions:  # the Gross-Neveu-Yukawa point, checked
        names = fixed_point_names(spec, points, backend)
        critical = [p for p, n in zip(points, names, strict=True)
                    if not n.startswith(("Gaussian", "bosonic", "unidentified"))]
        if len(critical) != 1:
            raise SolveError(f"{len(critical)} Gross-Neveu-Yukawa fixed points (h2 > 0, one relevant "
                             f"direction) among {len(points)} found: {', '.join(names)}; try another "
                             "truncation.order or truncation.expand_around")
        return critical[0]
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


def follow_wilson_fisher(spec: TheorySpec, backend: str = "symengine") -> Branch:
    """The Wilson-Fisher point of ``spec`` by continuation in d from d = 3
    (:func:`rgsym.solve.continuation.follow_branch`).

    Parameters
    ----------
    spec
        A polynomial truncation of one O(N) multiplet with numeric 2 < d < 4.
    backend
        How the betas are evaluated at the requested d (:data:`rgsym.solve.numeric.BACKENDS`).

    Returns
    -------
    Branch
        The point, its exponents (from the spec's own compiled system) and the path.

    Raises
    ------
    SolveError
        If d is outside (2, 4), if the anchor is not unique, or if the branch gains a relevant
        direction or cannot be followed before the requested d.
    """
    from rgsym.solve.continuation import ANCHOR_DIMENSION, Branch, BranchPoint, anchor_point, follow_branch
    from rgsym.spec_variants import exact_dimension

    if not spec.theory.d.is_number:
        raise SolveError("the Wilson-Fisher point is followed in d from d = 3: theory.d must be a number")
    value = float(spec.theory.d)
    if value == 2 and spec.truncation.scheme == "lpa":  # nothing to identify (rgsym.solve.two_dimensions)
        from rgsym.solve.two_dimensions import polynomial_report

        raise SolveError(polynomial_report(spec.truncation.order, spec.truncation.expand_around))
    target = exact_dimension(spec) if 2 < value < 4 else None
    if target is None or target == ANCHOR_DIMENSION:  # no continuation: the point must be unambiguous there
        fp, ex = anchor_point(numeric_system(spec, backend), value)
        return Branch(fp, ex, (BranchPoint(value, ex.relevant, ex.nu),))
    tr = spec.truncation
    return follow_branch(_dimension_family(spec), target, lambda: numeric_system(spec, backend),
                         f"the polynomial truncation of order {tr.order} around {tr.expand_around}")


def _dimension_family(spec: TheorySpec, backend: str = "symengine") -> Callable[[Fraction], NumericSystem]:
    """The spec's truncation compiled at any d, from one derivation with symbolic d; a derivation
    per dimension when the spec cannot be derived for symbolic d."""
    from dataclasses import replace

    from rgsym import symbols
    from rgsym.errors import RGSymError
    from rgsym.solve.numeric import compile_system
    from rgsym.spec_variants import at_dimension

    symbolic = replace(spec, theory=replace(spec.theory, d=symbols.d))
    try:
        system = derive(symbolic)
    except RGSymError:
        system = None
    if isinstance(system, BetaSystem):
        parameter = next(p for p in system.parameters if p.name == "d")
        return lambda d: compile_system(system, {parameter: float(d)}, backend)
    return lambda d: numeric_system(at_dimension(spec, d), backend)
