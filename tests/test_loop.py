"""The one loop engine and the symmetry reduction: checked against independent computations.

- The resolvent expansion of a one-mode trace is the Taylor series of T_1(w + V) in V, since
  d T_c / dw = -c T_(c+1) (true for every regulator): checked with the Litim closed form.
- For two modes it must reproduce the trace of an explicit matrix inverse, expanded by sympy.
- The symmetry reduction must accept the Goldstone class of O(N) and the class outside the
  plane of the cubic model, and refuse a class whose members differ or mix.
"""

from __future__ import annotations

import symengine as se
import sympy as sp

from rgsym.errors import UnsupportedError
from rgsym.hessian import ModeClass, derivative_symbol, potential_jet, reduce_by_symmetry
from rgsym.integrate import loop_integral
from rgsym.loop import BOSON, FERMION, LoopKey, momentum_ring, resolvent_expansion
from rgsym.regulators import LITIM
from rgsym.series import Series
from rgsym.symbols import N, to_sympy


def _series(expr: sp.Expr, x: sp.Symbol, max_weight: int) -> Series:
    poly = sp.Poly(sp.expand(expr), x)
    return Series({(k,): se.sympify(c) for (k,), c in poly.terms()}, (1,), max_weight)


def test_single_mode_resolvent_is_the_taylor_series_of_t1() -> None:
    """(1/2) Tr[(P + w + V)^-1 d_t R] = T_1(w + V): the engine's keys, integrated, sum to it."""
    x, w = sp.symbols("x w")
    v = 3 * x + 2 * x**2  # an insertion with a linear and a quadratic part
    order = 5
    terms = resolvent_expansion([[_series(v, x, order)]], [sp.Integer(1)], (1,), order)
    litim = LITIM.with_alpha(sp.Integer(1))
    d = sp.Integer(3)
    total = sp.Integer(0)
    for key, series in terms:
        assert key.is_threshold and key.sign == BOSON
        value = loop_integral(litim, key, (w,), d, sp.Integer(0))
        for (k,), c in series.terms.items():
            total += to_sympy(c) * x**k * value
    t1 = loop_integral(litim, LoopKey((1,)), (w + v,), d, sp.Integer(0))
    expected = sp.series(t1, x, 0, order + 1).removeO()
    assert sp.simplify(sp.expand(total - expected)) == 0


def test_two_mode_resolvent_matches_an_explicit_inverse() -> None:
    """Counts per mode: sum_c prod_i (w_i + s)^-c_i-like structure checked on the matrix inverse.

    With G_i = 1/(a_i) (a_i symbols standing for the propagators) every key c contributes
    coefficient * prod a_i^-c_i; the sum must be tr[(A + V)^-1] expanded in x, with multiplicities.
    """
    x = sp.Symbol("x")
    a = sp.symbols("a0 a1", positive=True)
    v = sp.Matrix([[x, 2 * x**2], [2 * x**2, -x]])
    mult = (sp.Integer(1), N - 1)
    order = 4
    fluct = [[_series(v[i, j], x, order) for j in range(2)] for i in range(2)]
    terms = resolvent_expansion(fluct, mult, (1,), order)
    total = sp.Integer(0)
    for key, series in terms:
        weight = sp.Mul(*[ai ** (-c) for ai, c in zip(a, key.counts, strict=True)])
        for (k,), c in series.terms.items():
            total += to_sympy(c) * x**k * weight
    inverse = (sp.diag(*a) + v).inv()
    exact = sum(mult[i] * inverse[i, i] for i in range(2))
    expected = sp.series(exact, x, 0, order + 1).removeO()
    assert sp.simplify(sp.expand(total - expected)) == 0


def test_statistics_sign_is_carried_by_the_key() -> None:
    x = sp.Symbol("x")
    terms = resolvent_expansion([[_series(x, x, 2)]], [sp.Integer(1)], (1,), 2, signs=(FERMION,))
    assert all(key.sign == FERMION for key, _ in terms)
    with_fermion = LoopKey((1,), sign=FERMION)
    try:
        loop_integral(LITIM.with_alpha(sp.Integer(1)), with_fermion, (sp.Integer(0),), sp.Integer(3), 0)
    except UnsupportedError as exc:
        assert "fermion" in str(exc)
    else:  # pragma: no cover - a fermion loop must not be integrated with the boson regulator
        raise AssertionError("a fermion key was integrated as a boson loop")


