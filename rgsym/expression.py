"""Expression: the one reader of expression text, from specs, JSON files and the cache.

Text from outside rgsym never reaches ``eval``, ``exec``, ``sympify`` or ``parse_expr``.
It is parsed by Python's :mod:`ast` (which only builds a tree), every node of the tree is
checked against a whitelist, and the sympy objects are built from the tree directly.
Sizes are bounded before anything is built, so no input can run code, exhaust memory or
hang the reader.

- :func:`read_expression` reads what a user writes in a spec (``theory.d``,
  ``regulator.shape``, ``[bare]`` potentials): numbers of bounded size, the names and
  functions the caller allows, ``+ - * / **`` (``^`` is ``**``), unary minus and brackets.
- :func:`read_srepr` reads the ``sympy.srepr`` text rgsym itself writes (JSON systems,
  cache entries): calls of a fixed list of sympy constructors on numbers and on other
  such calls; strings only as the names of symbols and undefined functions.
- :func:`write_postfix` and :func:`read_postfix` store symengine expressions (the cache's
  beta functions) as a flat postfix list of JSON tokens, about a hundred times faster to
  read back than srepr text, with the same whitelist and bounds; a repeated subexpression
  is written once and referred to.  :func:`rebuild_postfix` builds what they read back
  without the tokens.

Both raise :class:`ExpressionError` (a :class:`ValueError`) with a one-line message for
anything else; callers turn it into a :class:`~rgsym.errors.SpecError` naming the file and key.
The module is longer than most (some 950 lines) because the three readers share the whitelists,
the bounds and their checks, which are kept in one place so that no reader can drift from them.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from types import MappingProxyType
from typing import Any

import symengine as se
import sympy as sp
from sympy.core.function import UndefinedFunction
from sympy.functions.elementary.piecewise import ExprCondPair

#: Longest expression a spec may hold.
MAX_EXPRESSION_LENGTH = 200
#: Largest numeric exponent in spec text (``y**64``); symbolic exponents (``y**alpha``) pass.
MAX_EXPONENT = 64
#: Longest number literal in spec text, in characters.
MAX_NUMBER_LENGTH = 20
#: Largest number a numeric power in spec text may produce, in bits (10**64 has 213).
MAX_NUMBER_BITS = 256
#: Most syntax-tree nodes in spec text (a 200-character text has fewer).
MAX_NODES = 400

#: Longest srepr text read back (an order-40 system is a few MB per beta at most).
MAX_SREPR_LENGTH = 64_000_000
#: Most syntax-tree nodes in one srepr text.
MAX_SREPR_NODES = 8_000_000
#: Largest integer literal in srepr text, in bits (Python's parser stops at 4300 digits first).
MAX_SREPR_INT_BITS = 16_000
#: Largest numeric exponent in srepr text; a numeric power may produce at most MAX_SREPR_INT_BITS.
MAX_SREPR_EXPONENT = 1_000
#: Largest numeric argument of gamma-like functions, whose value sympy computes exactly.
MAX_SPECIAL_ARGUMENT = 1_000
#: Longest ``Float`` text, and the largest decimal exponent and binary precision it may have.
MAX_FLOAT_LENGTH = 80
MAX_FLOAT_EXPONENT = 4_000
MAX_FLOAT_PRECISION = 4_096
#: Longest name of a symbol or function in srepr text.
MAX_NAME_LENGTH = 200

#: Functions a spec expression may call, by the name it is written with.
FUNCTIONS: Mapping[str, Callable[[sp.Expr], sp.Expr]] = MappingProxyType({
    "exp": sp.exp, "sqrt": sp.sqrt, "log": sp.log, "sin": sp.sin, "cos": sp.cos,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
})
#: Named constants a spec expression may use when the caller allows them.
CONSTANTS: Mapping[str, sp.Expr] = MappingProxyType({"pi": sp.pi, "E": sp.E})

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_FLOAT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?(\d+))?\Z")


class ExpressionError(ValueError):
    """Text that is not an expression rgsym reads; the message is one line."""


# --- spec text ---------------------------------------------------------------------------------


def read_expression(text: str, variables: Mapping[str, sp.Expr],
                    functions: Sequence[str] = ()) -> sp.Expr:
    """Read a small arithmetic expression written by a user into a sympy expression.

    Parameters
    ----------
    text
        The expression, e.g. ``"4 - epsilon"`` or ``"alpha*exp(-y^2)"``; ``^`` means ``**``.
    variables
        The names it may use and what each stands for (symbols, or numbers such as ``pi``).
    functions
        Names from :data:`FUNCTIONS` (``exp``, ``sqrt``, ...) and :data:`CONSTANTS` it may use.

    Returns
    -------
    sympy.Expr
        Built node by node from the syntax tree, with sympy's usual evaluation.

    Raises
    ------
    ExpressionError
        For anything but numbers, the allowed names, ``+ - * / **``, unary signs, brackets
        and calls of the allowed functions, or sizes beyond :data:`MAX_EXPRESSION_LENGTH`,
        :data:`MAX_NUMBER_LENGTH`, :data:`MAX_EXPONENT` and :data:`MAX_NUMBER_BITS`.

    Examples
    --------
    >>> from rgsym.symbols import epsilon
    >>> read_expression("4 - epsilon", {"epsilon": epsilon})
    4 - epsilon
    >>> read_expression("10**10**10", {})
    Traceback (most recent call last):
    ...
    rgsym.expression.ExpressionError: cannot read '10**10**10': exponents must be numbers of size at most 64
    """
    if not isinstance(text, str):
        raise ExpressionError(f"must be a string, got {type(text).__name__}")
    shown = brief(text)
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"cannot read {shown}: longer than {MAX_EXPRESSION_LENGTH} characters")
    odd = next((c for c in text if not (c.isascii() and (c.isprintable() or c in " \t"))), None)
    if odd is not None:
        raise ExpressionError(f"cannot read {shown}: {odd!r} is not allowed (ASCII letters, digits, "
                              "operators and brackets only)")
    if not text.strip():
        raise ExpressionError("cannot read an empty expression")
    known = {**{n: CONSTANTS[n] for n in functions if n in CONSTANTS}, **variables}
    source = text.strip().replace("^", "**")  # leading blanks would be an indentation to Python
    reader = _SpecReader(source, shown, known, {n: FUNCTIONS[n] for n in functions if n in FUNCTIONS})
    return reader.build(_parse(source, shown, MAX_NODES).body)


def check_name(name: str, reserved: Sequence[str] = ()) -> str | None:
    """Why ``name`` cannot name a constant in a spec, or None when it can.

    A name is ASCII letters, digits and underscores starting with a letter, is not a
    Python keyword and is none of ``reserved`` nor of the function and constant names of
    :data:`FUNCTIONS` and :data:`CONSTANTS`; the comparison is made after NFKC
    normalisation, the form Python compiles identifiers in.

    Parameters
    ----------
    name
        The proposed name.
    reserved
        Further names that are taken (variables such as ``rho``).

    Returns
    -------
    str or None
        A reason fit for an error message.

    Examples
    --------
    >>> check_name("lam") is None
    True
    >>> check_name("\\uff50\\uff52\\uff49\\uff4e\\uff54")
    "is not plain ASCII (Python reads it as 'print'); use letters a-z, A-Z, digits and _"
    """
    normal = unicodedata.normalize("NFKC", name)
    taken = {*reserved, *FUNCTIONS, *CONSTANTS}
    if not name.isascii():
        read_as = f" (Python reads it as {normal!r})" if normal != name else ""
        return f"is not plain ASCII{read_as}; use letters a-z, A-Z, digits and _"
    if not _NAME.match(name):
        return "must start with a letter and hold only letters a-z, A-Z, digits and _"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return "is a Python keyword"
    if name in taken:
        return f"is taken (reserved: {', '.join(sorted(taken))})"
    return None


class _SpecReader:
    """Builds a sympy expression from the syntax tree of spec text (``text``, ``^`` already
    ``**``), node by node."""

    def __init__(self, text: str, shown: str, names: Mapping[str, sp.Expr],
                 functions: Mapping[str, Callable[[sp.Expr], sp.Expr]]) -> None:
        self.text, self.shown, self.names, self.functions = text, shown, names, functions

    def fail(self, why: str) -> ExpressionError:
        return ExpressionError(f"cannot read {self.shown}: {why}")

    def build(self, node: ast.expr) -> sp.Expr:
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = self.build(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            if node.id not in self.names:
                raise self.fail(f"{brief(node.id)} is not a number, an operator or one of {self.allowed()}")
            return self.names[node.id]
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.fail(f"{describe(node)} is not allowed; use numbers, {self.allowed()}, "
                        "+ - * / ** and brackets")

    def allowed(self) -> str:
        return ", ".join([*self.names, *self.functions]) or "no names"

    def number(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{describe(node)} is not allowed; use numbers, {self.allowed()}, "
                            "+ - * / ** and brackets")
        literal = ast.get_source_segment(self.text, node) or repr(value)
        if len(literal) > MAX_NUMBER_LENGTH:
            raise self.fail(f"numbers may have at most {MAX_NUMBER_LENGTH} characters")
        if isinstance(value, int):
            return sp.Integer(value)
        if not math.isfinite(value):
            raise self.fail(f"{literal} is not a finite number")
        return sp.Float(literal.replace("_", ""))

    def binary(self, node: ast.BinOp) -> sp.Expr:
        left, right = self.build(node.left), self.build(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
        if isinstance(node.op, ast.Pow):
            self.check_power(left, right)
            return left ** right
        raise self.fail(f"the operator {describe(node.op)} is not allowed; use + - * / ** (or ^)")

    def check_power(self, base: sp.Expr, exponent: sp.Expr) -> None:
        """A numeric exponent of size at most MAX_EXPONENT; a numeric result of bounded size."""
        if exponent.free_symbols:
            return
        message = f"exponents must be numbers of size at most {MAX_EXPONENT}"
        if not exponent.is_real or exponent.has(sp.Pow) and not exponent.is_Rational:
            raise self.fail(message)
        try:
            size = abs(float(exponent))
        except (TypeError, ValueError, OverflowError):
            raise self.fail(message) from None
        if not size <= MAX_EXPONENT:
            raise self.fail(message)
        if coefficient_bits(base) * size > MAX_NUMBER_BITS:
            raise self.fail(f"numeric powers may reach at most 2**{MAX_NUMBER_BITS}")

    def call(self, node: ast.Call) -> sp.Expr:
        if not isinstance(node.func, ast.Name) or node.func.id not in self.functions:
            what = brief(node.func.id) if isinstance(node.func, ast.Name) else describe(node.func)
            raise self.fail(f"{what} is not a function one may call here; allowed: "
                            f"{', '.join(self.functions) or 'none'}")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise self.fail(f"{node.func.id} takes exactly one argument (no *, ** or keywords)")
        return self.functions[node.func.id](self.build(node.args[0]))


def coefficient_bits(base: sp.Basic) -> int:
    """Bits of the exact numbers sympy multiplies out when ``base`` is raised to a power.

    A rational base, and the rational factors of a product, are raised exactly (the
    rest stays symbolic): their bit lengths, times the exponent, bound the result's size.

    Parameters
    ----------
    base
        The base of a power.

    Returns
    -------
    int

    Examples
    --------
    >>> from rgsym.symbols import y
    >>> coefficient_bits(sp.Integer(10)**20 * sp.sqrt(3) * y)
    67
    """
    factors = base.args if isinstance(base, sp.Mul) else (base,)
    return sum(max(abs(f.p).bit_length(), f.q.bit_length()) for f in factors if f.is_Rational)


def _parse(text: str, shown: str, max_nodes: int) -> ast.Expression:
    """Python's syntax tree of an expression (nothing is run), with at most ``max_nodes`` nodes."""
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        raise ExpressionError(f"cannot read {shown}: not an expression") from None
    for count, _ in enumerate(ast.walk(tree)):
        if count > max_nodes:
            raise ExpressionError(f"cannot read {shown}: more than {max_nodes} terms and operators")
    return tree


