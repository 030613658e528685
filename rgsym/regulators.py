"""Regulators: the registry of regulator shape functions.

A regulator is R_k(q^2) = Z k^2 r(y) with y = q^2 / k^2.  Each entry states its
shape r(y) (with the amplitude alpha where it has one) piecewise on intervals of
y, so that the loop integration in :mod:`rgsym.integrate` can be attempted
symbolically piece by piece and falls back to quadrature where no closed form
exists.  A user-defined shape is an expression in ``y`` and ``alpha`` given in
the spec.  New regulators are added by adding an entry to :data:`REGULATORS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from rgsym.expression import ExpressionError, brief, expanded_terms, read_expression
from rgsym.symbols import alpha, y


@dataclass(frozen=True)
class Piece:
    """r(y) = ``shape`` for ``lower <= y < upper``."""

    lower: sp.Expr
    upper: sp.Expr
    shape: sp.Expr


@dataclass(frozen=True)
class Regulator:
    """A regulator shape function.

    Attributes
    ----------
    name
        Registry key (``regulator.kind`` in a spec).
    pieces
        r(y) on consecutive intervals of y covering [0, oo); may contain ``alpha``.
    parameters
        Spec keys the regulator accepts besides ``kind``.
    reference
        Where the regulator was introduced or studied.
    sharp
        The pieces are to be taken in the limit alpha -> oo (the sharp cutoff
        R_k = lim alpha Z k^2 theta(1 - y)); see :func:`rgsym.integrate.threshold_integral`.
    """

    name: str
    pieces: tuple[Piece, ...]
    parameters: tuple[str, ...]
    reference: str
    sharp: bool = False

    def shape(self) -> sp.Expr:
        """r(y) as one sympy expression (Piecewise when there are several pieces)."""
        if len(self.pieces) == 1:
            return self.pieces[0].shape
        return sp.Piecewise(*[(p.shape, y < p.upper) for p in self.pieces[:-1]],
                            (self.pieces[-1].shape, True))

    def with_alpha(self, value: sp.Expr) -> Regulator:
        """The same regulator with the amplitude alpha fixed to ``value``."""
        if self.sharp:
            return self  # alpha -> oo is the definition of the sharp cutoff
        pieces = tuple(Piece(p.lower, p.upper, p.shape.subs(alpha, value)) for p in self.pieces)
        return Regulator(self.name, pieces, self.parameters, self.reference)


def smooth(name: str, shape: sp.Expr, reference: str) -> Regulator:
    """A regulator with one analytic shape on all of [0, oo)."""
    return Regulator(name, (Piece(sp.Integer(0), sp.oo, shape),), ("alpha",), reference)


LITIM = Regulator(
    name="litim",
    pieces=(Piece(sp.Integer(0), sp.Integer(1), alpha * (1 - y)),
            Piece(sp.Integer(1), sp.oo, sp.Integer(0))),
    parameters=("alpha",),
    reference="Litim, Phys. Lett. B486 (2000) 92, hep-th/0005245; Phys. Rev. D64 (2001) 105007",
)
EXPONENTIAL = smooth("exponential", alpha * y / (sp.exp(y) - 1),
                     "Wetterich, Phys. Lett. B301 (1993) 90; Berges, Tetradis, Wetterich, hep-ph/0005122")
EXP_MASS = smooth("exp-mass", alpha * sp.exp(-y),
                  "Canet, Delamotte, Mouhanna, Vidal, Phys. Rev. D67 (2003) 065004, hep-th/0211055")
POWER_LAW = smooth("power-law", alpha / y,
                   "Morris, Int. J. Mod. Phys. A9 (1994) 2411, hep-ph/9308265")
#: R_k = alpha Z k^2, momentum independent: its loop integral converges only for d < 2
#: (spec.py allows it there), and it is the natural regulator of the zero-dimensional model.
MASS = smooth("mass", alpha, "Keitel, Bartosch, J. Phys. A45 (2012) 105401, arXiv:1109.3013")

#: The sharp cutoff: r = alpha theta(1 - y) with alpha -> oo; no free parameter.
SHARP = Regulator(
    name="sharp",
    pieces=(Piece(sp.Integer(0), sp.Integer(1), alpha), Piece(sp.Integer(1), sp.oo, sp.Integer(0))),
    parameters=(),
    reference="Wegner, Houghton, Phys. Rev. A8 (1973) 401; Nicoll, Chang, Stanley, Phys. Rev. Lett. 33 "
              "(1974) 540; Morris, hep-ph/9308265 (as a limit of smooth cutoffs)",
    sharp=True,
)

#: Registry: ``regulator.kind`` -> regulator ("custom" takes its shape from the spec).
REGULATORS: dict[str, Regulator] = {r.name: r for r in (LITIM, EXPONENTIAL, EXP_MASS, POWER_LAW, MASS,
                                                         SHARP)}

#: Spec keys of the user-defined regulator.
CUSTOM_PARAMETERS = ("alpha", "shape")
#: Functions and constants a user-defined shape may use, besides y and alpha.
SHAPE_NAMES = ("exp", "sqrt", "log", "sin", "cos", "sinh", "cosh", "tanh", "pi", "E")
#: Most terms a user-defined shape may expand to: (1+y)**64*(2+y)**64*(3+y)**64 (274625 terms)
#: kept derivations busy for minutes, while every shape of the literature has a handful.
MAX_SHAPE_TERMS = 1000


def custom_regulator(shape: sp.Expr) -> Regulator:
    """A user-defined shape r(y) (an expression in ``y`` and ``alpha``)."""
    return smooth("custom", shape, "user-defined shape")


def parse_shape(text: str, complain: Callable[[str], Exception]) -> sp.Expr:
    """Read a user-defined shape r(y): a real expression in y (and alpha) only.

    The text goes through :func:`rgsym.expression.read_expression` (no code runs), and
    its cost is bounded before any derivation starts: it may expand to at most
    :data:`MAX_SHAPE_TERMS` terms.

    Parameters
    ----------
    text
        The shape as written in the spec, e.g. ``"exp(-y^2)"``.
    complain
        Builds the exception to raise from a one-line message.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    Exception
        The one ``complain`` returns, when the text cannot be a shape.
    """
    try:
        expr = read_expression(text, {"y": y, "alpha": alpha}, SHAPE_NAMES)
    except ExpressionError as exc:
        raise complain(str(exc)) from None
    if not isinstance(expr, sp.Expr) or not expr.free_symbols <= {y, alpha} or not expr.has(y):
        raise complain(f"{text!r} must be an expression in y (and alpha), e.g. 'exp(-y**2)'")
    terms = expanded_terms(expr, MAX_SHAPE_TERMS)
    if terms > MAX_SHAPE_TERMS:
        raise complain(f"{brief(text)} expands to more than {MAX_SHAPE_TERMS} terms, "
                       "the limit for a shape: the derivation would not finish; write it with fewer "
                       "or lower powers")
    return expr
