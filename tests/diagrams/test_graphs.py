"""Term graphs: exact prefactors, topology classes, canonical merging and symmetry factors."""

from __future__ import annotations

import math
from fractions import Fraction

import networkx as nx
import pytest

from rgsym.diagrams import DiagramOptionError, derive_flow_diagrams, vertex_classes
from rgsym.diagrams.derivation import expand_ring
from rgsym.diagrams.graphs import automorphisms, incidence_graph, ring_graph

FUBINI = {1: 1, 2: 3, 3: 13, 4: 75, 5: 541, 6: 4683, 7: 47293, 8: 545835}


def _table(n: int, even: bool = False) -> list[tuple[tuple[int, ...], Fraction, int]]:
    return [(t.orders, t.prefactor, t.multiplicity) for t in derive_flow_diagrams(n, even_vertices=even)]


def test_two_point_prefactors() -> None:
    # -1/2 x tadpole with Gamma^(4) + 1 x loop with two Gamma^(3)
    assert _table(2) == [((4,), Fraction(-1, 2), 1), ((3, 3), Fraction(1), 1)]


def test_four_point_prefactors() -> None:
    # d^4/dphi^4 of T_1(w(phi)) with T_c' = -c T_(c+1): -T2 w'''' + 8 T3 w' w''' + 6 T3 w''^2
    # - 36 T4 w'^2 w'' + 24 T5 w'^4; a class contributes 2 x prefactor x multiplicity x T_(k+1).
    assert _table(4) == [
        ((6,), Fraction(-1, 2), 1),
        ((5, 3), Fraction(1), 4),
        ((4, 4), Fraction(1), 3),
        ((4, 3, 3), Fraction(-1), 12),  # dtR between a Gamma^(3) and the Gamma^(4)
        ((3, 4, 3), Fraction(-1), 6),   # dtR between the two Gamma^(3)
        ((3, 3, 3, 3), Fraction(1), 12),
    ]


def test_four_point_vertex_content() -> None:
    broken = vertex_classes(derive_flow_diagrams(4))
    assert list(broken) == [(6,), (5, 3), (4, 4), (4, 3, 3), (3, 3, 3, 3)]
    symmetric = vertex_classes(derive_flow_diagrams(4, even_vertices=True))
    assert list(symmetric) == [(6,), (4, 4)]
    assert _table(4, even=True) == [((6,), Fraction(-1, 2), 1), ((4, 4), Fraction(1), 3)]


@pytest.mark.parametrize("n", range(1, 9))
def test_class_counts(n: int) -> None:
    """Compositions of n up to reversal: (2^(n-1) + palindromes 2^floor(n/2)) / 2."""
    d = derive_flow_diagrams(n)
    assert d.ring_words == 2 ** (n - 1)
    assert len(d) == (2 ** (n - 1) + 2 ** (n // 2)) // 2
    assert d.product_rule_terms == FUBINI[n]
    # every labelled term weighs 1/2, so the classes carry FUBINI / 2 in absolute value
    assert sum(abs(t.coefficient) for t in d) == Fraction(FUBINI[n], 2)


@pytest.mark.parametrize("n", range(1, 8))
def test_multiplicity_from_automorphisms(n: int) -> None:
    """Orbit-stabiliser: multiplicity = n!/prod s_i! x |Aut(labelled)| / |Aut(unlabelled)|."""
    for term in derive_flow_diagrams(n):
        unlabelled = ring_graph(term.fields)
        count = math.factorial(n) // math.prod(math.factorial(len(f)) for f in term.fields)
        expected = Fraction(count * term.symmetry_factor, automorphisms(unlabelled, search=True))
        assert term.multiplicity == expected
        assert term.prefactor == Fraction((-1) ** term.loop_length, term.symmetry_factor)


def test_symmetry_factors() -> None:
    tadpole, bubble = derive_flow_diagrams(2)
    assert (tadpole.symmetry_factor, bubble.symmetry_factor) == (2, 1)
    for term in derive_flow_diagrams(5):
        assert automorphisms(term.graph()) == automorphisms(term.graph(), search=True)
    # without leg labels the bubble can be reflected: swap the vertices and flip both lines
    assert automorphisms(ring_graph([("phi",), ("phi",)])) == 2


@pytest.mark.parametrize("legs", [5, 8, ["phi", "chi", "phi", "chi", "chi"], ["a", "b", "c", "d"]])
def test_graph_merge_equals_ring_canonical_form(legs: int | list[str]) -> None:
    by_graph = derive_flow_diagrams(legs)
    by_word = derive_flow_diagrams(legs, merge="word")
    assert by_graph.terms == by_word.terms


def test_reversed_ring_is_isomorphic_but_moving_the_regulator_is_not() -> None:
    def inc(fields: list[tuple[str, ...]]) -> nx.Graph:
        return incidence_graph(ring_graph(fields))

    a, b, c = ("phi", "phi"), ("phi",), ("phi",)
    match = {"node_label": "label"}
    assert nx.vf2pp_is_isomorphic(inc([a, b, c]), inc([c, b, a]), **match)
    assert not nx.vf2pp_is_isomorphic(inc([a, b, c]), inc([b, a, c]), **match)


def test_term_graph_attributes() -> None:
    for term in derive_flow_diagrams(4):
        g = term.graph()
        assert isinstance(g, nx.MultiGraph)
        assert g.number_of_nodes() == g.number_of_edges() == term.loop_length
        assert sum(1 for *_, r in g.edges(data="regulator") if r) == 1
        assert [g.nodes[v]["order"] for v in sorted(g)] == list(term.orders)
        assert sorted(a for v in g for a in g.nodes[v]["legs"]) == [1, 2, 3, 4]
    tadpole = derive_flow_diagrams(2).terms[0].graph()
    assert nx.number_of_selfloops(tadpole) == 1


def test_several_fields_split_classes() -> None:
    d = derive_flow_diagrams(["phi", "phi", "chi", "chi"])
    four = [t for t in d if t.orders == (4, 4)]
    assert sorted((t.fields, t.multiplicity) for t in four) == [
        ((("phi", "chi"), ("phi", "chi")), 2), ((("phi", "phi"), ("chi", "chi")), 1)]
    # the split classes add up to the one-field class
    assert sum(t.multiplicity for t in four) == 3
    assert d.product_rule_terms == FUBINI[4]


@pytest.mark.parametrize("bad", [0, 13, -1])
def test_bad_n(bad: int) -> None:
    with pytest.raises(DiagramOptionError, match="--n-point"):
        derive_flow_diagrams(bad)


def test_word_merge_reaches_high_n() -> None:
    d = derive_flow_diagrams(16, even_vertices=True, merge="word")
    assert len(d) == (2**7 + 2**4) // 2  # compositions of 8 (pairs of legs) up to reversal
    assert len(expand_ring(["phi"] * 16, even_vertices=True).words) == 2**7
