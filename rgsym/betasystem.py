"""BetaSystem: the derived flow in a finite set of couplings.

This is the contract between derivation, code emission and the solvers.  It
holds the couplings, the free parameters (d, N, ... when left symbolic), the
beta functions in dimensionless form, the anomalous dimension and the symbolic
stability matrix B_ij = d beta_i / d g_j.  It serialises to JSON and back.
"""

from __future__ import annotations

import hashlib
import json
import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import symengine as se
import sympy as sp

from rgsym.context import FlowContext
from rgsym.couplings import Coupling
from rgsym.expression import ExpressionError, read_srepr
from rgsym.stability import LazyStability
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
    context
        What the system was derived for (:class:`~rgsym.context.FlowContext`: flow equation,
        regulator, truncation, d, fields), read by the emitters and solvers.  The public JSON form
        (:meth:`to_dict`) leaves it out, so a system read back from ``betas.json`` has None; the
        disk cache stores it (:mod:`rgsym.cache`).
    etas
        The anomalous dimension of each field by name when there are several (``eta_phi`` and
        ``eta_psi`` of a Yukawa theory in LPA'; ``eta`` is then eta_phi); empty otherwise.
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
    context: FlowContext | None = field(default=None, repr=False)
    etas: tuple[tuple[str, sp.Expr], ...] = ()

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
        named = self.etas or ((("eta", self.eta),) if sp.sympify(self.eta) != 0 else ())
        for k, (name, eta) in enumerate(named):  # LPA': eta(g) (eta_phi, eta_psi), already in the betas
            label = {"eta": r"\eta", "eta_phi": r"\eta_{\phi}", "eta_psi": r"\eta_{\psi}"}.get(name, name)
            rows.insert(k, rf"{label} &= {sp.latex(sp.sympify(eta), symbol_names=names)}")
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
                          tuple((n, t.subs(values)) for n, t in self.thresholds),
                          None if self.context is None else self.context.subs(values),
                          tuple((n, sp.sympify(e).subs(values)) for n, e in self.etas))

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
            **({"etas": [[n, sp.srepr(e)] for n, e in self.etas]} if self.etas else {}),
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
        """Rebuild a system written by :meth:`to_dict`; the stability matrix is recomputed.

        Reading runs no code and cannot hang: every expression goes through
        :func:`rgsym.expression.read_srepr`.

        Parameters
        ----------
        data
            The dictionary, e.g. ``json.load`` of a ``betas.json`` file.

        Returns
        -------
        BetaSystem

        Raises
        ------
        ExpressionFormatError
            With a one-line message, for anything :meth:`to_dict` does not write.
        """
        try:
            return cls._from_checked_dict(data)
        except ExpressionError:
            raise
        except (KeyError, TypeError, AttributeError, IndexError, ValueError) as exc:
            raise ExpressionFormatError(f"not a BetaSystem dictionary ({type(exc).__name__}: "
                                        f"{str(exc)[:80]})") from None

    @classmethod
    def _from_checked_dict(cls, data: dict[str, Any]) -> BetaSystem:
        couplings = tuple(Coupling(_identifier(c["name"]), _coupling_latex(c["latex"]),
                                   tuple(int(i) for i in c["index"]), bool(c["is_minimum"]))
                          for c in data["couplings"])
        betas = tuple(se.sympify(_from_srepr(b)) for b in data["betas"])
        if len(betas) != len(couplings):
            raise ExpressionFormatError(f"{len(betas)} betas for {len(couplings)} couplings")
        syms = [se.Symbol(c.name) for c in couplings]
        thresholds = {se.Symbol(_identifier(n)): _threshold(t) for n, t in data.get("thresholds", [])}
        jac = stability_matrix_of(list(betas), syms, thresholds)
        return cls(_description(data["name"]), _text(data["spec_digest"]), _text(data["spec_source"]),
                   couplings,
                   tuple(_from_srepr(p) for p in data["parameters"]), betas,
                   _from_srepr(data["eta"]), jac, tuple(_from_srepr(m) for m in data.get("masses", [])),
                   tuple(_from_srepr(m) for m in data.get("scales", [])),
                   tuple((str(k), v) for k, v in thresholds.items()),
                   etas=tuple((_identifier(n), _from_srepr(e)) for n, e in data.get("etas", [])))


def _text(value: Any) -> str:
    """A string field of the dictionary (a description, a digest): one printable line."""
    if not isinstance(value, str) or not value.isprintable() or len(value) > 10_000:
        raise ExpressionFormatError(f"expected one printable line of text, got {str(value)[:40]!r}")
    return value


def _description(value: Any) -> str:
    """The system's description, which generated files quote in comments and docstrings: one
    printable line without quotes or backslashes (rgsym writes none)."""
    text = _text(value)
    if any(c in text for c in "\"\\`"):
        raise ExpressionFormatError(f"a description holds no quotes or backslashes, got {text[:40]!r}")
    return text


_COUPLING_LATEX = re.compile(r"\\kappa|\\lambda_\{[0-9]{1,3}(,[0-9]{1,3}){0,15}\}")


def _coupling_latex(value: Any) -> str:
    """A coupling's LaTeX as rgsym writes it: ``\\kappa`` or ``\\lambda_{i,j,...}``."""
    if not isinstance(value, str) or not _COUPLING_LATEX.fullmatch(value):
        raise ExpressionFormatError(f"not the LaTeX of a coupling: {str(value)[:40]!r}")
    return value


def _identifier(value: Any) -> str:
    """A name that reaches generated code (a coupling, a threshold placeholder): an identifier."""
    if not isinstance(value, str) or not value.isidentifier() or keyword.iskeyword(value):
        raise ExpressionFormatError(f"expected an identifier, got {str(value)[:40]!r}")
    return value


def _threshold(text: str) -> ThresholdIntegral:
    """A stored quadrature threshold: srepr text of a ThresholdIntegral."""
    value = _from_srepr(text)
    if not isinstance(value, ThresholdIntegral) or not all(isinstance(c, int) and 0 <= c <= 1000
                                                           for c in value.counts):
        raise ExpressionFormatError(f"not a threshold integral: {text[:80]!r}")
    return value


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


#: What :meth:`BetaSystem.from_dict` raises for text that is not srepr of an expression it writes.
ExpressionFormatError = ExpressionError


def _from_srepr(text: str) -> sp.Expr:
    """Rebuild an expression from its ``srepr`` text, without running anything else.

    Raises
    ------
    ExpressionFormatError
        If the text is anything but what :func:`rgsym.expression.read_srepr` reads.
    """
    return sp.sympify(read_srepr(text))
