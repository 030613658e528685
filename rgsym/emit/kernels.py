"""Kernels: the beta functions and their Jacobian as straight-line programs.

A :class:`Kernel` is what a code printer needs and nothing more: the inputs it
reads (couplings from ``g``, parameters from ``p``), a list of temporaries
``t_k = f_k(...)`` in evaluation order, and the non-zero entries of each output
array.  Common subexpressions are eliminated with symengine across all betas at
once.  The Jacobian is the exact derivative of that program, taken in forward
mode (the chain rule applied temporary by temporary).  It equals the symbolic
stability matrix d beta_i / d g_j term for term, but it reuses the betas'
subexpressions: at order 20 it is a few thousand temporaries, where CSE of the
separately differentiated matrix takes minutes.

The module is over 400 lines because the elimination, the forward-mode differentiation and the
threshold tables of smooth regulators all work on the one temporary-by-temporary program that
:class:`Kernel` holds, and its renaming and liveness bookkeeping is shared by them.

References
----------
Griewank and Walther, *Evaluating Derivatives* (SIAM, 2008), ch. 3 (forward mode).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import symengine as se
import sympy as sp
from sympy.core.add import _addsort

from rgsym.betasystem import BetaSystem, placeholder_for
from rgsym.errors import UnsupportedError
from rgsym.threshold import Quadrature, ThresholdIntegral


@dataclass(frozen=True)
class Output:
    """One output array of a kernel: ``size`` slots, of which ``entries`` are non-zero."""

    name: str
    size: int
    entries: tuple[tuple[int, sp.Expr], ...]


@dataclass(frozen=True)
class Kernel:
    """A straight-line program computing one or more output arrays.

    Attributes
    ----------
    name
        ``"rhs"`` or ``"jacobian"``.
    couplings, parameters
        Input symbols, read from ``g[i]`` and ``p[i]`` in this order.
    temporaries
        ``(symbol, expression)`` pairs in evaluation order.
    outputs
        The output arrays (the Jacobian is flattened row-major).
    thresholds
        Threshold integrals computed by quadrature before the program runs
        (:class:`Thresholds`), read from ``T[i]`` in this order.
    """

    name: str
    couplings: tuple[sp.Symbol, ...]
    parameters: tuple[sp.Symbol, ...]
    temporaries: tuple[tuple[sp.Symbol, sp.Expr], ...]
    outputs: tuple[Output, ...]
    thresholds: tuple[sp.Symbol, ...] = ()

    @cached_property
    def used_symbols(self) -> frozenset[sp.Symbol]:
        """Every symbol read by a temporary or an output."""
        exprs = [e for _, e in self.temporaries] + [e for o in self.outputs for _, e in o.entries]
        return frozenset(s for e in exprs for s in e.free_symbols)

    def used_couplings(self) -> tuple[tuple[int, sp.Symbol], ...]:
        """(index into g, symbol) of the couplings the program reads."""
        return tuple((i, s) for i, s in enumerate(self.couplings) if s in self.used_symbols)

    def used_parameters(self) -> tuple[tuple[int, sp.Symbol], ...]:
        """(index into p, symbol) of the parameters the program reads."""
        return tuple((i, s) for i, s in enumerate(self.parameters) if s in self.used_symbols)

    def used_thresholds(self) -> tuple[tuple[int, sp.Symbol], ...]:
        """(index into T, symbol) of the threshold integrals the program reads."""
        return tuple((i, s) for i, s in enumerate(self.thresholds) if s in self.used_symbols)

    def operations(self) -> dict[str, int]:
        """Operations in the program as the code printers write it, by kind.

        ``addmul``: additions and multiplications (an integer power x**n counts n - 1);
        ``division``: divisions, square roots and ``pow`` calls (slower, a few cycles each);
        ``call``: other functions.
        """
        counts = {"addmul": 0, "division": 0, "call": 0}
        exprs = [e for _, e in self.temporaries] + [e for o in self.outputs for _, e in o.entries]
        for node in (n for e in exprs for n in sp.preorder_traversal(e)):
            if node.is_Add or node.is_Mul:
                counts["addmul"] += len(node.args) - 1
            elif node.is_Pow and node.exp.is_Integer:
                counts["addmul"] += abs(int(node.exp)) - 1
                counts["division"] += int(node.exp) < 0
            elif node.is_Pow:
                counts["division"] += 1
            elif node.is_Function:
                counts["call"] += 1
        return counts

    def operation_count(self) -> int:
        """All arithmetic operations of :meth:`operations`."""
        return sum(self.operations().values())


@dataclass(frozen=True)
class Thresholds:
    """Threshold integrals without a closed form, as generated code computes them.

    T_c(w) = sum_n weight_f,n prod_i (y_n + r(y_n) + w_i)^(-c_i) on the nodes of a
    :class:`~rgsym.threshold.Quadrature`; the masses w_i are expressions in the
    couplings and parameters.  Integrals of one family f share their weight (the regulator
    insertion of a :class:`~rgsym.threshold.ThresholdIntegral`, the weight of a
    :class:`~rgsym.threshold.WeightedThreshold`); all families share the nodes and the masses
    (a Yukawa flow with a smooth regulator has some twenty families).

    Attributes
    ----------
    masses
        w_i, one per propagating mode.
    symbols, counts
        The placeholders T_c the kernels read, with their propagator counts c, in the
        order of the array ``T``: the betas' integrals and those of their derivatives,
        d T_c / d w_i = -c_i T_{c + e_i}.
    quadratures
        The nodes and weights of each family (the same nodes).
    families
        The family of each placeholder (an index into ``quadratures``).
    """

    masses: tuple[sp.Expr, ...]
    symbols: tuple[sp.Symbol, ...]
    counts: tuple[tuple[int, ...], ...]
    quadratures: tuple[Quadrature, ...] = field(repr=False)
    families: tuple[int, ...]

    @property
    def quadrature(self) -> Quadrature:
        """The first family's nodes and weights."""
        return self.quadratures[0]

    def terms(self) -> tuple[tuple[float, float], ...]:
        """(y_n + r(y_n), weight_n) of the first family's nodes that contribute (weight non-zero, finite)."""
        nodes, (weights, *_) = self.table()
        return tuple(zip(nodes, weights, strict=True))

    def table(self) -> tuple[tuple[float, ...], tuple[tuple[float, ...], ...]]:
        """The offsets y_n + r(y_n) of the nodes where some family's weight is non-zero (all
        finite), and each family's weights there."""
        offset = self.quadrature.y + self.quadrature.r
        weights = np.array([q.weight for q in self.quadratures])
        keep = np.isfinite(offset) & np.all(np.isfinite(weights), axis=0) & np.any(weights != 0, axis=0)
        return (tuple(float(a) for a in offset[keep]),
                tuple(tuple(float(b) for b in row[keep]) for row in weights))


