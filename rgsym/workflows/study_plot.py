"""Study plots: lines for one varied key, heat maps for two, and the PMS in the regulator's α.

When ``regulator.alpha`` is among the varied keys, every combination of the other keys is
a scan in α: its point of minimal sensitivity (:func:`rgsym.workflows.scan.locate_stationary`)
is located and drawn on the curve ν(α), ω(α).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rgsym.errors import SpecError
from rgsym.workflows.scan import ScanPoint, Stationary, locate_stationary

#: The key whose stationary points are looked for.
ALPHA = "regulator.alpha"
EXPONENTS = (("nu", r"$\nu$"), ("omega", r"$\omega$"))


@dataclass(frozen=True)
class AlphaPMS:
    """The stationary points in α at one combination of the other varied keys.

    Attributes
    ----------
    others
        (key, value) of the other varied keys.
    stationary
        The PMS points of ν and ω found inside the α range.
    """

    others: tuple[tuple[str, Any], ...]
    stationary: tuple[Stationary, ...]


def alpha_pms(rows: Sequence[Mapping[str, Any]], varying: Sequence[str]) -> list[AlphaPMS]:
    """The PMS in α for every combination of the other varied keys (in order of appearance).

    Parameters
    ----------
    rows
        Table rows in point order.
    varying
        The varied keys; must include :data:`ALPHA`.

    Returns
    -------
    list of AlphaPMS
    """
    others = [k for k in varying if k != ALPHA]
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in (r for r in rows if all(r.get(k) is not None for k in varying)):
        groups.setdefault(json.dumps([row[k] for k in others]), []).append(row)
    found = []
    for members in groups.values():
        members = sorted(members, key=lambda r: float(r[ALPHA]))
        scan = [ScanPoint(float(r[ALPHA]), r["nu"], r["omega"], ()) for r in members]
        found.append(AlphaPMS(tuple((k, members[0][k]) for k in others), locate_stationary(scan)))
    return found


def plot_study(rows: Sequence[Mapping[str, Any]], varying: Sequence[str], path: str) -> None:
    """Draw a study as PNG: α curves with their PMS, lines for one key, heat maps for two.

    Parameters
    ----------
    rows
        Table rows in point order (failed points have no ν and are left out or blank).
    varying
        The varied keys.
    path
        The PNG file.

    Raises
    ------
    SpecError
        Without matplotlib, or with more than two varied keys none of which is α.
    """
    try:
        import matplotlib
    except ImportError:
        raise SpecError("", "--plot", "needs matplotlib: pip install 'rgsym[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows if all(r.get(k) is not None for k in varying)]  # listed points may lack a key
    if ALPHA in varying:
        fig = _alpha_figure(plt, rows, varying)
    elif len(varying) == 1:
        fig = _line_figure(plt, rows, varying[0])
    elif len(varying) == 2:
        fig = _heat_figure(plt, rows, varying[0], varying[1])
    else:
        raise SpecError("", "--plot", f"draws one or two varied keys (or any with {ALPHA}); this study "
                                      f"varies {len(varying)}: {', '.join(varying)}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def check_plot(varying: Sequence[str]) -> None:
    """Fail before any work when ``--plot`` cannot draw the study.

    Parameters
    ----------
    varying
        The varied keys.

    Raises
    ------
    SpecError
        Without matplotlib, without a varied key, or with more than two and no α among them.
    """
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        raise SpecError("", "--plot", "needs matplotlib: pip install 'rgsym[plot]'")
    if not varying:
        raise SpecError("", "--plot", "nothing varies in this study")
    if ALPHA not in varying and len(varying) > 2:
        raise SpecError("", "--plot", f"draws one or two varied keys (or any with {ALPHA}); this study "
                                      f"varies {len(varying)}: {', '.join(varying)}")


def _levels(rows: Sequence[Mapping[str, Any]], key: str) -> list[Any]:
    """The values of a key in order of first appearance (the study's order)."""
    return list(dict.fromkeys(r[key] for r in rows))


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _line_figure(plt: Any, rows: Sequence[Mapping[str, Any]], key: str) -> Any:
    """ν and ω against the one varied key."""
    fig, axes = plt.subplots(2, 1, figsize=(6, 6), sharex=True)
    xs = _levels(rows, key)
    position = {x: (x if _numeric(xs) else i) for i, x in enumerate(xs)}
    for ax, (name, tex) in zip(axes, EXPONENTS, strict=True):
        pts = [(position[r[key]], r[name]) for r in rows if r.get(name) is not None]
        if pts:
            ax.plot(*zip(*pts, strict=True), "o-", ms=3)
        ax.set_ylabel(tex)
    if not _numeric(xs):
        axes[-1].set_xticks(range(len(xs)), [str(x) for x in xs])
    axes[-1].set_xlabel(key)
    return fig


def _groups(rows: Sequence[Mapping[str, Any]], group: str) -> list[tuple[str, list[Any]]]:
    return [(f"{group} = {v}", [r for r in rows if r[group] == v]) for v in _levels(rows, group)]


#: With at most this many values on the shorter axis, a heat map gets a panel of lines too.
MAX_LINES = 8


def _heat_figure(plt: Any, rows: Sequence[Mapping[str, Any]], xkey: str, ykey: str) -> Any:
    """ν and ω as heat maps over two keys (failed points crossed out), and as lines when few."""
    import numpy as np

    xs, ys = _levels(rows, xkey), _levels(rows, ykey)
    if len(ys) > len(xs):  # the longer axis horizontal
        xs, ys, xkey, ykey = ys, xs, ykey, xkey
    lines = len(ys) <= MAX_LINES
    fig, grid_axes = plt.subplots(2 if lines else 1, 2, figsize=(11, 8.4 if lines else 4.2), squeeze=False)
    if lines:
        _lines_into(grid_axes[1], rows, xkey, ykey)
    for ax, (name, tex) in zip(grid_axes[0], EXPONENTS, strict=True):
        grid = np.full((len(ys), len(xs)), np.nan)
        for r in rows:
            if r.get(name) is not None:
                grid[ys.index(r[ykey]), xs.index(r[xkey])] = r[name]
        mesh = ax.pcolormesh(np.arange(len(xs) + 1) - 0.5, np.arange(len(ys) + 1) - 0.5, grid,
                             cmap="viridis", shading="flat")
        fig.colorbar(mesh, ax=ax, label=tex)
        for r in rows:
            if r.get("status") != "ok":
                ax.plot(xs.index(r[xkey]), ys.index(r[ykey]), "rx", ms=6)
        _ticks(ax.set_xticks, xs)
        _ticks(ax.set_yticks, ys)
        ax.set_xlabel(xkey)
        ax.set_ylabel(ykey)
        ax.set_title(f"{tex} (x: no fixed point / failed)" if any(r.get("status") != "ok" for r in rows)
                     else tex)
    return fig


def _lines_into(axes: Sequence[Any], rows: Sequence[Mapping[str, Any]], xkey: str, group: str) -> None:
    """ν and ω against ``xkey`` on two axes, one line per value of ``group``."""
    xs = _levels(rows, xkey)
    position = {x: (x if _numeric(xs) else i) for i, x in enumerate(xs)}
    for label, members in _groups(rows, group):
        for ax, (name, _) in zip(axes, EXPONENTS, strict=True):
            pts = [(position[r[xkey]], r[name]) for r in members if r.get(name) is not None]
            if pts:
                ax.plot(*zip(*pts, strict=True), "o-", ms=3, label=label)
    for ax, (_, tex) in zip(axes, EXPONENTS, strict=True):
        ax.set_xlabel(xkey)
        ax.set_ylabel(tex)
        ax.legend(fontsize="small")
        if not _numeric(xs):
            ax.set_xticks(range(len(xs)), [str(x) for x in xs])


def _ticks(setter: Any, values: Sequence[Any], most: int = 9) -> None:
    step = max(1, -(-len(values) // most))
    positions = list(range(0, len(values), step))
    setter(positions, [f"{values[i]:.4g}" if _numeric([values[i]]) else str(values[i]) for i in positions])


def _alpha_figure(plt: Any, rows: Sequence[Mapping[str, Any]], varying: Sequence[str]) -> Any:
    """ν(α), ω(α) for every combination of the other keys, with the PMS points starred."""
    others = [k for k in varying if k != ALPHA]
    fig, axes = plt.subplots(2, 1, figsize=(6.5, 6.5), sharex=True)
    for pms in alpha_pms(rows, varying):
        members = sorted((r for r in rows if all(r[k] == v for k, v in pms.others)),
                         key=lambda r: float(r[ALPHA]))
        label = ", ".join(f"{k} = {v}" for k, v in pms.others) or None
        for ax, (name, _) in zip(axes, EXPONENTS, strict=True):
            pts = [(float(r[ALPHA]), r[name]) for r in members if r.get(name) is not None]
            if not pts:
                continue
            line, = ax.plot(*zip(*pts, strict=True), "o-", ms=3, label=label)
            for s in pms.stationary:
                if s.exponent == name:
                    ax.plot([s.value], [s.estimate], "*", color=line.get_color(), ms=12)
    for ax, (_, tex) in zip(axes, EXPONENTS, strict=True):
        ax.set_ylabel(tex)
        if others:
            ax.legend(fontsize="small")
    axes[0].set_title("stars: points of minimal sensitivity (PMS) in α")
    axes[-1].set_xlabel(ALPHA)
    return fig
