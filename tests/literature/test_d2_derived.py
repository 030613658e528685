"""The O(d^2) flows derived by the engine (rgsym.derivative_expansion) against the reference flows
written out by hand in tests/literature/d2_reference.py (the form of Canet, Delamotte, Mouhanna,
Vidal, PRD 67 (2003) 065004, hep-th/0211055, sec. II, in rgsym's conventions).

The two come from different routes: the engine differentiates the action with plane-wave vertices,
Taylor-expands the shifted propagator and averages over angles by itself; the reference is the
formula typed out.  The integrands differ pointwise by total y-derivatives (the engine keeps the
second derivative of the shifted propagator, the reference is partly integrated by parts), so the
loop terms are compared after the y-integral, at random points of the jet (rho, u1, u2, u3, z, z1,
z2) and eta, with the exponential regulator r = alpha y/(e^y - 1); the scaling parts exactly.
"""

from __future__ import annotations

import random

import mpmath
import sympy as sp

from rgsym import symbols
from rgsym.derivative_expansion import RHO, U1, U2, U3, Z0, Z1, Z2, derive_d2
from rgsym.regulators import EXPONENTIAL
from tests.literature import d2_reference as ref


def _integrand(flow: sp.Expr) -> sp.Expr:
    """The integrand of the one Integral in a reference flow, times its prefactor (measure included)."""
    (integral,) = flow.atoms(sp.Integral)
    (term,) = [t for t in sp.Add.make_args(flow) if t.has(integral)]
    return (term / integral) * integral.function


def test_derived_d2_flows_equal_the_reference() -> None:
    d = 3
    amplitude = sp.Integer(2)
    derived = derive_d2(sp.Integer(d), sp.Integer(1), EXPONENTIAL.with_alpha(amplitude))
    loops, scaling = dict(derived.loops), dict(derived.scaling)
    flows = ref.reference_flows(1, d, "exponential")
    ours_to_ref = {RHO: ref.rho, U1: ref.u1, U2: ref.u2, U3: ref.u3, Z0: ref.z, Z1: ref.z1, Z2: ref.z2,
                   symbols.eta: ref.eta, symbols.y: ref.y, sp.Symbol("u0"): ref.u}
    v_d = ref.angular_factor(sp.Integer(d))
    measure = 2 * v_d * ref.y ** sp.Rational(d - 2, 2)  # the engine's loops: flow = 2 v_d int y^(d/2-1) F
    ours = {name: measure * loops[name].xreplace(ours_to_ref) for name in ("u", "z")}
    theirs = {name: _integrand(flows[name]).subs(ref.alpha, amplitude) for name in ("u", "z")}
    names = (ref.y, ref.rho, ref.u1, ref.u2, ref.u3, ref.z, ref.z1, ref.z2, ref.eta)
    compiled = {(side, name): sp.lambdify(names, expr[name], "mpmath")
                for side, expr in (("ours", ours), ("theirs", theirs)) for name in ("u", "z")}
    breaks = [mpmath.mpf("1e-12"), 1, 5, 60]

    def integral(side: str, name: str, args: list[mpmath.mpf]) -> mpmath.mpf:
        return mpmath.quad(lambda yy: compiled[side, name](yy, *args), breaks)

    rng = random.Random(20261203)
    ranges = ((0.0, 0.3), (-0.1, 0.3), (0.5, 8.0), (-20.0, 40.0), (0.8, 1.2), (-1.0, 1.0), (-10.0, 10.0),
              (0.0, 0.1))
    with mpmath.workdps(30):
        for _ in range(4):
            args = [mpmath.mpf(rng.uniform(*r)) for r in ranges]
            for name in ("u", "z"):
                # below y = 1e-12 the integrands (~ y^(1/2)) add ~1e-18, above y = 60 ~exp(-60)
                a, b = integral("ours", name, args), integral("theirs", name, args)
                # 30-digit quadratures of smooth integrands agree to ~1e-25; 1e-12 leaves a wide margin
                assert abs(a - b) <= 1e-12 * abs(b), (name, [float(x) for x in args], float(a), float(b))
    for name in ("u", "z"):
        ref_scaling = flows[name].subs({i: 0 for i in flows[name].atoms(sp.Integral)})
        assert sp.expand(scaling[name].xreplace(ours_to_ref) - ref_scaling) == 0


