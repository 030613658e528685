"""Printers: sympy expressions to LaTeX, C99 and NumPy text.

Each printer is a subclass of a sympy printer (a visitor: ``_print_<Class>`` is
looked up along the expression's class hierarchy).  rgsym's own objects get
their text here and nowhere else: the couplings' LaTeX names, exact numeric
constants, integer powers as products.  Threshold functions that need
quadrature will be sympy ``Function`` subclasses; each printer gets a
``_print_<ClassName>`` method for them (and the C and NumPy printers record the
helper they call in :attr:`helpers`, as sympy's C printer records headers).

Generated code must be byte-reproducible, so the code printers print the
arguments of sums and products in sympy's canonical order (``order="none"``
keeps the order the expression was built in, which :mod:`rgsym.emit.kernels`
makes canonical).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp
from sympy.printing.c import C99CodePrinter
from sympy.printing.julia import JuliaCodePrinter
from sympy.printing.latex import LatexPrinter
from sympy.printing.mathematica import MCodePrinter
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

#: Integer powers up to this are printed as products (x*x*x); higher ones call a helper.
INLINE_POWER = 3


def float_literal(value: sp.Expr) -> str:
    """The shortest decimal text that reads back as the double nearest to ``value``.

    Examples
    --------
    >>> float_literal(sp.Rational(1, 3))
    '0.3333333333333333'
    >>> float_literal(sp.pi**2)
    '9.869604401089358'
    """
    return repr(float(sp.N(value, 30)))


def _print_scaled_product(printer: Any, expr: sp.Mul) -> str | None:
    """c*rest with a non-integer rational c as ``literal*rest``; None to print ``expr`` as sympy does.

    sympy's code printers write 5/2*x as ``5*x/2``, or as ``(2.5)*x`` once
    rationals are literals; this is the plain form.
    """
    coeff, rest = expr.as_coeff_Mul()
    if not coeff.is_Rational or coeff.is_Integer or rest == 1:
        return None
    sign = "-" if coeff < 0 else ""
    return f"{sign}{float_literal(abs(coeff))}*{printer.parenthesize(rest, PRECEDENCE['Mul'], strict=True)}"


class RGLatexPrinter(LatexPrinter):
    """LaTeX for rgsym expressions: couplings by their physics names (kappa, lambda_n, eta).

    Parameters
    ----------
    names
        Symbol -> LaTeX text, e.g. ``{lambda_2: r"\\lambda_{2}"}``.
    """

    def __init__(self, names: Mapping[sp.Symbol, str] | None = None, **settings: Any) -> None:
        super().__init__({"symbol_names": dict(names or {}), **settings})

    def _threshold(self, name: str, lower: str, d: sp.Expr, masses: tuple[sp.Expr, ...],
                   exp: str | None) -> str:
        args = ", ".join(self._print(w) for w in masses)
        text = rf"{name}_{{{lower}}}^{{{self._print(d)}}}\left({args}\right)"
        return text if exp is None else rf"\left[{text}\right]^{{{exp}}}"

    def _print_ThresholdL(self, expr: sp.Function, exp: str | None = None) -> str:
        """l_n^d(w) of Berges, Tetradis, Wetterich (hep-ph/0005122, eq. (2.16))."""
        n, d, w = expr.args
        return self._threshold("l", self._print(n), d, (w,), exp)

    def _print_ThresholdMixed(self, expr: sp.Function, exp: str | None = None) -> str:
        """l^d_{n_1,n_2}(w_1, w_2): a loop with different propagators."""
        counts, d, *masses = expr.args
        return self._threshold("l", ",".join(self._print(c) for c in counts), d, tuple(masses), exp)

    def _print_MixedThreshold(self, expr: sp.Function, exp: str | None = None) -> str:
        """l^d_{n_F,n_B}(w_F, w_B) of a Yukawa loop (:mod:`rgsym.yukawa_notation`)."""
        n_f, n_b, *masses = expr.args
        return self._threshold(r"\ell", f"{n_f},{n_b}", sp.Symbol("d"), tuple(masses), exp)

    def _print_EtaThreshold(self, expr: sp.Function, exp: str | None = None) -> str:
        """m^d_{2,2}, m^(F)d_4, m^(F)d_2, m^(FB)d_{1,2} of a Yukawa theory's anomalous dimensions
        (:mod:`rgsym.yukawa_eta_notation`; Gies, Janssen, Rechenberger, Scherer, arXiv:0910.0764)."""
        kind, *masses = expr.args
        upper, lower = {"BB": ("d", "2,2"), "VV": (r"(\mathrm{F})d", "4"), "SS": (r"(\mathrm{F})d", "2"),
                        "FB": (r"(\mathrm{FB})d", "1,2")}[str(kind)]
        args = ", ".join(self._print(w) for w in masses)
        text = rf"m^{{{upper}}}_{{{lower}}}\left({args}\right)"
        return text if exp is None else rf"\left[{text}\right]^{{{exp}}}"

    def _print_ThresholdM(self, expr: sp.Function, exp: str | None = None) -> str:
        """m^d_{2,2}(w_1, w_2) of the anomalous dimension (hep-ph/0005122, eq. (4.13))."""
        d, *masses = expr.args
        return self._threshold("m", "2,2", d, tuple(masses), exp)


class CodePrinting:
    """What the kernel writers need of a code printer: the text of one expression.

    ``_print`` skips ``doprint``'s walk over the whole expression (a fifth of the
    time on large kernels); a function the language lacks still raises sympy's
    ``PrintMethodNotImplementedError``, as the printers run with ``strict``.
    """

    #: Integers of this many bits or more are printed as double literals (None: as the
    #: language printer prints them).
    integer_bits: int | None = None
    #: Sums of more terms than this are printed as running sums by :meth:`sum_parts` (None: never).
    max_terms: int | None = None

    def expression(self, expr: sp.Expr) -> str:
        """The code for ``expr``."""
        return str(self._print(expr))  # type: ignore[attr-defined]

    def sum_parts(self, expr: sp.Expr) -> list[str]:
        """The code for ``expr`` as the parts of a running sum: ``[first, rest, ...]``, where
        ``s = first``, then ``s = s rest`` for each ``rest`` (``+ a - b ...``) computes the value
        of :meth:`expression`, bit for bit: the terms are added in the same order, left to right.

        A sum of more than :attr:`max_terms` terms is cut into parts of that many; anything else
        is one part, :meth:`expression` itself.  A sum of thousands of terms in one expression
        is as deep a tree for Python's compiler, which then fails (order 24 of the LPA) or takes
        minutes.

        Examples
        --------
        >>> from rgsym.emit.printers import RGNumPyPrinter
        >>> a, b, c = sp.symbols("a b c")
        >>> printer = RGNumPyPrinter()
        >>> printer.max_terms = 2
        >>> printer.sum_parts(a - b + c)
        ['a + c', '- b']
        """
        if self.max_terms is None or not isinstance(expr, sp.Add) or len(expr.args) <= self.max_terms:
            return [self.expression(expr)]
        pairs = self._signed_terms(expr)
        size = self.max_terms
        parts = [" ".join(f"{sign} {t}" for sign, t in pairs[i:i + size]) for i in range(0, len(pairs), size)]
        first_sign, first = pairs[0]
        parts[0] = parts[0][len(f"{first_sign} "):]
        return [f"-{parts[0]}" if first_sign == "-" else parts[0], *parts[1:]]

    def _signed_terms(self, expr: sp.Add) -> list[tuple[str, str]]:
        """(sign, text) of each term of ``expr`` as sympy's ``_print_Add`` writes them."""
        prec = precedence(expr)
        pairs = []
        for term in self._as_ordered_terms(expr, order=None):  # type: ignore[attr-defined]
            t = str(self._print(term))  # type: ignore[attr-defined]
            sign = "+"
            if t.startswith("-") and not term.is_Add:
                sign, t = "-", t[1:]
            pairs.append((sign, f"({t})" if precedence(term) < prec or term.is_Add else t))
        return pairs

    def _print_Float(self, expr: sp.Float) -> str:
        return float_literal(expr)

    def _print_Rational(self, expr: sp.Rational) -> str:
        return float_literal(expr)

    def _print_Integer(self, expr: sp.Integer) -> str:
        if self.integer_bits is None:
            return str(super()._print_Integer(expr))  # type: ignore[misc]
        return str(int(expr)) if abs(int(expr)) < 2**self.integer_bits else float_literal(expr)

    def _print_NumberSymbol(self, expr: sp.NumberSymbol) -> str:
        return float_literal(expr)

    _print_Pi = _print_NumberSymbol
    _print_Exp1 = _print_NumberSymbol

    def _print_Mul(self, expr: sp.Mul) -> str:
        return _print_scaled_product(self, expr) or str(super()._print_Mul(expr))  # type: ignore[misc]