def describe(node: ast.AST) -> str:
    """Words for a piece of syntax, for error messages (``attribute access``, ``a string``, ...).

    Parameters
    ----------
    node
        A node of a Python syntax tree.

    Returns
    -------
    str

    Examples
    --------
    >>> import ast
    >>> describe(ast.parse("x.y", mode="eval").body)
    'attribute access (.)'
    """
    words = {
        ast.Attribute: "attribute access (.)", ast.Subscript: "indexing ([...])",
        ast.Starred: "unpacking (*)", ast.Lambda: "lambda", ast.IfExp: "if/else",
        ast.Compare: "a comparison", ast.BoolOp: "and/or", ast.NamedExpr: "assignment (:=)",
        ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension", ast.GeneratorExp: "a comprehension",
        ast.JoinedStr: "an f-string", ast.List: "a list", ast.Tuple: "a tuple",
        ast.Dict: "a dict", ast.Set: "a set", ast.Await: "await", ast.Yield: "yield",
        ast.Call: "a call",
    }
    for kind, word in words.items():
        if isinstance(node, kind):
            return word
    if isinstance(node, ast.Constant):
        return "a string" if isinstance(node.value, str | bytes) else brief(node.value)
    symbols = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitXor: "^", ast.BitOr: "|",
               ast.BitAnd: "&", ast.LShift: "<<", ast.RShift: ">>", ast.Not: "not", ast.Invert: "~"}
    for kind, word in symbols.items():
        if isinstance(node, kind):
            return repr(word)
    return type(node).__name__