@dataclass(frozen=True)
class Kernels:
    """The right-hand side and the Jacobian of one BetaSystem (and its quadrature thresholds)."""

    rhs: Kernel
    jacobian: Kernel
    thresholds: Thresholds | None = None

    def __iter__(self) -> Iterator[Kernel]:
        return iter((self.rhs, self.jacobian))


def build_kernels(system: BetaSystem) -> Kernels:
    """CSE the betas, then differentiate the program in forward mode.

    Temporaries of the betas are called t0, t1, ... and those the derivative
    adds dt0, dt1, ...; the Jacobian program contains the betas' temporaries it
    needs under the same names.

    Examples
    --------
    >>> from rgsym import load_spec
    >>> from rgsym.pipeline import derive
    >>> k = build_kernels(derive(load_spec("derivations/on_lpa.toml", ["truncation.order=1"])))
    >>> [(o.name, o.size) for o in k.jacobian.outputs]
    [('out', 4)]
    """
    g = tuple(se.Symbol(c.name) for c in system.couplings)
    p = tuple(se.Symbol(s.name) for s in system.parameters)
    thresholds = collect_thresholds(system)
    t = tuple(se.Symbol(str(s)) for s in thresholds.symbols) if thresholds else ()
    taken = [str(s) for s in (*g, *p, *t)]
    replacements, reduced = _eliminate_common_subexpressions(system.fast_betas, _prefix("t", taken))
    rhs = _Program(list(replacements), {"out": (len(g), dict(enumerate(reduced)))})
    chain = threshold_tangents(thresholds, g) if thresholds else {}
    jacobian = differentiate(replacements, reduced, g, _prefix("dt", taken), chain)
    convert = _Converter()
    return Kernels(_finish("rhs", rhs, g, p, convert, t), _finish("jacobian", jacobian, g, p, convert, t),
                   thresholds)


