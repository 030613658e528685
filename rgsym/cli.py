"""Command line: ``rgsym derive | fixed-points | exponents SPEC``.

Every user mistake ends as one line on stderr and exit code 2 (1 for a
numerical failure); there is no traceback unless RGSYM_DEBUG is set.

The ``flow``, ``study`` and ``fixed-function`` commands have their own modules
(:mod:`rgsym.flow_cli`, :mod:`rgsym.study_cli`, :mod:`rgsym.fixed_function_cli`), and the
printing helpers are in :mod:`rgsym.cli_format`.  This module is still over 400 lines: it holds
the parser of every other command and the text each prints (derive, emit, fixed-points,
exponents with its convergence, scan, report, diagrams, cache), which share the spec loading and
the error handling of :func:`main`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rgsym import __version__
from rgsym.backend_names import BACKENDS
from rgsym.cache import NO_CACHE_VARIABLE
from rgsym.cli_format import coupling_lines as _coupling_lines
from rgsym.cli_format import dump as _dump
from rgsym.cli_format import fmt as _fmt
from rgsym.cli_format import susy_relations as _susy_relations
from rgsym.cli_format import thetas as _thetas
from rgsym.cli_format import truncation_label as _truncation_label
from rgsym.cli_plot import check_plot, write_plot
from rgsym.errors import RGSymError
from rgsym.fixed_function_cli import add_fixed_function_parser, gny_fixed_function_command
from rgsym.flow_cli import add_flow_parser

if TYPE_CHECKING:  # the spec module imports sympy: only the commands that run need it
    from rgsym.spec import TheorySpec


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rgsym`` console script."""
    parser = _parser()
    words, overrides = _take_set_values(sys.argv[1:] if argv is None else list(argv))
    args = parser.parse_args(words)
    if overrides:
        if not hasattr(args, "set"):
            parser.error("--set is not an option of this command")
        args.set = [*(args.set or []), *overrides]
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="rgsym: %(message)s")
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    no_cache = os.environ.get(NO_CACHE_VARIABLE)
    if getattr(args, "no_cache", False):
        os.environ[NO_CACHE_VARIABLE] = "1"  # read by rgsym.cache, here and in worker processes
    try:
        if getattr(args, "spec", None) is None:
            text = args.handler(args)  # commands without a spec: rgsym cache info|clear
        else:
            from rgsym.spec import load_spec

            overrides = list(args.set or ())
            if getattr(args, "split_overrides", None):
                overrides = args.split_overrides(args, overrides)
            spec = load_spec(args.spec, overrides)
            text = args.handler(spec, args)
    except RGSymError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:  # several spec errors: a line each
            print(f"rgsym: error: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("rgsym: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence: one line, not a traceback
        if os.environ.get("RGSYM_DEBUG"):
            raise
        print(f"rgsym: internal error: {type(exc).__name__}: {exc} "
              "(set RGSYM_DEBUG=1 for a traceback and please report it)", file=sys.stderr)
        return 70
    finally:
        if no_cache is None:
            os.environ.pop(NO_CACHE_VARIABLE, None)
        else:
            os.environ[NO_CACHE_VARIABLE] = no_cache
    sys.stdout.write(text)
    return 0


def _take_set_values(argv: list[str]) -> tuple[list[str], list[str]]:
    """The ``--set VALUE`` pairs taken out of ``argv`` (and the rest of it).

    The word after ``--set`` is always its value, even when it starts with ``-``: argparse
    would read ``--set -:`` as a missing value and ``--set=--`` as an empty list.
    """
    rest: list[str] = []
    values: list[str] = []
    words = iter(argv)
    for word in words:
        value = next(words, None) if word == "--set" else word[len("--set="):] \
            if word.startswith("--set=") else None
        if value is None:
            rest.append(word)
        else:
            values.append(value)
    return rest, values


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rgsym",
        description="Derive functional-RG flows from a TOML spec; find fixed points and exponents.",
    )
    parser.add_argument("--version", action="version", version=f"rgsym {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands: list[tuple[str, str, Callable[[TheorySpec, argparse.Namespace], str]]] = [
        ("derive", "print the beta functions (or the potential's PDE)", _derive),
        ("fixed-points", "list the fixed points found", _fixed_points),
        ("exponents", "critical exponents at the Wilson-Fisher (most stable) fixed point",
         _exponents),
    ]
    for name, helptext, handler in commands:
        p = sub.add_parser(name, help=helptext, description=helptext)
        p.add_argument("spec", help="a TOML spec file, e.g. derivations/on_lpa.toml")
        p.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override a spec key, e.g. --set truncation.order=12 (repeatable)")
        p.add_argument("--json", action="store_true", help="machine-readable JSON output")
        p.add_argument("-v", "--verbose", action="store_true", help="log progress")
        p.add_argument("--no-cache", action="store_true",
                       help="neither read nor write the derivation cache (see 'rgsym cache info')")
        if name == "exponents":
            p.add_argument("--fixed-point", type=_index_or_name, default=None, metavar="INDEX|NAME",
                           help="index or name from 'rgsym fixed-points', e.g. 2 or isotropic "
                                "(default: most stable non-Gaussian)")
            p.add_argument("--orders", metavar="FIRST:LAST",
                           help="nu and omega at each truncation order, e.g. 2:20, 2:20:2 or 4,8,12")
            p.add_argument("--plot", metavar="FILE.png",
                           help="with --orders: plot nu and omega against the order (needs matplotlib)")
        if name == "derive":
            p.add_argument("--emit", metavar="FORMATS",
                           help="write files instead of printing: a comma-separated list of "
                                "latex, c, numpy, json, mathematica, julia, sympy (needs -o)")
            p.add_argument("-o", "--output", metavar="OUTDIR",
                           help="directory for --emit (created if needed)")
            p.add_argument("--latex-style", choices=("paper", "explicit"), default="paper",
                           help="paper: threshold functions l_n^d, d_t kappa and eta as symbols, "
                                "with betas.bib (default); explicit: every beta in the couplings alone")
        if name in ("fixed-points", "exponents"):
            p.add_argument("--backend", choices=BACKENDS, default="symengine",
                           help="how the betas are evaluated: symengine's LLVM (default), compiled C, "
                                "the generated NumPy module, or sympy's lambdify")
        p.set_defaults(handler=handler)
    scan = sub.add_parser("scan", help="exponents along a range of one value, with the PMS point",
                          description="Scan one spec value (e.g. --set regulator.alpha=0.5:8:30) and "
                                      "locate the point of minimal sensitivity of nu and omega.")
    scan.add_argument("spec", help="a TOML spec file")
    scan.add_argument("--set", action="append", metavar="KEY=VALUE",
                      help="overrides; exactly one of them is a range start:stop:count or a list a,b,c")
    scan.add_argument("--json", action="store_true", help="machine-readable JSON output")
    scan.add_argument("--plot", metavar="FILE.png", help="plot the exponents against the scanned value")
    scan.add_argument("--workers", type=int, default=None,
                      help="processes (default and most: one per core)")
    scan.add_argument("-v", "--verbose", action="store_true", help="log progress")
    scan.add_argument("--no-cache", action="store_true", help="neither read nor write the derivation cache")
    scan.add_argument("--backend", choices=BACKENDS, default="symengine",
                      help="how the betas are evaluated at each point (as for 'exponents')")
    scan.set_defaults(handler=_scan, split_overrides=_split_scan)
    _add_study(sub)
    _add_cache(sub)
    _add_diagrams(sub)
    _add_report(sub)
    add_fixed_function_parser(sub)
    add_flow_parser(sub)
    return parser


