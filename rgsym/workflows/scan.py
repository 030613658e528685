"""Scan: exponents along a range of one spec value, and the point of minimal sensitivity.

The standard check of a truncation's scheme dependence is to vary a regulator
parameter and look for the stationary point of an exponent (principle of minimal
sensitivity, Stevenson, Phys. Rev. D23 (1981) 2916; for the FRG: Litim,
Phys. Rev. D64 (2001) 105007, hep-th/0103195; Canet et al., Phys. Rev. D67
(2003) 065004, hep-th/0211055).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rgsym.errors import RGSymError, SpecError, SpecErrors
from rgsym.solve.spectrum import theta_json


@dataclass(frozen=True)
class ScanPoint:
    """Exponents at one value of the scanned key (``error`` when the solve failed there)."""

    value: float
    nu: float | None
    omega: float | None
    theta: tuple[complex, ...]
    error: str | None = None
    eta: float | None = None  # the derivative expansion's (O(d^2))


@dataclass(frozen=True)
class Stationary:
    """A stationary point of an exponent as a function of the scanned value."""

    exponent: str
    value: float
    estimate: float


@dataclass(frozen=True)
class Scan:
    """All points of a scan and the stationary points found."""

    key: str
    points: tuple[ScanPoint, ...]
    stationary: tuple[Stationary, ...]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary: the scanned key, every point and the PMS points."""
        return {
            "key": self.key,
            "points": [{"value": p.value, "nu": p.nu, "omega": p.omega,
                        **({"eta": p.eta} if p.eta is not None else {}),
                        "theta": [theta_json(t) for t in p.theta],
                        **({"error": p.error} if p.error else {})} for p in self.points],
            "pms": [{"exponent": s.exponent, "value": s.value, "estimate": s.estimate}
                    for s in self.stationary],
        }


#: Most points of one scan: each point is a fixed-point search (about a second at order 8),
#: so more would run for hours; a finer PMS search is better done around the first one found.
MAX_SCAN_POINTS = 500


def parse_range(source: str, key: str, text: str) -> tuple[float, ...]:
    """``a:b:n`` (n points from a to b) or ``v1,v2,...`` (optionally in brackets).

    Parameters
    ----------
    source
        The spec file, for messages.
    key
        The scanned key, for messages.
    text
        The range as given on the command line.

    Returns
    -------
    tuple of float
        The values, at most :data:`MAX_SCAN_POINTS` of them, all finite.

    Raises
    ------
    SpecError
        For a malformed range, a non-finite value or too many points (before any is made).
    """
    body = text.strip().strip("[]")
    ends = (0.0, 0.0)
    usage = (f"a scan needs 'start:stop:count' (count from 2 to {MAX_SCAN_POINTS}) or a list "
             f"'v1,v2,...' of 2 to {MAX_SCAN_POINTS} numbers, got {_brief(text)}")
    try:
        if ":" in body:
            a, b, n = body.split(":")
            count = int(n)
            ends = (float(a), float(b))
            items: list[float] | None = None
        else:
            parts = [v for v in body.split(",") if v.strip()]
            count = len(parts)
            items = [float(v) for v in parts] if count <= MAX_SCAN_POINTS else None
    except ValueError:
        raise SpecError(source, key, usage) from None
    if not 2 <= count <= MAX_SCAN_POINTS:
        raise SpecError(source, key, f"{count} points: {usage}" if count > MAX_SCAN_POINTS else usage)
    bad = [v for v in (*(items or ()), *ends) if not math.isfinite(v)]
    if bad:
        raise SpecError(source, key, f"every scanned value must be a finite number, got {bad[0]!r}")
    return tuple(items) if items is not None else tuple(float(v) for v in np.linspace(*ends, count))


def _brief(text: str, limit: int = 40) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


def check_points(path: str | Path, overrides: Sequence[str], key: str, values: Sequence[float]) -> None:
    """Validate the spec at every scanned value before any work starts.

    A worker process would otherwise meet the bad value only after the first points were
    computed.

    Parameters
    ----------
    path
        The spec file.
    overrides
        The plain (not scanned) overrides.
    key
        The scanned key.
    values
        The scanned values.

    Raises
    ------
    SpecError
        For the first value at which the spec is invalid, naming the value.
    """
    from rgsym.spec import load_spec

    for value in values:
        try:
            load_spec(path, [*overrides, f"{key}={value!r}"])
        except SpecErrors as many:  # several problems: the value is in the lines already
            raise SpecErrors([SpecError(e.source, e.key, f"{e.detail} (at {key} = {value!r})")
                              for e in many.errors]) from None
        except SpecError as exc:
            raise SpecError(exc.source, exc.key, f"{exc.detail} (at the scanned value {key} = {value!r})") \
                from None


def cap_workers(requested: int | None, tasks: int) -> tuple[int, str | None]:
    """The number of worker processes: at most one per core, and at most one per point.

    Parameters
    ----------
    requested
        ``--workers`` as given (None: one per core).
    tasks
        The number of scan points.

    Returns
    -------
    tuple
        The number of processes and, when fewer than requested were granted because of the
        cores, a note saying so.

    Raises
    ------
    SpecError
        If ``requested`` is below 1.

    Examples
    --------
    >>> cap_workers(1, 10)
    (1, None)
    """
    cores = _cores()
    if requested is not None and requested < 1:
        raise SpecError("", "--workers", f"must be at least 1, got {requested}")
    note = None
    if requested is not None and requested > cores:
        note = f"--workers {requested}: this machine has {cores} core(s); using {cores}"
    return max(1, min(requested or cores, cores, tasks)), note


