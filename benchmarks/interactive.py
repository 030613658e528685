"""Benchmark: interactive speed of every command, from order 2 to order 40 (issue 15).

Prints every row of the issue's table, each as whole-process wall times (the best of
``--repeats`` runs) next to its baseline measured in the same run, interleaved with it, so
that the ratio stays meaningful on a busy machine:

====================================  =====================================================
row                                   baseline (same run)
====================================  =====================================================
``import rgsym.cli``, ``--version``,  ``python -c pass`` and ``python -c "import sympy"``;
``--help``                            target: under 0.15 s
``derive`` order 8 and 10, no cache   the naive sympy derivation of the same betas and
                                      stability matrix (``derive_lpa.naive_derivation``);
                                      targets: 30x (order 8), 300x (order 10)
``exponents`` order 20, warm cache    ``python -c "import sympy"``; target: under 2x
``exponents`` order 20, cold          ``python -c "import sympy, scipy.optimize"``, with an
                                      empty cache folder; target: under 2.5x
``exponents --orders 2:20``, cold     one cold order-20 ``exponents``; target: at most 3x
``exponents --orders 2:20``, warm     one warm order-20 ``exponents`` (the same target)
``derive`` order 28 and 40, no cache  absolute; target: order 40 under 20 s
``exponents`` order 28 and 40, no     the compiled expanded betas (order 28; order 40 does
cache (Taylor arithmetic)             not compile); order 40 right to 1e-10 (tested)
fixed point + exponents in-process,   absolute, best of several calls once compiled;
order 20                              target: under 20 ms
``fixed-points`` order 6: two-scalar, absolute; target: under 10 s each
O(2)+O(1), cubic (N = 3)
====================================  =====================================================

With ``--before PATH`` (a checkout of an earlier commit, e.g. made with ``git worktree add``)
every rgsym row is also run with ``PYTHONPATH=PATH``, in the same run, and the before/after
ratio is printed.  A run that exceeds ``--timeout`` is reported as such.  Nothing is asserted.

Run ``python benchmarks/interactive.py`` from the repository root (options: ``--repeats``,
``--timeout``, ``--before``, ``--quick`` to skip the slow rows: naive order 10, order 40).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = "derivations/on_lpa.toml"
TWO_SCALAR = "derivations/two_scalar_lpa.toml"
#: The issue's multi-field systems, all expanded around zero field.
MULTI_FIELD = (("two_scalar", TWO_SCALAR), ("O(2)+O(1)", "derivations/on_om_lpa.toml"),
               ("cubic N=3", "derivations/cubic_lpa.toml"))

#: The compiled route at any order: ``rgsym`` with the Taylor route moved out of reach (the
#: baseline of the high-order exponents rows).
COMPILED_ROUTE = ("import sys, rgsym.spec; rgsym.spec.TAYLOR_FROM_ORDER = 99; "
                  "from rgsym.cli import main; main(sys.argv[1:])")

#: In-process: derive and compile order 20, then time the fixed points and exponents: the first
#: call (nothing memoised: the search, the refinement on the exact betas and the 256-bit stability
#: matrix) and the best of the later ones (the refined point and its stability matrix are memoised
#: in the process: what is left is the search, multi-start at order 1 and continuation through
#: the orders; the multi-start at order 1 is kept in the process too, in ``numeric.searches``).
#: The third figure is the repeated call with ``numeric.searches`` emptied first: the whole
#: search again, multi-start included.  The disk cache is off (``RGSYM_NO_CACHE``), or the
#: search's points would come from it.
IN_PROCESS = """
import sys, time
from rgsym.spec import parse_spec
from rgsym.pipeline import numeric_system
from rgsym.solve.exponents import compute_exponents
from rgsym.solve.fixed_points import find_fixed_points
spec = parse_spec({"theory": {"d": 3, "N": 1},
                   "truncation": {"order": int(sys.argv[1]), "expand_around": "minimum"}}, "bench")
numeric = numeric_system(spec)
times, whole = [], []
for fresh in [False] * int(sys.argv[2]) + [True] * (int(sys.argv[2]) - 1):
    if fresh:
        getattr(numeric, "searches", {}).clear()
    start = time.perf_counter()
    points = find_fixed_points(numeric)
    exps = [compute_exponents(numeric, fp) for fp in points]
    (whole if fresh else times).append(time.perf_counter() - start)