def _add_cache(sub: Any) -> None:
    """Register ``rgsym cache info [--json]`` and ``rgsym cache clear``."""
    cache = sub.add_parser("cache", help="show or empty the on-disk cache of derivations",
                           description="Derivations and compiled C are cached on disk, keyed by the "
                                       "spec and the rgsym version; RGSYM_CACHE_DIR moves the folder, "
                                       "RGSYM_NO_CACHE=1 or --no-cache turns it off.")
    actions = cache.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    info = actions.add_parser("info", help="the cache folder, its entries and their size")
    info.add_argument("--json", action="store_true", help="machine-readable JSON output")
    clear = actions.add_parser("clear", help="remove every entry")
    for p in (info, clear):
        p.add_argument("-v", "--verbose", action="store_true", help="log progress")
    info.set_defaults(handler=_cache_info)
    clear.set_defaults(handler=_cache_clear)


def _cache_info(args: argparse.Namespace) -> str:
    from rgsym import cache

    found = cache.info()
    if args.json:
        return _dump({"directory": str(found.directory), "enabled": found.enabled,
                      "total_bytes": found.total_bytes,
                      "entries": [{"file": e.path.name, "bytes": e.size, "kind": e.kind,
                                   "description": e.description} for e in found.entries]})
    state = "" if found.enabled else f" (off: unset {cache.NO_CACHE_VARIABLE} to use it)"
    lines = [f"# cache: {found.directory}{state}",
             f"# {len(found.entries)} entries, {_size(found.total_bytes)}"]
    lines += [f"{_size(e.size):>10}  {e.kind:<8} {e.description}" for e in found.entries]
    return "\n".join(lines) + "\n"


