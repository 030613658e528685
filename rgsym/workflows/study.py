"""Study: a spec and a grid of overrides, expanded into validated points.

A study file (TOML) names a spec and the values to vary::

    spec = "../on_lpa.toml"          # relative to the study file

    [set]                            # overrides for every point (optional)
    truncation.order = 8

    [grid]                           # the Cartesian product of these axes
    theory.N = [1, 2, 3, 4]          # a list of numbers or strings
    theory.d = "2.8:4:13"            # or 'start:stop:count' (as in ``rgsym scan``, values
                                     # rounded to 12 significant digits)

    [[points]]                       # and/or points listed one by one
    theory.N = 10
    theory.d = 3

A top-level ``description`` (text) is allowed and ignored.

Every point is turned into a :class:`~rgsym.spec.TheorySpec` through the same override
machinery as ``--set`` (:func:`rgsym.spec.load_spec`) before any work starts, so that a
mistake anywhere ends the study at once with one line naming the study file, the key and
what is allowed.  A study has at most :data:`MAX_POINTS` points.

Points that differ only in the numbers ``theory.d`` and ``theory.N`` share one derivation:
the spec is derived once with ``d`` and ``N`` left symbolic (kept in the derivation cache)
and the numbers are put in when the betas are compiled (:func:`template_overrides`).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rgsym.errors import SpecError
from rgsym.spec import SECTIONS, TheorySpec, load_spec
from rgsym.workflows.scan import parse_range

#: Most points a study may have (each is a full derive-compile-solve; 50000 points of the
#: order-8 LPA take about an hour on 16 cores).
MAX_POINTS = 50_000
#: Top-level keys of a study file.
STUDY_KEYS = ("spec", "set", "grid", "points", "description")

Value = int | float | str | bool


@dataclass(frozen=True)
class StudyPoint:
    """One point of a study: its overrides, the digest of its spec, how it is derived.

    Attributes
    ----------
    index
        Position in the study (the row order of the results).
    values
        (key, value) of every varied key, in the study's key order.
    overrides
        All ``section.key=value`` strings for :func:`rgsym.spec.load_spec` (``[set]`` first).
    digest
        :attr:`rgsym.spec.TheorySpec.digest` of the point's spec: the key for ``--resume``.
    template
        Overrides of the shared derivation with ``d`` and ``N`` symbolic, or None when the
        point is derived on its own.
    parameters
        (name, number) for the symbols of ``template``.
    """

    index: int
    values: tuple[tuple[str, Value], ...]
    overrides: tuple[str, ...]
    digest: str
    template: tuple[str, ...] | None = None
    parameters: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Study:
    """A validated study: the spec file, the varied keys and every point.

    Attributes
    ----------
    source
        The study file.
    spec_path
        The spec file (resolved relative to the study file).
    keys
        The varied keys, in the order of the file (grid axes first, then keys of listed points).
    points
        Every point, in the order of the product (last axis fastest), then the listed points.
    """

    source: str
    spec_path: str
    keys: tuple[str, ...]
    points: tuple[StudyPoint, ...]

    def varying(self) -> tuple[str, ...]:
        """The keys that take more than one value across the points.

        Returns
        -------
        tuple of str
            In the order of :attr:`keys`.
        """
        return tuple(k for k in self.keys
                     if len({json.dumps(dict(p.values).get(k)) for p in self.points}) > 1)


def load_study(path: str | Path, max_points: int = MAX_POINTS) -> Study:
    """Read a study file, expand its grid and validate every point.

    Parameters
    ----------
    path
        The study file (TOML).
    max_points
        Refuse studies with more points than this.

    Returns
    -------
    Study

    Raises
    ------
    SpecError
        One line naming the study file, the key and what is allowed (exit code 2).
    """
    source = str(path)
    raw = _read_toml(Path(path))
    unknown = sorted(set(raw) - set(STUDY_KEYS))
    if unknown:
        raise SpecError(source, unknown[0], f"unknown key; allowed: {', '.join(STUDY_KEYS)}")
    spec_path = _spec_path(raw, Path(path))
    fixed = _flatten(_table(raw, "set", source), source, "set")
    axes = _axes(source, _flatten(_table(raw, "grid", source), source, "grid"))
    listed = _listed(source, raw.get("points", []))
    keys = tuple(dict.fromkeys([*(k for k, _ in axes), *(k for p in listed for k in p)]))
    combos = _combinations(source, axes, listed, max_points)
    fixed_overrides = tuple(f"{k}={toml_value(v)}" for k, v in fixed.items())
    points = tuple(_validate(source, spec_path, i, combo, fixed_overrides)
                   for i, combo in enumerate(combos))
    _check_unique(source, points)
    return Study(source, spec_path, keys, points)


def toml_value(value: Value) -> str:
    """The TOML text of a scalar, as ``--set key=TEXT`` reads it back.

    Parameters
    ----------
    value
        A number, string or boolean.

    Returns
    -------
    str

    Examples
    --------
    >>> toml_value(2.9000000000000004), toml_value("litim"), toml_value(True)
    ('2.9000000000000004', '"litim"', 'true')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def template_overrides(spec: TheorySpec, overrides: Sequence[str]) -> tuple[str, ...] | None:
    """Overrides that leave ``d`` and ``N`` symbolic, when the spec can be derived that way.

    Only the Wetterich LPA and LPA' with the Litim regulator at α = 1 are shared: their loop
    integrals are closed forms in d.  Other regulators need numbers for d in the quadrature,
    and several fields carry one N each; those points are derived one by one (still through
    the derivation cache).

    Parameters
    ----------
    spec
        The point's validated spec.
    overrides
        Its overrides.

    Returns
    -------
    tuple of str or None
    """
    regulator = spec.regulator
    if (spec.flow.equation != "wetterich" or spec.truncation.scheme not in ("lpa", "lpa'")
            or regulator.kind != "litim" or dict(regulator.parameters).get("alpha", 1) != 1
            or len(spec.theory.blocks) != 1):
        return None
    return (*overrides, "theory.d=\"d\"", "theory.N=\"N\"")