def brief(value: Any, limit: int = 60) -> str:
    """``repr(value)`` on one line, cut to about ``limit`` characters.

    Parameters
    ----------
    value
        Anything; strings keep their quotes.
    limit
        The most characters shown.

    Returns
    -------
    str

    Examples
    --------
    >>> brief("x" * 100, 10)
    "'xxxxxx..."
    """
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def expanded_terms(expr: sp.Basic, limit: int) -> int:
    """How many terms ``expr`` has when every product and integer power is multiplied out.

    A cheap upper estimate, from the tree alone, of what expanding costs: sums add,
    products multiply, ``(a + b + ...)**n`` with t terms gives C(n + t - 1, t - 1), and a
    function counts as its argument.  Counting stops once it passes ``limit``.

    Parameters
    ----------
    expr
        A sympy expression.
    limit
        Counts above it are not refined further.

    Returns
    -------
    int
        At most a little above ``limit`` (any value above it means "too large").

    Examples
    --------
    >>> from rgsym.symbols import y
    >>> expanded_terms((1 + y)**3 * (2 + y), 1000)
    8
    """
    if not expr.args or expr.is_Number:
        return 1
    if isinstance(expr, sp.Add):
        return min(sum(expanded_terms(a, limit) for a in expr.args), limit + 1)
    if isinstance(expr, sp.Mul):
        total = 1
        for a in expr.args:
            total = min(total * expanded_terms(a, limit), limit + 1)
        return total
    if isinstance(expr, sp.Pow):
        base = expanded_terms(expr.base, limit)
        exponent = expr.exp
        if exponent.is_Integer and base > 1:
            n = min(abs(int(exponent)), limit + 1)
            return min(math.comb(n + base - 1, base - 1), limit + 1)
        return base
    return min(max(expanded_terms(a, limit) for a in expr.args), limit + 1)


