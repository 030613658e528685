"""Study on Dask: the points of a study as Dask tasks on a scheduler or a LocalCluster.

Each point is one task running :func:`rgsym.workflows.study_run.solve_point` on a worker, which
derives (or loads from the shared derivation cache) and solves.  A worker that dies has its
tasks rescheduled by Dask on the others, up to ``distributed.scheduler.allowed-failures``
times; a point lost beyond that is recorded as an ``"error"`` row, which ``--resume`` runs
again.  dask.distributed is imported only here, and only when a study uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from rgsym.errors import SpecError
from rgsym.workflows.study_run import PointResult, PointTask, outcome, solve_point

#: ``--scheduler`` value that starts a Dask LocalCluster in this process.
LOCAL_DASK = "local-dask"


@contextmanager
def dask_client(scheduler: str, workers: int, announce: Callable[[str], None]) -> Iterator[Any]:
    """A connected ``distributed.Client``: to a running scheduler, or to a new LocalCluster.

    Parameters
    ----------
    scheduler
        ``tcp://HOST:PORT`` of a running ``dask scheduler``, or :data:`LOCAL_DASK`.
    workers
        Worker processes of the LocalCluster (one thread each); ignored for a running scheduler.
    announce
        Called once with the dashboard link, when the cluster has one.

    Yields
    ------
    distributed.Client
        Closed (with the LocalCluster) on exit.

    Raises
    ------
    SpecError
        When dask.distributed is not installed or the scheduler cannot be reached.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SpecError("", "--scheduler", "needs dask.distributed: pip install 'rgsym[dask]'") from None
    with ExitStack() as stack:
        if scheduler == LOCAL_DASK:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1,
                                                       processes=True, dashboard_address="127.0.0.1:0"))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(_connect(Client, scheduler))
        link = _dashboard_link(client)
        if link:
            announce(link)
        yield client


def _dashboard_link(client: Any) -> str | None:
    """The dashboard's address, or None for a scheduler started without one."""
    try:
        return client.dashboard_link  # type: ignore[no-any-return]
    except (KeyError, AttributeError):  # distributed looks up info["services"]["dashboard"]
        return None


def _connect(client_class: Any, scheduler: str) -> Any:
    if not scheduler.startswith(("tcp://", "tls://", "ucx://", "inproc://")):
        raise SpecError("", "--scheduler", f"must be tcp://HOST:PORT or {LOCAL_DASK!r}, got {scheduler!r}")
    try:
        return client_class(scheduler, timeout="30s")
    except (OSError, TimeoutError) as exc:
        raise SpecError("", "--scheduler", f"cannot reach {scheduler}: {exc}") from None


def run_dask(client: Any, tasks: Sequence[PointTask], on_result: Callable[[PointResult], None]) -> None:
    """Solve the tasks as Dask tasks; hand results over as they complete.

    Parameters
    ----------
    client
        A ``distributed.Client`` (:func:`dask_client`).
    tasks
        The points to solve.
    on_result
        Called in this process with each result; a point lost with its workers (``KilledWorker``
        after ``distributed.scheduler.allowed-failures`` deaths) is an ``"error"`` row.
    """
    from distributed import as_completed

    futures = {client.submit(solve_point, t, key=f"rgsym-point-{t.point.index}-{t.point.digest[:16]}",
                             pure=False): t for t in tasks}
    for future in as_completed(futures):
        on_result(outcome(future, futures[future]))
        future.release()
