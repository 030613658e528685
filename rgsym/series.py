"""Truncated multivariate power series with symbolic (symengine) coefficients.

The trace of the regulated propagator is expanded with this arithmetic instead
of ``sympy.series``: every product is cut at a maximal weighted degree as it is
formed, so no term beyond the truncation is ever built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import symengine as se

Exponent = tuple[int, ...]


class Series:
    """A polynomial sum_e c_e x^e truncated at weighted degree ``max_weight``.

    ``weights[j]`` is the weight of variable j; a monomial x^e is kept when
    sum_j e_j weights[j] <= max_weight.  Instances are treated as immutable.
    Coefficients are expanded as they are formed unless ``expanded`` is False (then sums and
    products are kept as built: a shared subexpression stays shared, see :func:`compose`); the
    result of an operation is expanded when both operands are.
    """

    __slots__ = ("terms", "weights", "max_weight", "expanded")

    def __init__(self, terms: Mapping[Exponent, se.Basic], weights: tuple[int, ...],
                 max_weight: int, expanded: bool = True) -> None:
        self.weights = weights
        self.max_weight = max_weight
        self.expanded = expanded
        self.terms = {
            e: c for e, c in terms.items() if c != 0 and self.weight(e) <= max_weight
        }

    def weight(self, e: Exponent) -> int:
        """Weighted degree sum_j e_j weights[j] of the monomial x^e.

        Parameters
        ----------
        e
            Exponent of each variable.

        Returns
        -------
        int

        Raises
        ------
        ValueError
            If ``e`` does not have one entry per variable.
        """
        return sum(k * w for k, w in zip(e, self.weights, strict=True))

    @classmethod
    def constant(cls, value: se.Basic, weights: tuple[int, ...], max_weight: int,
                 expanded: bool = True) -> Series:
        """The constant series ``value`` (empty if ``value`` is zero).

        Parameters
        ----------
        value
            The constant; sympified with symengine.
        weights, max_weight
            The truncation of the series.
        expanded
            Whether products with it are expanded.

        Returns
        -------
        Series
        """
        return cls({(0,) * len(weights): se.sympify(value)}, weights, max_weight, expanded)

    @classmethod
    def variable(cls, j: int, weights: tuple[int, ...], max_weight: int, expanded: bool = True) -> Series:
        """The series x_j of the j-th variable (empty if its weight exceeds ``max_weight``).

        Parameters
        ----------
        j
            Index of the variable.
        weights, max_weight
            The truncation of the series.
        expanded
            Whether products with it are expanded.

        Returns
        -------
        Series

        Examples
        --------
        >>> x = Series.variable(0, (1, 2), 2)
        >>> (x * x).coefficient((2, 0))
        1
        >>> (x ** 3).is_zero()  # weight 3 > max_weight 2: cut as it is formed
        True
        """
        e = tuple(1 if i == j else 0 for i in range(len(weights)))
        return cls({e: se.Integer(1)}, weights, max_weight, expanded)

    def _like(self, terms: Mapping[Exponent, se.Basic], expanded: bool | None = None) -> Series:
        return Series(terms, self.weights, self.max_weight, self.expanded if expanded is None else expanded)

    def __add__(self, other: Series) -> Series:
        expanded = self.expanded and other.expanded
        tidy = se.expand if expanded else _as_built
        out = dict(self.terms)
        for e, c in other.terms.items():
            out[e] = tidy(out[e] + c) if e in out else c
        return self._like(out, expanded)

    def __neg__(self) -> Series:
        return self._like({e: -c for e, c in self.terms.items()})

    def __sub__(self, other: Series) -> Series:
        return self + (-other)

    def scale(self, factor: se.Basic) -> Series:
        """The series multiplied by a coefficient, term by term.

        Parameters
        ----------
        factor
            A symbolic coefficient (not a series).

        Returns
        -------
        Series
        """
        tidy = se.expand if self.expanded else _as_built
        return self._like({e: tidy(factor * c) for e, c in self.terms.items()})

    def __mul__(self, other: Series) -> Series:
        # products are collected per monomial and summed once: adding them one by one
        # would rebuild the growing sum at every step
        out: dict[Exponent, list[se.Basic]] = {}
        other_weights = [(e2, self.weight(e2), c2) for e2, c2 in other.terms.items()]
        for e1, c1 in self.terms.items():
            room = self.max_weight - self.weight(e1)
            for e2, w2, c2 in other_weights:
                if w2 > room:
                    continue
                e = tuple(a + b for a, b in zip(e1, e2, strict=True))
                out.setdefault(e, []).append(c1 * c2)
        expanded = self.expanded and other.expanded
        tidy = se.expand if expanded else _as_built
        return self._like({e: tidy(se.Add(*cs)) for e, cs in out.items()}, expanded)

    def __pow__(self, n: int) -> Series:
        result = Series.constant(1, self.weights, self.max_weight, self.expanded)
        for _ in range(n):
            result = result * self
        return result

    def unit(self) -> Series:
        """The constant series 1 with this series' truncation (expanded).

        The resolvent expansion (:func:`rgsym.loop.resolvent_expansion`) starts from it, so that
        it runs on any series with this interface (the numbers of
        :class:`rgsym.solve.taylor.NumericSeries` too).

        Returns
        -------
        Series
        """
        return Series.constant(1, self.weights, self.max_weight)

    def sum_with(self, others: Iterable[Series]) -> Series:
        """This series plus ``others``, each coefficient expanded once (:func:`series_sum`).

        Parameters
        ----------
        others
            Series with the same truncation.

        Returns
        -------
        Series
        """
        return series_sum([self, *others], self.weights, self.max_weight)

    def constant_term(self) -> se.Basic:
        """The coefficient of x^0 (zero when absent).

        Returns
        -------
        symengine.Basic
        """
        return self.terms.get((0,) * len(self.weights), se.Integer(0))

    def without_constant(self) -> Series:
        """The series with its x^0 term removed.

        Returns
        -------
        Series
        """
        zero = (0,) * len(self.weights)
        return self._like({e: c for e, c in self.terms.items() if e != zero})

    def min_weight(self) -> int:
        """The smallest weighted degree of a kept monomial (``max_weight + 1`` for the zero series).

        Returns
        -------
        int
        """
        return min((self.weight(e) for e in self.terms), default=self.max_weight + 1)

    def coefficient(self, e: Exponent) -> se.Basic:
        """The coefficient of x^e (zero when absent or truncated).

        Parameters
        ----------
        e
            Exponent of each variable.

        Returns
        -------
        symengine.Basic
        """
        return self.terms.get(e, se.Integer(0))

    def is_zero(self) -> bool:
        """Whether no term is left (every coefficient zero or truncated).

        Returns
        -------
        bool
        """
        return not self.terms

    def __repr__(self) -> str:
        shown = " + ".join(f"({c})*x^{e}" for e, c in sorted(self.terms.items())[:4])
        more = " + ..." if len(self.terms) > 4 else ""
        return f"Series({shown}{more}; weight <= {self.max_weight})"


def _as_built(e: se.Basic) -> se.Basic:
    """The coefficient unchanged (the arithmetic of series that are not ``expanded``)."""
    return e


def series_sum(items: Iterable[Series], weights: tuple[int, ...], max_weight: int,
               expanded: bool = True) -> Series:
    """Sum of several series (zero when there are none), each coefficient expanded once.

    Parameters
    ----------
    items
        Series with the same ``weights`` and ``max_weight``.
    weights, max_weight
        The truncation of the result (used when ``items`` is empty).
    expanded
        False: the result is not expanded (it is not either when one of ``items`` is not).

    Returns
    -------
    Series
    """
    parts: dict[Exponent, list[se.Basic]] = {}
    for s in items:
        expanded = expanded and s.expanded
        for e, c in s.terms.items():
            parts.setdefault(e, []).append(c)
    tidy = se.expand if expanded else _as_built
    terms = {e: cs[0] if len(cs) == 1 else tidy(se.Add(*cs)) for e, cs in parts.items()}
    return Series(terms, weights, max_weight, expanded)


def compose(expr: se.Basic, substitutions: Mapping[se.Basic, Series], weights: tuple[int, ...],
            max_weight: int, expand: bool = True) -> Series:
    """The truncated series of ``expr`` with some of its symbols replaced by series.

    The expression tree is walked once (each distinct subexpression is expanded once): sums and
    products become series sums and products, integer powers products or the geometric series
    of the inverse, rational powers the binomial series around the constant term, a constant to
    a substituted power its exponential series, and a function
    of one argument its Taylor series there (derivatives by ``symengine.diff``).  Nothing beyond
    ``max_weight`` is ever built, so the Taylor coefficients of a flow at an expansion point cost
    a few series products instead of repeated total derivatives of the whole expression.

    With ``expand`` False no coefficient is expanded: each is a sum of products of the coefficients
    before it, so the coefficients of a large expression share their subexpressions (a tree with
    many sums, e.g. a loop integrand with its regulator terms, would swell when expanded, and
    compiling or differentiating it would cost far more).

    Parameters
    ----------
    expr
        A symengine (or sympy) expression.
    substitutions
        Symbol -> its series (e.g. u'(rho) -> sum_k lambda_(k+1) x^k / k!).
    weights, max_weight
        The truncation.
    expand
        Whether the coefficients are expanded as they are formed (the substituted series should
        then be ``expanded`` too).

    Returns
    -------
    Series

    Raises
    ------
    ZeroDivisionError
        When an inverse or a rational power meets a zero constant term.
    TypeError
        For a node it cannot expand (a power with a substituted exponent, a function of several
        arguments that depend on the substitutions).

    Examples
    --------
    >>> x, u = se.symbols("x u")
    >>> s = compose(1 / (1 + u), {u: Series.variable(0, (1,), 3)}, (1,), 3)
    >>> [s.coefficient((k,)) for k in range(4)]
    [1, -1, 1, -1]
    """
    subs = {se.sympify(k): v for k, v in substitutions.items()}
    keys = set(subs)
    memo: dict[se.Basic, Series] = {}

    def const(value: se.Basic) -> Series:
        return Series.constant(value, weights, max_weight, expand)

    def around(s: Series, coefficients: list[se.Basic]) -> Series:
        """sum_k coefficients[k] delta^k with delta = s - s(0) (no constant term)."""
        delta = s.without_constant()
        top = max_weight // max(delta.min_weight(), 1)
        out, power = const(coefficients[0]), const(1)
        for k in range(1, min(top, len(coefficients) - 1) + 1):
            power = power * delta
            out = out + power.scale(coefficients[k])
        return out

    def top_order(s: Series) -> int:
        return max_weight // max(s.without_constant().min_weight(), 1)

    def walk(e: se.Basic) -> Series:
        if e in memo:
            return memo[e]
        if e in subs:
            out = subs[e]
        elif not (e.free_symbols & keys):
            out = const(e)
        elif e.is_Add:
            out = series_sum((walk(a) for a in e.args), weights, max_weight, expand)
        elif e.is_Mul:
            out = const(1)
            for a in e.args:
                out = out * walk(a)
        elif e.is_Pow:
            base, exponent = e.args
            if exponent.free_symbols & keys:
                if base.free_symbols & keys:
                    raise TypeError(f"cannot expand a power with substituted base and exponent: {e}")
                s = walk(exponent)  # b^(c0 + delta) = b^c0 sum_k (ln b)^k delta^k / k!
                terms, log = [base ** s.constant_term()], se.log(base)
                for k in range(1, top_order(s) + 1):
                    terms.append(terms[-1] * log / k)
                memo[e] = out = around(s, terms)
                return out
            s = walk(base)
            if exponent.is_Integer and int(exponent) >= 0:
                out = s ** int(exponent)
            else:
                c0 = s.constant_term()
                if c0 == 0:
                    raise ZeroDivisionError(f"{e} at the expansion point")
                n = top_order(s)
                binomial = [se.Integer(1)]
                for k in range(1, n + 1):
                    binomial.append(binomial[-1] * (exponent - k + 1) / k)
                out = around(s, [c0 ** exponent * b / c0 ** k for k, b in enumerate(binomial)])
        elif len(e.args) == 1:
            (argument,) = e.args
            s = walk(argument)
            dummy = se.Symbol("_compose_argument")
            f = e.subs({argument: dummy})
            c0 = s.constant_term()
            derivatives, factorial = [f.subs({dummy: c0})], se.Integer(1)
            for k in range(1, top_order(s) + 1):
                f = se.diff(f, dummy)
                factorial *= k
                derivatives.append(f.subs({dummy: c0}) / factorial)
            out = around(s, derivatives)
        else:
            raise TypeError(f"cannot expand {type(e).__name__} {e} in a series")
        memo[e] = out
        return out

    return walk(se.sympify(expr))
