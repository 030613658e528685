"""rgsym.series.compose: the truncated series of an expression with symbols replaced by series,
against sympy's own series expansion of the same composition."""

from __future__ import annotations

import pytest
import symengine as se
import sympy as sp

from rgsym.series import Series, compose

U, V, W = se.symbols("u v w")
T = sp.Symbol("t")


#: a generic point for the symbolic constants (the comparison is numeric: sympy's symbolic series
#: of these compositions is slow, and 1e-12 is rounding of the two evaluations)
AT = {"u": sp.Rational(37, 100), "v": sp.Rational(-61, 100), "w": sp.Rational(13, 10)}


def _reference(expr: se.Basic, inner: sp.Expr, order: int) -> list[float]:
    at = {sp.Symbol(k): v for k, v in AT.items()}
    composed = sp.sympify(str(expr)).subs(sp.Symbol("x"), inner).subs(at)
    expanded = sp.series(composed, T, 0, order + 1).removeO()
    return [float(expanded.coeff(T, k)) for k in range(order + 1)]


@pytest.mark.parametrize("text", [
    "1/(1 + x)**3 + x**2",                      # inverse powers: the geometric series
    "(2 + x)**(-3/2) * exp(x)",                 # a rational power and a constant to a power
    "x/(w + x)**2 - sin(x)*v",                  # symbolic constant terms, a function of one argument
    "(1 + x + 2*w*x**2)**(-2) * (3 + x)**(1/2)",
])
@pytest.mark.parametrize("expand", [True, False])
def test_compose_equals_the_taylor_series(text: str, expand: bool) -> None:
    x = se.Symbol("x")
    expr = se.sympify(text)
    order = 4
    inner = Series({(0,): U, (1,): V, (2,): se.Integer(3)}, (1,), order, expand)  # u + v t + 3 t^2
    got = compose(expr, {x: inner}, (1,), order, expand)
    assert got.expanded is expand
    expected = _reference(expr, sp.Symbol("u") + sp.Symbol("v") * T + 3 * T**2, order)
    for k in range(order + 1):
        value = float(sp.sympify(str(got.coefficient((k,)))).subs({sp.Symbol(n): v for n, v in AT.items()}))
        assert value == pytest.approx(expected[k], rel=1e-12, abs=1e-12), k


def test_a_zero_constant_term_cannot_be_inverted() -> None:
    x = se.Symbol("x")
    with pytest.raises(ZeroDivisionError):
        compose(1 / x, {x: Series.variable(0, (1,), 2)}, (1,), 2)


def test_a_function_of_two_substituted_arguments_is_refused() -> None:
    x, y = se.symbols("x y")
    s = Series.variable(0, (1,), 2)
    with pytest.raises(TypeError, match="cannot expand"):
        compose(se.atan2(x, y), {x: s, y: s}, (1,), 2)