def _cores() -> int:
    """Cores this process may run on (the affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def split_scan_override(source: str, overrides: Sequence[str]) -> tuple[list[str], str, tuple[float, ...]]:
    """Separate the one ``key=range`` override from the plain ones."""
    plain: list[tuple[str, str, str]] = []
    ranged: list[tuple[str, str, str]] = []
    for item in overrides:
        key, _, value = item.partition("=")
        (ranged if (":" in value or "," in value) else plain).append((key.strip(), value, item))
    if len(ranged) != 1:
        raise SpecError(source, "--set", "give exactly one --set key=start:stop:count (or key=v1,v2,...) "
                                         f"to scan; got {len(ranged)}")
    key, value, _ = ranged[0]
    return [item for _, _, item in plain], key, parse_range(source, key, value)


def _point(task: tuple[str, list[str], str, float, str]) -> ScanPoint:
    from rgsym.pipeline import critical_exponents
    from rgsym.spec import load_spec

    path, overrides, key, value, backend = task
    spec = load_spec(path, [*overrides, f"{key}={value!r}"])
    try:
        if spec.truncation.is_derivative_expansion:  # the derivative expansion (rgsym.workflows.d2)
            from rgsym.workflows.d2 import d2_exponents

            d2 = d2_exponents(spec)
            return ScanPoint(value, d2.nu, d2.omega, d2.theta, eta=d2.eta)
        _, ex = critical_exponents(spec, backend=backend)
    except RGSymError as exc:
        if isinstance(exc, SpecError):
            raise
        return ScanPoint(value, None, None, (), str(exc))
    return ScanPoint(value, ex.nu, ex.omega, ex.theta)


def run_scan(path: str | Path, overrides: Sequence[str], key: str, values: Sequence[float],
             workers: int | None = None, progress: Callable[[int, int], None] | None = None,
             backend: str = "symengine") -> Scan:
    """Exponents at every value, in parallel over local processes; then the PMS points.

    ``backend`` evaluates the betas (:data:`rgsym.solve.numeric.BACKENDS`); with ``"c"`` each
    value compiles its own library (a regulator's quadrature nodes are constants in the code),
    kept in the compiler cache for the next scan.
    """
    tasks = [(str(path), list(overrides), key, v, backend) for v in values]
    workers, _ = cap_workers(workers, len(tasks))
    points: list[ScanPoint] = []
    if workers <= 1:
        for i, task in enumerate(tasks):
            points.append(_point(task))
            if progress:
                progress(i + 1, len(tasks))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for i, point in enumerate(pool.map(_point, tasks)):
                points.append(point)
                if progress:
                    progress(i + 1, len(tasks))
    return Scan(key, tuple(points), locate_stationary(points))


def locate_stationary(points: Sequence[ScanPoint]) -> tuple[Stationary, ...]:
    """Where d(exponent)/d(value) changes sign: a parabola through the three points around it."""
    found = []
    for name in ("nu", "omega", "eta"):
        xs = np.array([p.value for p in points if getattr(p, name) is not None])
        ys = np.array([getattr(p, name) for p in points if getattr(p, name) is not None])
        for i in range(1, len(xs) - 1):
            left, right = ys[i] - ys[i - 1], ys[i + 1] - ys[i]
            if left * right < 0:
                c2, c1, c0 = np.polyfit(xs[i - 1:i + 2], ys[i - 1:i + 2], 2)
                x0 = -c1 / (2 * c2)
                found.append(Stationary(name, float(x0), float(c0 + c1 * x0 + c2 * x0**2)))
    return tuple(found)


def plot_scan(scan: Scan, path: str, title: str = "") -> None:
    """Exponents against the scanned value, with the PMS points marked, as PNG (matplotlib).

    ``title`` (e.g. the spec and its truncation) is put above the panels.
    """
    try:
        import matplotlib
    except ImportError:
        raise SpecError("", "--plot", "needs matplotlib: pip install 'rgsym[plot]'") from None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, figsize=(6, 6), sharex=True)
    for ax, name, label in zip(axes, ("nu", "omega"), (r"$\nu$", r"$\omega$"), strict=True):
        pts = [(p.value, getattr(p, name)) for p in scan.points if getattr(p, name) is not None]
        if pts:
            ax.plot(*zip(*pts, strict=True), "o-", ms=3)
        for s in scan.stationary:
            if s.exponent == name:
                ax.plot([s.value], [s.estimate], "r*", ms=12, label=f"PMS {scan.key} = {s.value:.4g}")
                ax.legend()
        ax.set_ylabel(label)
    axes[-1].set_xlabel(scan.key)
    if title:
        fig.suptitle(title, fontsize=8, wrap=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def terminal_progress(done: int, total: int, note: str = "") -> None:
    """A one-line progress bar on stderr, only when stderr is a terminal (``note`` follows it)."""
    if not sys.stderr.isatty():
        return
    width = 30
    filled = width * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}{note}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