def test_derived_litim_flows_equal_the_reference() -> None:
    """Litim r = (1 - y) theta(1 - y): the engine's integrand holds r'' and r''' (delta functions)
    times the jump of d_t R_k; rgsym.integrate resolves them as the limit of convex smoothings.  The
    reference writes Canet et al.'s form with theta(0) = 1/2 at the delta of r''.  Both are the same
    numbers: the loop parts (regular integral over (0, 1) plus the kink term) at random jet points."""
    from rgsym.regulators import LITIM

    d = 3
    derived = derive_d2(sp.Integer(d), sp.Integer(1), LITIM.with_alpha(sp.Integer(1)))
    assert derived.upper == 1
    loops = dict(derived.loops)
    flows = ref.reference_flows(1, d, "litim")
    ours_to_ref = {RHO: ref.rho, U1: ref.u1, U2: ref.u2, U3: ref.u3, Z0: ref.z, Z1: ref.z1, Z2: ref.z2,
                   symbols.eta: ref.eta, symbols.y: ref.y}
    v_d = ref.angular_factor(sp.Integer(d))
    scaling = {"u": -d * ref.u + (d - 2 + ref.eta) * ref.rho * ref.u1,
               "z": ref.eta * ref.z + (d - 2 + ref.eta) * ref.rho * ref.z1}
    names = (ref.rho, ref.u1, ref.u2, ref.u3, ref.z, ref.z1, ref.z2, ref.eta)
    rng = random.Random(20261204)
    ranges = ((0.0, 0.3), (-0.1, 0.3), (0.5, 8.0), (-20.0, 40.0), (0.8, 1.2), (-1.0, 1.0), (-10.0, 10.0),
              (0.0, 0.1))
    with mpmath.workdps(20):
        for name in ("u", "z"):
            ours = sp.lambdify((ref.y, *names), 2 * v_d * ref.y ** sp.Rational(d - 2, 2)
                               * loops[name].xreplace(ours_to_ref), "mpmath")
            loop_ref = sp.expand(flows[name] - scaling[name], deep=False)
            terms = sp.Add.make_args(loop_ref)
            kink = sp.lambdify(names, sp.Add(*[t for t in terms if not t.has(sp.Integral)]), "mpmath")
            parts = []
            for term in (t for t in terms if t.has(sp.Integral)):
                (i,) = term.atoms(sp.Integral)
                integrand = sp.lambdify((ref.y, *names), (term / i) * i.function, "mpmath")
                parts.append((integrand, i.limits[0][1:]))
            for _ in range(3):
                args = [mpmath.mpf(rng.uniform(*r)) for r in ranges]
                a = mpmath.quad(lambda yy, f=ours, at=args: f(yy, *at), [0, 1])
                b = kink(*args) + sum(mpmath.quad(lambda yy, f=f, at=args: f(yy, *at), [low, high])
                                      for f, (low, high) in parts)
                # rational integrands in sqrt(y) on (0, 1), 20-digit quadrature: ~1e-18; 1e-12 is wide
                assert abs(a - b) <= 1e-12 * abs(b), (name, [float(x) for x in args], float(a), float(b))


def test_litim_kink_is_the_limit_of_smooth_regulators() -> None:
    """The convention checked against its definition: the reference's general-regulator z-flow with
    the convex smoothing r_eps = eps ln(1 + e^((1 - y)/eps)) of Litim's shape, by quadrature, for
    eps = 1/100, 1/200, 1/400, extrapolated to eps -> 0 (the error is a series in eps: two Richardson
    steps), against the derived Litim z-flow at the same point."""
    from rgsym.regulators import LITIM

    derived = dict(derive_d2(sp.Integer(3), sp.Integer(1), LITIM.with_alpha(sp.Integer(1))).loops)["z"]
    point = {ref.rho: sp.Rational(1, 5), ref.u1: sp.Rational(-1, 10), ref.u2: sp.Rational(2, 5),
             ref.u3: sp.Rational(3, 10), ref.z: sp.Rational(51, 50), ref.z1: sp.Rational(-1, 10),
             ref.z2: sp.Rational(1, 5), ref.eta: sp.Rational(1, 25)}
    ours_to_ref = {RHO: ref.rho, U1: ref.u1, U2: ref.u2, U3: ref.u3, Z0: ref.z, Z1: ref.z1, Z2: ref.z2,
                   symbols.eta: ref.eta, symbols.y: ref.y}
    (integral,) = ref.reference_flows(1, 3, "generic")["z"].atoms(sp.Integral)
    generic = integral.function.xreplace(point)
    with mpmath.workdps(20):
        ours = mpmath.quad(sp.lambdify(ref.y, (ref.y ** sp.Rational(1, 2) * derived.xreplace(ours_to_ref))
                                       .xreplace(point), "mpmath"), [0, 1])
        values = []
        for eps in (sp.Rational(1, 100), sp.Rational(1, 200), sp.Rational(1, 400)):
            softplus = sp.Lambda(ref.y, eps * sp.log(1 + sp.exp((1 - ref.y) / eps)))
            smooth = generic.replace(ref.r_shape, softplus)
            f = sp.lambdify(ref.y, smooth.doit(), "mpmath")
            e = mpmath.mpf(eps)
            values.append(mpmath.quad(f, [0, 1 - 40 * e, 1 - 10 * e, 1 - 3 * e, 1, 1 + 3 * e, 1 + 10 * e,
                                          1 + 40 * e, 4]))
        first = [2 * values[1] - values[0], 2 * values[2] - values[1]]
        limit = (4 * first[1] - first[0]) / 3
    # measured: |limit - ours| = 9e-7 at |ours| = 0.40 (the eps^3 remainder); the theta(0) = 0 or 1
    # rules would be off by 0.29 here
    assert abs(limit - ours) < 1e-5