print(times[0], min(times[1:] or times), min(whole or times))
"""

#: The naive sympy derivation of benchmarks/derive_lpa.py, as a whole process.
NAIVE = """
import sys
sys.path.insert(0, "benchmarks")
from derive_lpa import naive_derivation
naive_derivation(int(sys.argv[1]))
"""


@dataclass(frozen=True)
class Runner:
    """How to run a command: in the checkout ``root`` (which ``python -m`` and ``-c`` import
    from), with a time limit."""

    root: Path
    timeout: float

    def time(self, args: Sequence[str], env: dict[str, str] | None = None) -> float | None:
        """Wall time of one whole process ``python args...`` (None when it fails or times out).

        Parameters
        ----------
        args
            Arguments after the interpreter.
        env
            Extra environment variables.

        Returns
        -------
        float or None
        """
        environ = {**_environment(self.root), **(env or {})}
        start = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, *args], cwd=self.root, env=environ, timeout=self.timeout,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        except subprocess.TimeoutExpired:
            return None
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            sys.stderr.write(f"failed ({done.returncode}): {' '.join(args)}\n{done.stderr.decode()[-400:]}\n")
            return None
        return elapsed

    def output(self, args: Sequence[str], env: dict[str, str] | None = None) -> str | None:
        """Standard output of ``python args...`` (None when it fails or times out).

        Parameters
        ----------
        args
            Arguments after the interpreter.
        env
            Extra environment variables.

        Returns
        -------
        str or None
        """
        environ = {**_environment(self.root), **(env or {})}
        try:
            done = subprocess.run([sys.executable, *args], cwd=self.root, env=environ, timeout=self.timeout,
                                  capture_output=True, text=True, check=False)
        except subprocess.TimeoutExpired:
            return None
        return done.stdout if done.returncode == 0 else None


#: Bytecode of the checkouts measured, written once and reused by every process (see
#: :func:`_environment`).
PYCACHE = Path(tempfile.gettempdir()) / "rgsym-benchmark-pycache"


def _environment(root: Path) -> dict[str, str]:
    """The environment of a measured process: ``root`` on the path, and bytecode written to and
    read from :data:`PYCACHE`.

    An installed rgsym has its bytecode beside its sources, like sympy, the baseline; with
    ``PYTHONDONTWRITEBYTECODE`` set (some CI and sandbox images set it) every process would compile
    rgsym's 70-odd modules from source again, 0.25 s of a warm ``exponents`` that no user pays.
    """
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**environ, "PYTHONPATH": str(root), "PYTHONPYCACHEPREFIX": str(PYCACHE)}


def best(repeats: int, *actions: Callable[[], float | None]) -> list[float | None]:
    """The best time of each action over ``repeats`` rounds, the actions interleaved per round.

    Parameters
    ----------
    repeats
        Rounds.
    actions
        Timed runs, each returning seconds or None.

    Returns
    -------
    list of float or None
        None for an action that failed or timed out in any round.
    """
    out: list[float | None] = [math.inf] * len(actions)
    for _ in range(repeats):
        for i, action in enumerate(actions):
            value = action()
            previous = out[i]
            out[i] = None if value is None or previous is None else min(previous, value)
    return out


def seconds(value: float | None) -> str:
    """A time for the table: seconds with 3 significant digits, or ``timeout/failed``.

    Parameters
    ----------
    value
        Seconds, or None.

    Returns
    -------
    str
    """
    return "timeout/failed" if value is None else f"{value:.3g} s"


def ratio(a: float | None, b: float | None) -> str:
    """``a / b`` as ``12.3x`` (``-`` when either is missing).

    Parameters
    ----------
    a, b
        Seconds, or None.

    Returns
    -------
    str
    """
    return "-" if a is None or b is None or b == 0 else f"{a / b:.3g}x"


def cli(*args: str) -> list[str]:
    """The arguments of ``python -m rgsym.cli args...``.

    Parameters
    ----------
    args
        The command line of ``rgsym``.

    Returns
    -------
    list of str
    """
    return ["-m", "rgsym.cli", *args]


def order(m: int) -> list[str]:
    """``--set truncation.order=m``.

    Parameters
    ----------
    m
        The truncation order.

    Returns
    -------
    list of str
    """
    return ["--set", f"truncation.order={m}"]


class Table:
    """Rows of (what, now, baseline, ratio, target, before, before/now), printed as they come."""

    def __init__(self, with_before: bool) -> None:
        self.with_before = with_before
        head = f"{'row':<46} {'now':>14} {'baseline':>30} {'ratio':>9}  {'target':<22}"
        if with_before:
            head += f" {'before':>14} {'before/now':>10}"
        print(head)
        print("-" * len(head))

    def row(self, what: str, now: float | None, baseline: str, rate: str, target: str,
            before: float | None = None) -> None:
        """Print one row.

        Parameters
        ----------
        what
            The command.
        now, before
            Its time now and with the earlier checkout.
        baseline, rate, target
            The baseline's name and time, the ratio now / baseline (or the reverse, as the
            target is stated), and the target.
        """
        line = f"{what:<46} {seconds(now):>14} {baseline:>30} {rate:>9}  {target:<22}"
        if self.with_before:
            line += f" {seconds(before):>14} {ratio(before, now):>10}"
        print(line, flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    """Measure and print every row of the issue's table.

    Parameters
    ----------
    argv
        Command-line arguments (default: ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds per row (best kept)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per process")
    parser.add_argument("--before", metavar="PATH", help="an earlier checkout to compare with")
    parser.add_argument("--quick", action="store_true", help="skip naive order 10 and order 40")
    args = parser.parse_args(argv)
    now = Runner(ROOT, args.timeout)
    old = Runner(Path(args.before).resolve(), args.timeout) if args.before else None
    print(f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}; best of {args.repeats}; whole processes unless noted")
    table = Table(old is not None)
    r = args.repeats

    def both(command: list[str], env: dict[str, str] | None = None
             ) -> tuple[Callable[[], float | None], Callable[[], float | None]]:
        def after() -> float | None:
            return now.time(command, env)

        def before() -> float | None:
            return old.time(command, env) if old else 0.0

        return after, before

    # 1. start-up
    plain, sympy_only = (lambda: now.time(["-c", "pass"])), (lambda: now.time(["-c", "import sympy"]))
    for label, command in [("python -c 'import rgsym.cli'", ["-c", "import rgsym.cli"]),
                           ("rgsym --version", cli("--version")), ("rgsym --help", cli("--help"))]:
        after, before = both(command)
        t, b, p, s = best(r, after, before, plain, sympy_only)
        table.row(label, t, f"python -c pass {seconds(p)}", ratio(t, p), "< 0.15 s",
                  b if old else None)
    print(f"{'':<46} {'':>14} {'import sympy ' + seconds(s):>30} {ratio(t, s):>9}")

    # 2. derive against the naive sympy derivation
    for m, target in [(8, ">= 30x"), (10, ">= 300x")]:
        if args.quick and m == 10:
            continue
        after, before = both(cli("derive", SPEC, *order(m), "--no-cache"))
        t, b = best(r, after, before)
        naive = now.time(["-c", NAIVE, str(m)])
        table.row(f"rgsym derive order {m} --no-cache", t, f"naive sympy {seconds(naive)}",
                  ratio(naive, t), f"naive/now {target}", b if old else None)

    # 3. exponents at order 20, warm and cold
    with tempfile.TemporaryDirectory() as warm_dir:
        warm = {"RGSYM_CACHE_DIR": warm_dir}
        now.time(cli("exponents", SPEC, *order(20)), warm)
        old_warm_dir = tempfile.mkdtemp()
        if old:
            old.time(cli("exponents", SPEC, *order(20)), {"RGSYM_CACHE_DIR": old_warm_dir})

        def warm_now() -> float | None:
            return now.time(cli("exponents", SPEC, *order(20)), warm)

        def warm_old() -> float | None:
            if old is None:
                return 0.0
            return old.time(cli("exponents", SPEC, *order(20)), {"RGSYM_CACHE_DIR": old_warm_dir})

        t, b, s = best(r, warm_now, warm_old, sympy_only)
        table.row("rgsym exponents order 20, warm cache", t, f"import sympy {seconds(s)}", ratio(t, s),
                  "now/baseline < 2x", b if old else None)
        warm_single = t

        def warm_span(runner: Runner | None, folder: str) -> Callable[[], float | None]:
            def run() -> float | None:
                if runner is None:
                    return 0.0
                return runner.time(cli("exponents", SPEC, "--orders", "2:20"), {"RGSYM_CACHE_DIR": folder})
            return run

        warm_span(now, warm_dir)()  # fill the cache
        if old:
            warm_span(old, old_warm_dir)()
        t, b = best(r, warm_span(now, warm_dir), warm_span(old, old_warm_dir))
        table.row("rgsym exponents --orders 2:20, warm cache", t, f"one order 20 {seconds(warm_single)}",
                  ratio(t, warm_single), "now/baseline <= 3x", b if old else None)

    def cold(runner: Runner | None, extra: Sequence[str] = ()) -> Callable[[], float | None]:
        def run() -> float | None:
            if runner is None:
                return 0.0
            with tempfile.TemporaryDirectory() as empty:
                return runner.time(cli("exponents", SPEC, *order(20), "--no-cache", *extra),
                                   {"RGSYM_CACHE_DIR": empty})
        return run

    def imports() -> float | None:
        return now.time(["-c", "import sympy, scipy.optimize"])

    single, single_old, base = best(r, cold(now), cold(old), imports)
    table.row("rgsym exponents order 20, cold (--no-cache)", single,
              f"import sympy, scipy {seconds(base)}", ratio(single, base), "now/baseline < 2.5x",
              single_old if old else None)
    span, span_old = best(r, cold(now, ["--orders", "2:20"]), cold(old, ["--orders", "2:20"]))
    table.row("rgsym exponents --orders 2:20, cold", span, f"one order 20 {seconds(single)}",
              ratio(span, single), "now/baseline <= 3x", span_old if old else None)

    # 4. high orders
    for m in (28, 40):
        if args.quick and m == 40:
            continue
        after, before = both(cli("derive", SPEC, *order(m), "--no-cache"))
        t, b = best(1 if m == 40 else r, after, before)
        table.row(f"rgsym derive order {m} --no-cache", t, "-", "-",
                  "< 20 s" if m == 40 else "", b if old else None)

    # 4b. exponents at high orders: the Taylor route against the compiled expanded betas
    for m in (28, 40):
        if args.quick and m == 40:
            continue
        with tempfile.TemporaryDirectory() as empty:
            env = {"RGSYM_CACHE_DIR": empty}
            taylor = now.time(cli("exponents", SPEC, *order(m), "--no-cache"), env)
            compiled = (now.time(["-c", COMPILED_ROUTE, "exponents", SPEC, *order(m), "--no-cache"], env)
                        if m < 40 else None)  # order 40 does not compile (> 30 min)
        table.row(f"rgsym exponents order {m} --no-cache", taylor,
                  f"compiled betas {seconds(compiled)}" if m < 40 else "(does not compile)",
                  ratio(compiled, taylor) if m < 40 else "-", "right to 1e-10" if m == 40 else "")

    # 5. in-process fixed point and exponents
    no_cache = {"RGSYM_NO_CACHE": "1"}
    out = now.output(["-c", IN_PROCESS, "20", "5"], no_cache)
    first, inner, whole = (float(v) for v in out.split()[-3:]) if out else (None, None, None)
    out_old = old.output(["-c", IN_PROCESS, "20", "5"], no_cache) if old else None
    first_old, inner_old, whole_old = ((float(v) for v in out_old.split()[-3:]) if out_old
                                       else (None, None, None))
    table.row("fixed point + exponents in-process, order 20", first, "(once compiled; first call)", "-",
              "< 20 ms", first_old)
    table.row("  the same, repeated (point, matrix memoised)", inner, "(best of 4 more)", "-", "< 20 ms",
              inner_old)
    table.row("  repeated, order-1 multi-start again too", whole, "(best of 4 more)", "-", "", whole_old)

    # 6. multi-field: every fixed point around zero field at order 6
    for name, spec in MULTI_FIELD:
        after, before = both(cli("fixed-points", spec, *order(6), "--no-cache"))
        t, b = best(1, after, before)
        table.row(f"rgsym fixed-points {name} order 6", t, "-", "-", "< 10 s", b if old else None)


if __name__ == "__main__":
    main()
