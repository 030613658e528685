"""Command line of flows: ``rgsym flow SPEC [--set] [--json] [--plot FILE.png] [-v]``.

Registered in :func:`rgsym.cli._parser` by :func:`add_flow_parser`; the work is done by
:mod:`rgsym.solve.flow`.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from typing import TYPE_CHECKING, Any

from rgsym.cli_plot import check_plot, write_plot
from rgsym.errors import SpecError

if TYPE_CHECKING:  # imports sympy: not needed to register the command
    from rgsym.spec import TheorySpec


def add_flow_parser(sub: Any) -> None:
    """Register ``rgsym flow SPEC [--set KEY=VALUE] [--json] [--plot FILE.png] [-v]``."""
    fl = sub.add_parser("flow", help="integrate the flow from the [bare] potential at k_uv down to k_ir",
                        description="Integrate the derived flow in RG time t = ln(k/k_uv) from the spec's "
                                    "[bare] potential: the whole potential on a Chebyshev grid "
                                    "(by finite volumes in phi in the broken phase) "
                                    "(truncation.potential = 'full') or the betas of a polynomial "
                                    "truncation around zero.  Reports U'(0), 3 U''(0) and, at d = 0, "
                                    "<phi.phi> at k_ir.")
    fl.add_argument("spec", help="a TOML spec with a [bare] table, e.g. derivations/zero_dim_on.toml")
    fl.add_argument("--set", action="append", metavar="KEY=VALUE",
                    help="override a spec key, e.g. --set theory.N=4 (repeatable)")
    fl.add_argument("--json", action="store_true", help="machine-readable JSON output")
    fl.add_argument("--plot", metavar="FILE.png",
                    help="the potential at several scales (full potential), or the phase portrait "
                         "(a truncation with two couplings)")
    fl.add_argument("-v", "--verbose", action="store_true", help="log progress")
    fl.set_defaults(handler=run_flow)


def run_flow(spec: TheorySpec, args: argparse.Namespace) -> str:
    """The handler of ``rgsym flow``: integrate, plot (atomically), format."""
    from rgsym.solve.flow import plot_potential_flow
    from rgsym.workflows.flow import flow_couplings, flow_potential, plot_phase_portrait

    if spec.bare is None:
        raise SpecError(spec.source, "bare", "rgsym flow starts from a [bare] table: "
                        "potential = '<U in rho>', constants, k_uv, k_ir, rho_max, points "
                        "(see derivations/zero_dim_on.toml)")
    full = spec.truncation.potential == "full"
    if args.plot:
        check_plot(args.plot)
    progress = sys.stderr.isatty()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        result = flow_potential(spec, progress) if full else flow_couplings(spec, progress)
    notes = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    if args.plot:
        if full:
            write_plot(args.plot, lambda tmp: plot_potential_flow(result, tmp))
        else:
            write_plot(args.plot, lambda tmp: plot_phase_portrait(spec, result, tmp))
    for note in notes:
        print(f"rgsym: warning: {note}", file=sys.stderr)
    if args.json:
        return json.dumps({"spec": spec.source, "k_uv": spec.bare.k_uv, "k_ir": spec.bare.k_ir,
                           **result.as_dict(), "warnings": notes}, indent=2, sort_keys=True) + "\n"
    return _text(spec, result, notes)


def _text(spec: TheorySpec, result: Any, notes: list[str]) -> str:
    assert spec.bare is not None
    obs = result.observables
    lines = [f"# {result.name}", f"# {result.method}; {result.steps} right-hand-side evaluations",
             f"# from k_uv = {spec.bare.k_uv:g} to k_ir = {spec.bare.k_ir:g}",
             f"gamma2     = U'(0)   = {obs['gamma2']:.12g}",
             f"lambda_eff = 3 U''(0) = {obs['lambda_eff']:.12g}"]
    if obs.get("phi2") is not None:
        lines.append(f"phi2 = <phi.phi> = N / gamma2 = {obs['phi2']:.12g}")
    rho0 = obs["rho0"]
    where = f" (minimum at rho0 = {rho0:.6g})" if rho0 and rho0 == rho0 else ""
    lines.append(f"phase = {obs['phase']}{where}")
    curvature = obs.get("curvature")
    if curvature is not None and curvature == curvature:
        lines.append(f"curvature at the minimum V''(phi0) = {curvature:.6g}")
    if result.couplings:
        width = max(len(n) for n in result.couplings)
        lines += [f"  {n:<{width}} = {v:.12g}" for n, v in result.couplings.items()]
    if result.rho:
        lines.append(f"convexity: {result.convexity}" if result.convexity
                     else "convexity: convex" if result.convex else "convexity: not convex (see warning)")
    lines += [f"warning: {n}" for n in notes]
    return "\n".join(lines) + "\n"
