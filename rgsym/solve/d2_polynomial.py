"""The O(d^2) fixed point in a polynomial truncation around the running minimum.

The flows of :mod:`rgsym.derivative_expansion` are local: d_t f(rho) depends on the jet
(u'(rho), u''(rho), ..., z(rho), z'(rho), ...) at the same rho through y-integrals.  With the ansatz

    u'(rho) = sum_(k=2)^(n+1) lambda_k (rho - kappa)^(k-1) / (k-1)!,
    z(rho)  = 1 + sum_(k=1)^m z_k (rho - kappa)^k / k!,    Y(rho) = sum_(k=0)^m y_k (rho - kappa)^k / k!,

the Taylor coefficients of the flows at kappa come from one composition of truncated series
(:func:`taylor_equations`): each jet symbol becomes its polynomial in x = rho - kappa and the loop
integrand, a rational function of the jet, is expanded in x; z(kappa) = 1 is the normalisation
that fixes eta.  Running couplings follow the
minimum: d_t kappa = -d_t u'(kappa) / lambda_2, and d_t c_k = (d_t f)^(k)(kappa) + c_(k+1) d_t kappa
for each coefficient (the top one has no c_(k+1)).  eta enters linearly (through d_t R_k and the
scaling terms) and is solved from d/dt z(kappa) = 0 at every point.

The y-integrals 2 v_d int_0^Y y^(d/2-1) F(y) dy are done by Gauss-Jacobi quadrature in y with the
weight y^(d/2-1) (:func:`y_quadrature`): F is analytic on [0, Y], so the rule converges
exponentially, and its smallest node stays at y ~ 0.03.  Gauss-Legendre in s = sqrt(y), used
before, puts nodes at y ~ 1/n^4, where the regulator's y-derivatives in F cancel catastrophically
(the third derivative of y/(exp(y) - 1) loses ~eps/y^3): with 160 nodes nu moved by 4e-6 and omega
by 7e-5.  A smooth regulator decays like exp(-y); Y = 64.  r(y), r'(y), ... enter as their values
at the nodes (50-digit mpmath, :func:`regulator_values`), as in the full-function route.  The
derivatives in the couplings (Newton's Jacobian, the stability matrix) are exact: the integrands
are differentiated symbolically and compiled with them, and the chain rule through eta(c) and
d_t kappa is applied to those numbers.

Building and compiling the coefficient rows with their derivatives (two shared cores) takes, for
Ising, 0.8 s at degrees (3, 2) of u' and z, 4 s at (5, 3), 18 s at (10, 5), and for O(2) with Y 17 s at
(5, 3), 205 s at (10, 5) (the caps :data:`rgsym.spec.MAX_D2_ORDER`, ``MAX_D2_KINETIC_ORDER``); the route
before (repeated total derivatives) took 3.5 s and 75 s for Ising at (3, 2) and (5, 3).  Length: about
490 lines, the ansatz, its series and the Newton solve of one truncation.

References
----------
Canet, Delamotte, Mouhanna, Vidal, Phys. Rev. D 67 (2003) 065004, hep-th/0211055 (the Ising model
at O(d^2) with the exponential regulator, expanded around the minimum); Litim, Nucl. Phys. B631
(2002) 128, hep-th/0203006 (expansions around the running minimum).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import symengine as se
import sympy as sp

from rgsym import symbols
from rgsym.derivative_expansion import RHO, DerivativeExpansionFlow
from rgsym.errors import SolveError
from rgsym.series import Series, compose

#: The jet symbols of the flows: u1, u2, ... (rho-derivatives of u), z, z1, ..., y0, y1, ...
_JET_NAME = re.compile(r"(u|z|y)(\d*)")

#: Gauss-Jacobi nodes in y and the end of the interval (exp(-64) ~ 1.6e-28).  Ising, u' of degree 3,
#: z of degree 2, alpha = 1: 48, 96, 160 and 240 nodes give nu = 0.634116210029 (spread 5e-13),
#: eta to 1e-12 and omega to 2e-11; Y = 50 moves nothing beyond that.
NODES, Y_MAX = 96, 64.0
#: Most Newton steps, and the residual (in units of the largest equation scale) that is accepted.
MAX_STEPS, RESIDUAL = 60, 1e-11


@dataclass(frozen=True)
class D2FixedPoint:
    """An O(d^2) fixed point and its exponents.

    Attributes
    ----------
    names
        The couplings: kappa, lambda_2, ..., z_1, ..., y_0, ...
    values
        Their values at the fixed point.
    eta
        The anomalous dimension there.
    theta
        -eig(stability matrix), by descending real part.
    nu, omega
        1 / theta_1 and -Re theta of the least irrelevant direction.
    relevant
        The number of theta with positive real part.
    """

    names: tuple[str, ...]
    values: tuple[float, ...]
    eta: float
    theta: tuple[complex, ...]
    nu: float
    omega: float | None
    relevant: int


def y_quadrature(d: float, nodes: int = NODES, end: float = Y_MAX) -> tuple[np.ndarray, np.ndarray]:
    """Nodes y_i and weights W_i with sum_i W_i F(y_i) = int_0^end y^(d/2-1) F(y) dy for smooth F.

    The Gauss-Jacobi rule for the weight (1 + x)^(d/2-1) on [-1, 1], mapped to y = end (1 + x)/2.

    Parameters
    ----------
    d
        The dimension (d > 0).
    nodes, end
        The number of nodes and the end of the interval.

    Returns
    -------
    tuple of numpy.ndarray

    Examples
    --------
    >>> y, w = y_quadrature(3.0, 20, 64.0)
    >>> bool(abs(w @ np.exp(-y) - np.sqrt(np.pi) / 2) < 1e-14)  # Gamma(3/2)
    True
    """
    from scipy.special import roots_jacobi

    beta = d / 2 - 1
    x, w = roots_jacobi(nodes, 0.0, beta)
    return (x + 1) * end / 2, w * (end / 2) ** (beta + 1)


@dataclass(frozen=True)
class Ansatz:
    """The running couplings (names and symbols) and each function's jet at kappa in them."""

    names: tuple[str, ...]
    symbols: tuple[sp.Symbol, ...]
    jets: dict[str, list[sp.Expr]]  # function -> its value and rho-derivatives at kappa, in the couplings


