"""BetaSystem: the derived flow in a finite set of couplings.

This is the contract between derivation, code emission and the solvers.  It
holds the couplings, the free parameters (d, N, ... when left symbolic), the
beta functions in dimensionless form, the anomalous dimension and the symbolic
stability matrix B_ij = d beta_i / d g_j.  It serialises to JSON and back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import symengine as se
import sympy as sp

from rgsym.action import Coupling
from rgsym.symbols import to_sympy
from rgsym.threshold import ThresholdIntegral


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
    fast_stability: tuple[tuple[se.Basic, ...], ...] = field(repr=False)
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
        return tuple(c.symbol for c in self.couplings)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.couplings)

    def __repr__(self) -> str:
        return (f"BetaSystem({self.name}: couplings=[{', '.join(self.names)}], "
                f"parameters={list(self.parameters)})")

    def __len__(self) -> int:
        return len(self.couplings)

    def subs(self, values: dict[sp.Symbol, Any]) -> BetaSystem:
        """Substitute values for parameters (e.g. {d: 3}) in betas and stability matrix."""
        fast = {se.Symbol(k.name): se.sympify(v) for k, v in values.items()}
        betas = tuple(b.subs(fast) for b in self.fast_betas)
        jac = tuple(tuple(e.subs(fast) for e in row) for row in self.fast_stability)
        params = tuple(p for p in self.parameters if p not in values)
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
            "betas": [sp.srepr(to_sympy(b)) for b in self.fast_betas],
            "eta": sp.srepr(self.eta),
            "masses": [sp.srepr(m) for m in self.masses],
            "scales": [sp.srepr(m) for m in self.scales],
            "thresholds": [[n, sp.srepr(t)] for n, t in self.thresholds],
            "readable": {c.name: str(b) for c, b in zip(self.couplings, self.betas, strict=True)},
        }

    def to_json(self) -> str:
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


def threshold_symbol(counts: tuple[int, ...]) -> se.Symbol:
    """Placeholder for the threshold integral with propagator counts c."""
    return se.Symbol("T_" + "_".join(map(str, counts)))


def stability_matrix_of(betas: list[se.Basic], syms: list[se.Symbol],
                      numeric: dict[se.Symbol, ThresholdIntegral]
                      ) -> tuple[tuple[se.Basic, ...], ...]:
    """d beta_i / d g_j; quadrature thresholds by the chain rule d T_c / d w_k = -c_k T_{c+e_k}.

    Thresholds needed for the derivative are added to ``numeric``.
    """
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
                usym = threshold_symbol(up.counts)
                numeric.setdefault(usym, up)
                w_se = se.sympify(w)
                row = [r + db * (-c) * usym * se.diff(w_se, s) for r, s in zip(row, syms, strict=True)]
        rows.append(tuple(row))
    return tuple(rows)


def _from_srepr(text: str) -> sp.Expr:
    namespace: dict[str, Any] = {}
    exec("from sympy import *", namespace)  # noqa: S102 - srepr text is sympy constructor calls
    namespace["ThresholdIntegral"] = ThresholdIntegral
    return sp.sympify(eval(text, namespace))  # noqa: S307
