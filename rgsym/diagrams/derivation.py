"""Derivation: n functional derivatives of the Wetterich equation, as ring words.

The Wetterich equation (Wetterich, Phys. Lett. B301 (1993) 90, arXiv:1710.05815)

    d_t Gamma_k = 1/2 STr[G d_t R_k],        G = (Gamma^(2) + R_k)^-1,

is differentiated with two rules only,

    delta G / delta phi_a        = -G Gamma^(3)_a G,
    delta Gamma^(m) / delta phi_a = Gamma^(m+1)_{..., a},

so that every term of d_t Gamma^(n) is a one-loop ring

    1/2 (-1)^k Tr[d_t R_k G V_1 G V_2 ... G V_k G],     V_i = Gamma^(m_i), m_i >= 3,

with k vertex insertions carrying the n external legs and k + 1 propagators
(Pawlowski, Ann. Phys. 322 (2007) 2831, hep-th/0512261, sec. 3; Berges,
Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122, sec. 2.3).

A *word* lists the vertices in the order they are met after d_t R_k.  A vertex
is stored as its number of external legs of each colour (a field name, or a
leg label when every leg is to be told apart).  Legs of the same colour are
interchangeable, so the product rule is applied to colour counts: the integer
coefficient of a word counts the labelled terms (ordered set partitions of the
legs) it stands for, and the number of product-rule terms is the ordered Bell
(Fubini) number without being materialised.

Grassmann fields: every derivative passes through :func:`graded_sign` and every
closed loop through :func:`supertrace_sign`.  Both return +1 for bosons.  The
words of a Yukawa theory (bosons and at most one external psibar-psi pair) are
resolved into boson and directed fermion lines in :mod:`rgsym.diagrams.lines`,
which applies :func:`supertrace_sign` per closed fermion loop; the graded sign of
several external fermion pairs is still to be written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from rgsym.errors import UnsupportedError

#: Leg counts of one vertex insertion, one entry per colour.
Vertex = tuple[int, ...]
#: The vertex insertions of a ring in the order met after the regulator insertion.
Word = tuple[Vertex, ...]


@dataclass(frozen=True)
class RingExpansion:
    """The flow of Gamma^(n) as a sum of ring words (before merging reflections).

    Attributes
    ----------
    colours
        The distinct colours of the external legs, in order of first appearance;
        vertex counts refer to them.
    legs
        The colour of each external leg, in the order the derivatives were taken.
    words
        (word, coefficient) pairs; the coefficient is exact and contains the 1/2 of
        the Wetterich equation and the sign (-1)^k of the resolvent expansion.
    """

    colours: tuple[str, ...]
    legs: tuple[str, ...]
    words: tuple[tuple[Word, Fraction], ...]

    @property
    def n(self) -> int:
        """Number of external legs, i.e. the order n of the vertex Gamma^(n) being flowed.

        Returns
        -------
        int
        """
        return len(self.legs)

    @property
    def product_rule_terms(self) -> int:
        """How many labelled terms the product rule produces (each has weight 1/2)."""
        return int(sum(2 * abs(c) for _, c in self.words))

    def __repr__(self) -> str:
        return (f"RingExpansion(n={self.n}, legs={list(self.legs)}, {len(self.words)} words, "
                f"{self.product_rule_terms} product-rule terms)")


def graded_sign(word: Word, position: int, grassmann: bool) -> int:
    """Sign of a derivative that reaches slot ``position`` of ``word`` (the Grassmann hook).

    For a bosonic leg the sign is +1.  For a Grassmann leg the derivative must be
    moved past the Grassmann-odd legs standing before the slot (graded Leibniz
    rule); that bookkeeping, together with :func:`supertrace_sign`, is what
    fermions need.  It is not implemented yet.

    Raises
    ------
    UnsupportedError
        For a Grassmann leg.
    """
    if not grassmann:
        return 1
    raise UnsupportedError("", "theory.fields",
                           "Grassmann (fermion) legs are not implemented yet in the vertex expansion")


def supertrace_sign(fermion_loop: bool) -> int:
    """The supertrace sign of a closed loop: +1 for bosons, -1 for a fermion loop.

    References
    ----------
    Gies, Lect. Notes Phys. 852 (2012) 287, hep-ph/0611146 (the supertrace).
    """
    return -1 if fermion_loop else 1


def expand_ring(legs: Sequence[str], grassmann: Sequence[str] = (), even_vertices: bool = False
                ) -> RingExpansion:
    """Take one functional derivative of the Wetterich equation per leg.

    Parameters
    ----------
    legs
        The colour (field name or label) of each external leg.
    grassmann
        Colours of Grassmann fields (routed through :func:`graded_sign`).
    even_vertices
        Keep only words whose vertices all have an even order (the Z2-symmetric
        phase, where Gamma^(odd) = 0).  A word with more odd vertices than legs
        still to come can never become even, so it is dropped as soon as it
        appears; the surviving coefficients are exact.

    Returns
    -------
    RingExpansion
        The ring words with exact coefficients, sorted by the number of vertices,
        then by the word.

    References
    ----------
    Wetterich, Phys. Lett. B301 (1993) 90, arXiv:1710.05815; Pawlowski, Ann. Phys. 322 (2007)
    2831, hep-th/0512261, sec. 3.

    Examples
    --------
    >>> for word, coefficient in expand_ring(["phi", "phi"]).words:
    ...     print(word, coefficient)
    ((2,),) -1/2
    ((1,), (1,)) 1
    """
    colours = tuple(dict.fromkeys(legs))
    indices = tuple(colours.index(c) for c in legs)
    odd = frozenset(colours.index(c) for c in grassmann if c in colours)
    doubled = _derivatives(len(colours), indices, odd, len(indices) if even_vertices else -1)
    words = tuple((w, Fraction(c, 2)) for w, c in sorted(doubled, key=_word_key))
    return RingExpansion(colours, tuple(legs), words)


def _word_key(item: tuple[Word, int]) -> tuple[int, Word]:
    return len(item[0]), item[0]


@cache
def _derivatives(ncolours: int, indices: tuple[int, ...], odd: frozenset[int], total: int
                 ) -> tuple[tuple[Word, int], ...]:
    """Twice the coefficients after the derivatives ``indices`` (cached on the prefix).

    ``total`` >= 0 asks for even vertices at ``total`` legs (see :func:`expand_ring`).
    """
    if not indices:
        return (((), 1),)  # 1/2 Tr[d_t R G]: no vertex, one propagator
    previous = _derivatives(ncolours, indices[:-1], odd, total)
    out = _differentiate(dict(previous), indices[-1], ncolours, indices[-1] in odd)
    if total >= 0:
        still = total - len(indices)
        out = {w: c for w, c in out.items() if sum(sum(v) % 2 for v in w) <= still}
    return tuple(out.items())


def _differentiate(terms: dict[Word, int], colour: int, ncolours: int, grassmann: bool
                   ) -> dict[Word, int]:
    """One derivative of every word: on each of the k + 1 propagators and on each vertex."""
    new_vertex = tuple(1 if j == colour else 0 for j in range(ncolours))
    out: dict[Word, int] = {}
    for word, coeff in terms.items():
        k = len(word)
        for gap in range(k + 1):  # delta G = -G Gamma^(3) G
            sign = -graded_sign(word, gap, grassmann)
            new = word[:gap] + (new_vertex,) + word[gap:]
            out[new] = out.get(new, 0) + sign * coeff
        for i, v in enumerate(word):  # delta Gamma^(m) = Gamma^(m+1)
            sign = graded_sign(word, i, grassmann)
            bumped = v[:colour] + (v[colour] + 1,) + v[colour + 1:]
            new = word[:i] + (bumped,) + word[i + 1:]
            out[new] = out.get(new, 0) + sign * coeff
    return out


def vertex_order(v: Vertex) -> int:
    """m of the insertion Gamma^(m): its external legs plus the two ring legs."""
    return sum(v) + 2
