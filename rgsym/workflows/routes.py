"""Agreement of routes: a polynomial answer checked against the full potential of the same LPA.

Where both the polynomial truncation and the whole potential give the Wilson-Fisher point they
must agree; a polynomial value far from the full potential is the truncation's error, not the
LPA's answer (issue 14).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rgsym.errors import RGSymError, SolveError
from rgsym.spec import TheorySpec

#: A polynomial answer farther than this (relative) from the full potential is refused: it is
#: the truncation's error, not the LPA's answer (at order 8 and above the truncation around the
#: minimum agrees to better than 1e-4 wherever it keeps one relevant direction, d >= 2.9).
ROUTE_AGREEMENT = 1e-2


@dataclass(frozen=True)
class RouteCheck:
    """The full-potential exponents of the same LPA, to check a polynomial answer against."""

    nu: float
    omega: float


def full_potential_check(spec: TheorySpec) -> RouteCheck | None:
    """nu and omega of the full potential of a polynomial LPA spec, or None where there is none.

    Parameters
    ----------
    spec
        A polynomial truncation (Wetterich LPA, one O(N) multiplet, numeric d).

    Returns
    -------
    RouteCheck or None
        None for LPA', the vertex scheme, Polchinski, several multiplets, symbolic d, or when the
        full-potential solve fails.
    """
    from rgsym.workflows.fixed_function import fixed_function

    if (spec.truncation.scheme != "lpa" or spec.flow.equation != "wetterich"
            or not spec.theory.is_single_multiplet or not spec.theory.d.is_number):
        return None
    full = replace(spec, truncation=replace(spec.truncation, potential="full"))
    try:
        result = fixed_function(full)
    except RGSymError:
        return None
    return RouteCheck(result.nu, result.omega)


def check_against_full_potential(spec: TheorySpec, nu: float | None, check: RouteCheck | None) -> None:
    """Refuse a polynomial nu that disagrees with the full potential by more than :data:`ROUTE_AGREEMENT`.

    Parameters
    ----------
    spec
        The polynomial spec (for the message).
    nu
        Its nu.
    check
        The full-potential values, or None (then nothing is checked).

    Raises
    ------
    SolveError
        When the two routes disagree.
    """
    if check is None or nu is None or abs(nu - check.nu) <= ROUTE_AGREEMENT * check.nu:
        return
    tr = spec.truncation
    raise SolveError(f"the polynomial truncation of order {tr.order} gives nu = {nu:.6g}, the full "
                     f"potential nu = {check.nu:.6g}: the polynomial truncation around "
                     f"{tr.expand_around} does not converge here; use the full potential "
                     "(truncation.potential = 'full', rgsym fixed-function)")