# --- srepr text ----------------------------------------------------------------------------------


def read_srepr(text: str) -> sp.Basic:
    """Rebuild an expression from the ``sympy.srepr`` text rgsym writes, running nothing else.

    Parameters
    ----------
    text
        E.g. ``"Add(Symbol('x'), Integer(1))"``.

    Returns
    -------
    sympy.Basic
        The expression, built by calling the constructors of :func:`srepr_constructors`
        as ``eval`` of the text would, after every node and size has been checked.

    Raises
    ------
    ExpressionError
        For any other syntax, any other name, strings other than the name of a ``Symbol``,
        ``Dummy`` or ``Function``, or sizes beyond the ``MAX_SREPR_*`` and
        ``MAX_FLOAT_*`` bounds (``Pow(Integer(10), Integer(10**10))``,
        ``Float('1e100000000000')``, ``gamma(Integer(10**8))``).

    Examples
    --------
    >>> read_srepr("Add(Symbol('x'), Integer(1))")
    x + 1
    >>> read_srepr("Tuple('x')")
    Traceback (most recent call last):
    ...
    rgsym.expression.ExpressionError: cannot read "Tuple('x')": Tuple takes expressions, not a string
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be srepr text, got {type(text).__name__}")
    shown = brief(text, 80)
    if len(text) > MAX_SREPR_LENGTH:
        raise ExpressionError(f"cannot read {shown}: longer than {MAX_SREPR_LENGTH} characters")
    tree = _parse(text, shown, MAX_SREPR_NODES)
    try:
        return _SreprReader(shown).build(tree.body)
    except ExpressionError:
        raise
    except (TypeError, ValueError, ArithmeticError, AttributeError, IndexError) as exc:
        # a whitelisted constructor called with the wrong arguments, e.g. gamma() or Lambda()
        raise ExpressionError(f"cannot read {shown}: {type(exc).__name__}: {brief(str(exc))}") from None


#: Constructors whose numeric arguments are evaluated exactly by sympy (gamma(10**8) is 10**8!).
_SPECIAL = frozenset({"gamma", "loggamma", "polygamma", "uppergamma", "lowergamma", "zeta", "erf", "erfc"})
#: Names of functions with a string argument: the name of the symbol or function.
_NAMED = frozenset({"Symbol", "Dummy", "Function"})


@cache
def srepr_constructors() -> Mapping[str, Any]:
    """The sympy classes and constants srepr text may name, by name.

    These are what rgsym's derivations produce: numbers, symbols, arithmetic, the elementary
    and gamma-like functions of regulators and angular factors, piecewise regulators,
    ``Lambda``, ``Tuple``, ``Derivative`` of undefined functions, and the threshold integrals.
    No constructor in it reads a string as an expression.

    Returns
    -------
    Mapping
        Name -> class or singleton.
    """
    from rgsym.threshold import ThresholdIntegral, WeightedThreshold

    names = ("Integer", "Rational", "Float", "Symbol", "Dummy", "Function", "Add", "Mul", "Pow",
             "exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh", "Abs", "sign", "Heaviside",
             "Lambda", "Tuple", "Derivative", "Piecewise", "ExprCondPair", "StrictLessThan",
             "LessThan", "StrictGreaterThan", "GreaterThan", "Equality", "Unequality", "And", "Or",
             "Not", "pi", "E", "I", "oo", "zoo", "nan", "true", "false", "EulerGamma", *_SPECIAL)
    table: dict[str, Any] = {name: getattr(sp, name) for name in names if name != "ExprCondPair"}
    table["ExprCondPair"] = ExprCondPair
    table["ThresholdIntegral"] = ThresholdIntegral
    table["WeightedThreshold"] = WeightedThreshold
    return MappingProxyType(table)


class _SreprReader:
    """Builds a sympy expression from the syntax tree of srepr text, node by node."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.table = srepr_constructors()
        self.assumptions = _assumption_names()

    def fail(self, why: str) -> ExpressionError:
        return ExpressionError(f"cannot read {self.shown}: {why}")

    def build(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Name):
            value = self.table.get(node.id)
            if value is None or isinstance(value, type):
                raise self.fail(f"{brief(node.id)} is not a sympy expression rgsym writes")
            return value
        raise self.fail(f"{describe(node)} is not allowed outside a constructor's arguments")

    def call(self, node: ast.Call) -> Any:
        func = node.func
        if isinstance(func, ast.Call):  # Function('u')(x): an undefined function applied
            applied = self.call(func)
            if not isinstance(applied, UndefinedFunction):
                raise self.fail("only Function('name') may be applied to arguments")
            return applied(*self.arguments(node, "Function"))
        if not isinstance(func, ast.Name) or not isinstance(self.table.get(func.id), type):
            raise self.fail(f"{brief(getattr(func, 'id', describe(func)))} is not a sympy "
                            "constructor rgsym writes")
        name = func.id
        if name in ("Integer", "Rational"):
            return self.table[name](*(self.integer(a) for a in self.plain_arguments(node, name, 1, 2)))
        if name == "Float":
            return self.float_(node)
        if name in _NAMED:
            return self.named(node, name)
        args = self.arguments(node, name)
        self.check_size(name, args)
        return self.table[name](*args)

    def plain_arguments(self, node: ast.Call, name: str, least: int, most: int) -> list[ast.expr]:
        if node.keywords or not least <= len(node.args) <= most \
                or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(f"{name} takes {least} to {most} numbers, no keywords")
        return node.args

    def arguments(self, node: ast.Call, name: str) -> list[Any]:
        if node.keywords:
            raise self.fail(f"{name} takes no keywords")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail("unpacking (*) is not allowed")
        if any(isinstance(a, ast.Constant) and isinstance(a.value, str | bytes) for a in node.args):
            raise self.fail(f"{name} takes expressions, not a string")
        return [self.build(a) for a in node.args]

    def integer(self, node: ast.expr) -> int:
        negative = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
        inner = node.operand if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd) \
            else node
        if not isinstance(inner, ast.Constant) or isinstance(inner.value, bool) \
                or not isinstance(inner.value, int):
            raise self.fail(f"{describe(inner)} where an integer belongs")
        if inner.value.bit_length() > MAX_SREPR_INT_BITS:
            raise self.fail(f"integers may have at most {MAX_SREPR_INT_BITS} bits")
        return -inner.value if negative else inner.value

    def float_(self, node: ast.Call) -> sp.Float:
        if len(node.args) != 1 or not isinstance(node.args[0], ast.Constant) \
                or not isinstance(node.args[0].value, str):
            raise self.fail("Float takes its digits as one string")
        digits = node.args[0].value
        match = _FLOAT.match(digits) if len(digits) <= MAX_FLOAT_LENGTH else None
        if match is None or (match.group(3) is not None and len(match.group(3)) > 5) \
                or (match.group(3) is not None and int(match.group(3)) > MAX_FLOAT_EXPONENT):
            raise self.fail(f"Float digits must be a decimal number of at most {MAX_FLOAT_LENGTH} "
                            f"characters with an exponent of size at most {MAX_FLOAT_EXPONENT}")
        precision = None
        for kw in node.keywords:
            if kw.arg != "precision" or precision is not None:
                raise self.fail("Float takes only the keyword precision")
            precision = self.integer(kw.value)
            if not 1 <= precision <= MAX_FLOAT_PRECISION:
                raise self.fail(f"Float precision must be from 1 to {MAX_FLOAT_PRECISION} bits")
        return sp.Float(digits) if precision is None else sp.Float(digits, precision=precision)

    def named(self, node: ast.Call, name: str) -> Any:
        if len(node.args) != 1 or not isinstance(node.args[0], ast.Constant) \
                or not isinstance(node.args[0].value, str):
            raise self.fail(f"{name} takes its name as one string")
        label = node.args[0].value
        if not _is_name(label):
            raise self.fail(f"{name} names must be identifiers of at most {MAX_NAME_LENGTH} characters")
        options: dict[str, Any] = {}
        for kw in node.keywords:
            if kw.arg is None or kw.arg in options:
                raise self.fail("unpacking (**) is not allowed")
            if name == "Dummy" and kw.arg == "dummy_index":
                options[kw.arg] = self.integer(kw.value)
            elif name != "Function" and kw.arg in self.assumptions and isinstance(kw.value, ast.Constant) \
                    and isinstance(kw.value.value, bool):
                options[kw.arg] = kw.value.value
            else:
                raise self.fail(f"{brief(kw.arg)} is not an assumption of {name}")
        return self.table[name](label, **options)

    def check_size(self, name: str, args: list[Any]) -> None:
        """Bound what sympy computes exactly while it builds: numeric powers and gamma-like values."""
        if name == "Pow" and len(args) == 2 and getattr(args[1], "is_Number", False):
            exponent = args[1]
            size = abs(float(exponent)) if exponent.is_finite else math.inf
            if not size <= MAX_SREPR_EXPONENT:
                raise self.fail(f"numeric exponents may be at most {MAX_SREPR_EXPONENT} in size")
            if isinstance(args[0], sp.Basic) and coefficient_bits(args[0]) * size > MAX_SREPR_INT_BITS:
                raise self.fail(f"numeric powers may have at most {MAX_SREPR_INT_BITS} bits")
        if name in _SPECIAL:
            for a in args:
                if getattr(a, "is_number", False) and not (a.is_finite and abs(a) <= MAX_SPECIAL_ARGUMENT):
                    raise self.fail(f"{name} of a number larger than {MAX_SPECIAL_ARGUMENT}")
        if name == "Derivative":
            for a in args[1:]:
                counts = a.args[1:] if isinstance(a, sp.Tuple) else ()
                if any(not (c.is_Integer and 0 <= c <= MAX_SREPR_EXPONENT) for c in counts):
                    raise self.fail(f"derivative orders must be integers from 0 to {MAX_SREPR_EXPONENT}")


