"""Output: write a set of generated files into a directory, all or nothing.

The files are rendered in memory first.  They are then written into a fresh
temporary directory beside the target and moved into place, so that a failure
(a full disk, a permission problem) leaves no partial output behind.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path

from rgsym.errors import RGSymError


class OutputError(RGSymError):
    """The output directory cannot be written (a user mistake: exit code 2)."""

    exit_code = 2


def write_files(files: Mapping[str, str], outdir: str | Path) -> list[Path]:
    """Write ``files`` (name -> text) into ``outdir``, creating it if needed.

    Returns the paths written, in sorted order.

    Raises
    ------
    OutputError
        If ``outdir`` is a file or cannot be created or written; nothing is left behind.
    """
    target = Path(outdir)
    if target.exists() and not target.is_dir():
        raise OutputError(f"-o {outdir}: exists and is not a directory")
    parent = target.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = _staging_directory(parent, target.name)
    except OSError as exc:
        raise OutputError(f"-o {outdir}: cannot write there ({exc.strerror or exc})") from None
    try:
        for name in sorted(files):
            (staging / name).write_text(files[name], encoding="utf-8", newline="\n")
        _move_into_place(staging, target, sorted(files))
    except OSError as exc:
        raise OutputError(f"-o {outdir}: cannot write there ({exc.strerror or exc})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [target / name for name in sorted(files)]


def ensure_writable(outdir: str | Path) -> None:
    """Fail early, before any work, when ``outdir`` clearly cannot be written.

    Raises
    ------
    OutputError
        If ``outdir`` or an ancestor is a file, or its nearest existing ancestor is not writable.
    """
    path = Path(outdir).absolute()
    for ancestor in (path, *path.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                raise OutputError(f"-o {outdir}: {ancestor} is not a directory")
            if not os.access(ancestor, os.W_OK | os.X_OK):
                raise OutputError(f"-o {outdir}: {ancestor} is not writable")
            return


def _staging_directory(parent: Path, name: str) -> Path:
    """A new, uniquely named directory in ``parent``, with the permissions the umask gives.

    (``tempfile.mkdtemp`` would make it private, and it becomes the output directory.)
    """
    while True:
        path = parent / f".{name}.rgsym-{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


def _move_into_place(staging: Path, target: Path, names: list[str]) -> None:
    """A new directory is renamed whole; into an existing one each file is replaced atomically."""
    if not target.exists():
        os.replace(staging, target)
        return
    for name in names:
        os.replace(staging / name, target / name)