class RGC99CodePrinter(CodePrinting, C99CodePrinter):
    """C99 for rgsym kernels.

    - Numeric constants (pi, pi**2, rationals) become double literals: strict
      ``-std=c99`` has no ``M_PI``, and a literal is exact to the last bit.
    - Integer powers are products (``x*x``) or a call of the static helper
      ``rgsym_powi``, not ``pow``: faster, and no loss of accuracy.
    - Integers beyond 32 bits are printed as doubles, never as C ``int`` literals.
    """

    _default_settings: dict[str, Any] = {**C99CodePrinter._default_settings, "order": "none", "strict": True}
    integer_bits = 31

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        super().__init__(dict(settings or {}))
        self.helpers: set[str] = set()
        #: Temporaries kept in the work array: name -> slot (see :mod:`rgsym.emit.c`).
        self.work: Mapping[str, int] = {}

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        slot = self.work.get(expr.name)
        return f"w[{slot}]" if slot is not None else str(super()._print_Symbol(expr))


    def _print_Pow(self, expr: sp.Pow) -> str:
        base, exp = expr.args
        if expr.is_number:
            return float_literal(expr)
        if exp.is_Integer and exp != 0:
            return self._integer_power(base, int(exp))
        if exp == sp.Rational(1, 2):
            return f"sqrt({self._print(base)})"
        if exp == sp.Rational(-1, 2):
            return f"(1.0/sqrt({self._print(base)}))"
        return f"pow({self._print(base)}, {self._print(exp)})"

    def _integer_power(self, base: sp.Expr, n: int) -> str:
        """x**n as a product in parentheses (so that any context may use it), or a helper call."""
        factor = self.parenthesize(base, PRECEDENCE["Mul"], strict=True)
        if abs(n) == 1:
            text = factor
        elif abs(n) <= INLINE_POWER:
            text = "(" + "*".join([factor] * abs(n)) + ")"
        else:
            self.helpers.add("powi")
            text = f"rgsym_powi({self._print(base)}, {abs(n)})"
        return f"(1.0/{text})" if n < 0 else text