def _cache_clear(args: argparse.Namespace) -> str:
    from rgsym import cache

    removed = cache.clear()
    return f"removed {removed} entries from {cache.cache_dir()}\n"


def _size(count: int) -> str:
    """A byte count for people: 512 B, 27.4 kB, 3.1 MB."""
    size = float(count)
    for unit in ("B", "kB", "MB"):
        if size < 1000 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _split_scan(args: argparse.Namespace, overrides: list[str]) -> list[str]:
    """Keep the scanned key aside; validate the spec with its first value."""
    from rgsym.workflows.scan import cap_workers, check_points, split_scan_override

    plain, key, values = split_scan_override(args.spec, overrides)
    check_points(args.spec, plain, key, values)
    args.workers, note = cap_workers(args.workers, len(values))
    if note:
        print(f"rgsym: warning: {note}", file=sys.stderr)
    args.scan = (plain, key, values)
    return [*plain, f"{key}={values[0]!r}"]


def _scan(spec: TheorySpec, args: argparse.Namespace) -> str:
    from rgsym.workflows.scan import plot_scan, run_scan, terminal_progress

    plain, key, values = args.scan
    check_plot(args.plot)
    result = run_scan(args.spec, plain, key, values, args.workers, terminal_progress, args.backend)
    if args.plot:
        title = f"{os.path.basename(spec.source)}: {_truncation_label(spec)}"
        write_plot(args.plot, lambda tmp: plot_scan(result, tmp, title))
    if args.json:
        return _dump({"spec": spec.source, **result.as_dict()})
    with_eta = any(p.eta is not None for p in result.points)
    lines = [f"# scan of {key} in {spec.source} ({len(values)} points, order {spec.truncation.order})",
             f"{key:>16} {'nu':>16} {'omega':>16}" + (f" {'eta':>16}" if with_eta else "")]
    for p in result.points:
        lines.append(f"{p.value:16.8g} {_fmt(p.nu):>16} {_fmt(p.omega):>16}"
                     + (f" {_fmt(p.eta):>16}" if with_eta else "")
                     + (f"  ({p.error})" if p.error else ""))
    for s in result.stationary:
        lines.append(f"PMS of {s.exponent}: {key} = {s.value:.6g}, {s.exponent} = {s.estimate:.10g}")
    if not result.stationary:
        lines.append("no stationary point of nu, omega or eta inside the range" if with_eta
                     else "no stationary point of nu or omega inside the range")
    return "\n".join(lines) + "\n"


def _add_study(sub: Any) -> None:
    """Register ``rgsym study STUDY.toml [-o PREFIX] [--resume] [--workers N] [--scheduler S] [--plot F]``."""
    st = sub.add_parser("study", help="exponents over a grid of spec values (local processes or Dask)",
                        description="Solve every point of a study file (a spec and a grid of overrides) "
                                    "and write one row per point to PREFIX.csv and PREFIX.parquet.")
    st.add_argument("study", help="a study TOML file, e.g. derivations/studies/on_nu_vs_d.toml")
    st.add_argument("-o", "--output", metavar="PREFIX",
                    help="result files PREFIX.csv and PREFIX.parquet (default: the study's name, here)")
    st.add_argument("--resume", action="store_true", help="keep the finished rows of PREFIX.csv, run others")
    st.add_argument("--workers", type=int, default=None,
                    help="local processes or local-dask workers (default and most: one per core)")
    st.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                    help="run the points as Dask tasks on this scheduler, or 'local-dask' for a LocalCluster")
    st.add_argument("--plot", metavar="FILE.png",
                    help="lines for one varied key, heat maps for two, PMS curves when alpha varies")
    st.add_argument("--backend", choices=BACKENDS, default="symengine",
                    help="how the betas are evaluated at each point (as for 'exponents')")
    st.add_argument("--no-parquet", action="store_true", help="write the CSV only (no pyarrow needed)")
    st.add_argument("--json", action="store_true", help="machine-readable summary")
    st.add_argument("-v", "--verbose", action="store_true", help="log progress")
    st.add_argument("--no-cache", action="store_true", help="neither read nor write the derivation cache")
    st.set_defaults(handler=_study)


