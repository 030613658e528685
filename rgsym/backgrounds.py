"""Backgrounds stage: the betas of a spec around each of its backgrounds, derived, kept on disk
and compiled, for the solvers (:mod:`rgsym.solve.backgrounds`).

A spec with several field blocks expanded around the minimum has one system per background
(:mod:`rgsym.multi_minimum`: which blocks sit at a running minimum).  :func:`rgsym.pipeline.exponents`
hands :func:`background_numerics` to :func:`rgsym.solve.backgrounds.points_on_backgrounds`,
which keeps every fixed point on the background of its own minimum.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from rgsym.betasystem import BetaSystem
from rgsym.spec import TheorySpec

if TYPE_CHECKING:  # the solvers import scipy: 'rgsym derive' does not need them
    from rgsym.solve.numeric import NumericSystem


def uses_backgrounds(spec: TheorySpec) -> bool:
    """Several field blocks, a polynomial expanded around the minimum.

    Parameters
    ----------
    spec
        The spec.

    Returns
    -------
    bool
    """
    tr = spec.truncation
    return (len(spec.theory.blocks) > 1 and tr.potential == "polynomial" and tr.expand_around == "minimum"
            and spec.flow.equation == "wetterich")


@cache
def background_system(spec: TheorySpec, background: tuple[bool, ...], backend: str = "symengine"
                      ) -> NumericSystem:
    """The compiled betas around one background (the derivation kept by :mod:`rgsym.cache`).

    Parameters
    ----------
    spec
        The spec.
    background
        Which blocks sit at a minimum.
    backend
        The compile backend.

    Returns
    -------
    NumericSystem
    """
    from rgsym import cache as disk_cache
    from rgsym.multi_minimum import derive_at_background
    from rgsym.solve.numeric import compile_system

    kind = "derive_background_" + "".join("1" if at else "0" for at in background)
    fresh: list[BetaSystem] = []

    def compute() -> BetaSystem:
        fresh.append(derive_at_background(spec, background))
        return fresh[0]

    system = disk_cache.cached(kind, spec.digest, compute, accept=lambda v: isinstance(v, BetaSystem),
                               describe=lambda v: f"{v.name} ({spec.source})")
    if fresh and system is fresh[0]:  # as the cache hands it out (see rgsym.pipeline.derive)
        system = disk_cache.decode(disk_cache.encode(system))
    return compile_system(disk_cache.with_source(system, spec.source), backend=backend)


def background_numerics(spec: TheorySpec, backend: str = "symengine") -> list[NumericSystem]:
    """The compiled betas around every background, in the order of
    :func:`rgsym.multi_minimum.backgrounds`.

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
    from rgsym.multi_minimum import backgrounds

    return [background_system(spec, background, backend) for background in backgrounds(spec)]
