"""Study tables: one row per point, written as CSV and Parquet while the study runs.

Columns, in this order: ``point`` (the index in the study), every varied key (e.g.
``theory.N``, ``theory.d``), ``status`` (``ok``, ``failed`` or ``error``), ``reason``,
``nu``, ``omega``, ``eta`` (empty where the truncation has none), ``theta`` (a JSON list of
the θ_i by descending real part; a complex one as ``{"re": .., "im": ..}``),
``fixed_point`` (a JSON object, coupling name to value), ``seconds`` (the wall time of the
point: the one column that changes between runs) and ``digest`` (the spec's SHA-256).

The CSV is the journal: each finished point is appended and flushed at once, so an
interrupted study loses nothing it finished.  The Parquet file (pyarrow) is rewritten
atomically from all finished rows every few seconds and at the end, so that it is always a
complete table.  At the end both hold the rows in point order.  ``--resume`` reads the CSV
and skips every point whose spec digest has a row with status ``ok`` or ``failed`` (an
``error`` row is run again).  Floats are written with ``repr``: they read back exactly.
"""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rgsym.errors import SpecError
from rgsym.solve.spectrum import theta_json
from rgsym.workflows.study import Study, StudyPoint
from rgsym.workflows.study_run import PointResult

#: Result columns after the varied keys.
RESULT_COLUMNS = ("status", "reason", "nu", "omega", "eta", "theta", "fixed_point", "seconds", "digest")
#: Statuses that ``--resume`` keeps (an ``error`` is run again).
DONE = ("ok", "failed")
#: Seconds between rewrites of the Parquet file while a study runs.
PARQUET_INTERVAL = 5.0


def columns(study: Study) -> tuple[str, ...]:
    """The header of a study's table.

    Parameters
    ----------
    study
        The study.

    Returns
    -------
    tuple of str
    """
    return ("point", *study.keys, *RESULT_COLUMNS)


def result_cells(result: PointResult) -> dict[str, Any]:
    """The result columns of one row, as plain values (None for empty cells).

    Parameters
    ----------
    result
        A point's result.

    Returns
    -------
    dict
    """
    theta = [theta_json(t) for t in result.theta]
    return {"status": result.status, "reason": result.reason, "nu": result.nu, "omega": result.omega,
            "eta": result.eta, "theta": json.dumps(theta),
            "fixed_point": json.dumps(dict(result.fixed_point)),
            "seconds": result.seconds, "digest": result.digest}


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _from_text(name: str, text: str) -> Any:
    """A result cell read back from the CSV."""
    if name in ("nu", "omega", "eta", "seconds"):
        return float(text) if text else None
    return text