@cache
def _assumption_names() -> frozenset[str]:
    """The assumptions a Symbol may carry (``real``, ``positive``, ...)."""
    from sympy.core.assumptions import _assume_defined

    return frozenset(_assume_defined)


# --- postfix tokens (symengine) ------------------------------------------------------------------

#: symengine functions of one argument a postfix list may apply (those the installed version has).
_POSTFIX_FUNCTIONS = ("log", "gamma", "loggamma", "sin", "cos", "tan", "sinh", "cosh", "tanh", "Abs",
                      "erf", "erfc")
#: symengine constants by the name of their class.
_POSTFIX_CONSTANTS = ("Pi", "Exp1", "ImaginaryUnit", "EulerGamma", "Infinity", "NegativeInfinity",
                      "ComplexInfinity", "NaN")
_RATIONAL = re.compile(r"-?\d{1,4300}/\d{1,4300}\Z")


@cache
def _postfix_tables() -> tuple[Mapping[str, Any], Mapping[str, se.Basic]]:
    """(functions, constants) of symengine a postfix list may name."""
    functions = {n: getattr(se, n) for n in _POSTFIX_FUNCTIONS if hasattr(se, n)}
    values = {"Pi": se.pi, "Exp1": se.E, "ImaginaryUnit": se.I, "EulerGamma": se.EulerGamma,
              "Infinity": se.oo, "NegativeInfinity": -se.oo, "ComplexInfinity": se.zoo, "NaN": se.nan}
    return MappingProxyType(functions), MappingProxyType(values)


