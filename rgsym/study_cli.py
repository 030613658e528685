"""The ``rgsym study`` command: validate a study, run it, report it (see :mod:`rgsym.workflows.study`)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rgsym.errors import SpecError
from rgsym.workflows.scan import terminal_progress
from rgsym.workflows.study import Study, load_study
from rgsym.workflows.study_dask import LOCAL_DASK
from rgsym.workflows.study_launch import RunOptions, run_study
from rgsym.workflows.study_plot import ALPHA, alpha_pms, check_plot, plot_study
from rgsym.workflows.study_table import StudyTable

WriteAtomically = Callable[[str, Callable[[str], None]], None]


def run_study_command(args: argparse.Namespace, write_atomically: WriteAtomically) -> str:
    """Run ``rgsym study`` with parsed arguments; return what goes to stdout.

    Parameters
    ----------
    args
        The parsed command line.
    write_atomically
        ``(path, write)``: calls ``write(tmp)`` and renames ``tmp`` to ``path``.

    Returns
    -------
    str
        A summary (or JSON with ``--json``).

    Raises
    ------
    SpecError
        For a mistake in the study, its spec or the options, before any point runs.
    """
    study = load_study(args.study)
    options = _options(args, study)
    if args.plot:
        check_plot(study.varying())
        if not Path(args.plot).resolve().parent.is_dir():
            raise SpecError("", "--plot", f"the folder of {args.plot!r} does not exist")
    if args.scheduler and not args.verbose:
        _quiet_dask()
    table = run_study(study, options, _progress, _announce)
    if args.plot:
        write_atomically(args.plot, lambda tmp: plot_study(table.ordered(), study.varying(), tmp))
    return _summary(study, table, args.json)


def _options(args: argparse.Namespace, study: Study) -> RunOptions:
    if args.scheduler is not None and args.workers is not None and args.scheduler != LOCAL_DASK:
        raise SpecError("", "--workers", "sets local processes or local-dask workers; a running "
                                         "scheduler has its own workers")
    if not args.no_parquet:
        import importlib.util

        if importlib.util.find_spec("pyarrow") is None:
            raise SpecError("", "--output", "Parquet needs pyarrow: pip install 'rgsym[dask]', "
                                            "or pass --no-parquet for the CSV alone")
    output = args.output or Path(study.source).stem
    return RunOptions(output, args.resume, args.workers, args.scheduler, args.backend, not args.no_parquet)


def _quiet_dask() -> None:
    """Dask logs every worker and connection at INFO (set up when it is imported): keep warnings."""
    try:
        import distributed  # noqa: F401 - its import configures the "distributed" logger
    except ImportError:
        return  # dask_client says what to install
    logging.getLogger("distributed").setLevel(logging.WARNING)


def _progress(done: int, total: int, failed: int, elapsed: float) -> None:
    rate = done / elapsed if elapsed > 0 else 0.0
    terminal_progress(done, total, f"  failed {failed}  {rate:.2f} points/s")


def _announce(link: str) -> None:
    print(f"rgsym: Dask dashboard: {link}", file=sys.stderr)


def _summary(study: Study, table: StudyTable, as_json: bool) -> str:
    rows = table.ordered()
    counts = Counter(r["status"] for r in rows)
    files = [str(table.csv_path)] + ([str(table.parquet_path)] if table.parquet else [])
    varying = study.varying()
    pms = alpha_pms([r for r in rows if r["status"] == "ok"], varying) if ALPHA in varying else []
    if as_json:
        data: dict[str, Any] = {
            "study": study.source, "spec": study.spec_path, "points": len(rows), "files": files,
            "ok": counts["ok"], "failed": counts["failed"], "error": counts["error"],
            "pms": [{"at": dict(p.others), "exponent": s.exponent, "alpha": s.value, "estimate": s.estimate}
                    for p in pms for s in p.stationary]}
        return json.dumps(data, indent=2, sort_keys=True) + "\n"
    lines = [f"# study {study.source}: {len(rows)} points of {study.spec_path} "
             f"({counts['ok']} ok, {counts['failed']} failed, {counts['error']} errors)"]
    reasons = Counter(r["reason"].split(":")[0] for r in rows if r["status"] != "ok")
    lines += [f"#   {n} x {reason}" for reason, n in sorted(reasons.items())]
    for p in pms:
        where = ", ".join(f"{k} = {v}" for k, v in p.others)
        lines += [f"PMS of {s.exponent}{' at ' + where if where else ''}: {ALPHA} = {s.value:.6g}, "
                  f"{s.exponent} = {s.estimate:.10g}" for s in p.stationary]
    lines += [f"wrote {f}" for f in files]
    return "\n".join(lines) + "\n"