def _study(args: argparse.Namespace) -> str:
    """``rgsym study``: validate every point, run them, write the table (and the plot)."""
    from rgsym.study_cli import run_study_command

    return run_study_command(args, write_plot)


def _add_report(sub: Any) -> None:
    """Register ``rgsym report SPEC -o report.pdf [--orders FIRST:LAST]``."""
    rp = sub.add_parser("report", help="one PDF: the truncation, diagrams, betas, fixed points, convergence",
                        description="Derive, solve and typeset a spec into one PDF (needs pdflatex, "
                                    "bibtex and matplotlib).")
    rp.add_argument("spec", help="a TOML spec file (a polynomial truncation)")
    rp.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a spec key (repeatable)")
    rp.add_argument("-o", "--output", metavar="FILE.pdf", required=True, help="the PDF to write (atomically)")
    rp.add_argument("--orders", metavar="FIRST:LAST",
                    help="orders of the convergence plot (default: 2 to the spec's order)")
    rp.add_argument("-v", "--verbose", action="store_true", help="log progress")
    rp.add_argument("--no-cache", action="store_true", help="neither read nor write the derivation cache")
    rp.set_defaults(handler=_report)


def _report(spec: TheorySpec, args: argparse.Namespace) -> str:
    import importlib.util

    from rgsym.errors import SpecError
    from rgsym.workflows.convergence import parse_orders
    from rgsym.workflows.report import check_destination, write_report

    check_destination(args.output)
    if importlib.util.find_spec("matplotlib") is None:
        raise SpecError("", "report", "needs matplotlib for the convergence plot: pip install 'rgsym[plot]'")
    orders = parse_orders(args.orders or f"2:{max(spec.truncation.order, 2)}", spec)
    return f"wrote {write_report(spec, args.output, orders)}\n"


def _add_diagrams(sub: Any) -> None:
    """Register ``rgsym diagrams SPEC --n-point N [--format F] [--legs FIELDS] [-o FILE]``."""
    dg = sub.add_parser("diagrams", help="the flow of an n-point function as one-loop diagrams",
                        description="n functional derivatives of the Wetterich equation, merged into "
                                    "diagram classes with exact prefactors and multiplicities.")
    dg.add_argument("spec", help="a TOML spec file (its fields name the legs; around zero field "
                                 "the odd vertices vanish)")
    dg.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a spec key (repeatable)")
    dg.add_argument("--n-point", metavar="N", help="n of Gamma^(n), from 1 to 12, or 0 (the potential) for a "
                                                "Yukawa theory (required)")
    dg.add_argument("--format", default="text", metavar="FORMAT",
                    help="text (default), json, dot, tikz or png (png needs -o)")
    dg.add_argument("--legs", metavar="FIELDS", help="comma-separated field of each leg (default: the "
                                                    "first boson; fermions: psibar,psi)")
    dg.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    dg.add_argument("--json", action="store_true", help="the same as --format json")
    dg.add_argument("-v", "--verbose", action="store_true", help="log progress")
    dg.set_defaults(handler=_diagrams)


def _diagrams(spec: TheorySpec, args: argparse.Namespace) -> str:
    from rgsym.diagrams.graphs import DiagramOptionError
    from rgsym.diagrams.render import check_format, diagrams_for_spec, render
    from rgsym.emit.output import check_file_target, write_file

    fmt = check_format("json" if args.json else args.format)
    if fmt == "png" and not args.output:
        raise DiagramOptionError("--format png: give -o FILE.png")
    if args.output:
        check_file_target(args.output, "-o")
    out = render(diagrams_for_spec(spec, args.n_point, args.legs), fmt, spec.source)
    if not args.output:
        return str(out)
    write_file(args.output, out, "-o")
    return ""