def collect_thresholds(system: BetaSystem) -> Thresholds | None:
    """The quadrature thresholds of ``system`` with their nodes (None when all are in closed form).

    The integrals are grouped into families by their weight (:class:`Thresholds`), in the order
    of their first appearance.

    Raises
    ------
    UnsupportedError
        If d or eta of an integral is not a number (the nodes depend on them), or the
        integrals do not share their shape, dimension, nodes and masses.
    """
    if not system.thresholds:
        return None
    first = system.thresholds[0][1]
    shape, d = first.args[:2]
    if any(t.args[:2] != (shape, d) or t.masses != first.masses for _, t in system.thresholds):
        raise UnsupportedError(system.spec_source, "regulator.kind",
                               "generated code evaluates threshold integrals of one regulator shape and one "
                               "set of masses; this flow needs several: use the default backend, or 'litim' "
                               "with alpha = 1")
    if not all(t.has_numbers() for _, t in system.thresholds):
        raise UnsupportedError(system.spec_source, "theory.d",
                               "generated code computes threshold integrals by quadrature, whose nodes need "
                               f"numbers for d and eta (d = {d}, eta = {first.args[2]}); "
                               "use --set theory.d=...")
    family_of: dict[tuple[type, sp.Basic], int] = {}
    integrals: dict[tuple[int, tuple[int, ...]], ThresholdIntegral] = {}
    for _, t in system.thresholds:
        f = family_of.setdefault((type(t), t.args[2]), len(family_of))
        integrals.setdefault((f, t.counts), t)
    in_betas = {str(s) for b in system.fast_betas for s in b.free_symbols}
    for name, t in system.thresholds:  # the derivatives' integrals, d T_c / d w_i = -c_i T_{c + e_i}
        f = family_of[type(t), t.args[2]]
        for i, c in enumerate(t.counts if name in in_betas else ()):
            if c:
                up = t.fdiff(5 + i) / (-c)
                integrals.setdefault((f, up.counts), up)
    keys = tuple(sorted(integrals, key=lambda k: (k[0], sum(k[1]), k[1])))
    representative = {f: integrals[next(k for k in keys if k[0] == f)] for f in family_of.values()}
    quadratures = tuple(representative[f].nodes() for f in range(len(family_of)))
    if any(not (np.array_equal(q.y, quadratures[0].y) and np.array_equal(q.r, quadratures[0].r))
           for q in quadratures):
        raise UnsupportedError(system.spec_source, "regulator.kind",
                               "generated code needs the threshold integrals on one set of quadrature nodes; "
                               "this flow's differ: use the default backend")
    masses = tuple(_plain(m) for m in first.masses)
    return Thresholds(masses, tuple(sp.Symbol(str(placeholder_for(integrals[k]))) for k in keys),
                      tuple(c for _, c in keys), quadratures, tuple(f for f, _ in keys))


def _plain(expr: sp.Expr) -> sp.Expr:
    """``expr`` with plain symbols (no assumptions), as the kernels name their inputs."""
    expr = sp.sympify(expr)
    return expr.xreplace({s: sp.Symbol(s.name) for s in expr.free_symbols})


