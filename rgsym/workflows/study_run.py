"""Study runs: every point derived, compiled and solved, on local processes or on Dask.

A point is an independent task (:func:`solve_point`): it loads its spec, takes the betas
from the shared symbolic derivation when there is one (:attr:`StudyPoint.template`, else it
derives its own, through the derivation cache), compiles them with the point's numbers and
finds the most stable non-Gaussian fixed point and its exponents.  A point that fails (no
fixed point, a pole, any :class:`~rgsym.errors.RGSymError`) comes back as a row with status
``"failed"`` and the reason; an unexpected exception comes back as ``"error"`` with its type
and message.  Neither stops the study.

Local runs use a process pool (:func:`run_local`); with a Dask scheduler the points are Dask
tasks (:mod:`rgsym.workflows.study_dask`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from rgsym.betasystem import BetaSystem
from rgsym.errors import RGSymError, SpecError
from rgsym.workflows.study import StudyPoint

if TYPE_CHECKING:
    from rgsym.spec import TheorySpec

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class PointTask:
    """What a worker needs to solve one point (plain data: picklable, small).

    Attributes
    ----------
    spec_path
        The spec file (workers on other machines need the same path).
    point
        The validated point.
    backend
        How the betas are evaluated (:data:`rgsym.solve.numeric.BACKENDS`).
    """

    spec_path: str
    point: StudyPoint
    backend: str = "symengine"


@dataclass(frozen=True)
class PointResult:
    """The outcome of one point.

    Attributes
    ----------
    index, digest
        As in :class:`~rgsym.workflows.study.StudyPoint`.
    status
        ``"ok"``, ``"failed"`` (a numerical failure, with its reason) or ``"error"``.
    reason
        Why the point failed ("" when it did not).
    seconds
        Wall time of the point on its worker.
    nu, omega, eta
        The exponents (None where the truncation has none or the point failed).
    theta
        The critical exponents θ_i, by descending real part.
    fixed_point
        (coupling name, value) at the fixed point.
    """

    index: int
    digest: str
    status: str
    reason: str = ""
    seconds: float = 0.0
    nu: float | None = None
    omega: float | None = None
    eta: float | None = None
    theta: tuple[complex, ...] = ()
    fixed_point: tuple[tuple[str, float], ...] = ()


def solve_point(task: PointTask) -> PointResult:
    """Derive (or share), compile and solve one point; failures become rows, not exceptions.

    Parameters
    ----------
    task
        The point and where its spec is.

    Returns
    -------
    PointResult
    """
    start = time.perf_counter()
    point = task.point
    try:
        result = _critical(task)
    except RGSymError as exc:
        return PointResult(point.index, point.digest, "failed", str(exc), time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - one broken point must not end a long study
        log.warning("point %d: %s: %s", point.index, type(exc).__name__, exc)
        return PointResult(point.index, point.digest, "error", f"{type(exc).__name__}: {exc}",
                           time.perf_counter() - start)
    nu, omega, eta, theta, fixed = result
    return PointResult(point.index, point.digest, "ok", "", time.perf_counter() - start,
                       nu, omega, eta, theta, fixed)


def _critical(task: PointTask) -> tuple[float | None, float | None, float | None, tuple[complex, ...],
                                        tuple[tuple[str, float], ...]]:
    """The exponents at the most stable non-Gaussian fixed point (as ``rgsym exponents``)."""
    from rgsym.solve.exponents import compute_exponents, select_critical
    from rgsym.solve.fixed_points import find_fixed_points
    from rgsym.solve.numeric import compile_system
    from rgsym.spec import load_spec

    point = task.point
    spec = load_spec(task.spec_path, point.overrides)
    shared = _shared_system(task.spec_path, point.template) if point.template else None
    if shared is not None:
        numbers = dict(point.parameters)
        values = {p: numbers[p.name] for p in shared.parameters}
        numeric = compile_system(shared, values, task.backend)
    else:
        numeric = compile_system(_own_system(spec), None, task.backend)
    chosen = select_critical([(fp, compute_exponents(numeric, fp)) for fp in find_fixed_points(numeric)])
    if chosen is None:
        from rgsym.errors import SolveError

        raise SolveError(f"no non-Gaussian fixed point with a relevant direction found at order "
                         f"{spec.truncation.order}")
    fp, ex = chosen
    eta = ex.eta if spec.truncation.scheme == "lpa'" else None
    return (ex.nu, ex.omega, eta, tuple(ex.theta),
            tuple(zip(fp.names, (float(v) for v in fp.values), strict=True)))


@cache
def _shared_system(spec_path: str, template: tuple[str, ...]) -> BetaSystem | None:
    """The derivation with d and N symbolic (once per process, and in the disk cache)."""
    from rgsym.pipeline import derive
    from rgsym.spec import load_spec

    try:
        system = derive(load_spec(spec_path, template))
    except RGSymError as exc:
        log.info("no shared derivation for %s (%s); deriving point by point", spec_path, exc)
        return None
    return system if isinstance(system, BetaSystem) else None


def _own_system(spec: TheorySpec) -> BetaSystem:
    """The point's own derivation, through the disk cache but not the in-process one.

    :func:`rgsym.pipeline.derive` also keeps every result in memory (``functools.cache``); a
    worker that solves thousands of distinct points must not.
    """
    from rgsym.pipeline import derive

    system = derive.__wrapped__(spec)
    if not isinstance(system, BetaSystem):
        raise SpecError(spec.source, "truncation.potential", "a study solves polynomial truncations")
    return system


def core_count() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells it).

    Returns
    -------
    int
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def check_workers(workers: int | None) -> int:
    """``--workers``: at least 1, at most :func:`core_count` (the default).

    Parameters
    ----------
    workers
        The requested count, or None for every core.

    Returns
    -------
    int

    Raises
    ------
    SpecError
        For a count below 1.
    """
    cores = core_count()
    if workers is None:
        return cores
    if workers < 1:
        raise SpecError("", "--workers", f"must be at least 1, got {workers}")
    if workers > cores:
        log.warning("--workers %d capped at the %d cores of this machine", workers, cores)
    return min(workers, cores)


def run_local(tasks: Sequence[PointTask], workers: int,
              on_result: Callable[[PointResult], None]) -> None:
    """Solve the tasks on ``workers`` processes (in this process for one), in any order.

    Parameters
    ----------
    tasks
        The points to solve.
    workers
        Process count (see :func:`check_workers`).
    on_result
        Called in this process with each result as it arrives.
    """
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            on_result(solve_point(task))
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
        futures: dict[Future[PointResult], PointTask] = {pool.submit(solve_point, t): t for t in tasks}
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: futures[f].point.index):
                    on_result(outcome(future, futures[future]))
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def outcome(future: Any, task: PointTask) -> PointResult:
    """The result of a finished future; a lost point (its process or worker died) is an error row.

    Parameters
    ----------
    future
        A finished ``concurrent.futures`` or Dask future of :func:`solve_point`.
    task
        Its task.

    Returns
    -------
    PointResult
    """
    try:
        return future.result()  # type: ignore[no-any-return]
    except Exception as exc:  # noqa: BLE001 - BrokenProcessPool, KilledWorker: rerun with --resume
        return PointResult(task.point.index, task.point.digest, "error", f"{type(exc).__name__}: {exc}")


def tasks_for(spec_path: str, points: Iterable[StudyPoint], backend: str) -> list[PointTask]:
    """One :class:`PointTask` per point.

    Parameters
    ----------
    spec_path
        The spec file.
    points
        The points to run.
    backend
        How the betas are evaluated.

    Returns
    -------
    list of PointTask
    """
    return [PointTask(spec_path, p, backend) for p in points]
