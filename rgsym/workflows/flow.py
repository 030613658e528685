"""RG-time flows from a spec: derive (or compile), then integrate with :mod:`rgsym.solve.flow`.

The checks that need only the spec (a [bare] table, the Wetterich equation, expansion around
zero) come first, so a wrong spec fails before a derivation.
"""

from __future__ import annotations

from rgsym.errors import SolveError, SpecError, UnsupportedError
from rgsym.pipeline import derive, fixed_points, numeric_system
from rgsym.project import PotentialFlow
from rgsym.solve.flow import (
    FlowResult,
    draw_phase_portrait,
    integrate_couplings,
    integrate_potential,
)
from rgsym.spec import BareSpec, TheorySpec


def bare_table(spec: TheorySpec) -> BareSpec:
    """The [bare] table of a Wetterich spec (the observables are those of the effective action).

    Parameters
    ----------
    spec
        The spec.

    Returns
    -------
    BareSpec

    Raises
    ------
    UnsupportedError, SpecError
        For another flow equation, or a spec without a [bare] table.
    """
    if spec.flow.equation != "wetterich":
        raise UnsupportedError(spec.source, "flow.equation", "flows in RG time integrate the Wetterich "
                               "equation (the effective potential); use 'wetterich'")
    if spec.bare is None:
        raise SpecError(spec.source, "bare", "a flow starts from a [bare] table: potential = "
                        "'<U at k_uv in rho>' (with constants), k_uv, k_ir, rho_max, points")
    return spec.bare


def flow_potential(spec: TheorySpec, progress: bool = False) -> FlowResult:
    """Integrate the full-potential flow from the [bare] potential at k_uv down to k_ir
    (:func:`rgsym.solve.flow.integrate_potential`).

    Parameters
    ----------
    spec
        A spec with ``truncation.potential = "full"`` (one O(N) multiplet, numeric d, N),
        and a [bare] table.
    progress
        Show a progress bar (tqdm) on stderr.

    Raises
    ------
    UnsupportedError, SpecError
        Before any derivation, for a spec without a [bare] table or not of the Wetterich
        equation; after it, unless the potential is 'full'.
    SolveError
        As :func:`rgsym.solve.flow.integrate_potential`.
    """
    bare = bare_table(spec)
    flow = derive(spec)
    if not isinstance(flow, PotentialFlow):
        raise UnsupportedError(spec.source, "truncation.potential", "flow_potential needs 'full'")
    return integrate_potential(flow, bare, progress)


def flow_couplings(spec: TheorySpec, progress: bool = False) -> FlowResult:
    """Integrate the betas of a polynomial truncation around zero from the [bare] potential
    (:func:`rgsym.solve.flow.integrate_couplings`).

    Parameters
    ----------
    spec
        A polynomial truncation around zero with a [bare] table.
    progress
        Show a progress bar (tqdm) on stderr.
    """
    bare = bare_table(spec)
    if spec.truncation.expand_around != "zero":
        raise UnsupportedError(spec.source, "truncation.expand_around",
                               "flows of polynomial truncations start from the Taylor expansion at "
                               "zero field; use 'zero' (or truncation.potential = 'full')")
    return integrate_couplings(numeric_system(spec), bare, progress)


def plot_phase_portrait(spec: TheorySpec, result: FlowResult | None, path: str) -> None:
    """The flow field of a two-coupling truncation (towards the IR), its fixed points and the
    dimensionless trajectory of ``result``, as PNG (:func:`rgsym.solve.flow.draw_phase_portrait`).

    Raises
    ------
    SpecError
        If the truncation does not have exactly two couplings.
    """
    numeric = numeric_system(spec)
    if len(numeric.system.couplings) != 2:
        raise SpecError(spec.source, "--plot", "a phase portrait needs exactly two couplings; this "
                        f"truncation has {len(numeric.system.couplings)}: use truncation.order = 1 or "
                        "truncation.potential = 'full'")
    try:
        points = fixed_points(spec)
    except SolveError:
        points = []
    draw_phase_portrait(numeric, points, result, path)