def _ansatz(functions: tuple[str, ...], order: int, kinetic_order: int) -> Ansatz:
    """The couplings and the jet of each function at kappa (value, first, ... derivatives)."""
    kappa = sp.Symbol("kappa")
    lam = [sp.Symbol(f"lambda_{k}") for k in range(2, order + 2)]
    zs = [sp.Symbol(f"z_{k}") for k in range(1, kinetic_order + 1)]
    ys = [sp.Symbol(f"y_{k}") for k in range(0, kinetic_order + 1)] if "y" in functions else []
    # u'(kappa + x): derivatives at kappa are 0, lambda_2, lambda_3, ...; higher ones vanish
    names = ("kappa", *(str(s) for s in lam), *(str(s) for s in zs), *(str(s) for s in ys))
    jets: dict[str, list[sp.Expr]] = {"u'": [sp.Integer(0), *lam], "z": [sp.Integer(1), *zs], "y": [*ys]}
    return Ansatz(names, (kappa, *lam, *zs, *ys), jets)


def _jet_series(ansatz: Ansatz, symbols_in: set[se.Basic], top: int) -> dict[se.Basic, Series]:
    """Each jet symbol of the flows (rho, u1, u2, ..., z, z1, ..., y0, y1, ...) as its polynomial in
    x = rho - kappa on the ansatz, truncated at x^top (not expanded: see :func:`taylor_equations`)."""
    weights = (1,)

    def shifted(jet: list[sp.Expr], m: int) -> Series:  # f^(m)(kappa + x) = sum_j f^(m+j)(kappa) x^j / j!
        return Series({(j,): se.sympify(jet[m + j]) / math.factorial(j) for j in range(top + 1)
                       if 0 <= m + j < len(jet)}, weights, top, expanded=False)

    out: dict[se.Basic, Series] = {}
    for symbol in symbols_in:
        name = str(symbol)
        if name == symbols.y.name:  # the loop momentum y = q^2/k^2, not Y(rho)
            continue
        if name == RHO.name:
            out[symbol] = (Series.constant(se.sympify(ansatz.symbols[0]), weights, top, expanded=False)
                           + Series.variable(0, weights, top, expanded=False))
        elif (match := _JET_NAME.fullmatch(name)) is not None:
            function, m = match.group(1), int(match.group(2) or 0)
            if function == "u":  # u_m = u^(m)(rho) = (u')^(m-1)(rho); u0 = u(kappa) + ..., u(kappa) -> 0
                out[symbol] = shifted(ansatz.jets["u'"], m - 1)
            elif ansatz.jets[function]:
                out[symbol] = shifted(ansatz.jets[function], m)
    return out


