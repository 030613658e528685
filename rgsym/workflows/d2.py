"""O(d^2) exponents for a spec: the derivative expansion derived, then solved by one of two routes.

- ``potential = "full"``: the fixed functions u*'(rho), z*(rho) (and Y*(rho) for N > 1) by Chebyshev
  collocation (:mod:`rgsym.solve.fixed_functions`), started from the LPA fixed function (Litim,
  the same d and N) with z = 1, Y = 0, eta = 0, on [0, 8 kappa]; eta is fixed by z(kappa) = 1.
- ``potential = "polynomial"``: u' of degree ``order`` and z, Y of degree ``kinetic_order`` around the
  running minimum (:mod:`rgsym.solve.d2_polynomial`), started from the LPA polynomial fixed point of
  the same order and regulator, or where that fails from the full fixed functions' Taylor
  coefficients; z(kappa) = 1.

Either way a result is returned only for a point with exactly one relevant direction.  The derived
flow is kept in the disk cache (:func:`derive_d2_flow`); ``--orders`` (:func:`d2_convergence`) and
``--emit`` (:func:`d2_files`, both routes) are here too.  Length: about 430 lines, the spec-level
glue of both routes; the numerics live in :mod:`rgsym.solve.fixed_functions`,
:mod:`rgsym.solve.d2_polynomial` and the emitters.

References
----------
Canet, Delamotte, Mouhanna, Vidal, Phys. Rev. D 67 (2003) 065004, hep-th/0211055 (O(d^2), Ising,
exponential regulator: nu = 0.628, eta = 0.044 at the PMS point).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from rgsym import symbols
from rgsym.derivative_expansion import RHO, U1, U2, U3, Y0, Y1, Y2, Z0, Z1, Z2, DerivativeExpansionFlow
from rgsym.errors import SolveError
from rgsym.spec import RegulatorSpec, TheorySpec, Truncation

if TYPE_CHECKING:
    from rgsym.solve.fixed_functions import FixedFunctionResult, FixedFunctionSystem
    from rgsym.workflows.convergence import Convergence, Progress

log = logging.getLogger(__name__)

#: Taylor coefficients of each full fixed function offered as a start of the polynomial route.
MAX_TAYLOR_START = 12
#: Collocation: Chebyshev degree, and the interval [0, FACTOR kappa].
POINTS, FACTOR = 40, 8.0


@dataclass(frozen=True)
class D2Result:
    """The O(d^2) Wilson-Fisher point of a spec and its exponents.

    Attributes
    ----------
    scheme
        ``"d2"`` (Z and Y) or ``"d2-z"`` (Z alone).
    route
        ``"full functions"`` or ``"polynomial"``.
    nu, eta, omega
        The exponents (omega None if no irrelevant direction was resolved).
    theta
        The resolved eigenvalues, by descending real part.
    relevant
        The number of relevant directions (1).
    fixed_point
        The couplings (polynomial route), or kappa and the functions' values there (full route).
    normalisation
        Where z = 1 is imposed.
    """

    scheme: str
    route: str
    nu: float
    eta: float
    omega: float | None
    theta: tuple[complex, ...]
    relevant: int
    fixed_point: tuple[tuple[str, float], ...]
    normalisation: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: nu, eta, omega, theta (complex ones as {re, im}), the point, the route.

        Returns
        -------
        dict
        """
        from rgsym.solve.spectrum import theta_json

        return {"scheme": self.scheme, "route": self.route, "nu": self.nu, "eta": self.eta,
                "omega": self.omega, "theta": [theta_json(t) for t in self.theta],
                "relevant_directions": self.relevant,
                "fixed_point": dict(self.fixed_point), "normalisation": self.normalisation}


#: The disk-cache kind of a derived O(d^2) flow (:mod:`rgsym.cache`, plain JSON with srepr text).
CACHE_KIND = "d2flow"