@dataclass
class StudyTable:
    """The rows of a study, kept in memory and on disk as ``PREFIX.csv`` and ``PREFIX.parquet``.

    Use :meth:`open` to start (or resume) a table, :meth:`add` for each finished point and
    :meth:`close` at the end.
    """

    study: Study
    prefix: Path
    parquet: bool = True
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    _journal: Any = None
    _file: Any = None
    _written: float = 0.0

    @property
    def csv_path(self) -> Path:
        """``PREFIX.csv``.

        Returns
        -------
        pathlib.Path
        """
        return self.prefix.with_name(self.prefix.name + ".csv")

    @property
    def parquet_path(self) -> Path:
        """``PREFIX.parquet``.

        Returns
        -------
        pathlib.Path
        """
        return self.prefix.with_name(self.prefix.name + ".parquet")

    @classmethod
    def open(cls, study: Study, prefix: str | Path, resume: bool, parquet: bool = True) -> StudyTable:
        """Start the table: check the outputs, read finished rows on ``resume``, rewrite the CSV.

        Parameters
        ----------
        study
            The validated study.
        prefix
            The output path without suffix (``results`` -> ``results.csv``, ``results.parquet``).
        resume
            Keep the finished rows of an earlier run of the same points.
        parquet
            Write the Parquet file too (needs pyarrow).

        Returns
        -------
        StudyTable

        Raises
        ------
        SpecError
            When the outputs exist and ``resume`` is off, or their folder does not exist.
        """
        table = cls(study, Path(prefix), parquet)
        table.check(resume)
        if resume and table.csv_path.exists():
            table.rows = _finished_rows(study, table.csv_path)
        table._start_journal()
        return table

    def check(self, resume: bool) -> None:
        """Fail unless the folder exists and, without ``resume``, no result file is in the way.

        Parameters
        ----------
        resume
            Existing results will be continued.

        Raises
        ------
        SpecError
            For ``--output``.
        """
        if not self.prefix.parent.is_dir():
            raise SpecError("", "--output", f"the folder of {str(self.prefix)!r} does not exist")
        exists = [p for p in (self.csv_path, self.parquet_path) if p.exists()]
        if exists and not resume:
            raise SpecError("", "--output", f"{exists[0]} exists: add --resume to continue that study, "
                                            "or choose another --output")

    def pending(self) -> list[StudyPoint]:
        """The points without a finished row, in study order.

        Returns
        -------
        list of StudyPoint
        """
        return [p for p in self.study.points if p.index not in self.rows]

    def add(self, result: PointResult) -> None:
        """Record one finished point: append it to the CSV at once, refresh the Parquet now and then.

        Parameters
        ----------
        result
            The point's result.
        """
        point = self.study.points[result.index]
        row = {"point": point.index, **_key_cells(self.study, point), **result_cells(result)}
        self.rows[point.index] = row
        self._journal.writerow([_cell_text(row.get(c)) for c in columns(self.study)])
        self._file.flush()
        if self.parquet and time.monotonic() - self._written > PARQUET_INTERVAL:
            self.write_parquet()

    def close(self) -> None:
        """Rewrite both files in point order and close the journal."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._rewrite_csv()
        if self.parquet:
            self.write_parquet()

    def ordered(self) -> list[dict[str, Any]]:
        """The rows in point order.

        Returns
        -------
        list of dict
        """
        return [self.rows[i] for i in sorted(self.rows)]

    def write_parquet(self) -> None:
        """Write every finished row to ``PREFIX.parquet`` atomically (pyarrow)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = self.ordered()
        names = columns(self.study)
        arrays = [_column(pa, [row.get(name) for row in rows], name) for name in names]
        table = pa.Table.from_arrays(arrays, names=list(names))
        _replace(self.parquet_path, lambda tmp: pq.write_table(table, tmp))
        self._written = time.monotonic()

    def _start_journal(self) -> None:
        self._rewrite_csv()
        self._file = self.csv_path.open("a", newline="", encoding="utf-8")
        self._journal = csv.writer(self._file, lineterminator="\n")

    def _rewrite_csv(self) -> None:
        def write(tmp: str) -> None:
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(columns(self.study))
                for row in self.ordered():
                    writer.writerow([_cell_text(row.get(c)) for c in columns(self.study)])

        _replace(self.csv_path, write)


def _column(pa: Any, values: Sequence[Any], name: str) -> Any:
    """A pyarrow array: floats for the exponents, else the type the values share (text if mixed)."""
    if name in ("nu", "omega", "eta", "seconds"):
        return pa.array(values, type=pa.float64())
    if name == "point":
        return pa.array(values, type=pa.int64())
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {int, float} and float in kinds:
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
    if len(kinds) > 1:
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())
    return pa.array(values)


def _key_cells(study: Study, point: StudyPoint) -> dict[str, Any]:
    """Every varied key of the study (None where a listed point leaves it at the spec's value)."""
    return {key: None for key in study.keys} | dict(point.values)


def _finished_rows(study: Study, path: Path) -> dict[int, dict[str, Any]]:
    """Rows of an earlier run whose digest matches a point of this study and that finished."""
    by_digest = {p.digest: p for p in study.points}
    rows: dict[int, dict[str, Any]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for cells in csv.DictReader(fh):
            point = by_digest.get(cells.get("digest") or "")
            if point is None or cells.get("status") not in DONE or not _complete(cells):
                continue  # another study's point, an error to redo, or a line cut off by a kill
            results = {name: _from_text(name, cells.get(name) or "") for name in RESULT_COLUMNS}
            rows[point.index] = {"point": point.index, **_key_cells(study, point), **results}
    return rows


def _complete(cells: Mapping[str, Any]) -> bool:
    """A journal line written in full (a killed run may leave the last one cut off)."""
    try:
        for name in ("nu", "omega", "eta", "seconds"):
            if cells.get(name):
                float(cells[name])
        json.loads(cells.get("theta") or "")
        json.loads(cells.get("fixed_point") or "")
    except (ValueError, TypeError):
        return False
    return len(cells.get("digest") or "") == 64 and math.isfinite(float(cells.get("seconds") or "nan"))


def _replace(path: Path, write: Any) -> None:
    """Write through a temporary file in the same folder, then rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