def _read_toml(path: Path) -> dict[str, Any]:
    source = str(path)
    if not path.is_file():
        raise SpecError(source, "", "no such study file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(source, "", f"TOML syntax error: {exc}") from None
    except UnicodeDecodeError:
        raise SpecError(source, "", "the file is not UTF-8 text") from None


def _spec_path(raw: Mapping[str, Any], path: Path) -> str:
    spec = raw.get("spec")
    if not isinstance(spec, str) or not spec:
        raise SpecError(str(path), "spec", "required: the spec file, relative to the study file, "
                                           "e.g. spec = \"../on_lpa.toml\"")
    resolved = path.parent / spec
    if not resolved.is_file():
        raise SpecError(str(path), "spec", f"no such spec file {str(resolved)!r}")
    return os.path.normpath(resolved)


def _table(raw: Mapping[str, Any], name: str, source: str) -> dict[str, Any]:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise SpecError(source, name, f"must be a table, e.g. [{name}] with theory.N = ...")
    return table


def _flatten(table: Mapping[str, Any], source: str, where: str) -> dict[str, Any]:
    """``{theory: {N: [..]}}`` (TOML dotted keys) -> ``{"theory.N": [..]}``, keys checked."""
    flat: dict[str, Any] = {}
    for section, inner in table.items():
        if section not in SECTIONS or section == "bare":
            allowed = ", ".join(s for s in SECTIONS if s != "bare")
            raise SpecError(source, f"{where}.{section}", f"unknown section; allowed: {allowed}")
        if not isinstance(inner, dict):
            raise SpecError(source, f"{where}.{section}", "give section.key = value, e.g. theory.N = [1, 2]")
        for key, value in inner.items():
            if key not in SECTIONS[section]:
                raise SpecError(source, f"{where}.{section}.{key}",
                                f"unknown key; allowed: {', '.join(SECTIONS[section])}")
            flat[f"{section}.{key}"] = value
    return flat


def _scalar(source: str, key: str, value: Any) -> Value:
    if isinstance(value, float) and not math.isfinite(value):
        raise SpecError(source, key, f"must be a finite number, got {value!r}")
    if not isinstance(value, int | float | str | bool):
        raise SpecError(source, key, f"values must be numbers or strings, got {type(value).__name__}")
    return value


def _axes(source: str, grid: Mapping[str, Any]) -> list[tuple[str, tuple[Value, ...]]]:
    """Each grid key with its values: a list, or a 'start:stop:count' range."""
    axes = []
    for key, value in grid.items():
        where = f"grid.{key}"
        if isinstance(value, str) and ":" in value:
            # linspace's 3.1999999999999997 is the 3.2 the user means: 12 significant digits
            values: tuple[Value, ...] = tuple(float(f"{v:.12g}") for v in parse_range(source, where, value))
        elif isinstance(value, list) and value:
            values = tuple(_scalar(source, where, v) for v in value)
            kinds = {type(v) for v in values}
            if kinds == {int, float}:  # [3, 3.5]: one column of floats
                values = tuple(float(v) for v in values)
        else:
            raise SpecError(source, where, "must be a non-empty list, e.g. [1, 2, 3] or [\"litim\", "
                                           f"\"exponential\"], or 'start:stop:count', got {value!r}")
        if len({json.dumps(v) for v in values}) != len(values):
            raise SpecError(source, where, f"lists a value twice: {list(values)!r}")
        axes.append((key, values))
    return axes


def _listed(source: str, points: Any) -> list[dict[str, Value]]:
    if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
        raise SpecError(source, "points", "must be an array of tables, [[points]] with theory.N = ...")
    listed = []
    for i, point in enumerate(points):
        flat = _flatten(point, source, f"points[{i}]")
        listed.append({k: _scalar(source, f"points[{i}].{k}", v) for k, v in flat.items()})
    return listed


def _combinations(source: str, axes: Sequence[tuple[str, tuple[Value, ...]]],
                  listed: Sequence[dict[str, Value]], max_points: int) -> list[tuple[tuple[str, Value], ...]]:
    """The product of the axes (last fastest), then the listed points; at most ``max_points``."""
    count = math.prod(len(v) for _, v in axes) if axes else 0
    if count + len(listed) > max_points:
        raise SpecError(source, "grid", f"{count + len(listed)} points; a study may have at most "
                                        f"{max_points} (split it into several studies)")
    if count + len(listed) == 0:
        raise SpecError(source, "grid", "no points: give a [grid] of values or [[points]]")
    keys = [k for k, _ in axes]
    combos = [tuple(zip(keys, values, strict=True))
              for values in itertools.product(*(v for _, v in axes))] if axes else []
    return combos + [tuple(p.items()) for p in listed]


def _validate(source: str, spec_path: str, index: int, combo: tuple[tuple[str, Value], ...],
              fixed: tuple[str, ...]) -> StudyPoint:
    """Load the point's spec and check that it can be solved for exponents."""
    overrides = (*fixed, *(f"{k}={toml_value(v)}" for k, v in combo))
    where = ", ".join(f"{k}={toml_value(v)}" for k, v in combo)
    try:
        spec = load_spec(spec_path, overrides)
    except SpecError as exc:
        raise SpecError(source, exc.key, f"at point {index} ({where}): {exc.detail}") from None
    if spec.truncation.potential != "polynomial":
        raise SpecError(source, "truncation.potential", f"at point {index}: a study solves polynomial "
                                                        "truncations; got 'full', use 'polynomial'")
    numbers = (("theory.d", spec.theory.d), *(("theory.N", b.components) for b in spec.theory.blocks))
    for key, value in numbers:
        if not getattr(value, "is_number", isinstance(value, int)):
            raise SpecError(source, key, f"at point {index} ({where}): must be a number, got {value}")
    template = template_overrides(spec, overrides)
    parameters = (("d", float(spec.theory.d)), ("N", float(spec.theory.blocks[0].components))) \
        if template else ()
    return StudyPoint(index, combo, overrides, spec.digest, template, parameters)


def _check_unique(source: str, points: Sequence[StudyPoint]) -> None:
    seen: dict[str, int] = {}
    for p in points:
        if p.digest in seen:
            raise SpecError(source, "points", f"points {seen[p.digest]} and {p.index} give the same spec; "
                                              "list every point once")
        seen[p.digest] = p.index
