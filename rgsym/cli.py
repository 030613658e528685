"""Command line: ``rgsym derive | fixed-points | exponents SPEC``.

Every user mistake ends as one line on stderr and exit code 2 (1 for a
numerical failure); there is no traceback unless RGSYM_DEBUG is set.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from rgsym import __version__
from rgsym.errors import RGSymError
from rgsym.spec import TheorySpec, load_spec


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rgsym`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="rgsym: %(message)s")
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        overrides = list(args.set or ())
        if getattr(args, "split_overrides", None):
            overrides = args.split_overrides(args, overrides)
        spec = load_spec(args.spec, overrides)
        text = args.handler(spec, args)
    except RGSymError as exc:
        print(f"rgsym: error: {exc}", file=sys.stderr)
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
    sys.stdout.write(text)
    return 0


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
        if name == "exponents":
            p.add_argument("--fixed-point", type=int, default=None, metavar="INDEX",
                           help="index from 'rgsym fixed-points' (default: most stable non-Gaussian)")
        p.set_defaults(handler=handler)
    scan = sub.add_parser("scan", help="exponents along a range of one value, with the PMS point",
                          description="Scan one spec value (e.g. --set regulator.alpha=0.5:8:30) and "
                                      "locate the point of minimal sensitivity of nu and omega.")
    scan.add_argument("spec", help="a TOML spec file")
    scan.add_argument("--set", action="append", metavar="KEY=VALUE",
                      help="overrides; exactly one of them is a range start:stop:count or a list a,b,c")
    scan.add_argument("--json", action="store_true", help="machine-readable JSON output")
    scan.add_argument("--plot", metavar="FILE.png", help="plot the exponents against the scanned value")
    scan.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    scan.add_argument("-v", "--verbose", action="store_true", help="log progress")
    scan.set_defaults(handler=_scan, split_overrides=_split_scan)
    return parser


def _split_scan(args: argparse.Namespace, overrides: list[str]) -> list[str]:
    """Keep the scanned key aside; validate the spec with its first value."""
    from rgsym.solve.scan import split_scan_override

    plain, key, values = split_scan_override(args.spec, overrides)
    args.scan = (plain, key, values)
    return [*plain, f"{key}={values[0]!r}"]


def _scan(spec: TheorySpec, args: argparse.Namespace) -> str:
    from rgsym.solve.scan import plot_scan, run_scan, terminal_progress

    plain, key, values = args.scan
    result = run_scan(args.spec, plain, key, values, args.workers, terminal_progress)
    if args.plot:
        _write_atomically(args.plot, lambda tmp: plot_scan(result, tmp))
    if args.json:
        return _dump({"spec": spec.source, **result.as_dict()})
    lines = [f"# scan of {key} in {spec.source} ({len(values)} points, order {spec.truncation.order})",
             f"{key:>16} {'nu':>16} {'omega':>16}"]
    for p in result.points:
        lines.append(f"{p.value:16.8g} {_fmt(p.nu):>16} {_fmt(p.omega):>16}"
                     + (f"  ({p.error})" if p.error else ""))
    for s in result.stationary:
        lines.append(f"PMS of {s.exponent}: {key} = {s.value:.6g}, {s.exponent} = {s.estimate:.10g}")
    if not result.stationary:
        lines.append("no stationary point of nu or omega inside the range")
    return "\n".join(lines) + "\n"


def _write_atomically(path: str, write: Callable[[str], None]) -> None:
    """Write through a temporary file in the same folder, then rename: never a partial file."""
    import tempfile

    from rgsym.errors import SpecError

    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise SpecError("", "--plot", f"folder {folder!r} does not exist")
    fd, tmp = tempfile.mkstemp(suffix=os.path.splitext(path)[1] or ".png", dir=folder)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _derive(spec: TheorySpec, args: argparse.Namespace) -> str:
    from rgsym.pipeline import derive
    from rgsym.project import PotentialFlow

    result = derive(spec)
    if isinstance(result, PotentialFlow):
        if args.json:
            return _dump({"name": result.name, "pde": {"lhs": "d_t u", "rhs": str(result.rhs)},
                          "rhs_srepr": sp.srepr(result.rhs)})
        return f"# {result.name}\nd_t u = {result.rhs}\n"
    if args.json:
        return result.to_json() + "\n"
    lines = [f"# {result.name}", f"# couplings: {', '.join(result.names)}"]
    if result.parameters:
        lines.append(f"# parameters: {', '.join(map(str, result.parameters))}")
    width = max(len(n) for n in result.names)
    lines += [f"beta_{n:<{width}} = {b}" for n, b in zip(result.names, result.betas, strict=True)]
    return "\n".join(lines) + "\n"


def _fixed_points(spec: TheorySpec, args: argparse.Namespace) -> str:
    from rgsym.pipeline import exponents

    points = exponents(spec)
    if args.json:
        return _dump({"spec": spec.source, "order": spec.truncation.order,
                      "fixed_points": [ex.as_dict() for _, ex in points]})
    lines = [f"# {len(points)} fixed points at order {spec.truncation.order} ({spec.source})"]
    for i, (fp, ex) in enumerate(points):
        kind = "Gaussian" if fp.is_gaussian else f"{ex.relevant} relevant direction(s)"
        lines.append(f"[{i}] {kind}")
        lines += _coupling_lines(fp.as_dict())
        lines.append(f"    theta = {_thetas(ex.theta, 6)}")
    return "\n".join(lines) + "\n"


def _exponents(spec: TheorySpec, args: argparse.Namespace) -> str:
    from rgsym.pipeline import critical_exponents

    fp, ex = critical_exponents(spec, args.fixed_point)
    if args.json:
        return _dump({"spec": spec.source, **ex.as_dict()})
    label = "Wilson-Fisher" if len(spec.theory.blocks) == 1 else "critical"
    lines = [f"# {spec.source}: LPA, {spec.theory.symmetry}, d = {spec.theory.d}, "
             f"{spec.regulator.kind} regulator, order {spec.truncation.order} "
             f"around {spec.truncation.expand_around}",
             f"{label} fixed point:"]
    lines += _coupling_lines(fp.as_dict())
    lines.append("critical exponents:")
    lines.append(f"  nu    = {_fmt(ex.nu)}")
    lines.append(f"  omega = {_fmt(ex.omega)}")
    lines.append(f"  theta = {_thetas(ex.theta, len(ex.theta))}")
    return "\n".join(lines) + "\n"


def _coupling_lines(values: dict[str, float]) -> list[str]:
    width = max((len(k) for k in values), default=0)
    return [f"  {k:<{width}} = {v:.12g}" for k, v in values.items()]


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.12g}"


def _thetas(theta: Sequence[complex], count: int) -> str:
    parts = [f"{t.real:.8g}" if t.imag == 0 else f"{t.real:.8g}{t.imag:+.8g}i" for t in theta[:count]]
    more = ", ..." if len(theta) > count else ""
    return ", ".join(parts) + more


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.exit(main())
