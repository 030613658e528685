"""Naming: stable names for fixed points, read off their couplings and their symmetry.

A name says which blocks interact and how, never which numbers the couplings have:

- ``gaussian``: no coupling is non-zero;
- one block interacting: ``ising(phi)`` (one component), ``O(2)(phi)`` (a multiplet), or
  ``cubic(phi)`` when an anisotropic invariant of it enters (with a single block the
  block's name is left out: ``wilson-fisher``, ``isotropic`` or ``cubic``);
- several blocks: ``decoupled`` (no coupling links them), ``isotropic`` (the rotations mixing
  the blocks are a symmetry: O(N_1 + N_2 + ...)), ``cubic`` (single-component blocks that the
  permutations of the blocks map onto each other, but no rotation: the cubic point), else
  ``biconical``; when some blocks stay free, the interacting ones follow in brackets.

Two points that would get the same name are told apart by ``-2``, ``-3``, ...: the one with
the fewest relevant directions keeps the plain name (a polynomial truncation around zero field
has spurious points at some orders, and they are less stable than the true one).

References
----------
Pelissetto, Vicari, Phys. Rept. 368 (2002) 549, cond-mat/0012164, sec. 11 (names of the fixed
points of the cubic and O(n) x O(m) models); Calabrese, Pelissetto, Vicari, cond-mat/0209580.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from rgsym.action import Coupling
from rgsym.solve.exponents import Exponents
from rgsym.solve.fixed_points import FixedPoint
from rgsym.solve.numeric import NumericSystem
from rgsym.solve.sectors import with_name
from rgsym.solve.symmetry import (
    SYMMETRY_TOLERANCE,
    Slot,
    candidate_symmetries,
    interacting_blocks,
    is_decoupled,
    symmetries_at,
    system_slots,
)


def name_fixed_point(fp: FixedPoint, couplings: Sequence[Coupling], slots: Sequence[Slot],
                     scales: np.ndarray, symmetries: Collection[str]) -> str:
    """The name of one fixed point (before duplicates are numbered).

    Parameters
    ----------
    fp
        The fixed point.
    couplings, slots
        The couplings of the system and the invariants of their multi-indices.
    scales
        The couplings' natural sizes.
    symmetries
        The names of the fixed point's symmetries (:func:`rgsym.solve.sectors.symmetries_at`).

    Returns
    -------
    str
        E.g. ``gaussian``, ``ising(chi)``, ``decoupled``, ``isotropic``, ``cubic``, ``biconical``.
    """
    if fp.is_gaussian or not slots:
        return "gaussian"
    active = interacting_blocks(fp, couplings, slots, scales)
    blocks = list(dict.fromkeys(s.block for s in slots))
    if not active:
        return "gaussian"
    if len(active) == 1:
        (block,) = active
        kind = _single_block_kind(fp, couplings, slots, scales, block)
        return kind if len(blocks) == 1 else f"{kind}({block})"
    if is_decoupled(fp, couplings, slots, scales):
        kind = "decoupled"
    elif all(f"O({b}+{c})" in symmetries for i, b in enumerate(active) for c in active[i + 1:]):
        kind = "isotropic"
    elif _all_swapped(active, symmetries) and all(
            next(s.components for s in slots if s.block == b) == 1 for b in active):
        kind = "cubic"
    else:
        kind = "biconical"
    return kind if len(active) == len(blocks) else f"{kind}({','.join(active)})"


def _single_block_kind(fp: FixedPoint, couplings: Sequence[Coupling], slots: Sequence[Slot],
                       scales: np.ndarray, block: str) -> str:
    anisotropic = [k for k, s in enumerate(slots) if s.block == block and s.kind == "anisotropy"]
    x = np.asarray(fp.values) / scales
    broken = any(abs(v) > SYMMETRY_TOLERANCE and any(c.index[k] for k in anisotropic)
                 for v, c in zip(x, couplings, strict=True))
    if broken:
        from rgsym.invariants import is_decoupled as copies

        invariant = slots[anisotropic[0]].invariant
        if invariant is not None and copies(fp.as_dict(), tuple(couplings), invariant, SYMMETRY_TOLERANCE):
            return "decoupled"  # N Ising copies: no mixed monomial on the plane
        return "cubic"
    if anisotropic:
        return "isotropic"
    components = next(s.components for s in slots if s.block == block)
    if len({s.block for s in slots}) == 1:
        return "wilson-fisher"
    return "ising" if components == 1 else f"O({components})"


def _all_swapped(active: Sequence[str], symmetries: Collection[str]) -> bool:
    """Whether the swaps among the active blocks connect all of them."""
    pairs = {frozenset((b, c)) for b in active for c in active if f"{b}<->{c}" in symmetries}
    reached = {active[0]}
    for _ in active:
        reached |= {c for b in reached for c in active if frozenset((b, c)) in pairs}
    return reached == set(active)


def fixed_point_names(numeric: NumericSystem,
                      points: Sequence[tuple[FixedPoint, Exponents]], unique: bool = True) -> list[str]:
    """Unique names of the fixed points, in their order.

    Parameters
    ----------
    numeric
        The compiled system the points solve (its context names the fields and invariants).
    points
        The fixed points with their exponents.
    unique
        Number repeated names (False: the names before that, for a caller that numbers the
        points of several systems together).

    Returns
    -------
    list of str
        One name per point; repeated names get ``-2``, ``-3``, ...

    Examples
    --------
    A single multiplet has a Gaussian and a Wilson-Fisher point (see the tests).
    """
    slots = system_slots(numeric)
    couplings = numeric.system.couplings
    scales = np.asarray(numeric.scales, dtype=float)
    if any(c.is_minimum for c in couplings) and len(slots) == 1:
        slots = ()  # one block around the minimum: only "gaussian" / "wilson-fisher" below
    names = []
    for fp, ex in points:
        if not slots:
            names.append("gaussian" if fp.is_gaussian else "wilson-fisher")
            continue
        symmetries = set(getattr(ex, "symmetries", ()))
        if not hasattr(ex, "symmetries") and candidate_symmetries(couplings, slots):
            b = numeric.jacobian(np.array(fp.values))
            symmetries = {s.name for s in symmetries_at(fp, couplings, slots, scales,
                                                         b * scales[None, :] / scales[:, None])}
        names.append(name_fixed_point(fp, couplings, slots, scales, symmetries))
    return numbered(names, [ex.relevant for _, ex in points]) if unique else names


def numbered(names: list[str], relevant: list[int]) -> list[str]:
    """Repeated names get -2, -3, ... in the order of their relevant directions (then position)."""
    out = list(names)
    for name in dict.fromkeys(names):
        where = sorted((i for i, n in enumerate(names) if n == name), key=lambda i: (relevant[i], i))
        for rank, i in enumerate(where[1:], start=2):
            out[i] = f"{name}-{rank}"
    return out


def name_points(numeric: NumericSystem,
                points: Sequence[tuple[FixedPoint, Exponents]]) -> list[tuple[FixedPoint, Exponents]]:
    """The points with their names put into their exponents (multi-field ones only).

    Parameters
    ----------
    numeric
        The compiled system.
    points
        The fixed points and their exponents (from :func:`rgsym.solve.sectors.by_sector`).

    Returns
    -------
    list of (FixedPoint, Exponents)
    """
    names = fixed_point_names(numeric, points)
    return [(fp, with_name(ex, name)) for (fp, ex), name in zip(points, names, strict=True)]