def test_momentum_ring_pairs_and_weights() -> None:
    """A vertex joining a single mode to a class of N - 1: weight 2 (N - 1) for the unordered pair."""
    n = sp.Symbol("N")
    g = sp.Symbol("g")
    vertex = sp.Matrix([[0, g], [g, 0]])
    (term,) = momentum_ring(["sigma", "pi"], [sp.Integer(1), n - 1], vertex)
    assert term.internal == ("sigma", "pi")
    assert sp.simplify(term.weight - 2 * (n - 1)) == 0
    assert term.key == LoopKey((1, 0), (0, 1), p2_order=1, dy_order=2)
    assert sp.simplify(term.coefficient + 2 * (n - 1) * g**2) == 0


def test_reduction_finds_the_goldstone_class() -> None:
    s, p1, p2, bar = sp.symbols("s p1 p2 sbar", real=True)
    n = sp.Symbol("N")
    jet = potential_jet([(s**2 + p1**2 + p2**2) / 2], [bar**2 / 2], 2)
    reduced = reduce_by_symmetry(jet, (s,), (ModeClass(p1, p2, n - 1),), {s: bar})
    u1, u2 = derivative_symbol((1,)), derivative_symbol((2,))
    assert reduced.multiplicities == (1, n - 1)
    assert sp.expand(reduced.matrix[0, 0] - (u1 + bar**2 * u2)) == 0
    assert sp.expand(reduced.matrix[1, 1] - u1) == 0
    assert reduced.matrix[0, 1] == 0


def test_reduction_refuses_a_class_that_mixes_or_differs() -> None:
    s, p1, p2, bar, h = sp.symbols("s p1 p2 sbar h", real=True)
    mixing = (s**2 + p1**2 + p2**2) ** 2 + h * s * p1  # a term that is not O(N) invariant
    differing = (s**2 + p1**2 + p2**2) ** 2 + h * p1**2
    for potential in (mixing, differing):
        try:
            reduce_by_symmetry(potential, (s,), (ModeClass(p1, p2, sp.Symbol("N") - 1),), {s: bar})
        except UnsupportedError:
            continue
        raise AssertionError(f"{potential} was reduced although its class is not one")


def test_momentum_dependent_insertion_against_the_expanded_integral() -> None:
    """V = y z x (a wave-function insertion): the keys with powers of y, integrated with the Litim
    regulator, sum to the x-expansion of v_d int dy y^(d/2-1) d_t R / ((1 + z x) y + r + w).

    The expected side expands the explicit integrand in x and integrates term by term over the
    Litim piece y < 1 (where d_t R / k^2 = 2 and y + r = 1); above y = 1 d_t R vanishes.
    """
    x, z, w = sp.symbols("x z w")  # plain symbols, as to_sympy returns them
    yy = sp.Symbol("yy", positive=True)
    order = 4
    zero = Series({}, (1,), order)
    terms = resolvent_expansion([[zero]], [sp.Integer(1)], (1,), order, momentum=[[_series(z * x, x, order)]])
    assert {k.y_power for k, _ in terms} == set(range(order + 1))
    litim = LITIM.with_alpha(sp.Integer(1))
    d = sp.Integer(3)
    total = sp.Integer(0)
    for key, series in terms:
        value = loop_integral(litim, key, (w,), d, sp.Integer(0))
        for (k,), c in series.terms.items():
            total += to_sympy(c) * x**k * value
    integrand = yy ** sp.Rational(1, 2) * 2 / (1 + z * x * yy + w)
    expanded = sp.series(integrand, x, 0, order + 1).removeO()
    v3 = 1 / (8 * sp.pi**2)  # v_d = 1 / (2^(d+1) pi^(d/2) Gamma(d/2)) at d = 3
    expected = v3 * sp.integrate(sp.expand(expanded), (yy, 0, 1))
    assert sp.simplify(sp.expand(total - expected)) == 0


