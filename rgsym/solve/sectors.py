"""Sectors: the eigen-directions of the stability matrix sorted by the fixed point's symmetry.

With several field blocks the stability matrix B at a fixed point mixes two kinds of
directions: perturbations that keep the whole symmetry of the fixed point (the singlet
sector: the thermal direction and the corrections to scaling) and perturbations that break
part of it (anisotropies, which decide stability and give crossover exponents).  nu and
omega belong to the singlet sector only.

The symmetries are found, not assumed.  Candidates come from the couplings' multi-indices
(one slot per invariant of the ansatz):

- ``swap``: exchange two blocks of equal size (permute the slots of every multi-index);
- ``rotation``: rotations mixing two blocks, O(N_b) x O(N_c) -> O(N_b + N_c), under which
  u(rho_b, rho_c) is invariant iff (d_b - d_c) u = 0, i.e. lambda_{a+e_b} = lambda_{a+e_c};
- ``isotropy``: the O(N_b) rotations of one block, broken by an invariant such as sum phi_a^4
  (couplings with a power of that invariant vanish);
- ``free``: a block that does not interact at the fixed point (no coupling involves it) while
  another one does; its shift symmetry is broken by any perturbation that involves it.

Each is a set of linear conditions C g = 0 on the couplings.  A fixed point has the
symmetry when its couplings satisfy the conditions (to :data:`SYMMETRY_TOLERANCE`) and B maps
the invariant subspace ker C into itself (checked, to :data:`INVARIANCE_TOLERANCE`).  The
eigenvalues of B are then labelled by the largest set of conditions their eigenspace meets:
``singlet`` when it meets all of them, else the symmetries it breaks ("odd under phi<->chi"
when a swap reverses its sign).

References
----------
Pelissetto, Vicari, Phys. Rept. 368 (2002) 549, cond-mat/0012164, sec. 11 (O(n) x O(m) and
cubic models; crossover exponents of anisotropies); Calabrese, Pelissetto, Vicari, Phys. Rev. B
67 (2003) 054505, cond-mat/0209580 (multicritical O(n) + O(m) fixed points).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rgsym.action import Coupling
from rgsym.solve.exponents import Exponents
from rgsym.solve.fixed_points import FixedPoint
from rgsym.solve.numeric import NumericSystem
from rgsym.solve.spectrum import kind, nu_omega, snap, theta_json
from rgsym.solve.symmetry import (
    SUBSPACE_TOLERANCE,
    Slot,
    Symmetry,
    candidate_symmetries,
    interacting_blocks,
    is_decoupled,
    null_space,
    symmetries_at,
    system_slots,
)

#: Two thetas are one (possibly degenerate) eigenvalue within this relative distance.  The
#: thetas of different sectors that are tested here differ by more than 1e-3; exact
#: degeneracies (two equal blocks) agree to ~1e-12.
CLUSTER_TOLERANCE = 1e-7


@dataclass(frozen=True)
class SectorTheta:
    """One critical exponent theta with the symmetry sector of its eigen-direction.

    Attributes
    ----------
    theta
        The eigenvalue of -B.
    sector
        ``singlet``, or what the direction breaks, e.g. ``odd under phi<->chi``.
    part
        At a decoupled fixed point whose blocks differ: the block whose invariants alone the
        direction involves (its own fixed point's theta), or ``"coupling"`` for directions
        that couple blocks; empty elsewhere.
    """

    theta: complex
    sector: str
    part: str = ""

    @property
    def is_singlet(self) -> bool:
        """Whether the direction keeps the whole symmetry of the fixed point.

        Returns
        -------
        bool
        """
        return self.sector == "singlet"


@dataclass(frozen=True)
class SectorExponents(Exponents):
    """Exponents of a multi-field fixed point: nu and omega from the singlet sector.

    ``theta`` still lists every eigenvalue; ``sectors`` gives each its sector, and
    ``symmetries`` names the symmetries the fixed point has beyond those of the theory.
    """

    sectors: tuple[SectorTheta, ...] = ()
    symmetries: tuple[str, ...] = ()
    name: str = ""
    crossover: tuple[tuple[str, float], ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """The exponents as JSON, with the sectors, the crossover exponents and the name.

        Returns
        -------
        dict
            The keys of :meth:`Exponents.as_dict`, plus ``name``, ``symmetry`` (the fixed
            point's own symmetries), ``sectors`` (``{"theta", "sector"}`` per eigenvalue,
            in the order of ``theta``) and ``crossover`` (sector -> phi = theta nu for the
            relevant non-singlet directions).
        """
        out = super().as_dict()
        out["name"] = self.name
        out["symmetry"] = list(self.symmetries)
        out["sectors"] = [{"theta": theta_json(s.theta), "sector": s.sector,
                           **({"part": s.part} if s.part else {})} for s in self.sectors]
        out["crossover"] = [{"sector": s, "phi": v} for s, v in self.crossover]
        return out


def _conditions(symmetries: Sequence[Symmetry]) -> list[tuple[str, str, np.ndarray]]:
    """(symmetry, "even" | "odd", rows): each symmetry kept, and each swap reversed."""
    out = [(s.name, "even", s.rows) for s in symmetries]
    for s in symmetries:
        if s.permutation is not None:
            odd = s.permutation + np.eye(len(s.permutation))
            odd = odd[np.linalg.norm(odd, axis=1) > 0]
            out.append((s.name, "odd", odd / np.linalg.norm(odd, axis=1, keepdims=True)))
    return out


def _label(symmetries: Sequence[Symmetry], met: Sequence[tuple[str, str]]) -> str:
    """``singlet``, or what a direction that meets the conditions ``met`` breaks."""
    parts = []
    for s in symmetries:
        if (s.name, "even") in met:
            continue
        if (s.name, "odd") in met:
            parts.append(f"odd under {s.name}")
        elif s.kind == "free":
            parts.append(f"involves the free {s.name[5:-1]}")
        else:
            parts.append(f"breaks {s.name}")
    return "; ".join(parts) or "singlet"


def _dimension(basis: np.ndarray) -> int:
    if basis.size == 0:
        return 0
    s = np.linalg.svd(basis, compute_uv=False)
    return int(np.sum(s > SUBSPACE_TOLERANCE))


def _intersection(w: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """A basis of span(w) intersected with ker(rows)."""
    if rows.shape[0] == 0:
        return w
    coeffs = null_space(rows @ w)
    return w @ coeffs if coeffs.size else np.zeros((w.shape[0], 0), dtype=w.dtype)


def _cluster_labels(w: np.ndarray, symmetries: Sequence[Symmetry]) -> list[str]:
    """Sector labels, with multiplicity, of the invariant subspace span(w) of one eigenvalue.

    Each subset S of the conditions a direction of span(w) can meet gets
    dim(W n V_S) - dim(sum of W n V_S' over S' strictly containing S) directions.
    """
    conditions = _conditions(symmetries)
    met = [c for c in conditions if _intersection(w, c[2]).shape[1] > 0
           and _dimension(_intersection(w, c[2])) > 0]
    spaces: dict[tuple[int, ...], np.ndarray] = {}
    for size in range(len(met) + 1):
        for subset in itertools.combinations(range(len(met)), size):
            rows = np.vstack([met[k][2] for k in subset]) if subset else np.zeros((0, w.shape[0]))
            spaces[subset] = _intersection(w, rows)
    labels: list[str] = []
    for subset in sorted(spaces, key=lambda s: -len(s)):
        bigger = [spaces[s] for s in spaces if set(s) > set(subset)]
        span = _dimension(np.hstack(bigger)) if bigger else 0
        count = _dimension(spaces[subset]) - span
        labels += [_label(symmetries, [met[k][:2] for k in subset])] * max(0, count)
    return labels[: w.shape[1]] + ["unclassified"] * max(0, w.shape[1] - len(labels))


def classify(b_scaled: np.ndarray, symmetries: Sequence[Symmetry]) -> tuple[SectorTheta, ...]:
    """Every theta = -eig(B) with its sector, sorted by descending real part.

    Parameters
    ----------
    b_scaled
        The stability matrix in scaled couplings.
    symmetries
        The fixed point's symmetries (:func:`symmetries_at`).

    Returns
    -------
    tuple of SectorTheta
    """
    eig, vecs = np.linalg.eig(b_scaled)
    theta = -eig
    order = sorted(range(len(theta)), key=lambda k: (-theta[k].real, -theta[k].imag))
    out: list[SectorTheta] = []
    done: set[int] = set()
    for k in order:
        if k in done:
            continue
        scale = CLUSTER_TOLERANCE * max(1.0, abs(theta[k]))
        members = [m for m in order if m not in done and abs(theta[m] - theta[k]) <= scale]
        done.update(members)
        w = _cluster_space(b_scaled, eig, vecs, members)
        labels = _cluster_labels(w, symmetries)
        out += [SectorTheta(snap(complex(theta[m])), lab) for m, lab in zip(members, labels, strict=False)]
    return tuple(out)


def _cluster_space(b: np.ndarray, eig: np.ndarray, vecs: np.ndarray, members: list[int]) -> np.ndarray:
    """An orthonormal basis of the invariant subspace of one (possibly degenerate) eigenvalue."""
    if len(members) == 1:
        v = vecs[:, members[0]]
        return (v / np.linalg.norm(v)).reshape(-1, 1)
    lam = np.mean(eig[members])
    shifted = np.linalg.matrix_power(b - lam * np.eye(len(b)), len(members))
    _, s, vh = np.linalg.svd(shifted)
    return vh[len(b) - len(members):].conj().T


def _decoupled_parts(fp: FixedPoint, couplings: Sequence[Coupling], slots: Sequence[Slot],
                     scales: np.ndarray, b_scaled: np.ndarray,
                     sectors: tuple[SectorTheta, ...]) -> tuple[SectorTheta, ...]:
    """At a decoupled point, mark the thetas of each block's own fixed point.

    The couplings of one block's invariants alone span a subspace that B maps into itself
    when no coupling links the blocks; its eigenvalues are that block's own exponents.
    """
    if not is_decoupled(fp, couplings, slots, scales):
        return sectors
    parts = [s.part for s in sectors]
    for block in interacting_blocks(fp, couplings, slots, scales):
        own = {k for k, s in enumerate(slots) if s.block == block}
        keep = [p for p, c in enumerate(couplings) if all(a == 0 or k in own for k, a in enumerate(c.index))]
        sub = b_scaled[np.ix_(keep, keep)]
        for t in -np.linalg.eigvals(sub):
            free = [i for i, s in enumerate(sectors) if not parts[i]]
            best = min(free, key=lambda i: abs(sectors[i].theta - t), default=None)
            if best is not None and abs(sectors[best].theta - t) <= 1e-6 * max(1.0, abs(t)):
                parts[best] = block
    return tuple(replace(s, part=p or "coupling") for s, p in zip(sectors, parts, strict=True))


def by_sector(numeric: NumericSystem, fp: FixedPoint, ex: Exponents) -> Exponents:
    """The exponents of ``ex`` with nu and omega taken from the singlet sector.

    A flow with one block and no anisotropic invariant has only the singlet sector:
    ``ex`` comes back unchanged.

    Parameters
    ----------
    numeric
        The compiled system (its context names the blocks and invariants).
    fp
        The fixed point.
    ex
        Its exponents from :func:`rgsym.solve.exponents.compute_exponents`.

    Returns
    -------
    Exponents
        A :class:`SectorExponents` for several blocks or invariants.
    """
    slots = system_slots(numeric)
    couplings = numeric.system.couplings
    if not candidate_symmetries(couplings, slots):
        return ex
    scales = np.asarray(numeric.scales, dtype=float)
    b = numeric.jacobian(np.array(fp.values))
    b_scaled = b * scales[None, :] / scales[:, None]
    symmetries = symmetries_at(fp, couplings, slots, scales, b_scaled)
    sectors = classify(b_scaled, symmetries)
    if not any(s.kind == "swap" for s in symmetries):
        sectors = _decoupled_parts(fp, couplings, slots, scales, b_scaled, sectors)
    nu, omega = nu_omega(s.theta for s in sectors if s.is_singlet)
    crossover = tuple((s.sector, s.theta.real * nu) for s in sectors
                      if not s.is_singlet and nu is not None and kind(s.theta) == "relevant"
                      and s.theta.imag == 0)
    base = {f: getattr(ex, f) for f in ("fixed_point", "theta", "eta")}
    return SectorExponents(**base, nu=nu, omega=omega, sectors=sectors,
                           symmetries=tuple(s.name for s in symmetries), crossover=crossover)


def with_name(ex: Exponents, name: str) -> Exponents:
    """``ex`` carrying the fixed point's name (a :class:`SectorExponents` only).

    Parameters
    ----------
    ex
        Exponents.
    name
        The name from :mod:`rgsym.solve.naming`.

    Returns
    -------
    Exponents
    """
    return replace(ex, name=name) if isinstance(ex, SectorExponents) else ex
