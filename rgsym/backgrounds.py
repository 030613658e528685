"""Backgrounds stage: the betas of a spec around each of its backgrounds, derived, kept on disk
and compiled, for the solvers (:mod:`rgsym.solve.backgrounds`).

A spec with several field blocks expanded around the minimum has one system per background
(:mod:`rgsym.multi_minimum`: which blocks sit at a running minimum); the cubic model
(``theory.invariants``) one per ray of minima, the axis and the diagonal
(:mod:`rgsym.cubic_minimum`), and zero field (:mod:`rgsym.invariant_flow`).  :func:`rgsym.pipeline.exponents`
hands :func:`background_numerics` to :func:`rgsym.solve.backgrounds.points_on_backgrounds`,
which keeps every fixed point on the background of its own minimum.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

from rgsym.betasystem import BetaSystem
from rgsym.spec import TheorySpec

if TYPE_CHECKING:  # the solvers import scipy: 'rgsym derive' does not need them
    from rgsym.solve.numeric import NumericSystem


#: A background: which blocks sit at a minimum (several blocks), or the ray of the minimum of
#: one block with an invariant (``zero``, ``axis``, ``diagonal``).
Background = tuple[bool, ...] | str


def uses_backgrounds(spec: TheorySpec) -> bool:
    """Several field blocks, or an anisotropic invariant, and a polynomial around the minimum.

    Parameters
    ----------
    spec
        The spec.

    Returns
    -------
    bool
    """
    tr = spec.truncation
    return ((len(spec.theory.blocks) > 1 or bool(spec.theory.invariants)) and tr.potential == "polynomial"
            and tr.expand_around == "minimum" and spec.flow.equation == "wetterich")


def backgrounds(spec: TheorySpec) -> list[Background]:
    """The backgrounds of a spec for which :func:`uses_backgrounds` holds, in the order their
    points are kept.

    Parameters
    ----------
    spec
        The spec.

    Returns
    -------
    list
        :func:`rgsym.multi_minimum.backgrounds` for several blocks; ``zero``, ``axis`` and
        ``diagonal`` for the cubic model.

    Raises
    ------
    UnsupportedError
        For the cubic model with N other than 2, 3, 4 (the diagonal's components are explicit).
    """
    if spec.theory.invariants:
        (inv,) = spec.theory.invariants
        if not isinstance(inv.components, int) or inv.components > 4:
            from rgsym.errors import UnsupportedError

            raise UnsupportedError(spec.source, "theory.N", "the fixed points of the cubic model around the "
                                   "minimum need N = 2, 3 or 4 (the diagonal background has its components "
                                   f"explicit), got {inv.components}; or use expand_around = 'zero'")
        return ["zero", "axis", "diagonal"]
    from rgsym.multi_minimum import backgrounds as block_backgrounds

    return list(block_backgrounds(spec))


def derive_at(spec: TheorySpec, background: Background) -> BetaSystem:
    """The betas around one background (not cached).

    Parameters
    ----------
    spec
        The spec.
    background
        One of :func:`backgrounds`.

    Returns
    -------
    BetaSystem
    """
    if isinstance(background, str):
        if background == "zero":
            from rgsym.invariant_flow import derive_with_invariants

            return derive_with_invariants(replace(spec, truncation=replace(spec.truncation,
                                                                           expand_around="zero")))
        from rgsym.cubic_minimum import derive_on_ray

        return derive_on_ray(spec, background)
    from rgsym.multi_minimum import derive_at_background

    return derive_at_background(spec, background)


@cache
def background_system(spec: TheorySpec, background: Background, backend: str = "symengine"
                      ) -> NumericSystem:
    """The compiled betas around one background (the derivation kept by :mod:`rgsym.cache`).

    Parameters
    ----------
    spec
        The spec.
    background
        One of :func:`backgrounds`.
    backend
        The compile backend.

    Returns
    -------
    NumericSystem
    """
    from rgsym import cache as disk_cache
    from rgsym.solve.numeric import compile_system

    label = background if isinstance(background, str) else "".join("1" if at else "0" for at in background)
    kind = "derive_background_" + label
    fresh: list[BetaSystem] = []

    def compute() -> BetaSystem:
        fresh.append(derive_at(spec, background))
        return fresh[0]

    system = disk_cache.cached(kind, spec.digest, compute, accept=lambda v: isinstance(v, BetaSystem),
                               describe=lambda v: f"{v.name} ({spec.source})")
    if fresh and system is fresh[0]:  # as the cache hands it out (see rgsym.pipeline.derive)
        system = disk_cache.decode(disk_cache.encode(system))
    return compile_system(disk_cache.with_source(system, spec.source), backend=backend)


def background_numerics(spec: TheorySpec, backend: str = "symengine") -> list[NumericSystem]:
    """The compiled betas around every background, in the order of :func:`backgrounds`.

    Parameters
    ----------
    spec
        A spec for which :func:`uses_backgrounds` holds.
    backend
        The compile backend.

    Returns
    -------
    list of NumericSystem
    """
    return [background_system(spec, background, backend) for background in backgrounds(spec)]
