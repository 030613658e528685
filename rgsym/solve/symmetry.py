"""Symmetry: the symmetries of a multi-field fixed point, found from the couplings' multi-indices.

Candidates (one slot of the multi-indices per invariant of the ansatz):

- ``swap``: exchange two blocks of equal size (permute the slots of every multi-index);
- ``rotation``: rotations mixing two blocks, O(N_b) x O(N_c) -> O(N_b + N_c), under which
  u(rho_b, rho_c) is invariant iff (d_b - d_c) u = 0, i.e. lambda_{a+e_b} = lambda_{a+e_c};
- ``isotropy``: the O(N_b) rotations of one block, broken by an invariant such as sum phi_a^4
  (couplings with a power of that invariant vanish);
- ``free``: a block that does not interact at the fixed point (no coupling involves it) while
  another one does; its shift symmetry is broken by any perturbation that involves it.

Each is a set of linear conditions C g = 0 on the couplings.  A fixed point has the symmetry
when its couplings satisfy the conditions (to :data:`SYMMETRY_TOLERANCE`) and the stability
matrix B maps the invariant subspace ker C into itself (to :data:`INVARIANCE_TOLERANCE`).
:mod:`rgsym.solve.sectors` sorts the eigenvalues of B by them.

References
----------
Pelissetto, Vicari, Phys. Rept. 368 (2002) 549, cond-mat/0012164, sec. 11 (O(n) x O(m) and
cubic models).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from rgsym.action import Coupling
from rgsym.context import FlowContext, required_context
from rgsym.solve.fixed_points import SAME_POINT, FixedPoint

if TYPE_CHECKING:
    from rgsym.solve.numeric import NumericSystem

#: A fixed point has a symmetry when its scaled couplings (order one) meet the conditions to
#: this accuracy: the solver's own distance for "the same point" (a point this close to its
#: mirror image is, for the solver, that image).
SYMMETRY_TOLERANCE = SAME_POINT
#: B maps an invariant subspace into itself to this accuracy (relative to |B|).  At a point
#: solved to 1e-11 the leak is rounding (~1e-13), but a point along a nearly marginal direction
#: (the N = 2 cubic point) is only symmetric to ~1e-6, and leaks that much; a condition that is
#: not a symmetry of the flow leaks at order one.
INVARIANCE_TOLERANCE = 1e-4

#: A direction lies in a subspace when its distance to it is below this (unit vectors in
#: scaled couplings): eigenvectors are accurate to ~1e-12 / gap at a well-solved point and to
#: ~1e-6 at the N = 2 cubic point (see INVARIANCE_TOLERANCE); a direction outside the subspace
#: has a component of order one there.
SUBSPACE_TOLERANCE = 1e-4


@dataclass(frozen=True)
class Slot:
    """One invariant of the ansatz: a position in the couplings' multi-indices.

    Attributes
    ----------
    block
        The field block the invariant is built from, e.g. ``"phi"``.
    components
        How many real components the block has (an integer or the symbol N).
    kind
        ``"rho"`` for rho_b = phi_b . phi_b / 2, ``"anisotropy"`` for an invariant that only
        a subgroup of O(N_b) keeps (e.g. sum_a phi_a^4).
    name
        The invariant's name (``rho_phi``, ``tau``).
    invariant
        For an anisotropic slot, the :class:`rgsym.invariants.Invariant`; else None.
    """

    block: str
    components: int | sp.Expr
    kind: str
    name: str
    invariant: Any = None


@dataclass(frozen=True, eq=False)
class Symmetry:
    """A candidate symmetry: linear conditions ``rows @ g = 0`` on the couplings g.

    Attributes
    ----------
    name
        E.g. ``phi<->chi``, ``O(phi+chi)``, ``O(N)(phi)`` or ``free(phi)``.
    kind
        ``swap``, ``rotation``, ``isotropy`` or ``free``.
    rows
        The conditions, one row per condition, acting on the unscaled couplings.
    permutation
        For a swap, the permutation matrix P on the couplings (rows = P - 1); else None.
    """

    name: str
    kind: str
    rows: np.ndarray
    permutation: np.ndarray | None = None


def slots_of(context: FlowContext) -> tuple[Slot, ...]:
    """The invariants of a flow's ansatz, in the order of the multi-indices.

    Parameters
    ----------
    context
        What the flow was derived for: one rho per field multiplet (``context.fields``), then
        the declared anisotropic invariants (``context.invariants``).

    Returns
    -------
    tuple of Slot
    """
    slots = [Slot(f.name, f.components, "rho", f"rho_{f.name}") for f in context.fields]
    for inv in context.invariants:
        slots.append(Slot(inv.block, inv.components, "anisotropy", inv.name, inv))
    return tuple(slots)


def system_slots(numeric: NumericSystem) -> tuple[Slot, ...]:
    """The slots of a compiled system, from the context its betas carry.

    Parameters
    ----------
    numeric
        The compiled system.

    Returns
    -------
    tuple of Slot

    Raises
    ------
    UnsupportedError
        For betas without a context (read back from ``betas.json``).
    """
    return slots_of(required_context(numeric.system, "the symmetry sectors of the fixed points"))


def candidate_symmetries(couplings: Sequence[Coupling], slots: Sequence[Slot]) -> list[Symmetry]:
    """Every swap, rotation and isotropy the couplings' multi-indices allow.

    Parameters
    ----------
    couplings
        The couplings of the system; each ``index`` has one entry per slot.
    slots
        The invariants, in the order of the multi-indices.

    Returns
    -------
    list of Symmetry
        In a fixed order: swaps, rotations, isotropies, then ``free`` per block.
    """
    if len(slots) < 2 and all(s.kind == "rho" for s in slots):
        return []
    where = {c.index: i for i, c in enumerate(couplings)}
    n = len(couplings)
    rho = [i for i, s in enumerate(slots) if s.kind == "rho"]
    anisotropic = {slots[i].block for i, s in enumerate(slots) if s.kind == "anisotropy"}
    out: list[Symmetry] = []
    for i, j in itertools.combinations(rho, 2):
        if slots[i].components == slots[j].components and _same_structure(slots, i, j):
            perm = _swap_matrix(couplings, where, slots, i, j)
            if perm is not None:
                out.append(Symmetry(f"{slots[i].block}<->{slots[j].block}", "swap", perm - np.eye(n), perm))
    for i, j in itertools.combinations(rho, 2):
        if slots[i].block in anisotropic or slots[j].block in anisotropic:
            continue
        rows = _rotation_rows(couplings, where, i, j)
        if rows.size:
            out.append(Symmetry(f"O({slots[i].block}+{slots[j].block})", "rotation", rows))
    for k, s in enumerate(slots):
        if s.kind == "anisotropy":
            rows = _unit_rows(couplings, lambda a, k=k: a[k] > 0)
            out.append(Symmetry(f"O({s.components})({s.block})", "isotropy", rows))
    for block in dict.fromkeys(s.block for s in slots):
        own = [k for k, s in enumerate(slots) if s.block == block]
        out.append(Symmetry(f"free({block})", "free",
                            _unit_rows(couplings, lambda a, own=own: any(a[k] > 0 for k in own))))
    return out


def _same_structure(slots: Sequence[Slot], i: int, j: int) -> bool:
    """Two rho slots can be swapped when their blocks carry the same further invariants."""
    def kinds(block: str) -> list[str]:
        return [s.kind for s in slots if s.block == block]

    return kinds(slots[i].block) == kinds(slots[j].block) == ["rho"]


def _swap_matrix(couplings: Sequence[Coupling], where: dict[tuple[int, ...], int], slots: Sequence[Slot],
                 i: int, j: int) -> np.ndarray | None:
    n = len(couplings)
    perm = np.zeros((n, n))
    for p, c in enumerate(couplings):
        a = list(c.index)
        a[i], a[j] = a[j], a[i]
        q = where.get(tuple(a))
        if q is None or couplings[q].is_minimum != c.is_minimum:
            return None  # around a background that is not symmetric (kappa_b and u_c) there is no swap
        perm[q, p] = 1.0
    return perm


def _rotation_rows(couplings: Sequence[Coupling], where: dict[tuple[int, ...], int], i: int,
                   j: int) -> np.ndarray:
    """lambda_{a+e_i} - lambda_{a+e_j} = 0 for every a with both couplings present.

    Around a minimum, kappa_b stands where u_b = 0 is: it is no coupling of these conditions,
    and a partner lambda_{e_c} of it must vanish (u_b = u_c at the background).
    """
    n = len(couplings)
    rows = []
    for p, c in enumerate(couplings):
        if c.index[i] == 0 or c.is_minimum:
            continue
        a = list(c.index)
        a[i] -= 1
        a[j] += 1
        q = where.get(tuple(a))
        if q is not None:
            row = np.zeros(n)
            row[p] = 1.0
            if not couplings[q].is_minimum:
                row[q] = -1.0
            rows.append(row)
    for c in couplings:  # lambda_{e_j} with kappa at e_i (the loop above skips kappa)
        if c.is_minimum and c.index[i] == 1:
            partner = [0] * len(c.index)
            partner[j] = 1
            q = where.get(tuple(partner))
            if q is not None and not couplings[q].is_minimum:
                rows.append(np.eye(n)[q])
    return np.array(rows).reshape(-1, n)


def _unit_rows(couplings: Sequence[Coupling], involved: Any) -> np.ndarray:
    n = len(couplings)
    rows = [np.eye(n)[p] for p, c in enumerate(couplings) if involved(c.index)]
    return np.array(rows).reshape(-1, n)


def interacting_blocks(fp: FixedPoint, couplings: Sequence[Coupling], slots: Sequence[Slot],
                       scales: np.ndarray) -> tuple[str, ...]:
    """The blocks some non-zero coupling of the fixed point involves.

    Parameters
    ----------
    fp
        The fixed point.
    couplings, slots
        The couplings of the system and the invariants of their multi-indices.
    scales
        The couplings' natural sizes (zero means below :data:`SYMMETRY_TOLERANCE` in units
        of these).

    Returns
    -------
    tuple of str
        Block names, in the order of the slots.
    """
    x = np.asarray(fp.values) / scales
    active = []
    for block in dict.fromkeys(s.block for s in slots):
        own = [k for k, s in enumerate(slots) if s.block == block]
        if any(abs(v) > SYMMETRY_TOLERANCE and any(c.index[k] for k in own)
               for v, c in zip(x, couplings, strict=True)):
            active.append(block)
    return tuple(active)


def symmetries_at(fp: FixedPoint, couplings: Sequence[Coupling], slots: Sequence[Slot],
                  scales: np.ndarray, b_scaled: np.ndarray) -> list[Symmetry]:
    """The candidate symmetries the fixed point has, in scaled couplings x = g / scale.

    ``free`` is kept only for a block that does not interact while another one does.

    Parameters
    ----------
    fp
        The fixed point.
    couplings, slots
        As for :func:`candidate_symmetries`.
    scales
        The couplings' natural sizes.
    b_scaled
        The stability matrix in scaled couplings, diag(1/s) B diag(s).

    Returns
    -------
    list of Symmetry
        With ``rows`` acting on scaled couplings, each row of unit length.
    """
    x = np.asarray(fp.values) / scales
    active = interacting_blocks(fp, couplings, slots, scales)
    out = []
    for sym in candidate_symmetries(couplings, slots):
        if sym.kind == "free" and (not active or sym.name[5:-1] in active):
            continue
        rows = sym.rows * scales[None, :]
        rows = rows[np.linalg.norm(rows, axis=1) > 0]
        rows = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        if np.max(np.abs(rows @ x), initial=0.0) > SYMMETRY_TOLERANCE:
            continue
        kernel = null_space(rows)
        leak = np.linalg.norm(rows @ b_scaled @ kernel) if kernel.size else 0.0
        if leak > INVARIANCE_TOLERANCE * max(1.0, float(np.linalg.norm(b_scaled))):
            continue
        perm = None if sym.permutation is None else sym.permutation  # permutations commute with scales
        out.append(Symmetry(sym.name, sym.kind, rows, perm))
    return out


def null_space(rows: np.ndarray, tol: float = SUBSPACE_TOLERANCE) -> np.ndarray:
    """An orthonormal basis of {v : rows v = 0}.

    Parameters
    ----------
    rows
        The conditions, one per row.
    tol
        Singular values below ``tol`` times the largest (at least 1) count as zero.

    Returns
    -------
    numpy.ndarray
        The basis as columns (all of R^n when there is no row).
    """
    n = rows.shape[1]
    if rows.shape[0] == 0:
        return np.eye(n, dtype=rows.dtype)
    _, s, vh = np.linalg.svd(rows)
    rank = int(np.sum(s > tol * max(1.0, s[0] if s.size else 0.0)))
    return vh[rank:].conj().T


def is_decoupled(fp: FixedPoint, couplings: Sequence[Coupling], slots: Sequence[Slot],
                 scales: np.ndarray) -> bool:
    """Whether two or more blocks interact and no non-zero coupling involves two of them.

    Parameters
    ----------
    fp
        The fixed point.
    couplings, slots, scales
        As for :func:`interacting_blocks`.

    Returns
    -------
    bool
    """
    active = interacting_blocks(fp, couplings, slots, scales)
    if len(active) < 2:
        return False
    x = np.asarray(fp.values) / scales
    for v, c in zip(x, couplings, strict=True):
        involved = {slots[k].block for k, a in enumerate(c.index) if a}
        if len(involved & set(active)) > 1 and abs(v) > SYMMETRY_TOLERANCE:
            return False
    return True
