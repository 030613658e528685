"""Graphs: the ring words as networkx graphs, merged through a canonical form.

Each term of d_t Gamma^(n) is a :class:`networkx.MultiGraph`:

* nodes ``0 .. k-1`` are the vertex insertions Gamma^(m), with the attributes
  ``order`` (m), ``fields`` (the colour of each external leg) and ``legs`` (the
  external-leg labels 1..n of a representative assignment);
* edges are propagators; edge ``i`` joins node ``i`` to node ``i + 1`` (mod k) and
  the last one, with ``regulator=True``, is the line G d_t R_k G that carries the
  regulator insertion.  For k = 1 it is a self-loop, for k = 2 a parallel edge;
* the edge attribute ``statistics`` is ``"boson"`` or ``"fermion"``; a fermion line
  also has ``tail``, the node its charge-flow arrow leaves (a psibar leg there, a psi
  leg at the other end).  Scalar theories have boson lines only; the lines of a
  Yukawa theory are resolved in :mod:`rgsym.diagrams.lines`.

Two terms are the same diagram when their graphs are isomorphic with orders,
leg colours and the regulator mark respected.  The test runs on a half-edge
incidence graph (every propagator becomes two half-edge nodes joined to each
other and to their end vertices), so that flipping a self-loop or a regulator
line is an automorphism too.  Terms are bucketed by a Weisfeiler-Lehman hash of
that graph and each bucket is resolved by an isomorphism check.

The symmetry factor S of a term is the order of the automorphism group of its
graph with all external legs labelled (2 for the tadpole, 1 otherwise); the
prefactor of each labelled term is (-1)^k / S, and the multiplicity counts the
labelled terms (leg assignments) the class stands for, so that

    prefactor * multiplicity = sum of the product-rule coefficients of the class.

References
----------
Weisfeiler, Lehman, Nauchno-Tech. Inf. 2 (1968) 12; Shervashidze et al., JMLR 12
(2011) 2539 (the WL graph hash).  Pawlowski, Ann. Phys. 322 (2007) 2831,
hep-th/0512261 (vertex expansion of the flow).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import networkx as nx

from rgsym.diagrams.derivation import RingExpansion, Vertex, Word, expand_ring, vertex_order
from rgsym.errors import RGSymError

#: Largest n for which the merged graphs are built (2^(n-1) ring words, ~1 s at n = 12).
MAX_N_POINT = 12


class DiagramOptionError(RGSymError):
    """A diagram request names an impossible n-point function or output format."""

    exit_code = 2


@dataclass(frozen=True)
class DiagramTerm:
    """One class of identical one-loop terms of d_t Gamma^(n).

    Attributes
    ----------
    fields
        Per vertex (in ring order after d_t R_k), the colours of its external legs.
    legs
        Per vertex, the labels (1..n) of its external legs in a representative assignment.
    prefactor
        Exact rational (-1)^k / symmetry_factor of one labelled term.
    multiplicity
        How many labelled terms (leg assignments) the class stands for.
    symmetry_factor
        Order of the automorphism group of the labelled graph.
    words
        How many ring words (before reflections were merged) the class contains.
    lines
        Per edge (edge i after vertex i, the last one regulated): ``"B"`` a boson line,
        ``"F+"`` / ``"F-"`` a fermion line whose charge flows along / against the ring
        order.  Empty: every line is a boson (scalar theories).
    """

    fields: tuple[tuple[str, ...], ...]
    legs: tuple[tuple[int, ...], ...]
    prefactor: Fraction
    multiplicity: int
    symmetry_factor: int
    words: int = field(default=1, compare=False)
    lines: tuple[str, ...] = ()

    @property
    def fermion_loop(self) -> bool:
        """Whether every line is a fermion line: a closed fermion loop (sign -1 of the supertrace)."""
        return bool(self.lines) and all(x != "B" for x in self.lines)

    @property
    def orders(self) -> tuple[int, ...]:
        """m_i of the insertions Gamma^(m_i) around the ring."""
        return tuple(len(f) + 2 for f in self.fields)

    @property
    def loop_length(self) -> int:
        """k, the number of vertex insertions (and of edges)."""
        return len(self.fields)

    @property
    def propagators(self) -> int:
        """Propagators G in the trace: k + 1 (the regulator line counts two)."""
        return len(self.fields) + 1

    @property
    def coefficient(self) -> Fraction:
        """prefactor * multiplicity: the weight of the class when all its legs are alike."""
        return self.prefactor * self.multiplicity

    @property
    def content(self) -> tuple[int, ...]:
        """The vertex content: the orders, largest first."""
        return tuple(sorted(self.orders, reverse=True))

    def graph(self) -> nx.MultiGraph:
        """The term as a networkx MultiGraph (see the module docstring)."""
        return ring_graph(self.fields, self.legs, self.lines or None)

    def trace(self) -> str:
        """The term as a trace, e.g. ``Tr[dtR G G3(1) G G3(2) G]``.

        With resolved lines a boson propagator is ``G`` and a fermion propagator ``Gpsi``
        (= <psi psibar>), e.g. ``Tr[dtR Gpsi G3(1) Gpsi G3(2) Gpsi]`` for a fermion loop.
        """
        parts = [f"G{len(f) + 2}({','.join(map(str, legs))})" for f, legs in zip(self.fields, self.legs,
                                                                                   strict=True)]
        if not self.lines:
            return "Tr[dtR G " + " G ".join(parts) + " G]"
        props = ["G" if x == "B" else "Gpsi" for x in self.lines]
        if not parts:
            return f"Tr[dtR {props[-1]}]"
        inner = " ".join(f"{v} {p}" for v, p in zip(parts, props, strict=False))
        return f"Tr[dtR {props[-1]} {inner}]"

    def __repr__(self) -> str:
        return f"DiagramTerm({self.prefactor} x {self.multiplicity}: {self.trace()})"


@dataclass(frozen=True)
class FlowDiagrams:
    """d_t Gamma^(n) as merged one-loop diagrams.

    Attributes
    ----------
    legs
        The colour (field) of each external leg.
    terms
        The diagram classes in a deterministic order (loop length, then content).
    product_rule_terms
        Labelled terms the product rule produces before any merging.
    ring_words
        Distinct ring words before reflections were merged.
    even_vertices
        Whether odd vertices were dropped (Z2-symmetric phase).
    """

    legs: tuple[str, ...]
    terms: tuple[DiagramTerm, ...]
    product_rule_terms: int
    ring_words: int
    even_vertices: bool = False

    @property
    def n(self) -> int:
        """Number of external legs, i.e. the order n of the vertex Gamma^(n) being flowed.

        Returns
        -------
        int
        """
        return len(self.legs)

    def __iter__(self) -> Iterator[DiagramTerm]:
        return iter(self.terms)

    def _repr_svg_(self) -> str:
        """The diagrams as a picture in Jupyter (:func:`rgsym.diagrams.svg.render_svg`)."""
        from rgsym.diagrams.svg import render_svg

        return render_svg(self)

    def __len__(self) -> int:
        return len(self.terms)

    def __repr__(self) -> str:
        phase = ", even vertices only" if self.even_vertices else ""
        return (f"FlowDiagrams(n={self.n}{phase}: {len(self.terms)} classes from {self.ring_words} ring "
                f"words, {self.product_rule_terms} product-rule terms)")


def derive_flow_diagrams(legs: int | Sequence[str], even_vertices: bool = False,
                         field_name: str = "phi", merge: str = "graph") -> FlowDiagrams:
    """The flow of Gamma^(n) as merged diagram classes.

    Parameters
    ----------
    legs
        n (all legs of one field ``field_name``) or the field of each external leg.
    even_vertices
        Drop every term with an odd vertex (Z2-symmetric phase).
    field_name
        The field of the legs when ``legs`` is a number.
    merge
        ``"graph"``: Weisfeiler-Lehman hash and isomorphism check (n <= :data:`MAX_N_POINT`);
        ``"word"``: the one-loop canonical form, a ring word or its reverse, which the
        tests check against ``"graph"`` (any n, used by the vertex truncation).

    Raises
    ------
    DiagramOptionError
        If n is below 1 or, for ``merge="graph"``, above :data:`MAX_N_POINT`.

    Returns
    -------
    FlowDiagrams
        The classes with exact prefactors (-1)^k / S and multiplicities.

    References
    ----------
    Wetterich, Phys. Lett. B301 (1993) 90, arXiv:1710.05815; Pawlowski, Ann. Phys. 322 (2007)
    2831, hep-th/0512261, sec. 3 (the flows of n-point functions).

    Examples
    --------
    >>> [(t.orders, str(t.prefactor), t.multiplicity) for t in derive_flow_diagrams(2)]
    [((4,), '-1/2', 1), ((3, 3), '1', 1)]
    """
    colours = (field_name,) * legs if isinstance(legs, int) else tuple(legs)
    if merge not in ("graph", "word"):
        raise ValueError(f"merge must be 'graph' or 'word', got {merge!r}")
    check_n_point(len(colours), MAX_N_POINT if merge == "graph" else None)
    expansion = expand_ring(colours, even_vertices=even_vertices)
    terms = merge_ring_graphs(expansion) if merge == "graph" else merge_ring_words(expansion)
    return FlowDiagrams(colours, terms, expansion.product_rule_terms, len(expansion.words), even_vertices)


def check_n_point(n: object, limit: int | None = MAX_N_POINT) -> None:
    """Raise :class:`DiagramOptionError` unless n is an integer in 1 .. ``limit``."""
    top = f"{limit}" if limit is not None else "any size"
    if isinstance(n, bool) or not isinstance(n, int) or n < 1 or (limit is not None and n > limit):
        raise DiagramOptionError(f"--n-point: must be an integer from 1 to {top}, got {n!r}")


def merge_ring_words(expansion: RingExpansion) -> tuple[DiagramTerm, ...]:
    """Merge a word with its reverse: the canonical form of a one-loop ring.

    The regulator line is unique, so an isomorphism of two rings either keeps or
    reverses the direction around the loop; :func:`merge_ring_graphs` reaches the
    same classes through networkx.
    """
    classes: dict[Word, _Class] = {}
    for word, coeff in expansion.words:
        key = min(word, word[::-1])
        if key in classes:
            classes[key].words.append(word)
            classes[key].coefficient += coeff
        else:
            classes[key] = _Class(nx.Graph(), [word], coeff)
    terms = [_term(cls, expansion) for cls in classes.values()]
    return tuple(sorted(terms, key=_term_key))


def merge_ring_graphs(expansion: RingExpansion) -> tuple[DiagramTerm, ...]:
    """Merge the words of an expansion into classes of isomorphic graphs.

    Words are bucketed by the Weisfeiler-Lehman hash of their half-edge graph and
    each bucket is split by an isomorphism check, in the (sorted) order of the words.
    """
    buckets: dict[str, list[_Class]] = {}
    for word, coeff in expansion.words:
        fields = _fields(word, expansion.colours)
        incidence = incidence_graph(ring_graph(fields))
        key = nx.weisfeiler_lehman_graph_hash(incidence, node_attr="label", iterations=4)
        for cls in buckets.setdefault(key, []):
            if nx.vf2pp_is_isomorphic(cls.incidence, incidence, node_label="label"):
                cls.words.append(word)
                cls.coefficient += coeff
                break
        else:
            buckets[key].append(_Class(incidence, [word], coeff))
    terms = [_term(cls, expansion) for bucket in buckets.values() for cls in bucket]
    return tuple(sorted(terms, key=_term_key))


@dataclass
class _Class:
    """A class being accumulated during :func:`merge_ring_graphs` (local, never returned)."""

    incidence: nx.Graph
    words: list[Word]
    coefficient: Fraction


def _term(cls: _Class, expansion: RingExpansion) -> DiagramTerm:
    orientations = [w for word in cls.words for w in (word, word[::-1])]
    word = min(orientations, key=_orientation_key)
    fields = _fields(word, expansion.colours)
    legs = _representative_legs(fields, expansion.legs)
    symmetry = automorphisms(ring_graph(fields, legs))
    prefactor = Fraction((-1) ** len(word), symmetry)
    multiplicity = cls.coefficient / prefactor
    if multiplicity.denominator != 1 or multiplicity <= 0:
        raise ArithmeticError(f"class {word} has coefficient {cls.coefficient} not a multiple of {prefactor}")
    return DiagramTerm(fields, legs, prefactor, int(multiplicity), symmetry, len(cls.words))


def _orientation_key(word: Word) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """Largest vertices first, so G4 G3 G3 is shown rather than G3 G3 G4."""
    return tuple((-vertex_order(v), tuple(-c for c in v)) for v in word)


def _term_key(term: DiagramTerm) -> tuple[object, ...]:
    return (term.loop_length, tuple(-m for m in term.orders), term.fields, term.legs)


def _fields(word: Word, colours: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(c for c, k in zip(colours, v, strict=True) for _ in range(k)) for v in word)


def _representative_legs(fields: tuple[tuple[str, ...], ...], legs: tuple[str, ...]
                         ) -> tuple[tuple[int, ...], ...]:
    """Give every external leg its label 1..n, the first unused leg of its colour along the ring."""
    free = {c: [i + 1 for i, leg in enumerate(legs) if leg == c] for c in sorted(set(legs))}
    return tuple(tuple(free[c].pop(0) for c in vertex) for vertex in fields)


def ring_graph(fields: Sequence[Sequence[str]], legs: Sequence[Sequence[int]] | None = None,
               lines: Sequence[str] | None = None) -> nx.MultiGraph:
    """The ring with the given vertex insertions; the last edge carries d_t R_k.

    ``lines`` gives the statistics of every edge (see :class:`DiagramTerm`); by default
    all are boson lines.  A ring without vertices (the flow of the potential) is one
    node-free loop, kept in the graph attribute ``vacuum``.

    Examples
    --------
    >>> g = ring_graph([("phi", "phi")])
    >>> sorted(g.edges(keys=True, data="regulator"))
    [(0, 0, 0, True)]
    """
    k = len(fields)
    kinds = tuple(lines) if lines is not None else ("B",) * max(k, 1)
    g = nx.MultiGraph(loops=1)
    if k == 0:
        g.graph["vacuum"] = kinds[0]
    for i, f in enumerate(fields):
        g.add_node(i, order=len(f) + 2, fields=tuple(f), legs=tuple(legs[i]) if legs is not None else ())
    for i in range(k):
        attrs: dict[str, object] = {"regulator": i == k - 1, "statistics": "boson"}
        if kinds[i] != "B":
            attrs.update(statistics="fermion", tail=i if kinds[i] == "F+" else (i + 1) % k)
        g.add_edge(i, (i + 1) % k, key=i, **attrs)
    return g


def incidence_graph(g: nx.MultiGraph) -> nx.Graph:
    """The half-edge graph used for hashing, isomorphism and automorphisms.

    A fermion line's half-edges are told apart by the arrow (``>`` at its tail, ``<`` at
    its head), so that only arrow-preserving maps are isomorphisms.
    """
    h = nx.Graph()
    for v, data in g.nodes(data=True):
        h.add_node(("v", v), label=incidence_label(data))
    if "vacuum" in g.graph:  # the vertex-free loop: one line, its two half-edges
        fermion = g.graph["vacuum"] != "B"
        h.add_node(("h", 0, 0), label="dtR>" if fermion else "dtR")
        h.add_node(("h", 0, 1), label="dtR<" if fermion else "dtR")
        h.add_edge(("h", 0, 0), ("h", 0, 1))
    for u, v, key, data in g.edges(keys=True, data=True):
        kind = "dtR" if data["regulator"] else "G"
        a, b = ("h", key, 0), ("h", key, 1)
        if data.get("statistics", "boson") == "fermion":
            tail = data["tail"]
            if u != tail:
                u, v = v, u
            la, lb = kind + ">", kind + "<"
        else:
            la = lb = kind
        h.add_node(a, label=la)
        h.add_node(b, label=lb)
        h.add_edge(a, b)
        h.add_edge(("v", u), a)
        h.add_edge(("v", v), b)
    return h


def incidence_label(data: dict[str, object]) -> str:
    """The label of a vertex insertion: its order, leg colours and leg labels."""
    fields = ",".join(map(str, data["fields"]))  # type: ignore[call-overload]
    legs = ",".join(map(str, data["legs"]))  # type: ignore[call-overload]
    return f"V{data['order']}|{fields}|{legs}"


def automorphisms(g: nx.MultiGraph, search: bool = False) -> int:
    """Order of the automorphism group of a term graph (on its half-edge graph).

    When every vertex insertion has its own label (labelled legs) an automorphism
    fixes the vertices and can only permute parallel propagators of the same kind
    and flip self-loops, which is counted directly; otherwise, or with ``search``,
    the automorphisms are enumerated with VF2++.
    """
    labels = [incidence_label(data) for _, data in g.nodes(data=True)]
    if search or len(set(labels)) != len(labels):
        h = incidence_graph(g)
        return sum(1 for _ in nx.vf2pp_all_isomorphisms(h, h, node_label="label"))
    bundles: dict[tuple[int, int, bool, int], int] = {}
    for u, v, data in g.edges(data=True):
        tail = int(data["tail"]) if data.get("statistics", "boson") == "fermion" else -1
        key = (min(u, v), max(u, v), bool(data["regulator"]), tail)
        bundles[key] = bundles.get(key, 0) + 1
    order = 1
    for (u, v, _, tail), count in sorted(bundles.items()):  # a fermion self-loop cannot be flipped
        order *= math.factorial(count) * (2**count if u == v and tail < 0 else 1)
    return order


def vertex_classes(diagrams: FlowDiagrams) -> dict[tuple[int, ...], list[DiagramTerm]]:
    """The terms grouped by vertex content (orders, largest first), in a deterministic order."""
    out: dict[tuple[int, ...], list[DiagramTerm]] = {}
    for term in diagrams.terms:
        out.setdefault(term.content, []).append(term)
    return dict(sorted(out.items(), key=lambda kv: (len(kv[0]), tuple(-m for m in kv[0]))))


__all__ = ["MAX_N_POINT", "DiagramOptionError", "DiagramTerm", "FlowDiagrams", "Vertex",
           "automorphisms", "check_n_point", "derive_flow_diagrams", "incidence_graph",
           "merge_ring_graphs", "merge_ring_words", "ring_graph", "vertex_classes"]