class RGNumPyPrinter(CodePrinting, NumPyPrinter):
    """Python/NumPy for rgsym kernels: exact double literals, integer powers with ``**``.

    The generated module imports ``numpy`` only (and ``math`` for the Gamma
    function, through the helper ``_gamma``).
    """

    _default_settings: dict[str, Any] = {**NumPyPrinter._default_settings, "order": "none",
                                         "strict": True}
    max_terms = 200

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        super().__init__(dict(settings or {}))
        self.helpers: set[str] = set()


    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, exp = expr.args
        if expr.is_number:
            return float_literal(expr)
        if exp.is_Integer:
            power = str(int(exp)) if exp > 0 else f"({int(exp)})"
            return f"{self.parenthesize(base, PRECEDENCE['Pow'], strict=True)}**{power}"
        return str(super()._print_Pow(expr, rational=rational))

    def _print_gamma(self, expr: sp.Function) -> str:
        self.helpers.add("gamma")
        return f"_gamma({self._print(expr.args[0])})"


class RGJuliaPrinter(CodePrinting, JuliaCodePrinter):
    """Julia for rgsym kernels: exact Float64 literals (not Julia ``Rational``s), scalar powers.

    ``gamma`` needs SpecialFunctions.jl; it is recorded in :attr:`helpers`.
    """

    _default_settings: dict[str, Any] = {**JuliaCodePrinter._default_settings, "order": "none",
                                         "strict": True, "inline": True}
    integer_bits = 62

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        super().__init__(dict(settings or {}))
        self.helpers: set[str] = set()


    def _print_Pow(self, expr: sp.Pow) -> str:
        base, exp = expr.args
        if expr.is_number:
            return float_literal(expr)
        if exp.is_Integer:
            return f"{self.parenthesize(base, PRECEDENCE['Pow'], strict=True)}^{self._print(exp)}" \
                if exp > 0 else f"(1.0/{self._print(sp.Pow(base, -exp))})"
        return f"{self.parenthesize(base, PRECEDENCE['Pow'], strict=True)}^({self._print(exp)})"

    def _print_gamma(self, expr: sp.Function) -> str:
        self.helpers.add("gamma")
        return f"gamma({self._print(expr.args[0])})"


class RGMathematicaPrinter(MCodePrinter):
    """Mathematica InputForm with rgsym's names mapped to Mathematica symbols.

    Parameters
    ----------
    names
        rgsym name -> Mathematica symbol (see :func:`rgsym.emit.exports.mathematica_name`).
    """

    def __init__(self, names: Mapping[str, str], settings: Mapping[str, Any] | None = None) -> None:
        super().__init__(dict(settings or {}))
        self.names = dict(names)

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self.names.get(expr.name, expr.name)


class RGSymPyPrinter(StrPrinter):
    """Python text that rebuilds a sympy expression exactly: rationals as ``Rational(p, q)`` and
    integers as ``Integer(n)`` wherever Python arithmetic would otherwise round or truncate."""

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"Rational({expr.p}, {expr.q})"

    def _print_Integer(self, expr: sp.Integer) -> str:
        return f"Integer({int(expr)})"

    def _print_Half(self, expr: sp.Rational) -> str:
        return "Rational(1, 2)"
