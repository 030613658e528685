"""GNY fixed functions: the full potential of a Gross-Neveu-Yukawa model, with h^2 and the etas.

The same loops as the polynomial truncation (:func:`rgsym.gny.yukawa_loops`,
:func:`rgsym.yukawa_eta.anomalous_dimensions`), now not expanded in rho: the fixed-point ODE

    0 = d_t u' = -(2 - eta_phi) u' + (d - 2 + eta_phi) rho u'' + d/drho L_u(rho; u', u'', h^2)

is collocated on a Chebyshev grid (:mod:`rgsym.solve.fixed_functions`), with three scalars read off
at the projection point rho_0 (:class:`~rgsym.solve.fixed_functions.PointEquation`):

* the Yukawa coupling, whose flow d_t h^2 = (d - 4 + eta_phi + 2 eta_psi) h^2 + 2 h^2 L_h(rho_0) is
  a flowing scalar (it enters the stability matrix like a coupling);
* in LPA', eta_phi and eta_psi, the two implicit linear equations eta = F(eta) at rho_0
  (constraints).

rho_0 is zero field (``expand_around = "zero"``, the symmetric regime of the d = 3 fixed points for
N >= 4), or the running minimum kappa (``"minimum"``), a further scalar fixed by u'(kappa) = 0.
The start is the polynomial fixed point of the same spec, continued beyond the range where it is
trustworthy by the large-rho power law u' ~ rho^((2 - eta_phi)/(d - 2 + eta_phi)).

Checks before a result is returned: Newton converged on the main and the check grid, both agree on
the exponents, h^2 > 0, around the minimum a minimum with u''(kappa) > 0, and exactly one relevant
direction.  Around zero the potential may still have its minimum at kappa > 0 (the N = 1 point): the
result then says where (``minimum``), as the polynomial route around zero reads h^2 at zero field too.

References
----------
Höfling, Nowak, Wetterich, PRB 66 (2002) 205111, cond-mat/0203588 (the chiral Ising model with
the full potential in LPA'); Vacca, Zambelli, PRD 91 (2015) 125003, arXiv:1503.09136 (full
potentials of GNY models); Gies, Janssen, Rechenberger, Scherer, PRD 81 (2010) 025009.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import sympy as sp

from rgsym.errors import SolveError
from rgsym.solve.spectrum import theta_json
from rgsym.spec import TheorySpec

#: Chebyshev degree of the main grid (the check grid has half as many points more).  Chiral Ising
#: N = 8, LPA': the two grids agree to 2e-7 at 40 points and 4e-11 at 60.
POINTS = 60
#: rho_max in units of the scale where the fermion mass 2 h^2 rho reaches 1, or of kappa if that is
#: larger (around the minimum).  Chiral Ising N = 8, LPA', 60 points: 1/nu, eta_phi, eta_psi, omega move
#: by <= 1e-7 between 12 and 25.
RHO_MAX_FACTOR = 12.0
#: The polynomial start is used up to this fraction of rho_max, the power law beyond.
START_EDGE = 0.1


@dataclass(frozen=True)
class GNYFunctionResult:
    """The fixed function u*'(rho) of a GNY spec, its scalars and exponents.

    Attributes
    ----------
    nu, omega
        From the singlet spectrum of the linearised flow (functions and h^2).
    scalars
        h2, and eta_phi, eta_psi (LPA') and kappa (around the minimum).
    theta
        The resolved eigenvalues, descending.
    relevant
        Number of relevant directions.
    point
        Where h^2 and the etas are read off: "zero" or "minimum".
    residual, discretisation_error, points, rho_max
        Of the collocation (:class:`~rgsym.solve.fixed_functions.FixedFunctionResult`).
    rho, derivative
        The grid and u*' on it.
    minimum
        Around zero: the minimum kappa of u* when it is not at zero field, else None.
    """

    nu: float
    omega: float
    scalars: tuple[tuple[str, float], ...]
    theta: tuple[complex, ...]
    relevant: int
    point: str
    residual: float
    discretisation_error: float
    points: int
    rho_max: float
    rho: tuple[float, ...]
    derivative: tuple[float, ...]
    minimum: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: nu, eta_phi, eta_psi, omega at the top (as for the polynomial route)."""
        scalars = dict(self.scalars)
        return {
            "nu": self.nu, "eta": scalars.get("eta_phi", 0.0), "eta_phi": scalars.get("eta_phi", 0.0),
            "eta_psi": scalars.get("eta_psi", 0.0), "omega": self.omega, "relevant_directions": self.relevant,
            "fixed_point": {k: v for k, v in scalars.items() if not k.startswith("eta")},
            "theta": [theta_json(t) for t in self.theta[:8]],
            "projection_point": self.point, "minimum_of_potential": self.minimum, "residual": self.residual,
            "discretisation_error": self.discretisation_error, "points": self.points, "rho_max": self.rho_max,
            "rho": list(self.rho), "u_prime": list(self.derivative),
        }


def gny_system(spec: TheorySpec) -> Any:
    """The FixedFunctionSystem of a GNY spec with ``truncation.potential = "full"`` (Litim).

    Parameters
    ----------
    spec
        The spec (one Dirac field, numeric d and N_f).

    Returns
    -------
    rgsym.solve.fixed_functions.FixedFunctionSystem
        One function ``w`` = u'; scalars h2, then eta_phi, eta_psi (LPA'), then kappa (minimum).
    """
    from rgsym.fermions import U1, U2, U3, H, S
    from rgsym.gny import H2, RHO, yukawa_loops, yukawa_model
    from rgsym.integrate import regulator_of
    from rgsym.solve.fixed_functions import FixedFunction, FixedFunctionSystem, PointEquation
    from rgsym.yukawa_eta import ETA_PHI, ETA_PSI, anomalous_dimensions

    model = yukawa_model(spec.theory)
    d = spec.theory.d
    tr = spec.truncation
    prime = tr.scheme == "lpa'"
    eta_phi, eta_psi = (ETA_PHI, ETA_PSI) if prime else (sp.Integer(0), sp.Integer(0))
    regulator = regulator_of(spec.regulator)
    loops = yukawa_loops(model, regulator, d, eta_phi, eta_psi)
    total = (sp.diff(loops.potential, RHO) + sp.diff(loops.potential, U1) * U2
             + sp.diff(loops.potential, U2) * U3)
    flow = -(2 - eta_phi) * U1 + (d - 2 + eta_phi) * RHO * U2 + total
    kappa = sp.Symbol("kappa", positive=True)
    point: float | sp.Symbol = kappa if tr.expand_around == "minimum" else 0.0
    beta_h2 = (d - 4 + eta_phi + 2 * eta_psi) * H2 + 2 * H2 * loops.yukawa
    equations = [PointEquation(beta_h2, point, H2, "the flow of h^2")]
    scalars: list[sp.Symbol] = [H2]
    if prime:
        bosons = len(model.matrices)
        external = 1 if tr.eta_projection == "goldstone" and bosons > 1 else 0
        raw = anomalous_dimensions(model, d, external, regulator)
        on_rho = {S: sp.sqrt(2 * RHO), H: sp.sqrt(H2)}
        equations += [PointEquation(ETA_PHI + raw.boson.xreplace(on_rho), point, None, "eta_phi"),
                      PointEquation(ETA_PSI + raw.fermion.xreplace(on_rho), point, None, "eta_psi")]
        scalars += [ETA_PHI, ETA_PSI]
    if tr.expand_around == "minimum":
        equations.append(PointEquation(U1, kappa, None, "u'(kappa) = 0"))
        scalars.append(kappa)
    return FixedFunctionSystem(RHO, (FixedFunction("w", U1, U2, U3),), (sp.expand(flow),), tuple(scalars),
                               (), (), f"GNY fixed functions {spec.source}", (), tuple(equations))


def gny_fixed_functions(spec: TheorySpec, points: int = POINTS) -> GNYFunctionResult:
    """The GNY fixed point with the full potential: u*', h^2, the etas and the exponents.

    Parameters
    ----------
    spec
        A GNY spec with ``truncation.potential = "full"``; ``truncation.order`` is the order of the
        polynomial fixed point that starts Newton.
    points
        Chebyshev degree of the main grid.

    Returns
    -------
    GNYFunctionResult

    Raises
    ------
    SolveError
        If the polynomial start or Newton fails, or the point found fails a check of the module
        docstring.
    """
    from rgsym.pipeline import critical_exponents
    from rgsym.solve.fixed_functions import power_law_extension, solve_fixed_functions

    polynomial = replace(spec, truncation=replace(spec.truncation, potential="polynomial"))
    fp, _ = critical_exponents(polynomial)
    couplings = fp.as_dict()
    d = float(spec.theory.d)
    h2 = float(couplings["h2"])
    scalars = {"h2": h2} | polynomial_etas(polynomial, couplings)
    eta_phi = scalars.get("eta_phi", 0.0)
    around = spec.truncation.expand_around
    kappa = float(couplings.get("kappa", 0.0))
    lam = {int(k.split("_")[1]): float(v) for k, v in couplings.items() if k.startswith("lambda_")}
    origin = kappa if around == "minimum" else 0.0

    def polynomial_w(r: np.ndarray) -> np.ndarray:
        x = np.asarray(r, dtype=float) - origin
        return sum((v * x ** (k - 1) / math.factorial(k - 1) for k, v in lam.items()), np.zeros_like(x))

    # the larger of the fermion scale (2 h^2 rho = 1) and kappa
    rho_max = RHO_MAX_FACTOR * max(1 / (2 * h2), kappa if around == "minimum" else 0.0)
    if around == "minimum":
        scalars["kappa"] = kappa
    power = (2 - eta_phi) / (d - 2 + eta_phi)
    edge = max(START_EDGE * rho_max, 2 * origin)
    start = {"w": power_law_extension(polynomial_w, edge, power)}
    system = gny_system(spec)
    result = solve_fixed_functions(system, start, scalars, rho_max, points)
    return _checked(result, around)


def polynomial_etas(spec: TheorySpec, couplings: dict[str, float]) -> dict[str, float]:
    """eta_phi and eta_psi of a polynomial GNY spec at ``couplings`` (empty in the LPA).

    Parameters
    ----------
    spec
        A GNY spec with a polynomial potential.
    couplings
        The fixed point, by coupling name.

    Returns
    -------
    dict
    """
    from rgsym.betasystem import BetaSystem
    from rgsym.pipeline import derive

    system = derive(spec)
    assert isinstance(system, BetaSystem)
    out = {}
    for name, e in system.etas:
        expr = sp.sympify(e)
        out[name] = float(expr.xreplace({s: couplings.get(s.name, s) for s in expr.free_symbols}))
    return out


def _checked(result: Any, around: str) -> GNYFunctionResult:
    """The checks of the module docstring; a :class:`GNYFunctionResult` if they pass."""
    w = result.interpolant("w")
    s = result.scalars
    found = ", ".join(f"{k} = {v:.6g}" for k, v in s.items())
    if not s["h2"] > 0:
        raise SolveError(f"the GNY fixed functions found have {found}: h^2 <= 0, not the chiral fixed point")
    if around == "minimum" and not (s["kappa"] > 0 and float(w.deriv()(s["kappa"])) > 0):
        raise SolveError(f"the GNY fixed functions found have {found}, u''(kappa) = "
                         f"{float(w.deriv()(s['kappa'])):.6g}: not a minimum")
    relevant = sum(1 for t in result.theta if t.real > 0)
    if relevant != 1:
        shown = ", ".join(f"{t.real:.4g}" for t in result.theta[:4])
        raise SolveError(f"the GNY fixed functions found ({found}) have {relevant} relevant directions "
                         f"(theta = {shown}): not the chiral fixed point")
    minimum = None
    if around == "zero" and float(w(0.0)) < 0:
        roots = np.asarray(w.roots(), dtype=complex)
        zeros = [float(r.real) for r in roots if abs(r.imag) < 1e-9 and 0 < r.real < result.rho_max]
        minimum = min(zeros) if zeros else math.nan
    return GNYFunctionResult(result.nu, result.omega, tuple(sorted(s.items())), tuple(result.theta), relevant,
                             around, result.residual, result.discretisation_error, result.points,
                             result.rho_max, result.rho, result.values["w"], minimum)


def plot_gny_fixed_function(result: GNYFunctionResult, title: str, path: str) -> None:
    """Plot u*'(rho) of a GNY fixed point into ``path`` (matplotlib, Agg backend).

    Parameters
    ----------
    result
        From :func:`gny_fixed_functions`.
    title
        The first line of the title (the spec).
    path
        The PNG file to write.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = np.asarray(result.derivative)
    fitted = np.polynomial.Chebyshev.fit(result.rho, values, len(values) - 1, domain=[0.0, result.rho_max])
    rho = np.linspace(0.0, result.rho_max, 400)  # the Chebyshev interpolant, not the bare points
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(rho, fitted(rho), color="C0", label="u*'(ρ)")
    ax.plot(result.rho, values, ".", color="C0", ms=3)
    ax.axhline(0.0, color="black", lw=0.5)
    scalars = dict(result.scalars)
    if "kappa" in scalars:
        ax.axvline(scalars["kappa"], color="grey", lw=0.8, ls=":", label="κ*")
    ax.set_xlabel("ρ")
    ax.legend(fontsize=8)
    etas = "".join(f", {k} = {scalars[k]:.5f}" for k in ("eta_phi", "eta_psi") if k in scalars)
    ax.set_title(f"{title}\nν = {result.nu:.6f}, ω = {result.omega:.6f}, h² = {scalars['h2']:.5f}{etas}",
                 fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
