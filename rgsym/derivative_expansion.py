"""Derivative expansion: the O(d^2) flows of u(rho) and z(rho) (and y(rho)) as functions.

The ansatz (dimensionless, rho = phi.phi/2, Z_k the normalisation of the fields)

    Gamma_k = int [ U(rho) + Z(rho) (d phi)^2 / 2 + Y(rho) (phi . d phi)^2 / 4 ],

is differentiated by the shared machinery: the super-Hessian's momentum part comes from the
gradient terms (:func:`rgsym.hessian.kinetic_matrix`), the flow of u is the trace over the modes
with their field-dependent z_i (the loop engine's single propagators, each now with its own
momentum part), and the flows of z and y are the p^2 projections of the two-point functions
(:func:`rgsym.two_point.p2_flow`): Goldstone p^2 coefficient = Z, radial = Z + rho Y.  For one
field (N = 1) the Y term is (1/2) rho Y (d phi)^2, part of Z: only u and z are kept.  The
scaling terms come from the dimensions of U, Z and Y, derived as in
:func:`rgsym.project.scaling_coefficients`; eta is left a symbol, fixed by the normalisation
z(rho_0) = 1 where the flows are solved.

The loop parts are returned as integrands over y = q^2/k^2 with the regulator's shape put in,
evaluated by quadrature.  For a smooth regulator the integral runs over (0, oo).  For the Litim
regulator alpha (1 - y) theta(1 - y) the q^2-derivatives of R_k are distributions (r'' is a delta
function at the kink, met by the jump of d_t R_k there): they are resolved as the limit of smooth
regulators by :func:`rgsym.integrate.kinked_regulator_integrand`, which returns one regular
integrand on (0, 1) (the point term at the kink included); it agrees with the theta(0) = 1/2 rule
of LPA' and of the hand-written reference flows of Canet et al.'s form.

For a smooth regulator the integrands are also kept with r(y) and its derivatives as symbols
(:attr:`DerivativeExpansionFlow.node_loops`), whose values the full-function route takes at the
quadrature nodes in high precision; :func:`smooth_shape_problem` says which shapes the integrands can
take.  Length: about 420 lines, the derivation, the flow's JSON form (the disk cache) and that check
on the regulator: each belongs to the flow object.

References
----------
Canet, Delamotte, Mouhanna, Vidal, Phys. Rev. D 67 (2003) 065004, hep-th/0211055 (O(d^2) for the
Ising model); Delamotte, cond-mat/0702365, sec. 5; von Gersdorff, Wetterich, Phys. Rev. B 64 (2001)
054513, hep-th/0008114 (O(N) at O(d^2) with Y).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from rgsym import symbols
from rgsym.errors import UnsupportedError
from rgsym.hessian import Q2, kinetic_matrix
from rgsym.integrate import kinked_regulator_integrand, regulator_insertion
from rgsym.loop import RDOT, LoopKey, R, momentum_integrand, species_counts
from rgsym.regulators import Piece, Regulator
from rgsym.two_point import p2_flow

#: The values of the functions and their rho-derivatives at a point, as plain symbols:
#: u1 = u'(rho), u2 = u''(rho), u3 = u'''(rho), z = z(rho), z1 = z'(rho), z2 = z''(rho), and y0, y1, y2
#: for Y(rho).
U1, U2, U3 = sp.symbols("u1 u2 u3", real=True)
Z0, Z1, Z2 = sp.symbols("z z1 z2", real=True)
Y0, Y1, Y2 = sp.symbols("y0 y1 y2", real=True)
RHO = sp.Symbol("rho", nonnegative=True)
#: r(y) and its first three y-derivatives for a smooth regulator, as plain symbols in
#: :attr:`DerivativeExpansionFlow.node_loops`; their values at the quadrature nodes come from
#: :attr:`DerivativeExpansionFlow.regulator_values`, computed in high precision, because the closed
#: forms cancel catastrophically at small y (y/(exp(y) - 1) and its derivatives).
REGULATOR_JET = sp.symbols("r0 r1 r2 r3", real=True)


@dataclass(frozen=True)
class DerivativeExpansionFlow:
    """The O(d^2) flows at a point rho, for one multiplet.

    Attributes
    ----------
    functions
        The names of the flowing functions: ("u", "z") or ("u", "z", "y").
    scaling
        Name -> the scaling part of d_t f at fixed dimensionless rho: for u the flow of u'
        is obtained by differentiating (see :meth:`derivative_of_u`); here d_t u itself.
    loops
        Name -> the loop integrand F(y) with d_t f|_loop = 2 v_d int_0^oo dy y^(d/2-1) F(y).
    d, n
        Dimension and number of components.
    regulator
        The regulator whose shape is in the integrands.
    upper
        The upper end of the y-integrals: oo, or the kink of the Litim regulator (1), above which
        the integrands vanish.
    node_loops
        The loops again, with r(y) and its y-derivatives left as the symbols :data:`REGULATOR_JET`
        (smooth regulators; for Litim the same as ``loops``).
    regulator_values
        (symbol, its expression in y) for each of :data:`REGULATOR_JET` that ``node_loops`` holds.
    """

    functions: tuple[str, ...]
    scaling: tuple[tuple[str, sp.Expr], ...]
    loops: tuple[tuple[str, sp.Expr], ...]
    d: sp.Expr
    n: sp.Expr
    regulator: str
    upper: sp.Expr = sp.oo
    node_loops: tuple[tuple[str, sp.Expr], ...] = ()
    regulator_values: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()

    def __repr__(self) -> str:
        return (f"DerivativeExpansionFlow({', '.join(self.functions)}; d={self.d}, N={self.n}, "
                f"{self.regulator})")

    def to_data(self) -> dict[str, Any]:
        """Plain JSON data (expressions as ``sympy.srepr`` text), for the disk cache.

        Returns
        -------
        dict
        """
        def pairs(items: tuple[tuple[Any, sp.Expr], ...]) -> list[list[str]]:
            return [[str(k), sp.srepr(v)] for k, v in items]

        return {"functions": list(self.functions), "scaling": pairs(self.scaling), "loops": pairs(self.loops),
                "d": sp.srepr(self.d), "n": sp.srepr(self.n), "regulator": self.regulator,
                "upper": sp.srepr(self.upper), "node_loops": pairs(self.node_loops),
                "regulator_values": [[sp.srepr(k), sp.srepr(v)] for k, v in self.regulator_values]}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> DerivativeExpansionFlow:
        """The flow :meth:`to_data` wrote; expressions through :func:`rgsym.expression.read_srepr`
        (no code runs).

        Raises
        ------
        ValueError
            For data of another shape (:class:`rgsym.expression.ExpressionError` is one).
        """
        from rgsym.expression import read_srepr

        def expr(text: Any) -> sp.Expr:
            value = read_srepr(text)
            if not isinstance(value, sp.Expr):
                raise ValueError(f"expected an expression, got {type(value).__name__}")
            return value

        def name(text: Any) -> str:
            if text not in ("u", "z", "y"):
                raise ValueError(f"unknown function name {str(text)[:20]!r}")
            return str(text)

        def pairs(items: Any) -> tuple[tuple[str, sp.Expr], ...]:
            return tuple((name(k), expr(v)) for k, v in items)

        values = tuple((expr(k), expr(v)) for k, v in data["regulator_values"])
        if not all(k in REGULATOR_JET for k, _ in values):
            raise ValueError("regulator values for symbols that are not the regulator's jet")
        regulator = data["regulator"]
        if not isinstance(regulator, str) or not regulator.replace("-", "").isalnum():
            raise ValueError("the regulator's name must be a word")
        return cls(tuple(name(f) for f in data["functions"]), pairs(data["scaling"]), pairs(data["loops"]),
                   expr(data["d"]), expr(data["n"]), regulator, expr(data["upper"]),
                   pairs(data["node_loops"]), values)  # type: ignore[arg-type]  # the jet: Symbols


def derive_d2(d: sp.Expr, n: sp.Expr, regulator: Regulator, with_y: bool = True) -> DerivativeExpansionFlow:
    """The O(d^2) flows of u, z (and y for N != 1) at a point rho.

    Parameters
    ----------
    d
        The dimension.
    n
        The number of components (1: u and z only).
    regulator
        A smooth regulator (one piece), or Litim's alpha (1 - y) theta(1 - y).
    with_y
        Keep Y(rho) (the full O(d^2)); False is the common variant with Y = 0 ("d2-z"), where z is
        read off the Goldstone two-point function.

    Returns
    -------
    DerivativeExpansionFlow

    Raises
    ------
    UnsupportedError
        For the sharp cutoff or a piecewise regulator other than Litim's form.
    """
    if regulator.sharp:
        raise UnsupportedError("", "regulator.kind", "the derivative expansion needs propagators "
                               "differentiable in the momentum, which the sharp cutoff does not have")
    if len(regulator.pieces) == 1:
        problem = smooth_shape_problem(regulator.pieces[0].shape)
        if problem:
            key = "regulator.shape" if regulator.name == "custom" else "regulator.kind"
            raise UnsupportedError("", key, f"the {regulator.name} regulator cannot be used at O(d^2): "
                                   f"{problem}")
    single = sp.sympify(n) == 1
    keep_y = with_y and not single
    u, z, yy = (sp.Function(f) for f in ("u", "z", "Y"))
    sigma = sp.Symbol("sigma", positive=True)
    if single:
        fields: tuple[sp.Symbol, ...] = (sigma,)
        mult: tuple[sp.Expr, ...] = (sp.Integer(1),)
    else:
        fields = (sigma, sp.Symbol("pi", real=True), sp.Symbol("pi_o", real=True))
        mult = (sp.Integer(1), sp.Integer(1), sp.sympify(n) - 2)
    grads = [sp.Symbol(f"grad_{f.name}", real=True) for f in fields]
    rho = sum((f**2 for f in fields), sp.Integer(0)) / 2
    density = z(rho) * sum((g**2 for g in grads), sp.Integer(0)) / 2
    if keep_y:
        density += yy(rho) * sum((f * g for f, g in zip(fields, grads, strict=True)), sp.Integer(0)) ** 2 / 4
    kin = kinetic_matrix(density, grads)
    background = {sigma: sp.sqrt(2 * RHO)}
    potential = u(rho)
    goldstone = None if single else p2_flow(potential, kin, fields, mult, 1, background, d)
    radial = p2_flow(potential, kin, fields, mult, 0, background, d) if single or keep_y else None
    at = {f: sp.Integer(0) for f in fields} | background
    masses = [sp.diff(potential, f, 2).xreplace(at) for f in fields]
    kinetics = [kin[i, i].xreplace(at) for i in range(len(fields))]
    # the flow of u: (1/2) STr[G d_t R] over the modes, each with its own momentum part z_i q^2: the
    # loop engine's single propagators (key T_1 of each mode, no expansion)
    modes = len(fields)
    loop_u = sum((m * momentum_integrand(LoopKey(species_counts(modes, None, i)), kinetics, masses)
                  for i, m in enumerate(mult)), sp.Integer(0)) / 2
    loops = {"u": loop_u}
    if single:
        assert radial is not None
        loops["z"] = radial.integrand
    else:
        assert goldstone is not None
        loops["z"] = goldstone.integrand
        if keep_y:
            assert radial is not None
            loops["y"] = (radial.integrand - goldstone.integrand) / RHO
    names = ("u", "z", "y") if keep_y else ("u", "z")
    upper: sp.Expr = sp.oo
    node_loops: dict[str, sp.Expr] = {}
    values: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()
    if len(regulator.pieces) == 1:
        shape = regulator.pieces[0].shape
        concrete = {name: _in_symbols(_with_regulator(expr, shape)) for name, expr in loops.items()}
        node_loops = {name: _in_symbols(_with_regulator_jet(expr)) for name, expr in loops.items()}
        held: set[sp.Basic] = set().union(*(e.free_symbols for e in node_loops.values()))
        values = tuple((r, sp.diff(shape, symbols.y, k)) for k, r in enumerate(REGULATOR_JET) if r in held)
    else:
        concrete = {}
        for name, expr in loops.items():
            # the jet symbols first (they carry no q^2), then R_k and d_t R_k as distributions
            concrete[name], upper = kinked_regulator_integrand(_in_symbols(expr), Q2, R, RDOT, regulator, d,
                                                               symbols.eta)
    scaling = tuple((name, _scaling(name, d)) for name in names)
    node_loops = node_loops or concrete
    return DerivativeExpansionFlow(names, scaling, tuple((k, concrete[k]) for k in names), d, sp.sympify(n),
                                   regulator.name, upper, tuple((k, node_loops[k]) for k in names), values)


#: The O(d^2) integrands hold r(y) and its first three derivatives.
SHAPE_DERIVATIVES = 3
#: Where the y-integrals of smooth regulators are cut (rgsym.solve.fixed_functions.INFINITE_CUT = 60,
#: rgsym.solve.d2_polynomial.Y_MAX = 64): there y^k r^(k)(y) must be below DECAY of r(0).
CUT, DECAY = 60, 1e-12
#: The points near y = 0 where r^(k) must have settled (finite limits: no sqrt(y), no 1/y).
NEAR_ZERO = ("1e-4", "1e-6", "1e-8")


def smooth_shape_problem(shape: sp.Expr) -> str | None:
    """Why a one-piece shape r(y) cannot be used at O(d^2), or None.

    The integrands need r and its first three derivatives at every y >= 0, and the quadrature
    assumes exponential decay.  Checked numerically with mpmath at 60 digits (a symbolic limit of
    the exponential regulator's third derivative takes seconds): each derivative at y = 1e-4, 1e-6,
    1e-8 settles to a finite value (relative change below 1e-3), r(0) > 0 (an infrared mass),
    y + r(y) > 0 on a grid of [0, 60] in steps of 1/4 (a positive propagator at z = 1, no pole in
    between), and y^k |r^(k)(y)| < 1e-12 r(0) at y = 60, where the integrals are cut.

    >>> y = symbols.y
    >>> smooth_shape_problem(2 * sp.exp(-y)) is None
    True
    >>> print(smooth_shape_problem(1 / y))
    r(y) = 1/y or one of its first 3 y-derivatives has no finite value at y = 0
    """
    import mpmath

    y = symbols.y
    if shape.free_symbols - {y}:
        free = sorted(map(str, shape.free_symbols))
        return f"r(y) = {shape} must be a number for every y (free symbols {free})"
    functions = [sp.lambdify(y, sp.diff(shape, y, k), "mpmath") for k in range(SHAPE_DERIVATIVES + 1)]
    with mpmath.workdps(60):  # the closed forms lose ~eps/y^3 at y = 1e-8: 24 digits
        try:
            near = [[complex(f(mpmath.mpf(v))) for v in NEAR_ZERO] for f in functions]
            grid = [complex(functions[0](mpmath.mpf(k) / 4)) for k in range(1, 4 * CUT + 1)]
            far = [complex(f(mpmath.mpf(CUT))) * CUT**k for k, f in enumerate(functions)]
        except (ZeroDivisionError, ValueError, TypeError, OverflowError):
            return f"r(y) = {shape} cannot be evaluated on [0, {CUT}]"
    settled = all(all(map(math.isfinite, (v.real, v.imag))) and abs(v.imag) <= 1e-12 * (1 + abs(v))
                  for row in near for v in row)
    settled = settled and all(abs(row[2] - row[1]) <= 1e-3 * (1 + abs(row[1])) for row in near)
    if not settled:
        return (f"r(y) = {shape} or one of its first {SHAPE_DERIVATIVES} y-derivatives has no finite value "
                "at y = 0")
    r0 = near[0][2].real
    if not r0 > 0:
        return f"r(y) = {shape} has r(0) = {r0:.3g}; a regulator needs r(0) > 0 (an infrared mass)"
    bad = next((k / 4 for k, v in enumerate(grid, 1) if not (math.isfinite(v.real) and k / 4 + v.real > 0)),
               None)
    if bad is not None:
        return f"the propagator y + r(y) is not positive and finite at y = {bad:g} (r(y) = {shape})"
    if max(abs(v) for v in far) > DECAY * r0:
        return (f"r(y) = {shape} does not decay fast enough: y^k r^(k)(y) at y = {CUT} is "
                f"{max(abs(v) for v in far):.2g}, more than {DECAY:g} r(0); the y-integrals are cut there "
                "(an exponential decay such as exp(-y) is needed)")
    return None


def _with_regulator(expr: sp.Expr, shape: sp.Expr) -> sp.Expr:
    """Put in R = r(y) and d_t R = (2 - eta) r - 2 y r' (k = Z_k = 1), and evaluate derivatives."""
    y = symbols.y
    insertion = regulator_insertion(Piece(sp.Integer(0), sp.oo, shape), symbols.eta)
    out = expr.subs({R(Q2): shape.subs(y, Q2), RDOT(Q2): insertion.subs(y, Q2)}).doit()
    return out.xreplace({Q2: y})


def _with_regulator_jet(expr: sp.Expr) -> sp.Expr:
    """R = r(y), d_t R = (2 - eta) r - 2 y r' with r(y) and its derivatives left as :data:`REGULATOR_JET`."""
    y = symbols.y
    r = sp.Function("r_shape")
    insertion = regulator_insertion(Piece(sp.Integer(0), sp.oo, r(y)), symbols.eta)
    out = expr.subs({R(Q2): r(Q2), RDOT(Q2): insertion.subs(y, Q2)}).doit()
    order = len(REGULATOR_JET) - 1
    table = {sp.Derivative(r(Q2), (Q2, k)): REGULATOR_JET[k] for k in range(order, 0, -1)}
    out = out.xreplace(table).xreplace({r(Q2): REGULATOR_JET[0]})
    if out.has(r):
        raise AssertionError(f"the O(d^2) flow needs more than {order} derivatives of the regulator")
    return out.xreplace({Q2: y})


def _in_symbols(expr: sp.Expr) -> sp.Expr:
    """Derivatives of u, z, Y at rho as the plain symbols U1, ..., Y2."""
    u, z, yy = (sp.Function(f) for f in ("u", "z", "Y"))
    table = {
        sp.Derivative(u(RHO), (RHO, 3)): U3, sp.Derivative(u(RHO), (RHO, 2)): U2,
        sp.Derivative(u(RHO), RHO): U1,
        sp.Derivative(z(RHO), (RHO, 2)): Z2, sp.Derivative(z(RHO), RHO): Z1, z(RHO): Z0,
        sp.Derivative(yy(RHO), (RHO, 2)): Y2, sp.Derivative(yy(RHO), RHO): Y1, yy(RHO): Y0,
    }
    out = expr.doit()
    derivatives = {old: new for old, new in table.items() if isinstance(old, sp.Derivative)}
    values = {old: new for old, new in table.items() if not isinstance(old, sp.Derivative)}
    out = out.xreplace(derivatives).xreplace(values)  # whole derivatives first, then the values
    left = [a for a in out.atoms(sp.Function, sp.Derivative, sp.Subs) if a.has(u, z, yy)]
    if left:
        raise AssertionError(f"the O(d^2) flow has terms the projection did not name: {left[:3]}")
    return sp.simplify(out) if sp.count_ops(out) < 400 else out


#: The units of each function: F = Z_k^a k^b f(rho~), (a, b) per name.
UNITS = {"u": (0, "d"), "z": (1, "0"), "y": (2, "2 - d")}


def _scaling(name: str, d: sp.Expr) -> sp.Expr:
    """The scaling part A f + B rho~ f' of d_t f at fixed dimensionless rho~, derived from the units.

    F(rho, t) = Z_k^a k^b c(t) rho~^n with rho~ = Z_k k^(2-d) rho, k = e^t, Z_k = e^(-eta t) (the
    monomial ansatz of :func:`rgsym.project.scaling_coefficients`): with no loop term d_t F at fixed
    rho vanishes, which fixes dc/dt = (A + B n) c; A and B are read off.  U has (a, b) = (0, d),
    Z (1, 0) and Y (2, 2 - d) (rho Y has the units of Z).
    """
    eta, t = symbols.eta, symbols.t
    a, b = UNITS[name]
    bb = sp.sympify(b.replace("d", "dd")).subs(sp.Symbol("dd"), d)
    n, rho = sp.Symbol("n"), sp.Symbol("rho_dim", positive=True)
    c = sp.Function("c")(t)
    zk, k = sp.exp(-eta * t), sp.exp(t)
    big = zk**a * k**bb * c * (zk * k ** (2 - d) * rho) ** n
    dc = sp.Symbol("dc")
    lhs = sp.diff(big, t).subs(sp.Derivative(c, t), dc)
    rate = sp.solve(sp.simplify(lhs / (zk**a * k**bb * (zk * k ** (2 - d) * rho) ** n)), dc)[0]
    per_c = sp.expand(sp.simplify(rate / c))
    a_coeff, b_coeff = sp.simplify(per_c.subs(n, 0)), sp.simplify(sp.diff(per_c, n))
    own = {"u": (sp.Symbol("u0"), U1), "z": (Z0, Z1), "y": (Y0, Y1)}[name]
    return sp.expand(a_coeff * own[0] + b_coeff * RHO * own[1])


def flow_equations(flow: DerivativeExpansionFlow, at_nodes: bool = False) -> dict[str, sp.Expr]:
    """The flows of u', z (and Y) as functions of rho: scaling part plus the loop as an Integral over y.

    The flow of u' is the rho-derivative of the flow of u, taken in jet space (u' -> u'', u'' -> u''',
    z -> z'); u itself drops out.  Each loop term is 2 v_d int_0^oo dy y^(d/2-1) F(y), kept as a
    :class:`sympy.Integral` for the quadrature of :mod:`rgsym.solve.fixed_functions`.

    Parameters
    ----------
    flow
        The derived O(d^2) flows.
    at_nodes
        Use :attr:`DerivativeExpansionFlow.node_loops`: the integrands hold r(y) and its derivatives
        as :data:`REGULATOR_JET`, to be evaluated at the quadrature nodes.

    Returns
    -------
    dict
        ``{"u'": ..., "z": ...}`` and ``"y"`` for N != 1, in the symbols RHO, U1..U3, Z0..Z2, Y0..Y2
        and eta.
    """
    y = symbols.y
    d = flow.d
    v_d = 1 / (2 ** (d + 1) * sp.pi ** (d / 2) * sp.gamma(d / 2))
    loops, scaling = dict(flow.node_loops if at_nodes and flow.node_loops else flow.loops), dict(flow.scaling)
    chain = {U1: U2, U2: U3, Z0: Z1, Z1: Z2, Y0: Y1, Y1: Y2}

    def d_rho(expr: sp.Expr) -> sp.Expr:
        return sp.diff(expr, RHO) + sum((sp.diff(expr, a) * b for a, b in chain.items()), sp.Integer(0))

    def integral(integrand: sp.Expr) -> sp.Expr:
        return 2 * v_d * sp.Integral(y ** (d / 2 - 1) * integrand, (y, 0, flow.upper))

    u0 = sp.Symbol("u0")
    out = {"u'": sp.expand(d_rho(scaling["u"].subs(u0, 0)) + sp.diff(scaling["u"], u0) * U1)
           + integral(d_rho(loops["u"]))}
    out["z"] = scaling["z"] + integral(loops["z"])
    if "y" in flow.functions:
        # loops["y"] = (radial - Goldstone) / rho: both p^2 parts agree at rho = 0 for any jet (the
        # O(N)-symmetric point), so the quotient is regular; at rho = 0 it is the rho-derivative
        difference = sp.expand(loops["y"] * RHO, deep=False)
        at_zero = sp.diff(difference, RHO)
        out["y"] = scaling["y"] + integral(sp.Piecewise((at_zero, sp.Eq(RHO, 0)), (loops["y"], True)))
    return out