def regulator_values(flow: DerivativeExpansionFlow, nodes: np.ndarray) -> np.ndarray:
    """r(y), r'(y), ... (:attr:`DerivativeExpansionFlow.regulator_values`) at the nodes y, computed
    with mpmath at :data:`rgsym.solve.fixed_functions.NODE_DIGITS` digits and rounded to doubles.

    Parameters
    ----------
    flow
        The derived O(d^2) flows (a smooth regulator).
    nodes
        The quadrature nodes in y.

    Returns
    -------
    numpy.ndarray
        Shape (len(flow.regulator_values), len(nodes)).
    """
    import mpmath

    from rgsym.solve.fixed_functions import NODE_DIGITS

    y = sp.Symbol(symbols.y.name)
    out = np.empty((len(flow.regulator_values), len(nodes)))
    with mpmath.workdps(NODE_DIGITS):
        for i, (_, expr) in enumerate(flow.regulator_values):
            f = sp.lambdify(y, expr.xreplace({s: y for s in expr.free_symbols if s.name == y.name}), "mpmath")
            out[i] = [float(f(mpmath.mpf(float(v)))) for v in nodes]
    return out


def taylor_equations(flow: DerivativeExpansionFlow, order: int, kinetic_order: int,
                     regulator_jet: bool = False) -> tuple[Ansatz, list[se.Basic], list[se.Basic]]:
    """Loop integrands and scaling parts of the Taylor coefficients of each flow at kappa.

    Every jet symbol is replaced by its polynomial in x = rho - kappa on the ansatz and each flow
    is expanded once as a truncated series in x (:func:`rgsym.series.compose`): the coefficient
    of x^k is its k-th rho-derivative at kappa over k!.  The flow of u' is d/drho of the flow of u,
    so its k-th derivative is (k + 1)! times the coefficient of x^(k+1) of the flow of u.  The loop
    coefficients are not expanded, so that they share their subexpressions: expanded, or built as
    repeated total rho-derivatives in jet space (the route before), they swell so much that
    compiling them with their derivatives took 75 s at degrees (5, 3) against 2 s now.

    Parameters
    ----------
    flow
        The derived O(d^2) flows.
    order, kinetic_order
        The degrees of u' and of z, Y in (rho - kappa).
    regulator_jet
        Expand :attr:`DerivativeExpansionFlow.node_loops` (r(y), r'(y), ... as symbols, for a smooth
        regulator) instead of the loops with the regulator's closed form.  The closed form of the
        exponential regulator holds exp(y): the coefficient of x^k holds (exp(y) - 1)^k over a
        denominator to the power k + 1, which overflows at the largest nodes (y ~ 60) from k ~ 11 on.

    Returns
    -------
    tuple
        (the ansatz: coupling names and symbols, the loop integrands in y, the scaling parts), the
        rows ordered u' coefficients, z coefficients, Y coefficients.
    """
    ansatz = _ansatz(flow.functions, order, kinetic_order)
    loop_eqs: list[se.Basic] = []
    scale_eqs: list[se.Basic] = []
    loops = dict(flow.node_loops if regulator_jet and flow.node_loops else flow.loops)
    scalings = dict(flow.scaling)
    for name in flow.functions:
        loop, scale = se.sympify(loops[name]), se.sympify(scalings[name])
        # (rows, first power of x): d^k/drho^k d_t u' = (k + 1)! [x^(k+1)] d_t u
        rows, shift = (order + 1, 1) if name == "u" else (kinetic_order + 1, 0)
        top = rows - 1 + shift
        loop_series = compose(loop, _jet_series(ansatz, loop.free_symbols, top), (1,), top, expand=False)
        scale_series = compose(scale, _jet_series(ansatz, scale.free_symbols, top), (1,), top)
        for k in range(shift, rows + shift):
            loop_eqs.append(loop_series.coefficient((k,)) * math.factorial(k))
            scale_eqs.append(se.expand(scale_series.coefficient((k,)) * math.factorial(k)))
    return ansatz, loop_eqs, scale_eqs