def write_postfix(expr: se.Basic) -> list[int | str]:
    """A symengine expression as a flat postfix list of JSON tokens (see :func:`read_postfix`).

    A sum, product, power or function met again is written as ``"@k"``, a reference to the
    k-th such node already written (counted from 0 in the order their operator tokens
    appear): the betas repeat the same powers of the same sums in every term, so at order 40
    the lists are six times shorter than the trees (2.2 million tokens instead of 13.7
    million) and are written and read that much faster.

    Parameters
    ----------
    expr
        Built from integers, rationals, doubles, symbols, the constants and one-argument
        functions :func:`read_postfix` knows, sums, products and powers.

    Returns
    -------
    list of int and str

    Raises
    ------
    TypeError
        For any other kind of node (the caller then stores another form).

    Examples
    --------
    >>> x = se.Symbol("x")
    >>> write_postfix(2*x + se.Rational(1, 3))
    ['q:1/3', 2, 's:x', '*:2', '+:2']
    >>> write_postfix(se.sin(x + 1) * (x + 1)**3)
    [1, 's:x', '+:2', 3, '^', '@0', 'f:sin', '*:2']
    """
    functions, constants = _postfix_tables()
    out: list[int | str] = []
    # node -> its token: "@k" for a compound node, the token of an atom; integers are not kept
    # (symengine hashes large integers with many trailing zero bits alike: a dict of the
    # coefficients of order 40 degrades to linear search, and int() is as fast)
    memo: dict[se.Basic, int | str] = {}
    count = 0  # compound nodes written
    stack: list[Any] = [expr]  # nodes to write; (node, operator token) once its arguments are out
    add, mul, power, integer = se.Add, se.Mul, se.Pow, se.Integer
    append, pop, push, extend = out.append, stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        kind = type(node)
        if kind is tuple:
            node, operator = node
            append(operator)
            memo[node] = f"@{count}"
            count += 1
        elif kind is integer:
            append(int(node))
        elif (found := memo.get(node)) is not None:
            append(found)
        elif kind is add or kind is mul or kind is power:
            args = node.args
            push((node, f"+:{len(args)}" if kind is add else f"*:{len(args)}" if kind is mul else "^"))
            extend(args[::-1])
        elif (token := _postfix_leaf(node, constants)) is not None:
            memo[node] = token
            append(token)
        elif _is_compound(node, functions):
            push((node, _postfix_operator(node, kind.__name__)))
            extend(node.args[::-1])
        else:
            raise TypeError(f"cannot store a symengine {kind.__name__} as postfix tokens")
    return out


def rebuild_postfix(expr: se.Basic) -> se.Basic:
    """``read_postfix(write_postfix(expr))``, built without the tokens: the same nodes, made by the
    same calls in the same order, so the result is ordered as the one read back (at order 40 in
    half the time).

    Parameters
    ----------
    expr
        What :func:`write_postfix` takes.

    Returns
    -------
    symengine.Basic

    Raises
    ------
    TypeError
        Where :func:`write_postfix` raises it.

    Examples
    --------
    >>> x = se.Symbol("x")
    >>> e = se.sin(x + 1) * (x + 1)**3 + se.Rational(1, 3)
    >>> rebuild_postfix(e) == read_postfix(write_postfix(e))
    True
    """
    functions, constants = _postfix_tables()
    memo: dict[se.Basic, se.Basic] = {}  # as in write_postfix: a node met again is the one built
    built: list[se.Basic] = []
    stack: list[Any] = [expr]  # nodes to build; (node, constructor, count) once its arguments are built
    add, mul, power, integer = se.Add, se.Mul, se.Pow, se.Integer
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        kind = type(node)
        if kind is tuple:
            node, make, count = node
            value = make(*built[-count:])
            del built[-count:]
            memo[node] = value
            built.append(value)
        elif kind is integer:
            built.append(node)
        elif (found := memo.get(node)) is not None:
            built.append(found)
        elif kind is add or kind is mul or kind is power:
            args = node.args
            push((node, kind, len(args)))
            extend(args[::-1])
        elif _postfix_leaf(node, constants) is not None:
            memo[node] = node
            built.append(node)
        elif _is_compound(node, functions):
            token = _postfix_operator(node, kind.__name__)
            make = se.Pow if token == "^" else {"+": se.Add, "*": se.Mul}.get(token[0]) \
                or functions[token[2:]]
            push((node, make, len(node.args)))
            extend(node.args[::-1])
        else:
            raise TypeError(f"cannot store a symengine {kind.__name__} as postfix tokens")
    return built[0]