def test_vertices_with_a_field_dependent_wave_function_renormalisation() -> None:
    """N = 1, L = U(phi) + Z(phi) (d phi)^2 / 2: the textbook vertices of the derivative expansion,
    Gamma^(3)(p, q, -p-q) = U''' + Z' (p^2 + q^2 + p.q) and Gamma^(4)(p, -p, q, -q) = U'''' + Z'' (p^2 + q^2)
    (e.g. Canet, Delamotte, Mouhanna, Vidal, hep-th/0211055, sec. II: the vertices of the O(d^2) ansatz)."""
    from rgsym.hessian import P2, PQ, Q2, Momentum, kinetic_matrix, momentum_vertex

    phi, g, bar = sp.symbols("phi g phibar", real=True)
    u, z = sp.Function("U")(phi), sp.Function("Z")(phi)
    kin = kinetic_matrix(z * g**2 / 2, [g])
    assert kin == sp.Matrix([[z]])
    p, q, zero = Momentum(1, 0), Momentum(0, 1), Momentum(0, 0)
    at = {phi: bar}
    two = momentum_vertex(u, kin, [phi], [0, 0], [p, -p], at)
    assert sp.simplify(two - (sp.diff(u, phi, 2) + z * P2).subs(phi, bar)) == 0
    three = momentum_vertex(u, kin, [phi], [0, 0, 0], [p, q, -(p + q)], at)
    expected3 = (sp.diff(u, phi, 3) + sp.diff(z, phi) * (P2 + Q2 + PQ)).subs(phi, bar)
    assert sp.simplify(three - expected3) == 0
    four = momentum_vertex(u, kin, [phi], [0] * 4, [p, -p, q, -q], at)
    assert sp.simplify(four - (sp.diff(u, phi, 4) + sp.diff(z, phi, 2) * (P2 + Q2)).subs(phi, bar)) == 0
    try:
        momentum_vertex(u, kin, [phi], [0, 0], [p, zero], at)
    except ValueError:
        pass
    else:  # pragma: no cover
        raise AssertionError("momenta that do not sum to zero were accepted")


