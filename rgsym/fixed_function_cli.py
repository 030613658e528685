"""Command line of fixed functions: ``rgsym fixed-function SPEC [--set] [--json] [--plot FILE.png]``.

Registered in :func:`rgsym.cli._parser` by :func:`add_fixed_function_parser`.  The whole fixed-point
potential of the LPA (:mod:`rgsym.workflows.fixed_function`), the Gross-Neveu-Yukawa point with a
full potential (:mod:`rgsym.workflows.gny_functions`, also what ``rgsym exponents`` prints for such a
spec) and the O(d^2) fixed functions (:mod:`rgsym.workflows.d2`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from rgsym.cli_format import dump, fmt, susy_relations, thetas, truncation_label
from rgsym.cli_plot import check_plot, write_plot

if TYPE_CHECKING:  # the spec module imports sympy: not needed to register the command
    from rgsym.spec import TheorySpec


def add_fixed_function_parser(sub: Any) -> None:
    """Register ``rgsym fixed-function SPEC [--json] [--plot FILE.png]``."""
    ff = sub.add_parser("fixed-function", help="the fixed-point function u*(rho) (LPA; u*', z*, Y* at "
                                               "O(d^2)) and its exponents",
                        description="Solve d_t u = 0 for the whole potential (truncation.potential = "
                                    "'full') by Chebyshev collocation; nu and omega from the "
                                    "discretised stability operator.")
    ff.add_argument("spec", help="a TOML spec with truncation.potential = 'full', "
                                 "e.g. derivations/ising_lpa_full.toml")
    ff.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a spec key (repeatable)")
    ff.add_argument("--json", action="store_true", help="machine-readable JSON output")
    ff.add_argument("--plot", metavar="FILE.png", help="plot u* and u*' (O(d^2): u*', z*, Y*) against rho")
    ff.add_argument("-v", "--verbose", action="store_true", help="log progress")
    ff.add_argument("--no-cache", action="store_true",
                    help="neither read nor write the derivation cache (see 'rgsym cache info')")
    ff.set_defaults(handler=fixed_function_command)


def fixed_function_command(spec: TheorySpec, args: argparse.Namespace) -> str:
    """``rgsym fixed-function``: the fixed function of a spec with a full potential, as text or JSON.

    Parameters
    ----------
    spec
        The parsed spec (``truncation.potential = "full"``).
    args
        The parsed command line (``--json``, ``--plot``).

    Returns
    -------
    str
        What the command prints.

    Raises
    ------
    SpecError
        If the spec's potential is not ``"full"`` or ``--plot`` is not a PNG path.
    """
    from rgsym.errors import SpecError
    from rgsym.solve.pde import plot_fixed_function
    from rgsym.workflows.fixed_function import fixed_function

    if spec.truncation.potential != "full":
        raise SpecError(spec.source, "truncation.potential",
                        f"got {spec.truncation.potential!r}; fixed-function needs 'full' "
                        "(use 'rgsym exponents' for a polynomial)")
    check_plot(args.plot)
    if spec.truncation.is_derivative_expansion:
        return _d2_fixed_function(spec, args)
    if spec.theory.fermions:
        return gny_fixed_function_command(spec, args, with_grid=True)
    result = fixed_function(spec)
    if args.plot:
        write_plot(args.plot, lambda tmp: plot_fixed_function(result, tmp))
    if args.json:
        return dump({"spec": spec.source, **result.as_dict()})
    return (f"# {result.name}\n"
            f"# Chebyshev collocation, {result.points} points on [0, {result.rho_max:.6g}], "
            f"max residual {result.residual:.1e}\n"
            f"kappa* = {result.kappa:.12g}   (u*'(kappa*) = 0)\n"
            f"u*''(kappa*) = {result.mass:.12g}\n"
            f"nu    = {result.nu:.12g}\n"
            f"omega = {result.omega:.12g}\n"
            f"theta = {thetas(result.theta, 6)}\n"
            f"discretisation error (two grids) = {result.discretisation_error:.1e}\n")


def gny_fixed_function_command(spec: TheorySpec, args: argparse.Namespace, with_grid: bool) -> str:
    """A GNY spec with a full potential: u*', h^2, the etas and the exponents (``exponents`` and
    ``fixed-function``; the second also gives the grid and ``--plot``).

    Parameters
    ----------
    spec
        The parsed spec (fermions, ``truncation.potential = "full"``).
    args
        The parsed command line.
    with_grid
        Whether the grid (``rho``, ``u_prime``) is printed and ``--plot`` allowed.

    Returns
    -------
    str
        What the command prints.

    Raises
    ------
    SpecError
        For ``--orders``, ``--fixed-point`` (and ``--plot`` without the grid).
    """
    from rgsym.errors import SpecError
    from rgsym.fermions import yukawa_class
    from rgsym.workflows.gny_functions import gny_fixed_functions, plot_gny_fixed_function

    for flag, value in (("--orders", getattr(args, "orders", None)),
                        ("--fixed-point", getattr(args, "fixed_point", None)),
                        ("--plot", None if with_grid else getattr(args, "plot", None))):
        if value is not None:
            raise SpecError("", flag, "not available for a Yukawa theory with a full potential (the "
                            "Gross-Neveu-Yukawa point is solved on a grid); use a 'polynomial' potential")
    result = gny_fixed_functions(spec)
    if with_grid and args.plot:
        write_plot(args.plot, lambda tmp: plot_gny_fixed_function(result, spec.source, tmp))
    data = result.as_dict()
    if not with_grid:
        data = {k: v for k, v in data.items() if k not in ("rho", "u_prime")}
    susy = susy_relations(spec, result.nu, {"eta_phi": data["eta_phi"], "eta_psi": data["eta_psi"]})
    if args.json:
        return dump({"spec": spec.source, **data, **({"supersymmetry": susy} if susy else {})})
    label = yukawa_class(spec.theory.yukawa) or ", ".join(spec.theory.yukawa)
    lines = [f"# {spec.source}: {truncation_label(spec)}",
             f"# Chebyshev collocation, {result.points} points on [0, {result.rho_max:.6g}], max residual "
             f"{result.residual:.1e}; h^2{' and the etas' if 'eta_phi' in dict(result.scalars) else ''} "
             f"read off at {'zero field' if result.point == 'zero' else 'the running minimum'}",
             f"Gross-Neveu-Yukawa ({label}) fixed point:"]
    lines += [f"  {k} = {v:.12g}" for k, v in result.scalars if not k.startswith("eta")]
    lines.append(f"  u*'(0) = {result.derivative[0]:.12g}")
    lines += ["critical exponents:", f"  nu      = {fmt(result.nu)}", f"  omega   = {fmt(result.omega)}"]
    lines += [f"  {k} = {fmt(data[k])}" for k in ("eta_phi", "eta_psi")]
    lines.append(f"  theta   = {thetas(list(result.theta), 6)}")
    lines.append(f"discretisation error (two grids) = {result.discretisation_error:.1e}")
    if result.minimum is not None:
        lines.append(f"note: u*' < 0 at zero field, the potential's minimum is at rho = "
                     f"{result.minimum:.6g}; h^2 and the etas are read at zero field as the spec says "
                     "(expand_around = 'minimum' reads them there)")
    if susy:
        lines.append(f"emergent supersymmetry (N = 1; exact in the full theory, not in this truncation): "
                     f"eta_phi - eta_psi = {susy['eta_phi_minus_eta_psi']:.3g}, "
                     f"1/nu - (d - eta_phi)/2 = {susy['inverse_nu_minus_superscaling']:.3g}")
    return "\n".join(lines) + "\n"


def _d2_fixed_function(spec: TheorySpec, args: argparse.Namespace) -> str:
    """``fixed-function`` at O(d^2): u*', z* (and Y*) on the grid, nu, eta, omega; ``--plot`` draws them."""
    from rgsym.workflows.d2 import d2_fixed_functions, plot_d2_fixed_functions

    result, functions = d2_fixed_functions(spec)
    if args.plot:
        write_plot(args.plot, lambda tmp: plot_d2_fixed_functions(result, functions, spec.source, tmp))
    names = {"w": "u'", "z": "z", "y": "Y"}
    if args.json:
        grid = {names[k]: list(v) for k, v in functions.values.items()}
        return dump({"spec": spec.source, **result.as_dict(), "rho": list(functions.rho), **grid,
                      "points": functions.points, "rho_max": functions.rho_max,
                      "residual": functions.residual, "discretisation_error": functions.discretisation_error})
    point = dict(result.fixed_point)
    lines = [f"# {spec.source}: O(d^2) fixed functions ({', '.join(names[k] for k in functions.values)}), "
             f"{spec.regulator.kind} regulator, {result.normalisation}",
             f"# Chebyshev collocation, {functions.points} points on [0, {functions.rho_max:.6g}], "
             f"max residual {functions.residual:.1e}",
             f"kappa* = {point['kappa']:.12g}   (u*'(kappa*) = 0)"]
    at = [(names[k], functions.interpolant(k)) for k in functions.values]
    lines += [f"{name}*(kappa*) = {float(f(point['kappa'])):.12g}" for name, f in at if name != "u'"]
    lines.append(f"u*''(kappa*) = {float(functions.interpolant('w').deriv()(point['kappa'])):.12g}")
    lines += [f"nu    = {result.nu:.12g}", f"eta   = {result.eta:.12g}", f"omega = {fmt(result.omega)}",
              f"theta = {thetas(list(result.theta), 6)}",
              f"discretisation error (two grids) = {functions.discretisation_error:.1e}"]
    return "\n".join(lines) + "\n"