def check_postfix(exprs: Iterable[se.Basic]) -> None:
    """Raise where :func:`write_postfix` would raise for one of ``exprs``, writing nothing.

    :func:`rgsym.cache.round_trip` with the cache off needs to know whether the betas can take
    the postfix form before it hands them out as they would be read (:func:`rebuild_postfix`,
    done when a beta is first used): a walk over the distinct nodes, no tokens, no new nodes.

    Parameters
    ----------
    exprs
        What :func:`write_postfix` takes, any number of them.

    Raises
    ------
    TypeError
        For a node :func:`write_postfix` cannot write.

    Examples
    --------
    >>> x = se.Symbol("x")
    >>> check_postfix([se.sin(x + 1) * (x + 1)**3, se.Rational(1, 3)])
    >>> check_postfix([se.Dummy("y") + x])
    Traceback (most recent call last):
    ...
    TypeError: cannot store a symengine Dummy as postfix tokens
    """
    functions, constants = _postfix_tables()
    plain = (se.Add, se.Mul, se.Pow)
    leaves = {se.Integer, type(se.Integer(0)), type(se.Integer(1)), type(se.Integer(-1)), se.Rational,
              se.RealDouble, se.Symbol}  # the classes every instance of which is a leaf token
    seen: set[se.Basic] = set()
    stack = list(exprs)
    pop, extend, add = stack.pop, stack.extend, seen.add
    while stack:
        node = pop()
        kind = type(node)
        if kind in leaves:
            continue
        known = len(seen)
        add(node)
        if len(seen) == known:  # met before (one hash lookup instead of two)
            continue
        if kind in plain or _is_compound(node, functions):
            extend(node.args)
        elif _postfix_leaf(node, constants) is None:
            raise TypeError(f"cannot store a symengine {kind.__name__} as postfix tokens")


def _is_compound(node: se.Basic, functions: Mapping[str, Any]) -> bool:
    """A sum, product or power (of a subclass), or a function of one argument a list may apply."""
    return isinstance(node, se.Add | se.Mul | se.Pow) \
        or (type(node).__name__ in functions and len(node.args) == 1)


def _postfix_operator(node: se.Basic, name: str) -> str:
    """The token that combines a node's arguments, once they are on the stack."""
    if isinstance(node, se.Add):
        return f"+:{len(node.args)}"
    if isinstance(node, se.Mul):
        return f"*:{len(node.args)}"
    if isinstance(node, se.Pow):
        return "^"
    return f"f:{name}"


def _postfix_leaf(node: se.Basic, constants: Mapping[str, se.Basic]) -> int | str | None:
    """The token of a number, symbol or constant; None for anything else."""
    name = type(node).__name__
    if isinstance(node, se.Integer):  # 0, 1 and -1 have classes of their own
        return int(node)
    if isinstance(node, se.Rational):
        p, q = node.get_num_den()
        return f"q:{int(p)}/{int(q)}"
    if isinstance(node, se.RealDouble):
        return f"r:{float(node)!r}"
    if type(node) is se.Symbol:
        return f"s:{node.name}"
    if name in constants and node == constants[name]:
        return f"c:{name}"
    return None


