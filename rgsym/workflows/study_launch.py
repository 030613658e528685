"""Launch a study: its pending points run by local processes or on Dask, rows into the table.

The pieces are :mod:`~rgsym.workflows.study_run` (one point), :mod:`~rgsym.workflows.study_dask`
(the Dask client) and :mod:`~rgsym.workflows.study_table` (the CSV/Parquet files); this module
only wires them, so none of them imports another's caller.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from rgsym.workflows.study import Study
from rgsym.workflows.study_dask import dask_client, run_dask
from rgsym.workflows.study_run import PointResult, check_workers, run_local, tasks_for
from rgsym.workflows.study_table import StudyTable


@dataclass(frozen=True)
class RunOptions:
    """How a study runs.

    Attributes
    ----------
    output
        Prefix of the result files (``PREFIX.csv``, ``PREFIX.parquet``).
    resume
        Skip points with a finished row in ``PREFIX.csv``.
    workers
        Local processes, or LocalCluster workers (see :func:`check_workers`).
    scheduler
        None for local processes, ``tcp://HOST:PORT`` or :data:`rgsym.workflows.study_dask.LOCAL_DASK`.
    backend
        How the betas are evaluated.
    parquet
        Write ``PREFIX.parquet`` too (needs pyarrow).
    """

    output: str
    resume: bool = False
    workers: int | None = None
    scheduler: str | None = None
    backend: str = "symengine"
    parquet: bool = True


#: progress(done, total, failed, seconds since the start)
Progress = Callable[[int, int, int, float], None]


def run_study(study: Study, options: RunOptions, progress: Progress | None = None,
              announce: Callable[[str], None] | None = None) -> StudyTable:
    """Run every pending point of a study and write its table.

    Parameters
    ----------
    study
        The validated study (:func:`rgsym.workflows.study.load_study`).
    options
        Where the results go and how the points run.
    progress
        Called after each point with (done, total, failed, elapsed seconds).
    announce
        Called with Dask's dashboard link.

    Returns
    -------
    StudyTable
        Every row of the study, in point order, also on disk.
    """
    workers = check_workers(options.workers)
    # Dask workers may run in another folder (or on another machine with the same file system)
    spec_path = os.path.abspath(study.spec_path) if options.scheduler else study.spec_path
    total, start, failed = len(study.points), time.monotonic(), 0

    def record(result: PointResult) -> None:
        nonlocal failed
        table.add(result)
        failed += result.status != "ok"
        if progress:
            progress(len(table.rows), total, failed, time.monotonic() - start)

    StudyTable(study, Path(options.output), options.parquet).check(options.resume)  # before connecting
    with ExitStack() as stack:  # connect first: an unreachable scheduler leaves no files behind
        client = stack.enter_context(dask_client(options.scheduler, workers, announce or (lambda _: None))) \
            if options.scheduler else None
        table = StudyTable.open(study, options.output, options.resume, options.parquet)
        failed = sum(1 for r in table.rows.values() if r["status"] != "ok")
        try:
            tasks = tasks_for(spec_path, table.pending(), options.backend)
            if client is None:
                run_local(tasks, workers, record)
            else:
                run_dask(client, tasks, record)
        finally:
            table.close()
    return table
