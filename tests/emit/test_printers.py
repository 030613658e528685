"""Printers: rgsym's text for numbers, powers and functions in C and NumPy, and the LaTeX names."""

from __future__ import annotations

import pytest
import sympy as sp
from sympy.printing.codeprinter import PrintMethodNotImplementedError

from rgsym.emit.printers import RGC99CodePrinter, RGLatexPrinter, RGNumPyPrinter, float_literal

x, y, d = sp.symbols("x y d")


@pytest.mark.parametrize(("expr", "c", "numpy"), [
    (x**2, "(x*x)", "x**2"),
    (x**-2, "(1.0/(x*x))", "x**(-2)"),
    (3 * x / (x + y)**2, "3*x/((x + y)*(x + y))", "3*x/(x + y)**2"),
    (x**7 * y, "y*rgsym_powi(x, 7)", "y*x**7"),
    (sp.pi**2 * x, "x*9.869604401089358", "x*9.869604401089358"),
    (sp.Rational(5, 2) * x, "2.5*x", "2.5*x"),
    (-x / 3, "-0.3333333333333333*x", "-0.3333333333333333*x"),
    (sp.gamma(d / 2), "tgamma(0.5*d)", "_gamma(0.5*d)"),
    (2**(-d - 1), "pow(2, -1 - d)", "2**(-1 - d)"),
    (sp.Integer(10)**15 * x, "1000000000000000.0*x", "1000000000000000*x"),
    (sp.sqrt(x), "sqrt(x)", "numpy.sqrt(x)"),
])
def test_code_text(expr: sp.Expr, c: str, numpy: str) -> None:
    assert RGC99CodePrinter().expression(expr) == c
    assert RGNumPyPrinter().expression(expr) == numpy


def test_helpers_are_recorded() -> None:
    c, n = RGC99CodePrinter(), RGNumPyPrinter()
    c.expression(x**9)
    n.expression(sp.gamma(x))
    assert c.helpers == {"powi"} and n.helpers == {"gamma"}


def test_unknown_functions_are_errors_not_comments() -> None:
    for printer in (RGC99CodePrinter(), RGNumPyPrinter()):
        with pytest.raises(PrintMethodNotImplementedError):
            printer.expression(sp.besselj(1, x))


def test_literals_are_the_nearest_doubles() -> None:
    assert float(float_literal(sp.Rational(1, 3))) == 1 / 3
    assert float(float_literal(1 / (6 * sp.pi**2))) == float(sp.N(1 / (6 * sp.pi**2), 40))


def test_latex_names() -> None:
    lam = sp.Symbol("lambda_2", real=True)
    assert RGLatexPrinter({lam: r"\lambda_{2}"}).doprint(lam**2) == r"\lambda_{2}^{2}"