def read_postfix(tokens: Any) -> se.Basic:
    """Rebuild a symengine expression from the tokens of :func:`write_postfix`.

    Tokens: an integer pushes it; ``"q:p/q"`` a rational; ``"r:<float>"`` a double;
    ``"s:<name>"`` a symbol; ``"c:<Name>"`` a constant (``Pi``, ``Exp1``, ...);
    ``"+:n"`` and ``"*:n"`` replace the top n entries by their sum or product; ``"^"`` the
    top two by a power; ``"f:<name>"`` the top one by a function of it; ``"@k"`` pushes the
    k-th sum, product, power or function built so far (from 0) again.  Nothing else.  A list
    of n tokens is read in time linear in n; an expression it shares subexpressions of may
    stand for a larger tree, as the betas do.

    Parameters
    ----------
    tokens
        The list, as read from JSON.

    Returns
    -------
    symengine.Basic

    Raises
    ------
    ExpressionError
        For any other token, a malformed list, or sizes beyond the srepr bounds
        (:data:`MAX_SREPR_NODES` tokens, :data:`MAX_SREPR_INT_BITS`-bit integers,
        :data:`MAX_SREPR_EXPONENT` for numeric exponents, :data:`MAX_SPECIAL_ARGUMENT`).

    Examples
    --------
    >>> read_postfix(["q:1/3", 2, "s:x", "*:2", "+:2"])
    1/3 + 2*x
    """
    if not isinstance(tokens, list) or not tokens or len(tokens) > MAX_SREPR_NODES:
        raise ExpressionError(f"a stored expression must be a list of 1 to {MAX_SREPR_NODES} tokens")
    stack: list[se.Basic] = []
    atoms: dict[int | str, se.Basic] = {}  # repeated numbers and symbols are built once
    nodes: list[se.Basic] = []  # the compound nodes built, which "@k" refers to
    add, mul = se.Add, se.Mul
    for token in tokens:
        kind = type(token)
        if kind is str and token[:2] in ("+:", "*:"):  # the common case, inline
            count = int(token[2:]) if token[2:].isdigit() and len(token) <= 11 else 0
            if not 1 <= count <= len(stack):
                raise ExpressionError(f"{brief(token)} needs {token[2:]} operands")
            args = stack[-count:]
            del stack[-count:]
            stack.append(add(*args) if token[0] == "+" else mul(*args))
            nodes.append(stack[-1])
        elif (kind is int or kind is str) and token in atoms:
            stack.append(atoms[token])
        elif kind is str and token[:1] == "@":
            index = int(token[1:]) if token[1:].isdigit() and len(token) <= 12 else len(nodes)
            if index >= len(nodes):
                raise ExpressionError(f"{brief(token)} refers to a node not yet built ({len(nodes)} are)")
            stack.append(nodes[index])
        elif kind is int:
            if token.bit_length() > MAX_SREPR_INT_BITS:
                raise ExpressionError(f"integers may have at most {MAX_SREPR_INT_BITS} bits")
            stack.append(atoms.setdefault(token, se.Integer(token)))
        elif kind is str and len(token) <= 2 * 4300 + 8:
            if _apply_postfix(token, stack):
                atoms[token] = stack[-1]
            else:
                nodes.append(stack[-1])
        else:
            raise ExpressionError(f"not a postfix token: {brief(token)}")
    if len(stack) != 1:
        raise ExpressionError(f"a postfix list must leave one expression, it leaves {len(stack)}")
    return stack[0]


def _apply_postfix(token: str, stack: list[se.Basic]) -> bool:
    """Apply one string token of :func:`read_postfix` to the stack; True when it pushed an atom."""
    functions, constants = _postfix_tables()
    kind, _, rest = token.partition(":")
    if token == "^":
        if len(stack) < 2:
            raise ExpressionError("'^' needs two operands")
        exponent = stack.pop()
        base = stack.pop()
        _check_postfix_power(base, exponent)
        stack.append(se.Pow(base, exponent))
        return False
    if kind == "f" and rest in functions and stack:
        argument = stack.pop()
        if rest in ("gamma", "loggamma") and argument.is_Number \
                and not _magnitude(argument) <= MAX_SPECIAL_ARGUMENT:
            raise ExpressionError(f"{rest} of a number larger than {MAX_SPECIAL_ARGUMENT}")
        stack.append(functions[rest](argument))
        return False
    stack.append(_postfix_atom(kind, rest, constants, token))
    return True


def _postfix_atom(kind: str, rest: str, constants: Mapping[str, se.Basic], token: str) -> se.Basic:
    """The number, symbol or constant of one token."""
    if kind == "s" and _is_name(rest):
        return se.Symbol(rest)
    if kind == "c" and rest in constants:
        return constants[rest]
    if kind == "q" and _RATIONAL.match(rest):
        p, q = (int(x) for x in rest.split("/"))
        if q == 0 or max(p.bit_length(), q.bit_length()) > MAX_SREPR_INT_BITS:
            raise ExpressionError(f"not a bounded rational: {brief(token)}")
        return se.Rational(p, q)
    if kind == "r" and len(rest) <= 40:
        try:
            value = float(rest)
        except ValueError:
            value = math.nan
        if math.isfinite(value):
            return se.RealDouble(value)
    raise ExpressionError(f"not a postfix token: {brief(token)}")


def _check_postfix_power(base: se.Basic, exponent: se.Basic) -> None:
    """Numeric exponents of bounded size, numeric powers of bounded size."""
    if not exponent.is_Number:
        return
    size = _magnitude(exponent)
    if not size <= MAX_SREPR_EXPONENT:
        raise ExpressionError(f"numeric exponents may be at most {MAX_SREPR_EXPONENT} in size")
    factors = base.args if isinstance(base, se.Mul) else (base,)
    bits = 0
    for factor in factors:
        if isinstance(factor, se.Rational | se.Integer):
            p, q = factor.get_num_den()
            bits += max(int(p).bit_length(), int(q).bit_length())
    if bits * size > MAX_SREPR_INT_BITS:
        raise ExpressionError(f"numeric powers may have at most {MAX_SREPR_INT_BITS} bits")


def _magnitude(number: se.Basic) -> float:
    """|number| as a float; infinity for anything infinite, complex or not a number."""
    try:
        value = abs(float(number))
    except (TypeError, ValueError, OverflowError, RuntimeError):
        return math.inf
    return value if math.isfinite(value) else math.inf


def _is_name(label: str) -> bool:
    """A stored symbol or function name: a Python identifier (it may reach generated code)."""
    return len(label) <= MAX_NAME_LENGTH and label.isidentifier() and not keyword.iskeyword(label)