@cache
def derive_d2_flow(spec: TheorySpec) -> DerivativeExpansionFlow:
    """The derived O(d^2) flows of a 'd2' spec (kept for the process and in the disk cache).

    The flow goes through its JSON form on a miss too, so that a cold and a warm run compute
    with the same expressions (and write the same bytes).

    Parameters
    ----------
    spec
        A spec with ``truncation.scheme = "d2"``.

    Returns
    -------
    DerivativeExpansionFlow
    """
    from rgsym import cache as disk
    from rgsym.derivative_expansion import DerivativeExpansionFlow, derive_d2
    from rgsym.integrate import regulator_of

    data = disk.load(CACHE_KIND, spec.digest)
    if isinstance(data, dict):
        try:
            return DerivativeExpansionFlow.from_data(data)
        except (ValueError, KeyError, TypeError) as exc:  # a foreign or damaged entry: derive again
            log.warning("ignoring the cached O(d^2) flow of %s (%s)", spec.source, str(exc)[:200])
    n = sp.sympify(spec.theory.blocks[0].components)
    data = derive_d2(spec.theory.d, n, regulator_of(spec.regulator), spec.truncation.scheme == "d2").to_data()
    disk.store(CACHE_KIND, spec.digest, data,
               f"O(d^2) flows ({', '.join(data['functions'])}), {data['regulator']} regulator")
    return DerivativeExpansionFlow.from_data(data)


def d2_exponents(spec: TheorySpec) -> D2Result:
    """The O(d^2) Wilson-Fisher point of a 'd2' spec (see the module docstring).

    Parameters
    ----------
    spec
        A spec with ``truncation.scheme = "d2"``.

    Returns
    -------
    D2Result

    Raises
    ------
    SolveError
        If no point with exactly one relevant direction is found.
    """
    flow = derive_d2_flow(spec)
    if spec.truncation.potential == "full":
        return _full_functions(spec, flow)[0]
    return _polynomial(spec, flow)


def d2_convergence(spec: TheorySpec, orders: tuple[int, ...],
                   progress: Progress | None = None) -> Convergence:
    """nu, eta and omega of the polynomial route at each degree of u' in ``orders`` (``--orders``).

    z and Y keep the spec's ``kinetic_order``; the flow is derived once (it does not depend on the
    degrees) and each order is solved from the LPA fixed point of that order, as ``rgsym exponents``
    does.

    Parameters
    ----------
    spec
        A 'd2' or 'd2-z' spec with ``truncation.potential = "polynomial"``.
    orders
        Degrees of u', from :func:`rgsym.workflows.convergence.parse_orders`.
    progress
        Called after each order with (done, total).

    Returns
    -------
    Convergence
        An order without a Wilson-Fisher point keeps the reason in ``error``.

    Raises
    ------
    SpecError
        For full functions, or an order above :data:`rgsym.spec.MAX_D2_ORDER`.
    SolveError
        When no order gives exponents.
    """
    from rgsym.errors import SpecError
    from rgsym.spec import MAX_D2_ORDER
    from rgsym.workflows.convergence import Convergence, OrderResult, describe

    if spec.truncation.potential != "polynomial":
        raise SpecError(spec.source, "truncation.potential", f"got {spec.truncation.potential!r}; --orders "
                        "needs 'polynomial' (full functions have no order: use 'rgsym fixed-function')")
    above = [order for order in orders if order > MAX_D2_ORDER]
    if above:
        raise SpecError("", "--orders", f"for {spec.truncation.scheme!r} the degree of u' runs from 1 to "
                        f"{MAX_D2_ORDER}, got {above[0]}")
    flow = derive_d2_flow(spec)
    results = []
    for done, order in enumerate(orders, start=1):
        try:
            r = _polynomial(spec.with_order(order), flow)
            results.append(OrderResult(order, r.nu, r.omega, r.theta, eta=r.eta))
        except SolveError as exc:
            results.append(OrderResult(order, None, None, (), str(exc)))
        if progress is not None:
            progress(done, len(orders))
    if all(r.error for r in results):
        raise SolveError(f"no O(d^2) Wilson-Fisher point at any order of {list(orders)}; at order "
                         f"{results[0].order}: {results[0].error}")
    kinetic = "z, Y" if "y" in flow.functions else "z"
    description = (f"{describe(spec)}, {kinetic} of degree {spec.truncation.kinetic_order}; order = degree "
                   "of u'")
    return Convergence(spec.source, description, tuple(results), None)