def _derive(spec: TheorySpec, args: argparse.Namespace) -> str:
    from rgsym.betatext import beta_texts
    from rgsym.pipeline import derive
    from rgsym.project import PotentialFlow

    if args.emit is not None or args.output is not None:
        return _emit(spec, args)
    if spec.truncation.is_derivative_expansion:
        return _derive_d2(spec, args)
    result = derive(spec)
    if isinstance(result, PotentialFlow):
        if args.json:
            import sympy as sp

            return _dump({"name": result.name, "pde": {"lhs": "d_t u", "rhs": str(result.rhs)},
                          "rhs_srepr": sp.srepr(result.rhs)})
        return f"# {result.name}\nd_t u = {result.rhs}\n"
    if args.json:
        return result.to_json() + "\n"
    lines = [f"# {result.name}", f"# couplings: {', '.join(result.names)}"]
    if result.parameters:
        lines.append(f"# parameters: {', '.join(map(str, result.parameters))}")
    width = max(len(n) for n in result.names)
    lines += [f"beta_{n:<{width}} = {b}" for n, b in zip(result.names, beta_texts(result), strict=True)]
    return "\n".join(lines) + "\n"


def _derive_d2(spec: TheorySpec, args: argparse.Namespace) -> str:
    """The derived O(d^2) flows as text (or JSON): d_t u', d_t z (and d_t Y), loops as y-integrals."""
    from rgsym.derivative_expansion import flow_equations
    from rgsym.workflows.d2 import derive_d2_flow

    flow = derive_d2_flow(spec)
    equations = flow_equations(flow)
    names = {"u'": "u'", "z": "z", "y": "Y"}
    legend = ("u1, u2, u3 are the first three rho-derivatives of u, z1, z2 those of z (y0, y1, y2: Y "
              "and its derivatives), all at rho; y = q^2/k^2; eta is fixed by z(kappa) = 1")
    if args.json:
        return _dump({"scheme": spec.truncation.scheme, "regulator": flow.regulator, "d": str(flow.d),
                      "N": str(flow.n), "symbols": legend,
                      "flows": {f"d_t {names[k]}": str(v) for k, v in equations.items()}})
    lines = [f"# {spec.source}: O(d^2) flows at fixed dimensionless rho, {flow.regulator} regulator, "
             f"d = {flow.d}, N = {flow.n}", f"# {legend}"]
    lines += [f"d_t {names[k]} = {v}" for k, v in equations.items()]
    return "\n".join(lines) + "\n"


def _emit(spec: TheorySpec, args: argparse.Namespace) -> str:
    """``derive --emit FORMATS -o OUTDIR``: write the files, list them."""
    from rgsym.emit import OutputError, parse_formats, write_files
    from rgsym.emit.output import ensure_writable
    from rgsym.pipeline import render_derivation

    if args.emit is None:
        raise OutputError("-o needs --emit FORMATS, e.g. --emit latex,c,numpy,json")
    if not args.output:
        raise OutputError("--emit needs -o OUTDIR, the directory to write the files into")
    formats = parse_formats(args.emit)
    ensure_writable(args.output)
    if spec.truncation.is_derivative_expansion:  # the O(d^2) polynomial flow: rgsym.emit.d2_code
        from rgsym.workflows.d2 import d2_files

        files = d2_files(spec, formats)
    else:
        files = render_derivation(spec, formats, args.latex_style)
    paths = write_files(files, args.output)
    if args.json:
        return _dump({"spec": spec.source, "formats": list(formats), "files": [str(p) for p in paths]})
    return "".join(f"wrote {p}\n" for p in paths)


