"""BetaSystem: the derived flow in a finite set of couplings.

This is the contract between derivation, code emission and the solvers.  It
holds the couplings, the free parameters (d, N, ... when left symbolic), the
beta functions in dimensionless form, the anomalous dimension and the symbolic
stability matrix B_ij = d beta_i / d g_j.  It serialises to JSON and back.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from types import MappingProxyType
from typing import Any

import symengine as se
import sympy as sp

from rgsym.action import Coupling
from rgsym.stability import LazyStability
from rgsym.symbols import to_sympy
from rgsym.threshold import ThresholdIntegral, WeightedThreshold


@dataclass(frozen=True)
class BetaSystem:
    """Beta functions of a polynomial truncation.

    Attributes
    ----------
    name
        Human-readable description of the truncation.
    spec_digest, spec_source
        Which spec produced it.
    couplings
        The running couplings, in a fixed order.
    parameters
        Free symbols other than couplings (e.g. d, N).
    fast_betas
        beta_i = d g_i / dt, t = ln k, in the same order as ``couplings``, as
        symengine expressions; ``betas`` gives them as sympy expressions.
    eta
        Anomalous dimension (0 in the LPA).
    fast_stability
        d beta_i / d g_j (symengine); ``stability_matrix`` gives the sympy matrix.
    masses
        Dimensionless masses w_i of the propagating modes at the expansion point;
        the flow is singular where 1 + w_i = 0 (for the Litim regulator).
    thresholds
        Placeholder name -> :class:`~rgsym.threshold.ThresholdIntegral` for loop integrals
        without a closed form; ``fast_betas`` contain the placeholders, ``betas`` the integrals.
    scales
        Natural magnitude of each coupling: with c the loop prefactor T_1(0),
        u and rho scale as c, so d^a u scales as c^(1 - |a|) and kappa as c.
        The solvers work with g_i / scale_i, which are of order one.
    """

    name: str
    spec_digest: str
    spec_source: str
    couplings: tuple[Coupling, ...]
    parameters: tuple[sp.Symbol, ...]
    fast_betas: tuple[se.Basic, ...] = field(repr=False)
    eta: sp.Expr
    fast_stability: Sequence[tuple[se.Basic, ...]] = field(repr=False)
    masses: tuple[sp.Expr, ...] = ()
    scales: tuple[sp.Expr, ...] = ()
    thresholds: tuple[tuple[str, sp.Expr], ...] = ()

    @cached_property
    def _threshold_map(self) -> dict[sp.Symbol, sp.Expr]:
        return {sp.Symbol(name): value for name, value in self.thresholds}

    @cached_property
    def betas(self) -> tuple[sp.Expr, ...]:
        """The beta functions as sympy expressions (converted on first use)."""
        return tuple(to_sympy(b).xreplace(self._threshold_map) for b in self.fast_betas)

    @cached_property
    def stability_matrix(self) -> sp.ImmutableMatrix:
        """d beta_i / d g_j as a sympy matrix (converted on first use)."""
        return sp.ImmutableMatrix([[to_sympy(e).xreplace(self._threshold_map) for e in row]
                                   for row in self.fast_stability])

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        """The coupling symbols g_i, in the order of ``couplings`` and ``betas``.

        Returns
        -------
        tuple of sympy.Symbol
        """
        return tuple(c.symbol for c in self.couplings)

    @property
    def names(self) -> tuple[str, ...]:
        """The coupling names (e.g. ``kappa``, ``lambda_2``), in the order of ``couplings``.

        Returns
        -------
        tuple of str
        """
        return tuple(c.name for c in self.couplings)

    def __repr__(self) -> str:
        return (f"BetaSystem({self.name}: couplings=[{', '.join(self.names)}], "
                f"parameters={list(self.parameters)})")

    def __len__(self) -> int:
        return len(self.couplings)

    def _repr_latex_(self) -> str:
        """The betas as aligned LaTeX equations, for Jupyter; couplings in their own notation."""
        names = {c.symbol: c.latex for c in self.couplings}
        rows = [rf"\beta_{{{c.latex}}} &= {sp.latex(b, symbol_names=names)}"
                for c, b in zip(self.couplings, self.betas, strict=True)]
        if sp.sympify(self.eta) != 0:  # LPA': eta(g), already put into the betas
            rows.insert(0, rf"\eta &= {sp.latex(sp.sympify(self.eta), symbol_names=names)}")
        return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"

    def subs(self, values: dict[sp.Symbol, Any]) -> BetaSystem:
        """Substitute values for parameters (e.g. {d: 3}) in betas and stability matrix."""
        fast = {se.Symbol(k.name): se.sympify(v) for k, v in values.items()}
        betas = tuple(b.subs(fast) for b in self.fast_betas)
        jac = tuple(tuple(e.subs(fast) for e in row) for row in self.fast_stability)
        free = set().union(*(sp.sympify(v).free_symbols for v in values.values()))
        params = tuple(sorted({p for p in self.parameters if p not in values} | free,
                              key=sp.default_sort_key))
        return BetaSystem(self.name, self.spec_digest, self.spec_source, self.couplings, params,
                          betas, sp.sympify(self.eta).subs(values), jac,
                          tuple(sp.sympify(m).subs(values) for m in self.masses),
                          tuple(sp.sympify(m).subs(values) for m in self.scales),
                          tuple((n, t.subs(values)) for n, t in self.thresholds))

    def beta(self, name: str) -> sp.Expr:
        """The beta function of the coupling called ``name``."""
        return self.betas[self.names.index(name)]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary; expressions are stored as sympy ``srepr`` text."""
        plain = [to_sympy(b) for b in self.fast_betas]  # converted once: it is the slow part
        return {
            "format": "rgsym.BetaSystem/1",
            "name": self.name,
            "spec_digest": self.spec_digest,
            "spec_source": self.spec_source,
            "couplings": [
                {"name": c.name, "latex": c.latex, "index": list(c.index), "is_minimum": c.is_minimum}
                for c in self.couplings
            ],
            "parameters": [sp.srepr(p) for p in self.parameters],
            "betas": [sp.srepr(b) for b in plain],
            "eta": sp.srepr(self.eta),
            "masses": [sp.srepr(m) for m in self.masses],
            "scales": [sp.srepr(m) for m in self.scales],
            "thresholds": [[n, sp.srepr(t)] for n, t in self.thresholds],
            "readable": {c.name: str(b.xreplace(self._threshold_map))
                         for c, b in zip(self.couplings, plain, strict=True)},
        }

    def to_json(self) -> str:
        """Serialise the system as JSON text (the dictionary of :meth:`to_dict`).

        Keys are sorted, so the output is deterministic; :meth:`from_dict` of
        ``json.loads`` of the text rebuilds the system.

        Returns
        -------
        str
        """
        return json.dumps(self.to_dict(), indent=1, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BetaSystem:
        """Rebuild a system written by :meth:`to_dict`; the stability matrix is recomputed."""
        couplings = tuple(
            Coupling(c["name"], c["latex"], tuple(c["index"]), c["is_minimum"]) for c in data["couplings"]
        )
        betas = tuple(se.sympify(_from_srepr(b)) for b in data["betas"])
        syms = [se.Symbol(c.name) for c in couplings]
        thresholds = {se.Symbol(n): _from_srepr(t) for n, t in data.get("thresholds", [])}
        jac = stability_matrix_of(list(betas), syms, thresholds)
        return cls(data["name"], data["spec_digest"], data["spec_source"], couplings,
                   tuple(_from_srepr(p) for p in data["parameters"]), betas,
                   _from_srepr(data["eta"]), jac, tuple(_from_srepr(m) for m in data.get("masses", [])),
                   tuple(_from_srepr(m) for m in data.get("scales", [])),
                   tuple((str(k), v) for k, v in thresholds.items()))


def threshold_symbol(counts: tuple[int, ...], kind: str = "") -> se.Symbol:
    """Placeholder for the threshold integral with propagator counts c (``T<kind>_c1_c2...``)."""
    return se.Symbol(f"T{kind}_" + "_".join(map(str, counts)))


def placeholder_for(integral: ThresholdIntegral) -> se.Symbol:
    """The placeholder of a quadrature integral: ``T_c`` for the regulator insertion at eta = 0
    (the LPA), else ``T<tag>_c`` with a tag fixed by the integrand (eta = 1, or a
    :class:`~rgsym.threshold.WeightedThreshold`'s weight), the same in every run."""
    if type(integral) is ThresholdIntegral and integral.args[2] == 0:
        return threshold_symbol(integral.counts)
    tag = hashlib.sha256(sp.srepr(sp.Tuple(*integral.args[:3])).encode()).hexdigest()[:8]
    return threshold_symbol(integral.counts, "x" + tag)


def stability_matrix_of(betas: list[se.Basic], syms: list[se.Symbol],
                      numeric: dict[se.Symbol, ThresholdIntegral]
                      ) -> Sequence[tuple[se.Basic, ...]]:
    """d beta_i / d g_j; quadrature thresholds by the chain rule d T_c / d w_k = -c_k T_{c+e_k}.

    Thresholds needed for the derivative are added to ``numeric``.  Without quadrature
    thresholds the matrix is a :class:`~rgsym.stability.LazyStability`: each row is
    differentiated when it is first used (a derivation never uses it).
    """
    if not numeric:
        return LazyStability(betas, syms)
    rows = []
    for b in betas:
        row = [se.diff(b, s) for s in syms]
        for tsym, tval in list(numeric.items()):
            if not b.has(tsym):
                continue
            db = se.diff(b, tsym)
            for k, (c, w) in enumerate(zip(tval.counts, tval.masses, strict=True)):
                if c == 0:
                    continue
                up = tval.fdiff(5 + k) / (-c)
                usym = placeholder_for(up)
                numeric.setdefault(usym, up)
                w_se = se.sympify(w)
                row = [r + db * (-c) * usym * se.diff(w_se, s) for r, s in zip(row, syms, strict=True)]
        rows.append(tuple(row))
    return tuple(rows)


class ExpressionFormatError(ValueError):
    """A stored expression is not the ``srepr`` text of a sympy expression."""


def _from_srepr(text: str) -> sp.Expr:
    """Rebuild an expression from its ``srepr`` text, without running anything else.

    The text may only call sympy's expression classes (and rgsym's
    :class:`~rgsym.threshold.ThresholdIntegral`) on literals: it is checked node
    by node before it is evaluated, so a JSON file cannot execute code.

    Raises
    ------
    ExpressionFormatError
        If the text is anything else.
    """
    namespace = _srepr_namespace()
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionFormatError(f"not an expression: {text[:80]!r}") from exc
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in namespace:
            raise ExpressionFormatError(f"{node.id!r} is not a sympy expression class")
        if isinstance(node, ast.Call) and not isinstance(node.func, ast.Name):
            raise ExpressionFormatError(f"only sympy constructors may be called: {text[:80]!r}")
        if not isinstance(node, _SREPR_NODES):
            raise ExpressionFormatError(f"{type(node).__name__} is not allowed in {text[:80]!r}")
    code = compile(tree, "<srepr>", "eval")
    return sp.sympify(eval(code, {"__builtins__": {}}, dict(namespace)))  # noqa: S307 - checked above


#: Syntax that ``srepr`` text uses: constructor calls on literals.
_SREPR_NODES = (ast.Expression, ast.Call, ast.Name, ast.Load, ast.Constant, ast.keyword, ast.Tuple,
                ast.UnaryOp, ast.USub, ast.UAdd)


@cache
def _srepr_namespace() -> Mapping[str, Any]:
    """sympy's expression classes and singletons (pi, oo, true, ...), and ThresholdIntegral."""
    names: dict[str, Any] = {}
    for name in dir(sp):
        value = getattr(sp, name)
        is_class = isinstance(value, type) and issubclass(value, sp.Basic)
        if not name.startswith("_") and (is_class or isinstance(value, sp.Basic)):
            names[name] = value
    names["ThresholdIntegral"] = ThresholdIntegral
    names["WeightedThreshold"] = WeightedThreshold
    return MappingProxyType(names)
