"""Tensors: the O(N) index structure of the diagrams at zero momentum.

For one O(N) multiplet on the background phi_a = sigma e_a (sigma may be 0) the
LPA vertices are, with u_j = d^j u / d rho^j at rho = sigma^2 / 2,

    Gamma^(m)_{a_1 ... a_m} = sum over partitions of {a_1 .. a_m} into singletons and pairs
                              u_(#blocks) prod_(pairs) delta_ab prod_(singletons) sigma e_a,

because d rho / d phi_a = phi_a and d^2 rho / d phi_a d phi_b = delta_ab.  The
propagator is G = G_L e e^T + G_T (1 - e e^T) (radial and transverse masses
follow from the m = 2 vertex).  Every ring is then a trace of products of
matrices c 1 + sum c_vw v w^T whose vectors are e and the formal unit vectors
x_a of the external legs; the inner products e.e = 1, e.x_a = e_a and
x_a.x_b = delta_ab, and tr 1 = N, leave a polynomial in the invariant tensors
delta_ab and e_a of the external legs.  Propagator monomials G_L^i G_T^j become
threshold integrals T_(i, j)(w_L, w_T).

The sum over all labelled terms is a symmetric O(N)-invariant tensor; it is
projected onto the symmetrised invariant tensors Sym(e^(n - 2j) delta^j) (at zero
field only S_n = Sym(delta^(n/2)), the sum of delta_ab delta_cd ... over all
pairings) through their Gram matrix, with the residual kept as a check.

References
----------
Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223, hep-ph/0005122, sec. 4.1
(the O(N) model); Pawlowski, Ann. Phys. 322 (2007) 2831, hep-th/0512261.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import symengine as se
import sympy as sp

from rgsym import symbols
from rgsym.betasystem import threshold_symbol
from rgsym.diagrams.evaluate import to_sympy
from rgsym.diagrams.graphs import DiagramTerm, derive_flow_diagrams
from rgsym.integrate import threshold_integral
from rgsym.regulators import Regulator
from rgsym.vertices import derivative_symbol

#: Labelled legs are expanded term by term; beyond this n that is slow (Fubini numbers).
MAX_TENSOR_N = 6

Vector = tuple[str, int]  # ("e", 0) for the background direction, ("x", a) for external leg a
Key = tuple[Vector, Vector] | None  # None is the identity, (v, w) is v w^T
Matrix = dict[Key, se.Basic]

E_VECTOR: Vector = ("e", 0)


@dataclass(frozen=True, order=True)
class Structure:
    """An invariant tensor of the external legs: prod delta_(pairs) prod e_(radial)."""

    pairs: tuple[tuple[int, int], ...]
    radial: tuple[int, ...] = ()

    def __str__(self) -> str:
        parts = [f"delta_{a}{b}" if max(a, b) < 10 else f"delta_({a},{b})" for a, b in self.pairs]
        parts += [f"e_{a}" for a in self.radial]
        return " ".join(parts) or "1"


@dataclass(frozen=True)
class IndexedFlow:
    """d_t Gamma^(n)_{a_1 .. a_n} (loop part) as a sum over invariant tensors.

    Attributes
    ----------
    legs
        The external-leg labels 1..n.
    background
        sigma (0 in the symmetric phase).
    components
        (structure, coefficient) pairs, sorted.  The coefficients are linear in
        threshold placeholders ``T_i_j`` (propagator counts of the radial and the
        transverse mode; ``T_c`` at zero field), so that projections stay polynomial.
    thresholds
        Placeholder -> its threshold integral.
    """

    legs: tuple[int, ...]
    background: sp.Expr
    components: tuple[tuple[Structure, sp.Expr], ...]
    thresholds: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()

    def __repr__(self) -> str:
        return f"IndexedFlow(n={len(self.legs)}, background={self.background}, " \
               f"{len(self.components)} tensor structures)"

    def coefficient(self, structure: Structure) -> sp.Expr:
        """The coefficient of one structure, with the threshold integrals put in."""
        value = dict(self.components).get(structure, sp.Integer(0))
        return value.xreplace(dict(self.thresholds))


@dataclass(frozen=True)
class Projection:
    """Coefficients of a flow on the symmetrised invariant tensors Sym(e^(n-2j) delta^j).

    ``coefficients[i]`` multiplies the sum of all distinct tensors with ``pairs[i]``
    deltas and n - 2 pairs[i] factors e; ``residual`` is what the basis does not
    capture (zero for a symmetric invariant tensor).  Coefficients carry the
    threshold placeholders of ``thresholds``; :meth:`evaluated` puts them in.
    """

    n: int
    pairs: tuple[int, ...]
    coefficients: tuple[sp.Expr, ...]
    residual: tuple[tuple[Structure, sp.Expr], ...] = ()
    thresholds: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()

    def evaluated(self) -> tuple[sp.Expr, ...]:
        """The coefficients with the threshold integrals put in."""
        values = dict(self.thresholds)
        return tuple(c.xreplace(values) for c in self.coefficients)


def project_symmetric(flow: IndexedFlow, weight: int = 1, residual: bool = True) -> Projection:
    """Project ``weight`` x the flow onto Sym(e^(n-2j) delta^j), j = 0 .. n/2 (j = n/2 at zero field).

    For a symmetric tensor the projection is exact and the residual vanishes.  For
    the representative of a class, ``weight`` = its multiplicity gives the
    projection of the sum over the class's leg assignments (a contraction with a
    symmetric tensor does not see how the legs are assigned); the residual is
    then meaningless and ``residual=False`` skips it.

    Examples
    --------
    >>> s4 = [Structure(((1, 2), (3, 4))), Structure(((1, 3), (2, 4))), Structure(((1, 4), (2, 3)))]
    >>> flow = IndexedFlow((1, 2, 3, 4), sp.Integer(0), tuple((s, sp.Integer(5)) for s in s4))
    >>> project_symmetric(flow).coefficients
    (5,)
    """
    n = len(flow.legs)
    js = _pair_counts(n, flow.background)
    basis = [symmetric_tensor(flow.legs, j) for j in js]
    overlaps = [sp.Add(*[weight * c * sp.Add(*[contract(s, b) for b in bj]) for s, c in flow.components])
                for bj in basis]
    coeffs = tuple(sp.cancel(sp.expand(c)) for c in _gram(n, js) * sp.Matrix(overlaps)) if js else ()
    left: tuple[tuple[Structure, sp.Expr], ...] = ()
    if residual:
        rest = {s: weight * c for s, c in flow.components}
        for c, bj in zip(coeffs, basis, strict=True):
            for b in bj:
                rest[b] = rest.get(b, sp.Integer(0)) - c
        left = tuple((s, r) for s, r in sorted(rest.items()) if sp.cancel(sp.expand(r)) != 0)
    return Projection(n, js, coeffs, left, flow.thresholds)


def _pair_counts(n: int, background: sp.Expr) -> tuple[int, ...]:
    return tuple(j for j in range(n // 2 + 1) if background != 0 or 2 * j == n)


@cache
def _gram(n: int, js: tuple[int, ...]) -> sp.Matrix:
    """The inverse Gram matrix of the symmetrised basis on n legs (rational in N)."""
    legs = tuple(range(1, n + 1))
    basis = [symmetric_tensor(legs, j) for j in js]
    gram = sp.Matrix(len(js), len(js),
                     lambda i, k: sp.Add(*[contract(a, b) for a in basis[i] for b in basis[k]]))
    return gram.inv().applyfunc(sp.factor)


def symmetric_flow(n: int, background: sp.Expr, regulator: Regulator, d: sp.Expr,
                   eta: sp.Expr | int = 0) -> Projection:
    """d_t Gamma^(n) (loops) on Sym(e^(n-2j) delta^j), from one representative per class.

    Unlike :func:`indexed_flow` no labelled term is expanded, so any n the diagrams
    allow works; each class enters with its multiplicity.
    """
    diagrams = derive_flow_diagrams(n, even_vertices=background == 0)
    js = _pair_counts(n, background)
    total = [sp.Integer(0)] * len(js)
    thresholds: dict[sp.Symbol, sp.Expr] = {}
    for term in diagrams.terms:
        tensor = class_tensor(term, background, regulator, d, eta)
        proj = project_symmetric(tensor, term.multiplicity, residual=False)
        total = [a + b for a, b in zip(total, proj.coefficients, strict=True)]
        thresholds.update(tensor.thresholds)
    return Projection(n, js, tuple(sp.cancel(c) for c in total), (), tuple(sorted(thresholds.items(),
                                                                                   key=_by_name)))


def _by_name(item: tuple[sp.Symbol, sp.Expr]) -> str:
    return item[0].name


def symmetric_tensor(legs: Sequence[int], pairs: int) -> list[Structure]:
    """The distinct structures of Sym(e^(n - 2 pairs) delta^pairs) on the legs."""
    out = []
    for chosen in itertools.combinations(legs, 2 * pairs):
        rest = tuple(a for a in legs if a not in chosen)
        for matching in _matchings(tuple(chosen)):
            out.append(Structure(matching, rest))
    return sorted(out)


def _matchings(items: tuple[int, ...]) -> Iterator[tuple[tuple[int, int], ...]]:
    if not items:
        yield ()
        return
    first, rest = items[0], items[1:]
    for i, partner in enumerate(rest):
        for sub in _matchings(rest[:i] + rest[i + 1:]):
            yield tuple(sorted(((first, partner), *sub)))


def contract(a: Structure, b: Structure) -> sp.Expr:
    """Full contraction of two structures on the same legs.

    Every leg carries one index of each tensor; a chain of deltas that closes on
    itself is a trace (a factor N), a chain that ends on e on both sides is e.e = 1.

    Examples
    --------
    >>> contract(Structure(((1, 2), (3, 4))), Structure(((1, 2), (3, 4))))
    N**2
    >>> contract(Structure(((1, 2),)), Structure((), (1, 2)))
    1
    """
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    degree: dict[int, int] = {}
    for x, y in (*a.pairs, *b.pairs):
        parent[find(x)] = find(y)
        degree[x] = degree.get(x, 0) + 1
        degree[y] = degree.get(y, 0) + 1
    open_roots = {find(x) for x in (*a.radial, *b.radial)}
    roots = {find(x) for x in degree}
    return symbols.N ** len(roots - open_roots)


def indexed_flow(n: int, background: sp.Expr, regulator: Regulator, d: sp.Expr,
                 eta: sp.Expr | int = 0) -> IndexedFlow:
    """d_t Gamma^(n)_{a_1..a_n} (loops only) of an O(N) multiplet with LPA vertices.

    Every labelled term is expanded, so n is limited to :data:`MAX_TENSOR_N`.

    Parameters
    ----------
    n
        Number of external legs.
    background
        sigma; 0 gives the symmetric phase (odd vertices vanish).
    regulator, d, eta
        As for :func:`rgsym.integrate.threshold_integral`.
    """
    if not 1 <= n <= MAX_TENSOR_N:
        raise ValueError(f"indexed flows are available for 1 <= n <= {MAX_TENSOR_N}, got {n}")
    labels = tuple(str(a) for a in range(1, n + 1))
    diagrams = derive_flow_diagrams(labels, even_vertices=background == 0)
    total: dict[Structure, sp.Expr] = {}
    thresholds: dict[sp.Symbol, sp.Expr] = {}
    for term in diagrams.terms:  # labelled legs: every multiplicity is 1
        tensor = class_tensor(term, background, regulator, d, eta)
        thresholds.update(tensor.thresholds)
        for structure, value in tensor.components:
            total[structure] = total.get(structure, sp.Integer(0)) + term.multiplicity * value
    comps = tuple(sorted((s, e) for s, c in total.items() if (e := sp.expand(c)) != 0))
    return IndexedFlow(tuple(range(1, n + 1)), sp.sympify(background), comps,
                       tuple(sorted(thresholds.items(), key=_by_name)))


def class_tensor(term: DiagramTerm, background: sp.Expr, regulator: Regulator, d: sp.Expr,
                 eta: sp.Expr | int = 0) -> IndexedFlow:
    """prefactor x Tr[...] of the representative leg assignment of a class, as a tensor (loops only)."""
    sigma = se.sympify(background)
    modes = _modes(sigma)
    masses = _mode_masses(sigma, modes)
    factor = 2 * sp.Rational(term.prefactor.numerator, term.prefactor.denominator)
    thresholds: dict[sp.Symbol, sp.Expr] = {}
    total: dict[Structure, sp.Expr] = {}
    for structure, counts, value in _ring(term, sigma, modes):
        placeholder = sp.Symbol(str(threshold_symbol(counts)))
        if placeholder not in thresholds:
            thresholds[placeholder] = threshold_integral(regulator, counts, masses, d, sp.sympify(eta))
        total[structure] = total.get(structure, sp.Integer(0)) + factor * value * placeholder
    n = sum(len(v) for v in term.legs)
    return IndexedFlow(tuple(range(1, n + 1)), sp.sympify(background),
                       tuple(sorted((s, sp.expand(c)) for s, c in total.items() if c != 0)),
                       tuple(sorted(thresholds.items(), key=_by_name)))


def _modes(sigma: se.Basic) -> tuple[str, ...]:
    return ("G",) if sigma == 0 else ("GL", "GT")


def _mode_masses(sigma: se.Basic, modes: tuple[str, ...]) -> tuple[sp.Expr, ...]:
    hessian = _vertex(0, sigma)
    if len(modes) == 1:
        return (to_sympy(hessian[None]),)
    radial = hessian[None] + hessian[(E_VECTOR, E_VECTOR)]
    return (to_sympy(radial), to_sympy(hessian[None]))


def _ring(term: DiagramTerm, sigma: se.Basic, modes: tuple[str, ...]
          ) -> list[tuple[Structure, tuple[int, ...], sp.Expr]]:
    """The trace of one labelled ring, split into (structure, propagator counts, coefficient)."""
    prop = {m: se.Symbol(m) for m in modes}
    if len(modes) == 1:
        line: Matrix = {None: prop["G"]}
        dot: Matrix = {None: prop["G"] ** 2}
    else:
        gl, gt = prop["GL"], prop["GT"]
        line = {None: gt, (E_VECTOR, E_VECTOR): gl - gt}
        dot = {None: gt**2, (E_VECTOR, E_VECTOR): gl**2 - gt**2}
    product: Matrix | None = None
    for legs in term.legs:
        v = _relabel(_vertex(len(legs), sigma), legs)
        product = v if product is None else _mul(_mul(product, line), v)
    assert product is not None
    value = se.expand(_trace(_mul(product, dot)))
    return _split(value, term.legs, modes)


def _split(value: se.Basic, legs: tuple[tuple[int, ...], ...], modes: tuple[str, ...]
           ) -> list[tuple[Structure, tuple[int, ...], sp.Expr]]:
    """Read (structure, propagator counts, coefficient) off the monomials in E_a, D_ab and G."""
    gens = [sp.Symbol(m) for m in modes]
    flat = sorted(a for v in legs for a in v)
    tensor_syms = [sp.Symbol(f"E_{a}") for a in flat] + [sp.Symbol(f"D_{a}_{b}")
                                                          for a, b in itertools.combinations(flat, 2)]
    poly = sp.Poly(sp.sympify(value), *gens, *tensor_syms)
    out = []
    for monom, coeff in poly.terms():
        counts = tuple(int(k) for k in monom[:len(gens)])
        tensor = monom[len(gens):]
        radial = tuple(a for a, k in zip(flat, tensor[:len(flat)], strict=True) if k)
        pairs = tuple(p for p, k in zip(itertools.combinations(flat, 2), tensor[len(flat):], strict=True)
                      if k)
        out.append((Structure(pairs, radial), counts, to_sympy(se.sympify(coeff))))
    return out


def _inner(v: Vector, w: Vector) -> se.Basic:
    if v[0] == "e" and w[0] == "e":
        return se.Integer(1)
    if v[0] == "e" or w[0] == "e":
        return se.Symbol(f"E_{w[1] if v[0] == 'e' else v[1]}")
    a, b = sorted((v[1], w[1]))
    return se.Symbol(f"D_{a}_{b}")


def _mul(a: Matrix, b: Matrix) -> Matrix:
    out: Matrix = {}
    for ka, ca in a.items():
        for kb, cb in b.items():
            if ka is None:
                key, c = kb, ca * cb
            elif kb is None:
                key, c = ka, ca * cb
            else:
                key, c = (ka[0], kb[1]), ca * cb * _inner(ka[1], kb[0])
            out[key] = out.get(key, se.Integer(0)) + c
    return out


def _trace(a: Matrix) -> se.Basic:
    total = se.Integer(0)
    for key, c in a.items():
        total += c * (se.Symbol("N") if key is None else _inner(key[1], key[0]))
    return total


def _relabel(matrix: Matrix, legs: tuple[int, ...]) -> Matrix:
    """Put the actual leg labels on a vertex computed for legs 0 .. s-1."""
    subs: dict[se.Basic, se.Basic] = {}
    for i, a in enumerate(legs):
        subs[se.Symbol(f"E_{i}")] = se.Symbol(f"E_{a}")
        for j, b in enumerate(legs):
            if i < j:
                lo, hi = sorted((a, b))
                subs[se.Symbol(f"D_{i}_{j}")] = se.Symbol(f"D_{lo}_{hi}")

    def vec(v: Vector) -> Vector:
        return v if v[0] == "e" else ("x", legs[v[1]])

    out: Matrix = {}
    for key, c in matrix.items():
        new = None if key is None else (vec(key[0]), vec(key[1]))
        out[new] = out.get(new, se.Integer(0)) + c.xreplace(subs)
    return out


@cache
def _vertex(s: int, sigma: se.Basic) -> Matrix:
    """Gamma^(s+2)_{in, out, 0 .. s-1} as a matrix in (in, out) over tensors of the legs 0..s-1."""
    out: Matrix = {}
    slots = ("in", "out", *range(s))
    for partition in _partitions(slots, sigma != 0):
        coeff = se.Symbol(derivative_symbol((len(partition),)).name)
        link: dict[object, Vector | None] = {"in": None, "out": None}
        io_paired = False
        for block in partition:
            if len(block) == 1:
                coeff *= sigma
                if block[0] in link:
                    link[block[0]] = E_VECTOR
                else:
                    coeff *= se.Symbol(f"E_{block[0]}")
                continue
            x, y = block
            if {x, y} == {"in", "out"}:
                io_paired = True
            elif x in link or y in link:
                io, leg = (x, y) if x in link else (y, x)
                link[io] = ("x", int(leg))  # type: ignore[call-overload]
            else:
                coeff *= se.Symbol(f"D_{x}_{y}")
        key: Key = None if io_paired else (link["in"], link["out"])  # type: ignore[assignment]
        out[key] = out.get(key, se.Integer(0)) + coeff
    return {k: se.expand(v) for k, v in out.items() if se.expand(v) != 0}


def _partitions(items: tuple[object, ...], singletons: bool) -> Iterator[tuple[tuple[object, ...], ...]]:
    """Partitions of ``items`` into blocks of size 2 (and 1 if ``singletons``)."""
    if not items:
        yield ()
        return
    first, rest = items[0], items[1:]
    if singletons:
        for sub in _partitions(rest, singletons):
            yield ((first,), *sub)
    for i, partner in enumerate(rest):
        for sub in _partitions(rest[:i] + rest[i + 1:], singletons):
            yield ((first, partner), *sub)


__all__ = ["MAX_TENSOR_N", "IndexedFlow", "Projection", "Structure", "class_tensor", "contract",
           "indexed_flow", "project_symmetric", "symmetric_flow", "symmetric_tensor"]