def _fixed_points(spec: TheorySpec, args: argparse.Namespace) -> str:
    from rgsym.pipeline import check_quadrature_of, exponents, fixed_point_names

    if spec.truncation.potential == "full" and spec.theory.fermions:
        return gny_fixed_function_command(spec, args, with_grid=False)
    if spec.truncation.potential == "full":
        return _fixed_functions(spec, args)
    points = exponents(spec, args.backend)
    check_quadrature_of(spec, points, args.backend)
    names = fixed_point_names(spec, points, args.backend)
    if args.json:
        return _dump({"spec": spec.source, "order": spec.truncation.order,
                      "fixed_points": [{**ex.as_dict(), "name": name}
                                       for (_, ex), name in zip(points, names, strict=True)]})
    lines = [f"# {len(points)} fixed points at order {spec.truncation.order} ({spec.source})"]
    for i, ((fp, ex), name) in enumerate(zip(points, names, strict=True)):
        kind = name if fp.is_gaussian else f"{name}: {ex.relevant} relevant direction(s)"
        lines.append(f"[{i}] {kind}")
        lines += _coupling_lines(fp.as_dict())
        lines.append(f"    theta = {_thetas(ex.theta, 6)}")
        lines += _sector_lines(ex)
    return "\n".join(lines) + "\n"


def _fixed_functions(spec: TheorySpec, args: argparse.Namespace) -> str:
    """``fixed-points`` for a full potential: the multicritical family at the spec's d."""
    from rgsym.workflows.multicritical import multicritical_functions

    family = multicritical_functions(spec)
    if args.json:
        return _dump({"spec": spec.source, "d": float(spec.theory.d),
                      "fixed_points": [p.as_dict() for p in family]})
    lines = [f"# {len(family) + 1} fixed-point functions at d = {spec.theory.d} ({spec.source}; the "
             "Gaussian one and the multicritical family)", "[0] Gaussian: u*' = 0"]
    for i, p in enumerate(family, start=1):
        lines.append(f"[{i}] {p.name}: {p.relevant} relevant direction(s), {p.nodes} node(s) of u*', "
                     f"u*'(0) = {p.u_prime_at_zero:.6g}")
        lines.append(f"    nu = {p.nu:.10g}, omega = {p.omega:.10g}")
        lines.append(f"    theta = {_thetas(p.theta, 6)}")
    return "\n".join(lines) + "\n"


def _index_or_name(text: str) -> int | str:
    """``--fixed-point``: an index (digits) or a fixed point's name."""
    return int(text) if text.strip().lstrip("+-").isdigit() else text


def _sector_lines(ex: Any) -> list[str]:
    """nu, omega of the singlet sector and the other thetas with their sectors (several fields)."""
    from rgsym.solve.sectors import SectorExponents

    if not isinstance(ex, SectorExponents):
        return []
    sectors = ex.sectors
    lines = [f"    singlet: nu = {_fmt(ex.nu)}, omega = {_fmt(ex.omega)}"
             + (f"   symmetry beyond the theory's: {', '.join(ex.symmetries)}" if ex.symmetries else "")]
    others = [s for s in sectors if not s.is_singlet]
    lines += [f"    crossover: theta = {_thetas([s.theta], 1)} ({s.sector})" for s in others[:4]]
    return lines


