"""The derivative rules: exact coefficients, counts, colours, the Z2 pruning and the Grassmann hook."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from rgsym.diagrams.derivation import expand_ring, graded_sign, supertrace_sign
from rgsym.errors import UnsupportedError

#: Ordered Bell (Fubini) numbers, OEIS A000670: ordered set partitions of n legs.
FUBINI = {1: 1, 2: 3, 3: 13, 4: 75, 5: 541, 6: 4683, 7: 47293, 8: 545835, 9: 7087261, 10: 102247563}


def test_two_point_function_from_two_derivatives() -> None:
    # d_t Gamma^(2) = -1/2 Tr[dtR G Gamma^(4) G] + 1/2 (Tr[.. G3_1 G G3_2 ..] + Tr[.. G3_2 G G3_1 ..])
    words = dict(expand_ring(["phi", "phi"]).words)
    assert words == {((2,),): Fraction(-1, 2), ((1,), (1,)): Fraction(1)}


@pytest.mark.parametrize("n", sorted(FUBINI))
def test_product_rule_term_count_is_fubini(n: int) -> None:
    assert expand_ring(["phi"] * n).product_rule_terms == FUBINI[n]


@pytest.mark.parametrize("n", range(1, 10))
def test_coefficient_counts_ordered_set_partitions(n: int) -> None:
    """Each word (s_1..s_k) stands for n!/prod s_i! labelled terms of weight (-1)^k / 2."""
    expansion = expand_ring(["phi"] * n)
    assert len(expansion.words) == 2 ** (n - 1)  # one per composition of n
    for word, coeff in expansion.words:
        sizes = [v[0] for v in word]
        count = math.factorial(n) // math.prod(math.factorial(s) for s in sizes)
        assert coeff == Fraction((-1) ** len(word) * count, 2)


@pytest.mark.parametrize("n", range(1, 7))
def test_labelled_legs_give_each_term_once(n: int) -> None:
    expansion = expand_ring([str(a) for a in range(1, n + 1)])
    assert len(expansion.words) == FUBINI[n]
    assert {abs(c) for _, c in expansion.words} == {Fraction(1, 2)}


def test_colours_are_labelled_terms_summed() -> None:
    """Forgetting the labels of a labelled expansion gives the coloured one."""
    fields = ["phi", "chi", "phi", "chi", "chi"]
    labelled = expand_ring([str(a) for a in range(1, 6)])
    summed: dict[tuple[tuple[int, ...], ...], Fraction] = {}
    colours = ("phi", "chi")
    for word, coeff in labelled.words:
        coloured = tuple(tuple(sum(1 for a, x in enumerate(v) if x and fields[a] == c) for c in colours)
                         for v in word)
        summed[coloured] = summed.get(coloured, Fraction(0)) + coeff
    assert dict(expand_ring(fields).words) == summed


def test_bosonic_derivatives_commute() -> None:
    def as_fields(legs: list[str]) -> set[tuple[tuple[tuple[str, ...], ...], Fraction]]:
        e = expand_ring(legs)
        return {(tuple(tuple(sorted(c for c, k in zip(e.colours, v, strict=True) for _ in range(k)))
                       for v in w), c) for w, c in e.words}

    assert as_fields(["phi", "chi", "phi"]) == as_fields(["chi", "phi", "phi"])


@pytest.mark.parametrize("n", range(1, 11))
def test_even_vertex_pruning_is_exact(n: int) -> None:
    full = {w: c for w, c in expand_ring(["phi"] * n).words if all(sum(v) % 2 == 0 for v in w)}
    assert dict(expand_ring(["phi"] * n, even_vertices=True).words) == full


def test_grassmann_hook() -> None:
    assert graded_sign(((1,),), 0, grassmann=False) == 1
    with pytest.raises(UnsupportedError, match="Grassmann"):
        expand_ring(["psi", "psi"], grassmann=["psi"])
    assert supertrace_sign(False) == 1
    assert supertrace_sign(True) == -1