def threshold_tangents(thresholds: Thresholds, g: Sequence[se.Basic]) -> Tangents:
    """d T_c / d g_j = sum_i (-c_i) T_{c + e_i} d w_i / d g_j, for each T_c whose T_{c + e_i} are at hand."""
    masses = [se.sympify(m) for m in thresholds.masses]
    index = {(f, c): se.Symbol(str(s))
             for f, c, s in zip(thresholds.families, thresholds.counts, thresholds.symbols, strict=True)}
    tangents: Tangents = {}
    for (f, c), symbol in index.items():
        ups = [(f, tuple(n + (k == i) for k, n in enumerate(c))) for i in range(len(c))]
        if any(n and up not in index for n, up in zip(c, ups, strict=True)):
            continue  # the highest integrals: needed as values only
        parts: dict[int, list[se.Basic]] = {}
        for i, (n, up) in enumerate(zip(c, ups, strict=True)):
            for j, s in enumerate(g) if n else ():
                dw = se.diff(masses[i], s)
                if dw != 0:
                    parts.setdefault(j, []).append(-n * index[up] * dw)
        tangents[symbol] = {j: se.Add(*ts) for j, ts in sorted(parts.items())}
    return tangents


def _eliminate_common_subexpressions(exprs: Sequence[se.Basic], prefix: str
                                     ) -> tuple[list[tuple[se.Basic, se.Basic]], list[se.Basic]]:
    """symengine's CSE, with the temporaries renamed ``prefix0, prefix1, ...``.

    The expressions are put in :func:`canonical_order` first: CSE follows the order
    symengine holds terms in, and that order is not a function of the expression.
    """
    replacements, reduced = se.cse([canonical_order(e) for e in exprs])
    names = {x: se.Symbol(f"{prefix}{k}") for k, (x, _) in enumerate(replacements)}
    return ([(names[x], _rename(f, names)) for x, f in replacements], [_rename(e, names) for e in reduced])


def canonical_order(expr: se.Basic) -> se.Basic:
    """``expr`` rebuilt so that symengine holds its terms in an order fixed by the expression.

    symengine keeps the terms of a sum in a hash table whose order depends on how
    the sum was built: a derivation read back from a pickle holds them in another
    order than a fresh one, and CSE would name other subexpressions.  Its printer
    sorts terms, so parsing the printed text builds every sum the same way (0.3 s
    for the order-20 betas).  Floating-point numbers are printed to 15 digits only;
    an expression holding one is rebuilt through sympy instead, exactly.
    """
    rebuilt = se.sympify(str(expr))
    return rebuilt if rebuilt == expr else se.sympify(sp.sympify(expr))


def _rename(e: se.Basic, names: dict[se.Basic, se.Basic]) -> se.Basic:
    """Substitute the few renamed symbols of ``e`` (a small dictionary per call keeps this linear)."""
    return e.xreplace({s: names[s] for s in e.free_symbols if s in names})


@dataclass
class _Program:
    """A program under construction: temporaries, and per output array its size and entries."""

    temporaries: list[tuple[se.Basic, se.Basic]]
    outputs: dict[str, tuple[int, dict[int, se.Basic]]]


#: symbol -> {j: d symbol / d g_j}, non-zero entries only.
Tangents = dict[se.Basic, dict[int, se.Basic]]


def differentiate(replacements: Sequence[tuple[se.Basic, se.Basic]], reduced: Sequence[se.Basic],
                  g: Sequence[se.Basic], prefix: str = "dt", inputs: Tangents | None = None) -> _Program:
    """The program for J_ij = d beta_i / d g_j (row-major), by forward-mode differentiation.

    Each temporary x = f(a, b, ...) of the betas' program is followed by its
    tangents dx/dg_j = sum_a (df/da)(da/dg_j); the partials df/da and the tangents
    become temporaries of their own, and an expression already held by a
    temporary is not computed again.  ``inputs`` gives the tangents of further
    inputs (the quadrature thresholds) as expressions.
    """
    program = _Program([], {})
    counter = itertools.count()
    tangents: Tangents = {s: {j: se.Integer(1)} for j, s in enumerate(g)}
    named: dict[se.Basic, se.Basic] = {}  # expression -> the temporary that holds it

    def bind(e: se.Basic) -> se.Basic:
        if e.is_Number or e.is_Symbol:
            return e
        if e not in named:
            named[e] = se.Symbol(f"{prefix}{next(counter)}")
            program.temporaries.append((named[e], e))
        return named[e]

    for s, parts in (inputs or {}).items():
        tangents[s] = {j: bind(e) for j, e in parts.items()}
    for x, f in replacements:
        program.temporaries.append((x, f))
        named.setdefault(f, x)
        tangents[x] = {j: bind(e) for j, e in sorted(_tangent(f, tangents, bind).items())}
    n = len(g)
    entries = {i * n + j: e for i, r in enumerate(reduced)
               for j, e in sorted(_tangent(r, tangents, bind).items())}
    program.outputs["out"] = (n * n, entries)
    return program