def d2_fixed_functions(spec: TheorySpec) -> tuple[D2Result, FixedFunctionResult]:
    """The fixed functions u*'(rho), z*(rho) (and Y*(rho)) of a 'd2' spec with full functions.

    Parameters
    ----------
    spec
        A 'd2' or 'd2-z' spec with ``truncation.potential = "full"``.

    Returns
    -------
    tuple
        The exponents and the functions on the grid (``values["w"]`` is u*', ``"z"``, ``"y"``).

    Raises
    ------
    SolveError
        As :func:`d2_exponents`.
    """
    return _full_functions(spec, derive_d2_flow(spec))


def plot_d2_fixed_functions(result: D2Result, functions: FixedFunctionResult, title: str, path: str) -> None:
    """Plot u*', z* and Y* (when present) against rho into ``path`` (matplotlib, Agg backend).

    Parameters
    ----------
    result, functions
        From :func:`d2_fixed_functions`.
    title
        The first line of the title (the spec).
    path
        The PNG file to write.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [(n, label) for n, label in (("w", "u*'(ρ)"), ("z", "z*(ρ)"), ("y", "Y*(ρ)"))
             if n in functions.values]
    fig, axes = plt.subplots(len(names), 1, figsize=(6, 2.4 * len(names)), sharex=True)
    kappa = dict(result.fixed_point)["kappa"]
    rho = np.linspace(0.0, functions.rho_max, 400)  # the Chebyshev interpolant, not the bare points
    for k, (ax, (name, label)) in enumerate(zip(axes, names, strict=True)):
        ax.plot(rho, functions.interpolant(name)(rho), color=f"C{k}", label=label)
        ax.plot(functions.rho, functions.values[name], ".", color=f"C{k}", ms=3)
        ax.axvline(kappa, color="grey", lw=0.8, ls=":", label="κ*")
        ax.axhline(0.0, color="black", lw=0.5)
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    axes[-1].set_xlabel("ρ")
    axes[0].set_title(f"{title}\nν = {result.nu:.6f}, η = {result.eta:.6f}, ω = {_text(result.omega)}",
                      fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def _text(x: float | None) -> str:
    return "–" if x is None else f"{x:.6f}"


def _lpa_twin(spec: TheorySpec, potential: str, regulator: RegulatorSpec | None = None) -> TheorySpec:
    """The LPA of the same theory (the start of the O(d^2) solve)."""
    truncation = Truncation("lpa", potential, spec.truncation.order, "minimum")
    return replace(spec, truncation=truncation, regulator=regulator or spec.regulator)


def _polynomial(spec: TheorySpec, flow: DerivativeExpansionFlow) -> D2Result:
    """Newton from the LPA fixed point of the same order; if that fails (from degree 4 of u' on, at
    alpha = 1 and kinetic order 2), from the Taylor coefficients of the full fixed functions at their
    kappa: the polynomial converges to them as the degrees grow (degrees 3, 4, 5 from there: nu =
    0.634116, 0.628833, 0.630494; full functions 0.627161)."""
    from rgsym.pipeline import critical_exponents
    from rgsym.solve.d2_polynomial import D2System, lpa_start, solve_d2

    lpa_point, _ = critical_exponents(_lpa_twin(spec, "polynomial"))
    system = D2System(flow, spec.truncation.order, spec.truncation.kinetic_order)
    try:
        fp = solve_d2(system, lpa_start(system.names, lpa_point.as_dict()))
    except SolveError as exc:
        log.info("O(d^2) polynomial from the LPA start failed (%s); starting from the full functions", exc)
        full = replace(spec, truncation=replace(spec.truncation, potential="full", order=4))
        start = _taylor_start(full, flow)
        fp = solve_d2(system, np.array([start.get(name, 0.0) for name in system.names] + [start["eta"]]))
    return D2Result(spec.truncation.scheme, "polynomial", fp.nu, fp.eta, fp.omega, fp.theta, fp.relevant,
                    tuple(zip(fp.names, fp.values, strict=True)), "z(kappa) = 1")


@cache
def _taylor_start(full: TheorySpec, flow: DerivativeExpansionFlow) -> dict[str, float]:
    """kappa, lambda_k = u'^(k-1)(kappa), z_k = z^(k)(kappa), y_k = Y^(k)(kappa) and eta of the full
    fixed functions (kept for the process: ``--orders`` asks at every order)."""
    result, functions = _full_functions(full, flow)
    kappa = dict(result.fixed_point)["kappa"]
    out = {"kappa": kappa, "eta": result.eta}
    # lambda_k is the (k - 1)-th rho-derivative of u', z_k and y_k the k-th of z and Y
    for name, prefix, first, shift in (("w", "lambda_", 2, 1), ("z", "z_", 1, 0), ("y", "y_", 0, 0)):
        if name not in functions.values:
            continue
        series = functions.interpolant(name)
        for k in range(first, first + MAX_TAYLOR_START):
            m = k - shift
            out[f"{prefix}{k}"] = float((series.deriv(m) if m else series)(kappa))
    return out


def d2_system(flow: DerivativeExpansionFlow, point: float, name: str) -> FixedFunctionSystem:
    """The fixed-point problem of the full-function route: d_t u' = d_t z (= d_t Y) = 0, eta unknown.

    Parameters
    ----------
    flow
        The derived O(d^2) flows.
    point
        Where z(point) = 1 fixes eta (kappa).
    name
        A label for messages.

    Returns
    -------
    FixedFunctionSystem
        Functions ``w`` (u'), ``z`` (and ``y``), in that order; the one scalar eta.
    """
    from rgsym.derivative_expansion import flow_equations
    from rgsym.solve.fixed_functions import Condition, FixedFunction, FixedFunctionSystem

    equations = flow_equations(flow, at_nodes=True)
    functions = [FixedFunction("w", U1, U2, U3), FixedFunction("z", Z0, Z1, Z2)]
    rows = [equations["u'"], equations["z"]]
    if "y" in flow.functions:
        functions.append(FixedFunction("y", Y0, Y1, Y2))
        rows.append(equations["y"])
    return FixedFunctionSystem(RHO, tuple(functions), tuple(rows), (symbols.eta,),
                               (Condition("z", point, 1.0),), (), name, flow.regulator_values)


def _full_functions(spec: TheorySpec, flow: DerivativeExpansionFlow) -> tuple[D2Result, FixedFunctionResult]:
    from rgsym.solve.fixed_functions import solve_around_minimum, solve_fixed_functions
    from rgsym.workflows.fixed_function import fixed_function

    def system(point: float) -> FixedFunctionSystem:
        return d2_system(flow, point, f"O(d^2) {spec.source}")

    functions = system(0.0).functions
    # the start: the LPA fixed function with Litim's closed thresholds (only a start)
    lpa = fixed_function(_lpa_twin(spec, "full", RegulatorSpec("litim")))
    w = np.polynomial.Chebyshev.fit(lpa.rho, lpa.derivative, len(lpa.rho) - 1, domain=[0.0, lpa.rho_max])
    start: dict[str, Any] = {"w": w, "z": np.ones_like}
    if "y" in flow.functions:
        start["y"] = np.zeros_like
    d = float(spec.theory.d)
    first, kappa = solve_around_minimum(system(0.0), start, {"eta": 0.0}, lpa.rho_max, "w",
                                        {"w": 2.0 / (d - 2.0)}, FACTOR, POINTS)
    result = solve_fixed_functions(system(kappa), {k.name: first.interpolant(k.name) for k in functions},
                                   first.scalars, first.rho_max, POINTS)
    curvature = float(result.interpolant("w").deriv()(kappa))
    z_least = min(result.values["z"])
    if not (kappa > 0 and curvature > 0 and z_least > 0):  # a minimum, and a positive kinetic term
        raise SolveError(f"the O(d^2) fixed functions found have kappa = {kappa:.4g}, u''(kappa) = "
                         f"{curvature:.4g}, min z = {z_least:.4g}: not a minimum with a positive kinetic "
                         "term, so not the Wilson-Fisher point")
    relevant = sum(1 for t in result.theta if t.real > 0)
    if relevant != 1:
        raise SolveError(f"the O(d^2) fixed functions found have {relevant} relevant directions (theta = "
                         f"{', '.join(f'{t.real:.4g}' for t in result.theta[:4])}): not the Wilson-Fisher "
                         "point")
    at = {name: float(result.interpolant(name)(kappa)) for name in ("z", "y") if name in result.values}
    point = (("kappa", kappa), *((f"{name}(kappa)", value) for name, value in at.items()),
             ("rho_max", result.rho_max))
    return D2Result(spec.truncation.scheme, "full functions", result.nu, float(result.scalars["eta"]),
                    result.omega, tuple(result.theta), relevant, point, "z(kappa) = 1"), result


#: The formats ``rgsym derive --emit`` writes for the derivative expansion.
D2_FORMATS = ("c", "numpy")


def d2_files(spec: TheorySpec, formats: tuple[str, ...]) -> dict[str, str]:
    """File name -> text of the generated O(d^2) flow.

    For ``truncation.potential = "polynomial"`` (:mod:`rgsym.emit.d2_code`): the betas of the
    polynomial route's running couplings, their exact Jacobian and eta.  For full functions
    (:mod:`rgsym.emit.d2_functions`): the fixed-point ODEs of u', z (, Y) with eta an unknown, their
    Chebyshev collocation and its exact Jacobian (z(rho_0) = 1 at a point the caller gives).

    Parameters
    ----------
    spec
        A 'd2' or 'd2-z' spec.
    formats
        From :func:`rgsym.emit.parse_formats`; only "c" and "numpy" are available.

    Returns
    -------
    dict

    Raises
    ------
    UnsupportedError
        For another format.  The degrees go up to the spec's caps (:data:`rgsym.spec.MAX_D2_ORDER`,
        ``MAX_D2_KINETIC_ORDER``): the generated code reads r(y), r'(y), ... from a node table.
    """
    from rgsym.errors import UnsupportedError

    other = [f for f in formats if f not in D2_FORMATS]
    if other:
        raise UnsupportedError(spec.source, "--emit", f"the {spec.truncation.scheme!r} flows are emitted as "
                               f"{' and '.join(D2_FORMATS)} only, not {', '.join(other)}")
    flow = derive_d2_flow(spec)
    if spec.truncation.potential != "polynomial":
        from rgsym.emit.d2_functions import build_function_program, render_function_files

        kinetic = "z, Y" if "y" in flow.functions else "z"
        description = (f"O(d^2) derivative expansion ({', '.join(flow.functions)}), d = {flow.d}, "
                       f"N = {flow.n}, {flow.regulator} regulator; the fixed functions u', {kinetic} on a "
                       "Chebyshev grid, "
                       "eta from z(rho_0) = 1")
        functions = build_function_program(d2_system(flow, 0.0, f"O(d^2) {spec.source}"), description)
        return render_function_files(functions, spec.source, spec.digest, formats)
    from rgsym.emit.d2_code import build_d2_program, render_d2_files

    program = build_d2_program(flow, spec.truncation.order, spec.truncation.kinetic_order)
    return render_d2_files(program, spec.source, spec.digest, formats)