def test_o_n_two_point_function_at_order_d2() -> None:
    """O(N) with L = U(rho) + Z(rho) (d phi)^2 / 2 + Y(rho) (phi . d phi)^2 / 4: on the background
    phi = (sigma, 0, ...), the radial two-point function is U' + 2 rho U'' + (Z + rho Y) p^2 and the
    Goldstone one U' + Z p^2 (Canet et al., hep-th/0211055; Delamotte, cond-mat/0702365, sec. 5)."""
    from rgsym.hessian import P2, Momentum, kinetic_matrix, momentum_vertex

    fields = sp.symbols("f0:3", real=True)
    grads = sp.symbols("g0:3", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    r = sp.Symbol("r", positive=True)
    rho = sum(f**2 for f in fields) / 2
    big_u, big_z, big_y = (sp.Function(n) for n in ("U", "Z", "Y"))
    phi_dphi = sum(f * g for f, g in zip(fields, grads, strict=True))
    density = big_z(rho) * sum(g**2 for g in grads) / 2 + big_y(rho) * phi_dphi**2 / 4
    kin = kinetic_matrix(density, grads)
    p = Momentum(1, 0)
    at = {fields[0]: sigma, fields[1]: 0, fields[2]: 0}
    radial = momentum_vertex(big_u(rho), kin, fields, [0, 0], [p, -p], at)
    goldstone = momentum_vertex(big_u(rho), kin, fields, [1, 1], [p, -p], at)
    mixed = momentum_vertex(big_u(rho), kin, fields, [0, 1], [p, -p], at)
    u1 = sp.Subs(sp.Derivative(big_u(r), r), r, sigma**2 / 2).doit()
    u2 = sp.Subs(sp.Derivative(big_u(r), r, 2), r, sigma**2 / 2).doit()
    zz, yy = big_z(sigma**2 / 2), big_y(sigma**2 / 2)
    assert sp.simplify((radial - (u1 + sigma**2 * u2 + (zz + sigma**2 / 2 * yy) * P2)).doit()) == 0
    assert sp.simplify((goldstone - (u1 + zz * P2)).doit()) == 0
    assert sp.simplify(mixed.doit()) == 0


def _ring_projection(w_a: sp.Expr, w_b: sp.Expr, d: sp.Expr) -> sp.Expr:
    """The p^2 projection of the ring G_a(q) G_b(q + p) with unit vertices, taken on the integrand."""
    from rgsym.loop import p2_projection

    key = LoopKey((1, 0), (0, 1), p2_order=1)
    return p2_projection([(key, sp.Integer(1), sp.Integer(1))], [sp.Integer(1)] * 2, [w_a, w_b], d)


def test_p2_projection_on_the_integrand_is_the_ring_integrated_by_parts_litim() -> None:
    """The two forms of the ring's p^2 key: d/dp^2 taken on the integrand (Taylor expansion, B'' kept,
    rgsym.loop.p2_projection; Litim through the distributional rules of kinked_regulator_integrand)
    and the closed form of the key integrated by parts (loop_integral, theta(0) = 1/2 at the kink).
    Exact, d = 3, symbolic eta: 2 v_d int y^(1/2) F dy = -(1/2 int of the ring) = -loop_integral."""
    from rgsym.hessian import Q2
    from rgsym.integrate import kinked_regulator_integrand
    from rgsym.loop import RDOT, R
    from rgsym.symbols import angular_factor, eta, y

    d = sp.Integer(3)
    w_a, w_b = sp.Rational(1, 3), sp.Rational(-1, 5)
    litim = LITIM.with_alpha(sp.Integer(1))
    integrand, top = kinked_regulator_integrand(_ring_projection(w_a, w_b, d), Q2, R, RDOT, litim, d, eta)
    ours = 2 * angular_factor(d) * sp.integrate(sp.expand(sp.sqrt(y) * integrand), (y, 0, top))
    key = LoopKey((1, 0), (0, 1), p2_order=1, dy_order=2)
    closed = loop_integral(litim, key, (w_a, w_b), d, eta)
    assert sp.simplify(ours + closed) == 0


def test_p2_projection_on_the_integrand_is_the_ring_integrated_by_parts_smooth() -> None:
    """The same with the exp-mass regulator r = exp(-y): quadrature of the raw integrand against the
    key's WeightedThreshold form (loop_integral), d = 3, eta = 0.05."""
    import mpmath

    from rgsym.hessian import Q2
    from rgsym.integrate import regulator_insertion
    from rgsym.loop import RDOT, R
    from rgsym.regulators import EXP_MASS, Piece
    from rgsym.symbols import eta, y

    d, eta0 = 3, sp.Rational(1, 20)
    w_a, w_b = sp.Rational(1, 3), sp.Rational(1, 7)
    reg = EXP_MASS.with_alpha(sp.Integer(1))
    shape = reg.shape()
    insertion = regulator_insertion(Piece(sp.Integer(0), sp.oo, shape), eta).subs(eta, eta0)
    raw = _ring_projection(w_a, w_b, sp.Integer(d))
    concrete = raw.subs({R(Q2): shape.subs(y, Q2), RDOT(Q2): insertion.subs(y, Q2)}).doit()
    f = sp.lambdify(Q2, concrete, "mpmath")
    v_d = 1 / (2 ** (d + 1) * mpmath.pi ** (mpmath.mpf(d) / 2) * mpmath.gamma(mpmath.mpf(d) / 2))
    ours = float(2 * v_d * mpmath.quad(lambda x: mpmath.sqrt(x) * f(x), [0, 1, 10, mpmath.inf]))
    key = LoopKey((1, 0), (0, 1), p2_order=1, dy_order=2)
    closed = float(loop_integral(reg, key, (w_a, w_b), sp.Integer(d), eta).subs(eta, eta0).evalf(30))
    # two quadratures of smooth integrands (~1e-15 each) of forms that differ by an integration by parts
    assert abs(ours + closed) < 1e-10 * abs(closed), (ours, closed)


def test_momentum_integrand_at_zero_momentum_and_refusals() -> None:
    """The p = 0 key with field-dependent kinetic coefficients: y^c d_t R prod G_i^(c_i); keys with
    external momentum, y-derivatives or a fermion loop are refused with the key named."""
    import pytest

    from rgsym.hessian import Q2
    from rgsym.loop import RDOT, R, momentum_integrand, p2_projection

    z0, z1, m0, m1 = sp.symbols("z0 z1 m0 m1")
    got = momentum_integrand(LoopKey((2, 1), y_power=1), [z0, z1], [m0, m1])
    expected = Q2 * RDOT(Q2) / ((z0 * Q2 + R(Q2) + m0) ** 2 * (z1 * Q2 + R(Q2) + m1))
    assert sp.simplify(got - expected) == 0
    for key in (LoopKey((1,), (1,), p2_order=1), LoopKey((1,), sign=FERMION)):
        with pytest.raises(UnsupportedError, match="LoopKey"):
            momentum_integrand(key, [z0], [m0])
    with pytest.raises(UnsupportedError, match="dy"):
        p2_projection([(LoopKey((1,), (1,), p2_order=1, dy_order=2), sp.Integer(1), sp.Integer(1))],
                      [z0], [m0], sp.Integer(3))
