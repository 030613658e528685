"""Lines: the rings of a Yukawa theory, resolved into boson lines and directed fermion lines.

In a Gross-Neveu-Yukawa truncation (:mod:`rgsym.gny`) the super-field is (phi_a, psi, psibar)
and the propagator G = (Gamma^(2) + R_k)^-1 of the ring words of
:func:`rgsym.diagrams.derivation.expand_ring` is a supermatrix.  At zero fermion background it is
block diagonal: the boson block G_B and the fermion blocks S = <psi psibar> = K^-1 and its
transpose.  Tracing a ring over super-indices therefore resolves every propagator into one of

* ``"B"`` -- a boson line;
* ``"F+"`` / ``"F-"`` -- a fermion line whose charge-flow arrow runs along / against the ring
  order (a psibar leg at its tail, a psi leg at its head);

and keeps a resolution only if every vertex insertion is a vertex of the truncation: a boson
vertex Gamma^(m)_(phi..phi), m >= 3 (even m only at the Z2-symmetric point of a potential
expanded around zero), or the Yukawa vertex Gamma^(3)_(phi psibar psi) = h T_a.

Statistics.  Each resolved labelled term keeps the weight (1/2)(-1)^k of its ring word, and a
closed fermion loop gets the supertrace sign :func:`~rgsym.diagrams.derivation.supertrace_sign`;
an open fermion line through the loop (external psibar and psi) has sign +1, the fermion
two-point function being the kernel K of psibar K psi.  Both arrow directions of a closed
loop are super-index terms of the trace, so the 1/2 of the Wetterich equation is used up by them
(-Tr ln K for the vacuum loop, against 1/2 Tr ln for a boson).  The classes are merged by the
graph isomorphism of :mod:`rgsym.diagrams.graphs`, with the arrows as edge data, and the
prefactor of a class is (-1)^k sigma / S with S the order of the automorphism group of the
directed, leg-labelled graph.  The signs are not put in by hand per diagram: the evaluation in
:mod:`rgsym.diagrams.fermion_loops` is compared with the Berezinian of :mod:`rgsym.fermions`.

Scope: external legs on the bosons and at most one psibar-psi pair (the flows a GNY truncation
projects: potential, boson and fermion two-point functions, Yukawa vertex).  Several external
fermion pairs need the graded product rule (:func:`~rgsym.diagrams.derivation.graded_sign`),
which is not implemented; they are refused.

References
----------
Gies, Janssen, Rechenberger, Scherer, PRD 81 (2010) 025009, arXiv:0910.0764 (the supertrace of
Yukawa systems); Pawlowski, Ann. Phys. 322 (2007) 2831, hep-th/0512261, sec. 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import networkx as nx

from rgsym.diagrams.derivation import Word, expand_ring, supertrace_sign, vertex_order
from rgsym.diagrams.graphs import (
    MAX_N_POINT,
    DiagramOptionError,
    DiagramTerm,
    FlowDiagrams,
    _fields,
    _representative_legs,
    _term_key,
    automorphisms,
    incidence_graph,
    ring_graph,
)

#: The line kinds of a resolved ring.
LINE_KINDS = ("B", "F+", "F-")


@dataclass(frozen=True)
class YukawaFields:
    """The field names of a Yukawa theory: one boson multiplet and one Dirac fermion.

    Attributes
    ----------
    boson
        The boson field (its legs sit on the radial component in evaluations).
    fermion
        The fermion field psi; its conjugate is named ``fermion + "bar"``.
    """

    boson: str
    fermion: str

    @property
    def antifermion(self) -> str:
        """The name of psibar."""
        return self.fermion + "bar"

    @property
    def names(self) -> tuple[str, str, str]:
        """The allowed leg colours: boson, psibar, psi."""
        return self.boson, self.antifermion, self.fermion


def check_fermion_legs(legs: Sequence[str], fields: YukawaFields) -> None:
    """Raise :class:`DiagramOptionError` unless the legs are bosons plus at most one psibar-psi pair."""
    bad = [x for x in legs if x not in fields.names]
    if bad:
        raise DiagramOptionError(f"--legs: {bad[0]!r} is not a field; allowed: {', '.join(fields.names)}")
    psi, psibar = legs.count(fields.fermion), legs.count(fields.antifermion)
    if psi != psibar or psi > 1:
        pair = f"{fields.antifermion},{fields.fermion}"
        raise DiagramOptionError(f"--legs: fermion legs come as one {pair} pair at most (got {psibar} "
                                 f"{fields.antifermion} and {psi} {fields.fermion}; several pairs need the "
                                 "graded product rule, not implemented)")


def derive_yukawa_diagrams(legs: Sequence[str], fields: YukawaFields, zero_field: bool = False
                           ) -> FlowDiagrams:
    """The flow of Gamma^(n) of a Yukawa theory as merged classes with resolved lines.

    Parameters
    ----------
    legs
        The colour of each external leg: the boson, psibar or psi (n = 0: the potential).
    fields
        The names of the boson and of the fermion.
    zero_field
        Drop odd boson vertices (a potential expanded around zero field; the Yukawa vertex stays).

    Returns
    -------
    FlowDiagrams
        Classes with ``lines`` set, exact prefactors (-1)^k sigma / S and multiplicities.

    Raises
    ------
    DiagramOptionError
        For more than :data:`~rgsym.diagrams.graphs.MAX_N_POINT` legs or unsupported fermion legs.

    References
    ----------
    Gies, Janssen, Rechenberger, Scherer, PRD 81 (2010) 025009, arXiv:0910.0764 (the supertrace);
    Pawlowski, Ann. Phys. 322 (2007) 2831, hep-th/0512261, sec. 3.

    Examples
    --------
    >>> d = derive_yukawa_diagrams([], YukawaFields("phi", "psi"))
    >>> [(t.trace(), str(t.prefactor), t.multiplicity) for t in d]
    [('Tr[dtR G]', '1/2', 1), ('Tr[dtR Gpsi]', '-1', 1)]
    """
    colours = tuple(legs)
    if len(colours) > MAX_N_POINT:
        raise DiagramOptionError(f"--n-point: must be an integer from 0 to {MAX_N_POINT}, got {len(colours)}")
    check_fermion_legs(colours, fields)
    expansion = expand_ring(colours)
    classes: dict[str, list[_Resolved]] = {}
    for word, coeff in expansion.words:
        ext = _fields(word, expansion.colours)
        for lines in resolutions(ext, fields, zero_field):
            weight = coeff * (supertrace_sign(True) if _closed_loop(lines) else 1)
            incidence = incidence_graph(ring_graph(ext, None, lines))
            key = nx.weisfeiler_lehman_graph_hash(incidence, node_attr="label", iterations=4)
            for cls in classes.setdefault(key, []):
                if nx.vf2pp_is_isomorphic(cls.incidence, incidence, node_label="label"):
                    cls.members.append((word, lines))
                    cls.coefficient += weight
                    break
            else:
                classes[key].append(_Resolved(incidence, [(word, lines)], weight))
    terms = [_term(cls, expansion.colours, expansion.legs) for bucket in classes.values() for cls in bucket]
    return FlowDiagrams(colours, tuple(sorted(terms, key=_resolved_key)), expansion.product_rule_terms,
                        len(expansion.words), zero_field)


def resolutions(ext: Sequence[Sequence[str]], fields: YukawaFields, zero_field: bool
                ) -> list[tuple[str, ...]]:
    """Every assignment of line kinds to the edges of a ring that keeps its vertices in the truncation.

    Edge i joins vertex i to vertex i + 1 (mod k); the last one carries d_t R_k.  The ring
    without vertices (k = 0) is a single line.
    """
    k = len(ext)
    if k == 0:
        return [("B",), ("F+",), ("F-",)]
    out: list[tuple[str, ...]] = []
    for first in LINE_KINDS:  # edge k - 1, the regulator line, fixes the in-edge of vertex 0
        _extend(ext, fields, zero_field, first, (), out)
    return sorted(out, key=lambda lines: [LINE_KINDS.index(x) for x in lines])


def _extend(ext: Sequence[Sequence[str]], fields: YukawaFields, zero_field: bool, last: str,
            done: tuple[str, ...], out: list[tuple[str, ...]]) -> None:
    """Depth-first: choose edge i = len(done) so that vertex i is allowed (edge k - 1 is ``last``)."""
    k, i = len(ext), len(done)
    if i == k - 1:
        if _allowed(ext[i], done[-1] if done else last, last, fields, zero_field):
            out.append((*done, last))
        return
    before = done[-1] if done else last
    for kind in LINE_KINDS:
        if _allowed(ext[i], before, kind, fields, zero_field):
            _extend(ext, fields, zero_field, last, (*done, kind), out)


def _allowed(ext: Sequence[str], before: str, after: str, fields: YukawaFields, zero_field: bool) -> bool:
    """Is a vertex with external legs ``ext``, in-edge ``before``, out-edge ``after`` in the truncation?"""
    bosons = list(ext).count(fields.boson) + (before == "B") + (after == "B")
    psi = list(ext).count(fields.fermion) + (before == "F+") + (after == "F-")  # arrow arrives
    psibar = list(ext).count(fields.antifermion) + (before == "F-") + (after == "F+")  # arrow leaves
    if psi == psibar == 0:
        return bosons >= 3 and not (zero_field and bosons % 2)
    return (bosons, psi, psibar) == (1, 1, 1)


def _closed_loop(lines: Sequence[str]) -> bool:
    return all(x != "B" for x in lines)


@dataclass
class _Resolved:
    """A class being accumulated (local, never returned)."""

    incidence: nx.Graph
    members: list[tuple[Word, tuple[str, ...]]]
    coefficient: Fraction


def reverse(word: Word, lines: tuple[str, ...]) -> tuple[Word, tuple[str, ...]]:
    """The same ring read the other way round from the regulator line (arrows kept in space)."""
    flip = {"B": "B", "F+": "F-", "F-": "F+"}
    k = len(word)
    if k == 0:
        return word, (flip[lines[0]],)
    new = tuple(flip[lines[k - 2 - j]] for j in range(k - 1)) + (flip[lines[k - 1]],)
    return word[::-1], new


def _term(cls: _Resolved, colours: tuple[str, ...], legs: tuple[str, ...]) -> DiagramTerm:
    orientations = [o for member in cls.members for o in (member, reverse(*member))]
    word, lines = min(orientations, key=_orientation_key)
    ext = _fields(word, colours)
    labels = _representative_legs(ext, legs)
    symmetry = automorphisms(ring_graph(ext, labels, lines), search=True)
    sign = supertrace_sign(True) if _closed_loop(lines) else 1
    prefactor = Fraction((-1) ** len(word) * sign, symmetry)
    multiplicity = cls.coefficient / prefactor
    if multiplicity.denominator != 1 or multiplicity <= 0:
        raise ArithmeticError(f"class {word} {lines} has coefficient {cls.coefficient} not a multiple "
                              f"of {prefactor}")
    return DiagramTerm(ext, labels, prefactor, int(multiplicity), symmetry, len(cls.members), lines)


def _orientation_key(item: tuple[Word, tuple[str, ...]]) -> tuple[object, ...]:
    word, lines = item
    return tuple((-vertex_order(v), tuple(-c for c in v)) for v in word), lines


def _resolved_key(term: DiagramTerm) -> tuple[object, ...]:
    """Boson loops before fermion lines, then as the scalar classes."""
    return (sum(x != "B" for x in term.lines), _term_key(term), term.lines)


__all__ = ["LINE_KINDS", "YukawaFields", "check_fermion_legs", "derive_yukawa_diagrams", "resolutions",
           "reverse"]