def _exponents(spec: TheorySpec, args: argparse.Namespace) -> str:
    from rgsym.pipeline import critical_exponents

    if spec.truncation.is_derivative_expansion:
        return _d2_exponents(spec, args)
    if args.orders is not None or args.plot is not None:
        return _convergence(spec, args)
    if spec.theory.fermions and spec.truncation.potential == "full":
        return gny_fixed_function_command(spec, args, with_grid=False)
    if isinstance(args.fixed_point, int) and args.fixed_point < 0:
        from rgsym.errors import SpecError

        raise SpecError("", "--fixed-point", f"must be an index from 0 (see 'rgsym fixed-points'), "
                                             f"got {args.fixed_point}")
    fp, ex = critical_exponents(spec, args.fixed_point, args.backend)
    check = None
    single = spec.theory.is_single_multiplet and not spec.theory.invariants and not spec.theory.fermions
    etas = _field_etas(spec, fp)
    if args.fixed_point is None and single and spec.theory.d.is_number and spec.theory.d != 3:
        from rgsym.workflows.routes import check_against_full_potential, full_potential_check

        check = full_potential_check(spec)  # away from d = 3 every answer is checked by the other route
        check_against_full_potential(spec, ex.nu, check)
    susy = _susy_relations(spec, ex.nu, etas)
    if args.json:
        extra = {} if check is None else {"full_potential": {"nu": check.nu, "omega": check.omega}}
        extra.update({"supersymmetry": susy} if susy else {})
        return _dump({"spec": spec.source, **ex.as_dict(), **etas, **extra})
    label = "Wilson-Fisher" if single and args.fixed_point is None else "critical"
    if spec.theory.fermions and args.fixed_point is None:
        from rgsym.fermions import yukawa_class

        label = f"Gross-Neveu-Yukawa ({yukawa_class(spec.theory.yukawa) or ', '.join(spec.theory.yukawa)})"
    lines = [f"# {spec.source}: {_truncation_label(spec)}", f"{label} fixed point:"]
    lines += _coupling_lines(fp.as_dict())
    lines.append("critical exponents:")
    lines.append(f"  nu    = {_fmt(ex.nu)}")
    lines.append(f"  omega = {_fmt(ex.omega)}")
    if etas:
        lines += [f"  {name} = {_fmt(value)}" for name, value in etas.items()]
    elif spec.truncation.scheme == "lpa'":
        lines.append(f"  eta   = {_fmt(ex.eta)}")
    lines.append(f"  theta = {_thetas(ex.theta, len(ex.theta))}")
    if susy:
        lines.append(f"emergent supersymmetry (N = 1; exact in the full theory, not in this truncation): "
                     f"eta_phi - eta_psi = {susy['eta_phi_minus_eta_psi']:.3g}, "
                     f"1/nu - (d - eta_phi)/2 = {susy['inverse_nu_minus_superscaling']:.3g}")
    if check is not None and ex.nu is not None:
        lines.append(f"check: full potential nu = {check.nu:.12g} (nu - nu_full = {ex.nu - check.nu:.1e}), "
                     f"omega = {check.omega:.12g}")
    from rgsym.solve.sectors import SectorExponents

    if isinstance(ex, SectorExponents):  # several fields: nu and omega above are the singlet's
        lines.append(f"by symmetry sector ({ex.name}; symmetry beyond the theory's: "
                     f"{', '.join(ex.symmetries) or 'none'}):")
        lines += [f"  {_thetas([s.theta], 1):>14}  {s.sector}" + (f" ({s.part})" if s.part else "")
                  for s in ex.sectors]
    return "\n".join(lines) + "\n"


def _field_etas(spec: TheorySpec, fp: Any) -> dict[str, float]:
    """The anomalous dimension of each field at the fixed point (eta_phi, eta_psi of a Yukawa
    theory in LPA'; zero in its LPA); empty for a theory with one eta."""
    if not spec.theory.fermions:
        return {}
    import sympy as sp

    from rgsym.pipeline import derive

    system = derive(spec)
    from rgsym.betasystem import BetaSystem

    assert isinstance(system, BetaSystem)
    at = {sp.Symbol(n): v for n, v in zip(fp.names, fp.values, strict=True)}
    named = dict(system.etas) or {"eta_phi": sp.Integer(0), "eta_psi": sp.Integer(0)}
    return {name: float(sp.sympify(e).xreplace({s: at.get(sp.Symbol(s.name), s) for s in
                                                 sp.sympify(e).free_symbols})) for name, e in named.items()}


def _d2_exponents(spec: TheorySpec, args: argparse.Namespace) -> str:
    """The derivative expansion at O(d^2): nu, eta, omega of the Wilson-Fisher point."""
    from rgsym.errors import SpecError
    from rgsym.workflows.d2 import d2_exponents

    if args.orders is not None:
        return _d2_convergence(spec, args)
    flags = (("--plot", args.plot), ("--fixed-point", args.fixed_point))
    for flag, value in flags:
        if value is not None:
            raise SpecError("", flag, "not available for the 'd2' scheme without --orders (it solves the "
                            "Wilson-Fisher point at the spec's truncation)")
    result = d2_exponents(spec)
    if args.json:
        return _dump({"spec": spec.source, **result.as_dict()})
    with_y = spec.theory.blocks[0].components != 1 and spec.truncation.scheme == "d2"
    functions = "u, z, Y" if with_y else "u, z"
    lines = [f"# {spec.source}: O(d^2) derivative expansion ({functions}), {spec.regulator.kind} regulator, "
             f"{result.route}, {result.normalisation}",
             "Wilson-Fisher fixed point:"]
    lines += _coupling_lines(dict(result.fixed_point))
    lines.append("critical exponents:")
    lines.append(f"  nu    = {_fmt(result.nu)}")
    lines.append(f"  eta   = {_fmt(result.eta)}")
    lines.append(f"  omega = {_fmt(result.omega)}")
    lines.append(f"  theta = {_thetas(list(result.theta), len(result.theta))}")
    return "\n".join(lines) + "\n"