class D2System:
    """The Taylor-coefficient flows at kappa, compiled to NumPy, with Gauss-Jacobi quadrature in y.

    Parameters
    ----------
    flow
        The derived O(d^2) flows.
    order
        Degree of u' in (rho - kappa).
    kinetic_order
        Degree of z and Y in (rho - kappa).
    """

    def __init__(self, flow: DerivativeExpansionFlow, order: int, kinetic_order: int) -> None:
        if not flow.d.is_number:
            raise SolveError("the O(d^2) solver needs a numeric dimension")
        self.flow = flow
        self.order, self.kinetic_order = order, kinetic_order
        ansatz, loop_eqs, scale_eqs = taylor_equations(flow, order, kinetic_order, regulator_jet=True)
        self.names = ansatz.names
        s = se.Symbol(symbols.y.name)
        v_d = 1 / (2 ** (flow.d + 1) * sp.pi ** (flow.d / 2) * sp.gamma(flow.d / 2))
        eta = se.Symbol(symbols.eta.name)
        params = [se.Symbol(str(c)) for c in ansatz.symbols]
        integrands = [2 * se.sympify(v_d) * e for e in loop_eqs]  # y^(d/2-1) is the rule's weight
        unknowns = [*params, eta]
        # the equations and their exact derivatives in the couplings and eta, compiled together
        loop_rows = integrands + [e.diff(v) for e in integrands for v in unknowns]
        scale_rows = list(scale_eqs) + [e.diff(v) for e in scale_eqs for v in unknowns]
        jet = [se.Symbol(str(symbol)) for symbol, _ in flow.regulator_values] if flow.node_loops else []
        self._loop = se.Lambdify([s, *jet, *unknowns], loop_rows, real=True, cse=True)
        self._scale = se.Lambdify(unknowns, scale_rows, real=True, cse=True)
        self._n_eq = len(integrands)
        # Litim: the integrands end at the kink y = 1 (flow.upper); smooth regulators at Y_MAX
        end = Y_MAX if flow.upper == sp.oo else float(flow.upper)
        self._s, self._w = y_quadrature(float(flow.d), end=end)
        # the nodes and r, r', ... there (smooth regulators), the first columns of every evaluation
        columns = [self._s, *regulator_values(flow, self._s)] if jet else [self._s]
        self._nodes = np.column_stack(columns)
        self.n_u = order + 1
        self.n_z = kinetic_order + 1

    def evaluate(self, couplings: np.ndarray, eta: float) -> tuple[np.ndarray, np.ndarray]:
        """The Taylor coefficients f of d_t u', d_t z (and d_t Y) at kappa, at fixed rho, and their
        derivatives with respect to the couplings and eta (columns; eta last).

        Parameters
        ----------
        couplings
            The couplings.
        eta
            The anomalous dimension.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            f and df / d(couplings, eta).
        """
        first = self._nodes.shape[1]
        values = np.empty((len(self._s), first + len(couplings) + 1))
        values[:, :first] = self._nodes
        values[:, first:-1] = couplings
        values[:, -1] = eta
        rows = self._w @ np.asarray(self._loop(values)).reshape(len(self._s), -1)
        rows = rows + np.asarray(self._scale(np.array([*couplings, eta], dtype=float))).ravel()
        n = self._n_eq
        return rows[:n], rows[n:].reshape(n, len(couplings) + 1)

    def coefficients(self, couplings: np.ndarray, eta: float) -> np.ndarray:
        """The Taylor coefficients alone (see :meth:`evaluate`).

        Parameters
        ----------
        couplings
            The couplings.
        eta
            The anomalous dimension.

        Returns
        -------
        numpy.ndarray
        """
        return self.evaluate(couplings, eta)[0]

    def eta(self, couplings: np.ndarray) -> float:
        """eta from d/dt z(kappa) = (d_t z)(kappa) + z'(kappa) d_t kappa = 0 (linear in eta).

        Parameters
        ----------
        couplings
            The couplings.

        Returns
        -------
        float
        """
        return self._eta_and_gradient(couplings)[0]

    def _eta_and_gradient(self, couplings: np.ndarray) -> tuple[float, np.ndarray]:
        """eta(couplings) and d eta / d couplings, from the condition g(c, eta) = 0 (linear in eta)."""
        def condition(e: float) -> tuple[float, np.ndarray]:
            f, df = self.evaluate(couplings, e)
            z1_index = 1 + self.order
            z1 = couplings[z1_index] if self.kinetic_order else 0.0
            lam2 = couplings[1]
            g = f[self.n_u] - z1 * f[0] / lam2
            dg = df[self.n_u] - z1 * df[0] / lam2
            dg[1] += z1 * f[0] / lam2**2
            if self.kinetic_order:
                dg[z1_index] -= f[0] / lam2
            return g, dg

        g0, _ = condition(0.0)
        g1, dg1 = condition(1.0)
        eta = -g0 / (g1 - g0)
        _, dg = condition(eta)
        return eta, -dg[:-1] / dg[-1]

    def betas(self, couplings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The flow of the running couplings (kappa, lambda_k, z_k, y_k) and its stability matrix,
        eta solved at each point (the chain rule through eta(c) and d_t kappa is done exactly).

        Parameters
        ----------
        couplings
            The couplings.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            The betas and d beta / d couplings.
        """
        n = len(couplings)
        eta, deta = self._eta_and_gradient(couplings)
        f, dfe = self.evaluate(couplings, eta)
        df = dfe[:, :-1] + np.outer(dfe[:, -1], deta)  # total derivatives along eta(c)
        lam2 = couplings[1]
        dkappa = -f[0] / lam2
        d_dkappa = -df[0] / lam2
        d_dkappa[1] += f[0] / lam2**2
        out, jac = [dkappa], [d_dkappa]
        blocks = [(1, self.order, 1)]  # (first coupling, count, first row of f)
        blocks.append((1 + self.order, self.kinetic_order, self.n_u + 1))
        if "y" in self.flow.functions:
            blocks.append((1 + self.order + self.kinetic_order, self.kinetic_order + 1, self.n_u + self.n_z))
        for start, count, row in blocks:
            for k in range(count):
                value, grad = f[row + k], df[row + k].copy()
                if k + 1 < count:
                    higher = start + k + 1
                    value = value + couplings[higher] * dkappa
                    grad = grad + couplings[higher] * d_dkappa
                    grad[higher] += dkappa
                out.append(value)
                jac.append(grad)
        assert len(out) == n
        return np.array(out), np.array(jac)

    def fixed_point_equations(self, unknowns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All Taylor coefficients at kappa vanish; the unknowns are the couplings and eta.

        Parameters
        ----------
        unknowns
            The couplings followed by eta.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            The residuals and their Jacobian.
        """
        return self.evaluate(unknowns[:-1], float(unknowns[-1]))


def solve_d2(system: D2System, start: np.ndarray) -> D2FixedPoint:
    """Newton's method from ``start`` (couplings and eta), then the exponents.

    Parameters
    ----------
    system
        The compiled O(d^2) system.
    start
        The couplings and eta to start from (the LPA fixed point, z = 1, Y = 0, eta = 0).

    Returns
    -------
    D2FixedPoint

    Raises
    ------
    SolveError
        If Newton's method does not converge, or the point has not exactly one relevant direction.
    """
    x = np.array(start, dtype=float)
    scale = np.maximum(np.abs(system.fixed_point_equations(x)[0]), 1.0)
    for _ in range(MAX_STEPS):
        f, jac = system.fixed_point_equations(x)
        if np.max(np.abs(f) / scale) < RESIDUAL:
            break
        step = np.linalg.solve(jac, -f)
        factor = 1.0
        while factor > 1e-4:  # damped: accept the first step that lowers the residual
            trial = system.fixed_point_equations(x + factor * step)[0]
            if np.all(np.isfinite(trial)) and np.linalg.norm(trial) < np.linalg.norm(f):
                break
            factor /= 2
        x = x + factor * step
    else:
        raise SolveError(f"the O(d^2) fixed point did not converge in {MAX_STEPS} Newton steps "
                         f"(residual {np.max(np.abs(system.fixed_point_equations(x)[0])):.2e})")
    couplings = x[:-1]
    kappa, lam2 = couplings[0], couplings[1]
    if not (kappa > 0 and lam2 > 0):  # u'(kappa) = 0 must be a minimum in the broken regime
        raise SolveError(f"the O(d^2) point found has kappa = {kappa:.4g}, u''(kappa) = {lam2:.4g}: not a "
                         "minimum at positive rho, so not the Wilson-Fisher point")
    _, stability = system.betas(couplings)
    theta = sorted((-complex(v) for v in np.linalg.eigvals(stability)), key=lambda t: (-t.real, t.imag))
    relevant = sum(1 for t in theta if t.real > 0)
    if relevant != 1 or abs(theta[0].imag) > 0:
        raise SolveError(f"the O(d^2) point found has {relevant} relevant directions (theta = "
                         f"{', '.join(f'{t.real:.4g}' for t in theta[:4])}, ...): it is not the "
                         "Wilson-Fisher point; try another regulator parameter or truncation order")
    negative = [-t.real for t in theta if t.real < 0]
    omega = min(negative) if negative else None
    eta = float(system.eta(couplings))
    return D2FixedPoint(system.names, tuple(float(v) for v in couplings), eta, tuple(theta),
                        1.0 / theta[0].real, omega, relevant)


def lpa_start(names: tuple[str, ...], lpa: dict[str, float]) -> np.ndarray:
    """A start from an LPA fixed point: its kappa and lambda_k, z = 1, Y = 0, eta = 0.

    Parameters
    ----------
    names
        The O(d^2) couplings.
    lpa
        Coupling name -> value at the LPA fixed point of the same order and regulator.

    Returns
    -------
    numpy.ndarray
        The couplings and eta.
    """
    return np.array([lpa.get(n, 0.0) for n in names] + [0.0])
