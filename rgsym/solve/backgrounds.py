"""Backgrounds: the fixed points of several fields around the minimum, each kept on the
background where its potential has its minimum.

The betas are derived once per background (which blocks sit at a running minimum kappa_b > 0,
which at zero field: :mod:`rgsym.multi_minimum`; the axis or the diagonal of the cubic model:
:mod:`rgsym.cubic_minimum`), and :mod:`rgsym.backgrounds` hands the compiled systems over.  A
zero of the betas around a background is a fixed point expanded around its own minimum when

- every kappa is positive (kappa = 0 is another background);
- the Hessian of u along the running minima is positive definite (a minimum, not a saddle; a
  flat direction, as at the isotropic point expanded along two blocks at once, makes d_t kappa
  singular, and the point is taken on another background instead);
- each block at zero has u_b >= 0 there (else the origin is a maximum in that direction and
  the minimum lies elsewhere);
- 1 + M0 is positive definite (no propagator beyond its pole), checked by the solver;
- with an anisotropic invariant (the cubic model on a ray), every mode's mass is >= 0: the
  system's masses are the LDL pivots of the mass matrix M0 (:mod:`rgsym.cubic_minimum`), so this
  is M0 positive semidefinite, a minimum in every direction, not only along the ray (with a
  negative transverse mass the ray is a saddle and the minimum lies on another ray).

The isotropic point is a minimum along every direction of a sphere: it is found on several
backgrounds, and the first one is kept.  When two blocks of equal size can be swapped (the
two-scalar model), the betas around a background and around its mirror image (minimum along
phi, minimum along chi) are the same up to the swap, and so are their zeros: a point whose
couplings are, swapped, those of a point kept before (on the mirror background, or on the same
one when the swap maps it onto itself), and whose name does not tell the two apart, is that
point's mirror image and is listed once (``ising(phi)`` and ``ising(chi)`` are named apart and
both listed).  Exponents and names are those of every multi-field point
(:mod:`rgsym.solve.sectors`, :mod:`rgsym.solve.naming`), whose symmetry conditions know kappa
(:mod:`rgsym.solve.symmetry`).

References
----------
Eichhorn, Mesterhazy, Scherer, Phys. Rev. E 88 (2013) 042141, arXiv:1306.2952 (the background
per fixed point); Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from rgsym.betasystem import BetaSystem
from rgsym.solve.exponents import Exponents
from rgsym.solve.fixed_points import SAME_POINT, FixedPoint
from rgsym.solve.numeric import NumericSystem

#: A kappa (scaled, order one) below this is zero: the point belongs to the background with
#: that block at zero.  Solutions are converged to ~1e-11 in scaled couplings; a sliver of this
#: size would be a different expansion of a point that is at the origin in that direction.
ZERO_KAPPA = 1e-8
#: u_b at zero field (scaled) may be this negative and still count as zero: a block that is
#: massless at the origin (the chi direction of the isotropic point, a free block) has
#: u_b = 0 to the accuracy of the solution.  The same for a mode's mass on a ray (dimensionless,
#: order one): the Goldstone modes of the isotropic point have masses ~1e-15.
MASS_TOLERANCE = 1e-8


def on_its_minimum(numeric: NumericSystem, fp: FixedPoint) -> bool:
    """Whether ``fp`` is expanded around its own minimum (see the module docstring).

    Parameters
    ----------
    numeric
        The compiled betas around one background.
    fp
        A zero of them.

    Returns
    -------
    bool
    """
    system = numeric.system
    scales = np.asarray(numeric.scales, dtype=float)
    if _on_a_ray(system) and np.any(numeric.masses(np.asarray(fp.values)) < -MASS_TOLERANCE):
        return False
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
        i = where.get(unit)  # an anisotropic slot (tau, index (0, 2)) has no mass of its own
        if i is not None and not couplings[i].is_minimum and x[i] < -MASS_TOLERANCE:
            return False
    return True


def is_mirror_image(numeric: NumericSystem, fp: FixedPoint, other: FixedPoint, other_numeric: NumericSystem
                    ) -> bool:
    """Whether ``fp`` is ``other`` with two blocks of equal size swapped.

    The couplings are matched by their multi-indices with the two slots exchanged (kappa_phi
    with kappa_chi): the two points lie on mirror backgrounds (minimum along phi, along chi),
    or both on a background the swap maps onto itself.  Equal means within the solver's
    distance for the same point (:data:`rgsym.solve.fixed_points.SAME_POINT`), in scaled
    couplings.

    Parameters
    ----------
    numeric, fp
        A fixed point and the compiled betas it solves.
    other, other_numeric
        Another point, and its betas (around the mirror background, or the same one).

    Returns
    -------
    bool
        False for ``fp`` itself: a point is its own mirror image when the swap is a symmetry
        of it, which :mod:`rgsym.solve.symmetry` finds.
    """
    from rgsym.solve.symmetry import system_slots

    mine, theirs = numeric.system.couplings, other_numeric.system.couplings
    if fp is other or len(mine) != len(theirs):
        return False
    slots = system_slots(numeric)
    where = {(c.index, c.is_minimum): i for i, c in enumerate(theirs)}
    scales = np.asarray(other_numeric.scales, dtype=float)
    x = np.asarray(fp.values) / np.asarray(numeric.scales, dtype=float)
    y = np.asarray(other.values) / scales
    for i, j in itertools.combinations(range(len(slots)), 2):
        if (slots[i].kind, slots[i].components) != ("rho", slots[j].components) or slots[j].kind != "rho":
            continue
        image = []
        for c in mine:
            a = list(c.index)
            a[i], a[j] = a[j], a[i]
            image.append(where.get((tuple(a), c.is_minimum)))
        if None in image:
            continue
        order = [k for k in image if k is not None]
        if np.allclose(x, y[order], rtol=SAME_POINT, atol=SAME_POINT):
            return True
    return False


def _on_a_ray(system: BetaSystem) -> bool:
    """An expansion around a minimum on a ray of the cubic model (its masses are pivots of M0)."""
    context = system.context
    return context is not None and any(inv.ray is not None for inv in context.invariants)


def points_on_backgrounds(numerics: Sequence[NumericSystem]) -> list[tuple[FixedPoint, Exponents]]:
    """Every fixed point on its own background, with its exponents by sector and its name.

    Parameters
    ----------
    numerics
        The compiled betas around each background, in the order of the backgrounds (the
        first background on which a point lies keeps it).

    Returns
    -------
    list of (FixedPoint, Exponents)
        Names are unique (the isotropic point on its first background; a name found on two
        backgrounds gets ``-2`` on the less stable point, as on one).
    """
    from rgsym.solve.branches import add_branches
    from rgsym.solve.exponents import compute_exponents
    from rgsym.solve.fixed_points import find_fixed_points
    from rgsym.solve.naming import fixed_point_names, numbered
    from rgsym.solve.sectors import by_sector, with_name

    out: list[tuple[FixedPoint, Exponents]] = []
    seen: set[str] = set()
    kept: list[tuple[FixedPoint, str, NumericSystem]] = []
    for numeric in numerics:
        found = [fp for fp in add_branches(numeric, find_fixed_points(numeric))
                 if on_its_minimum(numeric, fp)]
        points = [(fp, by_sector(numeric, fp, compute_exponents(numeric, fp))) for fp in found]
        names = fixed_point_names(numeric, points, unique=False)
        for (fp, ex), name in zip(points, names, strict=True):
            if name in seen and name in ("isotropic", "gaussian"):
                continue  # the same point, a minimum along another direction of its sphere
            if any(other_name == name and is_mirror_image(numeric, fp, other, kept_on)
                   for other, other_name, kept_on in kept):
                continue  # its mirror image under a swap of the blocks, listed already
            seen.add(name)
            kept.append((fp, name, numeric))
            out.append((fp, with_name(ex, name)))

    names = numbered([str(getattr(ex, "name", "")) for _, ex in out], [ex.relevant for _, ex in out])
    return [(fp, with_name(ex, name)) for (fp, ex), name in zip(out, names, strict=True)]
