"""Fixed points of several fields around the minimum: one system per background, each point
kept on the background where its potential has its minimum.

:mod:`rgsym.multi_minimum` derives the betas around each background (which blocks sit at a
running minimum kappa_b > 0, which at zero field).  A zero of the betas around a background
is a fixed point expanded around its own minimum when

- every kappa_b is positive (kappa_b = 0 is the background where b sits at zero);
- the Hessian H_bc = lambda_(e_b + e_c) over the blocks at a minimum is positive definite
  (a minimum, not a saddle; a flat direction, as at the isotropic point expanded along two
  blocks at once, makes d_t kappa singular, and the point is taken along one block instead);
- each block at zero has u_b >= 0 there (else the origin is a maximum in that direction and
  the minimum lies elsewhere);
- 1 + M0 is positive definite (no propagator beyond its pole), checked by the solver.

The isotropic point is a minimum along every direction of a sphere: it is found along phi
and along chi; the first background (phi) is kept.  Exponents and names are those of every
multi-field point (:mod:`rgsym.solve.sectors`, :mod:`rgsym.solve.naming`), whose symmetry
conditions know kappa_b (:mod:`rgsym.solve.symmetry`).

References
----------
Eichhorn, Mesterhazy, Scherer, Phys. Rev. E 88 (2013) 042141, arXiv:1306.2952 (the background
per fixed point); Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from rgsym.betasystem import BetaSystem
from rgsym.multi_minimum import Background, backgrounds, derive_at_background
from rgsym.solve.exponents import Exponents
from rgsym.solve.fixed_points import FixedPoint
from rgsym.solve.numeric import NumericSystem
from rgsym.spec import TheorySpec

#: A kappa_b (scaled, order one) below this is zero: the point belongs to the background with
#: b at zero.  Solutions are converged to ~1e-11 in scaled couplings; a sliver of this size
#: would be a different expansion of a point that is at the origin in that direction.
ZERO_KAPPA = 1e-8
#: u_b at zero field (scaled) may be this negative and still count as zero: a block that is
#: massless at the origin (the chi direction of the isotropic point, a free block) has
#: u_b = 0 to the accuracy of the solution.
MASS_TOLERANCE = 1e-8


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
def background_system(spec: TheorySpec, background: Background, backend: str = "symengine") -> NumericSystem:
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


def on_its_minimum(system: BetaSystem, fp: FixedPoint, scales: np.ndarray) -> bool:
    """Whether ``fp`` is expanded around its own minimum (see the module docstring).

    Parameters
    ----------
    system
        The betas around one background.
    fp
        A zero of them.
    scales
        The couplings' natural sizes.

    Returns
    -------
    bool
    """
    couplings = system.couplings
    x = np.asarray(fp.values) / scales
    where = {c.index: i for i, c in enumerate(couplings)}
    kappas = [i for i, c in enumerate(couplings) if c.is_minimum]
    if any(x[i] <= ZERO_KAPPA for i in kappas):
        return False
    units = [couplings[i].index for i in kappas]
    at = [[where[tuple(a + b for a, b in zip(u, v, strict=True))] for v in units] for u in units]
    hessian = np.array([[x[i] for i in row] for row in at]).reshape(len(units), len(units))
    if units and np.min(np.linalg.eigvalsh(hessian)) <= ZERO_KAPPA:
        return False  # in scaled couplings (order one): a flat direction is no isolated minimum
    nb = len(couplings[0].index)
    for b in range(nb):
        unit = tuple(1 if j == b else 0 for j in range(nb))
        i = where[unit]
        if not couplings[i].is_minimum and x[i] < -MASS_TOLERANCE:
            return False
    return True


def background_exponents(spec: TheorySpec, backend: str = "symengine"
                         ) -> list[tuple[FixedPoint, Exponents]]:
    """Every fixed point on its own background, with its exponents by sector and its name.

    Parameters
    ----------
    spec
        A spec for which :func:`uses_backgrounds` holds.
    backend
        The compile backend.

    Returns
    -------
    list of (FixedPoint, Exponents)
        Backgrounds in the order of :func:`rgsym.multi_minimum.backgrounds`; names are unique
        (the isotropic point on its first background; a name found on two backgrounds gets
        ``-2`` on the less stable point, as on one).
    """
    from rgsym.solve.branches import add_branches
    from rgsym.solve.exponents import compute_exponents
    from rgsym.solve.fixed_points import find_fixed_points
    from rgsym.solve.naming import fixed_point_names, numbered
    from rgsym.solve.sectors import by_sector, with_name

    out: list[tuple[FixedPoint, Exponents]] = []
    seen: set[str] = set()
    for background in backgrounds(spec):
        numeric = background_system(spec, background, backend)
        scales = np.asarray(numeric.scales, dtype=float)
        found = [fp for fp in add_branches(spec.theory, numeric, find_fixed_points(numeric))
                 if on_its_minimum(numeric.system, fp, scales)]
        points = [(fp, by_sector(spec.theory, numeric, fp, compute_exponents(numeric, fp))) for fp in found]
        names = fixed_point_names(spec.theory, numeric, points, unique=False)
        for (fp, ex), name in zip(points, names, strict=True):
            if name in seen and name in ("isotropic", "gaussian"):
                continue  # the same point, a minimum along another direction of its sphere
            seen.add(name)
            out.append((fp, with_name(ex, name)))

    names = numbered([str(getattr(ex, "name", "")) for _, ex in out], [ex.relevant for _, ex in out])
    return [(fp, with_name(ex, name)) for (fp, ex), name in zip(out, names, strict=True)]
