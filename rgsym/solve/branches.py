"""Branches: fixed points that bifurcate from a symmetric one along a symmetry-breaking direction.

Continuation in the truncation order follows each fixed point of the lowest order upwards.
It loses a point whose branch crosses another one: in the O(n) + O(m) model the biconical
point passes through the isotropic point where the two exchange stability (a transcritical
bifurcation), and at the orders beyond it lies on the other side, where no point of the
order below leads.  Such a point sits near the symmetric point it branched from, along the
eigen-direction of the stability matrix that breaks the symmetry and has a small theta (the
one that changes sign at the crossing).  So from every interacting fixed point with a
symmetry (a rotation or a swap of blocks) or a decoupled structure, Newton's method is
started a few steps along each such direction, both ways.

References
----------
Allgower, Georg, Introduction to Numerical Continuation Methods, SIAM (2003), ch. 8
(branching at bifurcation points); Calabrese, Pelissetto, Vicari, Phys. Rev. B 67 (2003)
054505, cond-mat/0209580 (the biconical point near the O(3) point of the O(2) + O(1) model).
"""

from __future__ import annotations

import numpy as np

from rgsym.solve.fixed_points import SAME_POINT, FixedPoint, Truncated, solve_from
from rgsym.solve.numeric import NumericSystem
from rgsym.solve.spectrum import relevant_count, stability_thetas
from rgsym.solve.symmetry import (
    Slot,
    candidate_symmetries,
    interacting_blocks,
    is_decoupled,
    symmetries_at,
    system_slots,
)

#: Directions with |theta| below this are tried: a branch that crossed at a nearby order has
#: a small theta here (0.07 at the O(3) point of the O(2) + O(1) model at order 3).
SMALL_THETA = 0.5
#: Steps along a unit direction in scaled couplings (order-one numbers): from just off the
#: point to as far as the distance between the fixed points of one model.
STEPS = (0.03, 0.1, 0.3, 1.0)
#: A new point must be isolated: its smallest |theta| above this.  Points along a (nearly)
#: marginal line of fixed points (next to the N = 2 cubic point, |theta| ~ 1e-7) are not new
#: fixed points but the solver's stopping places on the line; genuine branches here have
#: |theta| >= 4e-3.
ISOLATED = 1e-5


def _directions(fp: FixedPoint, numeric: NumericSystem, slots: tuple[Slot, ...],
                scales: np.ndarray) -> list[np.ndarray]:
    """Unit eigenvectors (scaled couplings) with small real theta that break the point's
    rotations or swaps, or couple its decoupled blocks."""
    couplings = numeric.system.couplings
    b = numeric.jacobian(np.array(fp.values)) * scales[None, :] / scales[:, None]
    symmetries = [s for s in symmetries_at(fp, couplings, slots, scales, b)
                  if s.kind in ("rotation", "swap", "isotropy")]
    decoupled = is_decoupled(fp, couplings, slots, scales)
    if not symmetries and not decoupled:
        return []
    active = set(interacting_blocks(fp, couplings, slots, scales))
    cross = np.array([len({slots[k].block for k, a in enumerate(c.index) if a} & active) > 1
                      for c in couplings])
    eig, vecs = np.linalg.eig(b)
    out = []
    for k in np.argsort(np.abs(eig)):
        if abs(eig[k]) > SMALL_THETA or abs(eig[k].imag) > 0:
            continue
        v = vecs[:, k].real / np.linalg.norm(vecs[:, k].real)
        breaks = any(np.linalg.norm(s.rows @ v) > 1e-3 for s in symmetries)
        couples = decoupled and np.linalg.norm(v[cross]) > 1e-3
        if breaks or couples:
            out.append(v)
    return out


def _relevant(numeric: NumericSystem, g: np.ndarray) -> tuple[int, float]:
    """The number of relevant directions at g and the smallest |theta| there."""
    theta = stability_thetas(numeric.jacobian(g))
    return relevant_count(theta), float(np.min(np.abs(theta)))


def _is_branch(numeric: NumericSystem, parent: FixedPoint, g: np.ndarray) -> bool:
    """An isolated point whose count of relevant directions differs from its parent's by at
    most one: at a transcritical crossing the two points trade one relevant direction."""
    mine, smallest = _relevant(numeric, g)
    theirs, _ = _relevant(numeric, np.asarray(parent.values))
    return smallest > ISOLATED and abs(mine - theirs) <= 1


def add_branches(numeric: NumericSystem, points: list[FixedPoint]) -> list[FixedPoint]:
    """``points`` with the fixed points that branch off them along symmetry-breaking directions.

    Parameters
    ----------
    numeric
        The compiled system at the target order (its context names the blocks and invariants).
    points
        The fixed points found by :func:`rgsym.solve.fixed_points.find_fixed_points`.

    Returns
    -------
    list of FixedPoint
        The same points, plus new ones, sorted as ``find_fixed_points`` sorts (Gaussian
        first, then by the size of the coupling vector).  A theory with one block and no
        anisotropic invariant gets ``points`` back unchanged.
    """
    slots = system_slots(numeric)
    system = numeric.system
    if not points or not candidate_symmetries(system.couplings, slots):
        return points
    scales = np.asarray(numeric.scales, dtype=float)
    full = Truncated(numeric, len(system.couplings))
    known = [np.asarray(fp.values) / scales for fp in points]
    found: list[FixedPoint] = []
    for fp in points:
        if fp.is_gaussian:
            continue
        x = np.asarray(fp.values) / scales
        for v in _directions(fp, numeric, slots, scales):
            for step in STEPS:
                for sign in (1.0, -1.0):
                    y = solve_from(full, x + sign * step * v)
                    if y is None or any(np.allclose(y, z, rtol=SAME_POINT, atol=SAME_POINT) for z in known) \
                            or not _is_branch(numeric, fp, y * scales):
                        continue
                    known.append(y)
                    found.append(FixedPoint(system.names, tuple(float(g) for g in y * scales),
                                            full.residual(y), fp.order, fp.minimum_flags))
    if not found:
        return points
    return sorted(points + found, key=lambda f: (not f.is_gaussian, float(np.linalg.norm(f.values))))