def _tangent(f: se.Basic, tangents: Tangents, bind: Callable[[se.Basic], se.Basic]
             ) -> dict[int, se.Basic]:
    """df/dg_j = sum_a (df/da) (da/dg_j) over the symbols a of f that depend on g.

    A sum is differentiated term by term: a reduced beta can hold hundreds of
    terms, and differentiating it whole for each of its symbols is quadratic.
    """
    terms: dict[int, list[se.Basic]] = {}
    for part in f.args if f.is_Add else (f,):
        for a in sorted((a for a in part.free_symbols if tangents.get(a)), key=str):
            partial = bind(se.diff(part, a))
            for j, da in tangents[a].items():
                terms.setdefault(j, []).append(partial * da)
    total = {j: se.Add(*ts) for j, ts in terms.items()}
    return {j: e for j, e in total.items() if e != 0}


class _Converter:
    """symengine -> sympy for the small expressions of a program, node by node.

    symengine's expressions are already in canonical form, so the sympy nodes are
    built from their arguments put in sympy's canonical order (``_addsort``, as
    ``Add.flatten`` and ``Mul.flatten`` do) without evaluating them again: six
    times faster than ``sympify`` and equal to it (the tests check this).  Results
    are remembered, since the two kernels share their temporaries.
    """

    def __init__(self) -> None:
        self._done: dict[se.Basic, sp.Expr] = {}

    def __call__(self, e: se.Basic) -> sp.Expr:
        out = self._done.get(e)
        if out is None:
            out = self._done[e] = self._convert(e)
        return out

    def _convert(self, e: se.Basic) -> sp.Expr:
        if e.is_Symbol:
            return sp.Symbol(str(e))
        if e.is_Integer:
            return sp.Integer(int(e))
        if e.is_Add or e.is_Mul:
            args = [self(a) for a in e.args]
            _addsort(args)
            return (sp.Add if e.is_Add else sp.Mul)._from_args(args)
        if e.is_Pow:
            return sp.Pow(self(e.args[0]), self(e.args[1]), evaluate=False)
        return sp.sympify(e)


def _finish(name: str, program: _Program, g: Sequence[se.Basic], p: Sequence[se.Basic],
            convert: Callable[[se.Basic], sp.Expr], t: Sequence[se.Basic] = ()) -> Kernel:
    """Drop dead temporaries and convert to sympy."""
    temporaries = tuple((convert(x), convert(f)) for x, f in _live(program))
    outputs = tuple(
        Output(key, size, tuple((i, convert(e)) for i, e in sorted(entries.items()) if e != 0))
        for key, (size, entries) in program.outputs.items()
    )
    return Kernel(name, tuple(map(convert, g)), tuple(map(convert, p)), temporaries, outputs,
                  tuple(map(convert, t)))


def _live(program: _Program) -> list[tuple[se.Basic, se.Basic]]:
    """The temporaries some output depends on, in evaluation order."""
    needed: set[se.Basic] = set()
    for _, entries in program.outputs.values():
        for e in entries.values():
            needed |= e.free_symbols
    live = []
    for x, f in reversed(program.temporaries):
        if x in needed:
            live.append((x, f))
            needed |= f.free_symbols
    return live[::-1]


def _prefix(prefix: str, taken: Iterable[str]) -> str:
    """``prefix``, lengthened with underscores while an input is called prefix<digits>."""
    names = set(taken)
    while any(n.startswith(prefix) and n[len(prefix):].isdigit() for n in names):
        prefix += "_"
    return prefix
