"""Output: every file rgsym writes goes through here, all or nothing.

The files are rendered in memory (or drawn by a callback) into a fresh staging
folder *inside* the target folder -- a rename never crosses a mount point -- and
then moved into place one by one.  Before a file is replaced its old version is
kept in the staging folder, so that when a later file cannot be put in place the
ones already replaced are restored: either every file is new, or every file is
as it was.  Files get the permissions the umask gives, like any file a user
creates.  A run killed between the two steps leaves at most a hidden
``.rgsym-staging-*`` folder in the target folder.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
from collections.abc import Callable, Mapping
from pathlib import Path

from rgsym.errors import RGSymError

#: What a file's content may be: text (written as UTF-8, LF line ends), bytes, or a function
#: that writes the file at the path it is given (e.g. ``figure.savefig``).
Content = str | bytes | Callable[[Path], None]

STAGING_PREFIX = ".rgsym-staging-"


class OutputError(RGSymError):
    """The output directory cannot be written (a user mistake: exit code 2)."""

    exit_code = 2


def write_files(files: Mapping[str, Content], outdir: str | Path, option: str = "-o") -> list[Path]:
    """Write ``files`` (name -> content) into ``outdir``, creating it if needed: all or nothing.

    Parameters
    ----------
    files
        File names (no folders) and their content: text, bytes or a writer callback.
    outdir
        The folder to write into.
    option
        The command-line option that named the destination, for messages.

    Returns
    -------
    list of Path
        The paths written, in sorted order.

    Raises
    ------
    OutputError
        If ``outdir`` or one of the targets cannot be written; then every file that
        existed before is as it was and no new file or folder is left behind.
    """
    target = Path(outdir)
    names = sorted(files)
    _check_targets(target, names, f"{option} {outdir}")
    created = _make_folder(target, option, outdir)
    staging: Path | None = None
    try:
        staging = _staging_directory(target)
        for name in names:
            _write_one(staging / name, files[name])
        _swap_in(staging, target, names)
    except OSError as exc:
        raise OutputError(f"{option} {outdir}: cannot write there ({exc.strerror or exc})") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if created and not any(target.iterdir()):
            _remove_created(created)
    return [target / name for name in names]


def write_file(path: str | Path, content: Content, option: str = "-o") -> Path:
    """Write one file atomically (see :func:`write_files`); its folder must exist.

    Parameters
    ----------
    path
        The file to write or replace.
    content
        Text, bytes or a writer callback.
    option
        The command-line option that named ``path``, for messages.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        If the file cannot be written; an existing file is then left as it was.
    """
    check_file_target(path, option)
    target = Path(path)
    return write_files({target.name: content}, target.parent, option)[0]


def check_file_target(path: str | Path, option: str) -> None:
    """Fail early, before any work, when the file ``path`` clearly cannot be written.

    Parameters
    ----------
    path
        The file a command will write, e.g. the value of ``--plot``.
    option
        The option that named it, for the message.

    Raises
    ------
    OutputError
        If ``path`` is a folder or another non-regular file, or its folder is missing
        or not writable.
    """
    where = f"key '{option}': {path}"  # the form of the other option errors
    target = Path(path)
    if not target.name or target.name in (".", ".."):
        raise OutputError(f"{where}: needs a file name, not a folder")
    folder = target.absolute().parent
    if not folder.is_dir():
        raise OutputError(f"{where}: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{where}: the folder {str(folder)!r} is not writable")
    _check_targets(folder, [target.name], where)


def ensure_writable(outdir: str | Path, option: str = "-o") -> None:
    """Fail early, before any work, when the folder ``outdir`` clearly cannot be written.

    Parameters
    ----------
    outdir
        The folder a command will write into (created if missing).
    option
        The option that named it, for the message.

    Raises
    ------
    OutputError
        If ``outdir`` or an ancestor is a file, or its nearest existing ancestor is not writable.
    """
    path = Path(outdir).absolute()
    for ancestor in (path, *path.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                raise OutputError(f"{option} {outdir}: {ancestor} is not a directory")
            if not os.access(ancestor, os.W_OK | os.X_OK):
                raise OutputError(f"{option} {outdir}: {ancestor} is not writable")
            return


def _check_targets(folder: Path, names: list[str], shown: str) -> None:
    """Every existing target must be a regular file (a folder or a FIFO is never replaced)."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{shown}: exists and is not a directory")
    for name in names:
        if "/" in name or os.sep in name or name in ("", ".", ".."):
            raise OutputError(f"{shown}: {name!r} is not a file name")
        try:
            mode = os.lstat(folder / name).st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise OutputError(f"{shown}: cannot write there ({exc.strerror or exc})") from None
        if not stat.S_ISREG(mode):
            what = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
            raise OutputError(f"{shown}: {folder / name} is {what}; nothing was written")


def _make_folder(target: Path, option: str, shown: str | Path) -> Path | None:
    """Create ``target`` (and missing parents); return the topmost folder created, if any."""
    missing = [p for p in (target.absolute(), *target.absolute().parents) if not p.exists()]
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{option} {shown}: cannot write there ({exc.strerror or exc})") from None
    return missing[-1] if missing else None


def _remove_created(top: Path) -> None:
    """Remove the empty folders made by :func:`_make_folder` (never anything with content)."""
    for folder in sorted((p for p in top.rglob("*") if p.is_dir()), reverse=True):
        folder.rmdir()
    top.rmdir()


def _staging_directory(folder: Path) -> Path:
    """A new, uniquely named hidden directory inside ``folder``."""
    while True:
        path = folder / f"{STAGING_PREFIX}{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


def _write_one(path: Path, content: Content) -> None:
    """Write one staged file with the permissions the umask gives."""
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="\n")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        content(path)
    if not path.is_file():
        raise OSError(f"{path.name} was not written")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)  # a writer may have made it private (e.g. through mkstemp)


def _swap_in(staging: Path, target: Path, names: list[str]) -> None:
    """Move the staged files into ``target``; on a failure put back what was there."""
    backup = staging / ".previous"
    backup.mkdir()
    done: list[str] = []
    try:
        for name in names:
            if os.path.lexists(target / name):
                _keep_copy(target / name, backup / name)
            os.replace(staging / name, target / name)
            done.append(name)
    except OSError:
        _roll_back(target, backup, done)
        raise


def _keep_copy(path: Path, copy: Path) -> None:
    """A copy of ``path`` for the roll-back: a hard link if the file system allows, else a copy."""
    try:
        os.link(path, copy)
    except OSError:
        shutil.copy2(path, copy)


def _roll_back(target: Path, backup: Path, done: list[str]) -> None:
    """Restore the previous version of every file already replaced (or remove it if it is new)."""
    for name in reversed(done):
        try:
            if (backup / name).exists():
                os.replace(backup / name, target / name)
            else:
                (target / name).unlink()
        except OSError:  # nothing more can be done; the error that stopped the write is reported
            continue