def _d2_convergence(spec: TheorySpec, args: argparse.Namespace) -> str:
    """``exponents --orders`` for the O(d^2) polynomial route: nu, eta, omega against the degree of u'."""
    from rgsym.errors import SpecError
    from rgsym.workflows.convergence import parse_orders, plot_convergence
    from rgsym.workflows.d2 import d2_convergence
    from rgsym.workflows.scan import terminal_progress

    if args.fixed_point is not None:
        raise SpecError("", "--fixed-point", "cannot be combined with --orders (the Wilson-Fisher point is "
                                             "followed)")
    orders = parse_orders(args.orders, spec)
    check_plot(args.plot)
    conv = d2_convergence(spec, orders, terminal_progress)
    if args.plot:
        write_plot(args.plot, lambda tmp: plot_convergence(conv, tmp))
    if args.json:
        return _dump(conv.as_dict())
    lines = [f"# {spec.source}: {conv.description}",
             f"{'order':>5} {'nu':>16} {'eta':>16} {'omega':>16}"]
    for r in conv.results:
        row = f"{r.order:>5} {_fmt(r.nu):>16} {_fmt(r.eta):>16} {_fmt(r.omega):>16}"
        lines.append(row + (f"  ({r.error})" if r.error else ""))
    return "\n".join(lines) + "\n"


def _convergence(spec: TheorySpec, args: argparse.Namespace) -> str:
    """``exponents --orders FIRST:LAST [--plot FILE.png]``: nu and omega against the order."""
    from rgsym.errors import SpecError
    from rgsym.workflows.convergence import parse_orders, plot_convergence, run_convergence
    from rgsym.workflows.scan import terminal_progress

    if args.orders is None:
        raise SpecError("", "--plot", "needs --orders, e.g. --orders 2:20 --plot conv.png")
    if args.fixed_point is not None:
        raise SpecError("", "--fixed-point", "cannot be combined with --orders (the most stable "
                                             "non-Gaussian point is followed)")
    orders = parse_orders(args.orders, spec)
    check_plot(args.plot)
    conv = run_convergence(spec, orders, terminal_progress, args.backend)
    if args.plot:
        write_plot(args.plot, lambda tmp: plot_convergence(conv, tmp))
    if args.json:
        return _dump(conv.as_dict())
    ref = conv.reference
    if ref is None and conv.full_potential is not None:
        return _convergence_against_full(spec, conv)
    lines = [f"# {spec.source}: {conv.description}",
             f"{'order':>5} {'nu':>16} {'omega':>16}" + (f" {'nu - nu*':>10} {'omega - omega*':>14}"
                                                         if ref else "")]
    for r in conv.results:
        row = f"{r.order:>5} {_fmt(r.nu):>16} {_fmt(r.omega):>16}"
        if ref and r.nu is not None and r.omega is not None:
            row += f" {r.nu - ref.nu:>10.1e} {r.omega - ref.omega:>14.1e}"
        lines.append(row + (f"  ({r.error})" if r.error else ""))
    if ref:
        lines.append(f"converged: nu* = {ref.nu!r}, omega* = {ref.omega!r} ({ref.name}; {ref.source})")
    return "\n".join(lines) + "\n"


def _convergence_against_full(spec: TheorySpec, conv: Any) -> str:
    """The --orders table with the distance to the full potential of the same LPA."""
    full = conv.full_potential
    lines = [f"# {spec.source}: {conv.description}",
             f"{'order':>5} {'nu':>16} {'omega':>16} {'nu - nu_full':>13}"]
    for r in conv.results:
        row = f"{r.order:>5} {_fmt(r.nu):>16} {_fmt(r.omega):>16}"
        if r.nu is not None:
            row += f" {r.nu - full.nu:>13.1e}"
        far = r.nu is not None and not r.converged
        note = r.error or ("far from the full potential: not converged" if far else None)
        lines.append(row + (f"  ({note})" if note else ""))
    lines.append(f"full potential: nu = {full.nu!r}, omega = {full.omega!r}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
