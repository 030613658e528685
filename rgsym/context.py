"""Context: what a derived flow was derived for, carried by the flow itself.

A :class:`~rgsym.betasystem.BetaSystem` or :class:`~rgsym.project.PotentialFlow` holds a
:class:`FlowContext`: the flow equation (and Polchinski cutoff), the regulator, the truncation,
the dimension and the field content.  The emitters and solvers read it there, so they take a
derived object and never the spec (:mod:`rgsym.project` fills it in, from the spec, where the
objects are made).  It is data only: numbers, text and sympy expressions, written to the disk
cache as JSON (:meth:`FlowContext.to_data`) and read back without running code.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import sympy as sp

if TYPE_CHECKING:
    from rgsym.invariants import Invariant
    from rgsym.regulators import Regulator


@dataclass(frozen=True)
class FieldContent:
    """One O(n) multiplet of real scalars: its name and number of components (an int or ``N``)."""

    name: str
    components: int | sp.Expr


@dataclass(frozen=True)
class FermionContent:
    """One fermion field of a Yukawa theory: N_f flavours (an int or ``N_f``) of spinors with
    ``spinor_dim`` components, Dirac or Majorana (closed loops count half)."""

    name: str
    flavours: int | sp.Expr
    spinor_dim: int
    majorana: bool = False


@dataclass(frozen=True)
class FlowContext:
    """The choices a flow was derived under, as later stages need them.

    Attributes
    ----------
    equation, cutoff
        ``flow.equation`` (``wetterich`` or ``polchinski``) and the Polchinski cutoff (None for
        Wetterich).
    regulator_kind, regulator_parameters, regulator_shape
        ``regulator.kind``, its parameters (sorted pairs) and, for ``custom``, the shape text;
        :attr:`regulator` is the resolved shape function.
    scheme, potential, order, expand_around, eta_projection
        The truncation.
    d
        The dimension (a number or the symbol d).
    fields
        The multiplets, in the order of the theory.
    invariants
        The anisotropic invariants (:class:`rgsym.invariants.Invariant`), empty for O(N) blocks.
    symmetry
        The symmetry group as text, e.g. ``O(N)``, ``O(2)xZ2`` or ``cubic(3)``.
    fermions, yukawa
        The fermion fields and the Yukawa matrices T_a (as written; a class's matrices) of a
        Gross-Neveu-Yukawa theory; empty without fermions.
    """

    equation: str
    cutoff: str | None
    regulator_kind: str
    regulator_parameters: tuple[tuple[str, float], ...]
    regulator_shape: str | None
    scheme: str
    potential: str
    order: int
    expand_around: str
    eta_projection: str
    d: sp.Expr
    fields: tuple[FieldContent, ...]
    invariants: tuple[Invariant, ...]
    symmetry: str
    fermions: tuple[FermionContent, ...] = ()
    yukawa: tuple[str, ...] = ()

    @cached_property
    def regulator(self) -> Regulator:
        """The regulator shape function with its parameters put in (as the derivation used it).

        Returns
        -------
        rgsym.regulators.Regulator
        """
        from rgsym.integrate import regulator_of
        from rgsym.spec import RegulatorSpec  # the registry reads a regulator table

        chosen = RegulatorSpec(self.regulator_kind, self.regulator_parameters, self.regulator_shape)
        return regulator_of(chosen)

    @property
    def is_single_multiplet(self) -> bool:
        """Whether there is exactly one field multiplet.

        Returns
        -------
        bool
        """
        return len(self.fields) == 1

    def subs(self, values: dict[sp.Symbol, Any]) -> FlowContext:
        """The context with parameter values put in (d, N in the multiplets, N_f in the fermions).

        Parameters
        ----------
        values
            Symbol -> value, as for :meth:`rgsym.betasystem.BetaSystem.subs`.

        Returns
        -------
        FlowContext
        """
        def put(x: Any) -> Any:
            return sp.sympify(x).subs(values) if isinstance(x, sp.Basic) else x

        return replace(self, d=put(self.d), fields=tuple(FieldContent(f.name, _components(put(f.components)))
                                                         for f in self.fields),
                       fermions=tuple(replace(f, flavours=_components(put(f.flavours)))
                                      for f in self.fermions))

    def to_data(self) -> dict[str, Any]:
        """JSON data: text and numbers as they are, expressions as ``srepr`` text.

        Returns
        -------
        dict
        """
        data = {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("d", "fields", "invariants", "regulator_parameters", "fermions", "yukawa")}
        data["regulator_parameters"] = [[k, v] for k, v in self.regulator_parameters]
        data["d"] = sp.srepr(self.d)
        data["fields"] = [[f.name, sp.srepr(sp.sympify(f.components))] for f in self.fields]
        data["invariants"] = [{f.name: _plain(getattr(inv, f.name)) for f in fields(inv)}
                              for inv in self.invariants]
        if self.fermions:  # absent without fermions: the same data as before they existed
            data["fermions"] = [[f.name, sp.srepr(sp.sympify(f.flavours)), f.spinor_dim, f.majorana]
                                for f in self.fermions]
            data["yukawa"] = list(self.yukawa)
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> FlowContext:
        """The context :meth:`to_data` wrote; expressions through :func:`rgsym.expression.read_srepr`.

        Parameters
        ----------
        data
            The dictionary.

        Returns
        -------
        FlowContext

        Raises
        ------
        ValueError, KeyError, TypeError
            For anything :meth:`to_data` does not write.
        """
        from rgsym.invariants import Invariant

        plain = {name: data[name] for name in ("equation", "cutoff", "regulator_kind", "regulator_shape",
                                               "scheme", "potential", "order", "expand_around",
                                               "eta_projection", "symmetry")}
        for name, value in plain.items():
            if name == "order":
                ok = isinstance(value, int) and not isinstance(value, bool)
            else:
                ok = isinstance(value, str) or (value is None and name in ("cutoff", "regulator_shape"))
            if not ok:
                raise ValueError(f"context field {name}: unexpected {type(value).__name__}")
        parameters = tuple((_string(k), float(v)) for k, v in data["regulator_parameters"])
        blocks = tuple(FieldContent(_string(n), _components(_expression(c))) for n, c in data["fields"])
        invariants = tuple(Invariant(**{_string(k): _unplain(v) for k, v in inv.items()})
                           for inv in data["invariants"])
        fermions = tuple(FermionContent(_string(n), _components(_expression(f)), _integer(dim), _flag(m))
                         for n, f, dim, m in data.get("fermions", ()))
        yukawa = tuple(_string(t) for t in data.get("yukawa", ()))
        return cls(**plain, regulator_parameters=parameters, d=_expression(data["d"]), fields=blocks,
                   invariants=invariants, fermions=fermions, yukawa=yukawa)


def required_context(value: Any, what: str) -> FlowContext:
    """The context of a derived flow, or a one-line error for one that has none.

    Parameters
    ----------
    value
        A :class:`~rgsym.betasystem.BetaSystem` or :class:`~rgsym.project.PotentialFlow`.
    what
        What needs it, for the message (e.g. ``--emit latex``).

    Returns
    -------
    FlowContext

    Raises
    ------
    UnsupportedError
        When ``value.context`` is None: a system read back from ``betas.json`` (whose public form
        leaves the context out) or built by hand.
    """
    context: FlowContext | None = getattr(value, "context", None)
    if context is None:
        from rgsym.errors import UnsupportedError

        raise UnsupportedError(getattr(value, "spec_source", ""), what,
                               "needs the regulator, truncation and fields the flow was derived for, "
                               "which a system read from betas.json does not carry; derive it from its spec")
    return context


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return value


def _expression(text: Any) -> sp.Expr:
    from rgsym.expression import read_srepr

    return sp.sympify(read_srepr(_string(text)))


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {type(value).__name__}")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {type(value).__name__}")
    return value


def _components(value: Any) -> int | sp.Expr:
    """An integer count as a Python int (as the spec has it), a symbolic one as it is."""
    value = sp.sympify(value)
    return int(value) if value.is_Integer else value


def _plain(value: Any) -> Any:
    """A field of an invariant as JSON: expressions tagged with their srepr text."""
    if isinstance(value, sp.Basic):
        return {"srepr": sp.srepr(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} in a flow context")


def _unplain(value: Any) -> Any:
    if isinstance(value, dict):
        return _expression(value["srepr"])
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError(f"unexpected {type(value).__name__} in a stored invariant")
