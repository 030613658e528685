"""Cache: derivations kept on disk, so that nothing is derived twice.

An entry is keyed by the spec's digest (:attr:`rgsym.spec.TheorySpec.digest`,
independent of formatting and file name), the rgsym version and a
fingerprint of rgsym's own source, so that an edited derivation never
serves a stale result.  The folder follows the platform's user cache
convention (``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches``
on macOS, ``%LOCALAPPDATA%`` on Windows) and is overridden by the environment
variable ``RGSYM_CACHE_DIR``.

The cache is on by default.  ``RGSYM_NO_CACHE=1`` (or ``--no-cache`` on the
command line, or ``RGSYM_CACHE=0``) turns it off.  A value read back from the
cache gives the same output, byte for byte, as a fresh derivation: the emitters
do not depend on symengine's internal term order (tests/test_cache.py checks
LaTeX, C, NumPy and JSON).  Compiled C libraries (:mod:`rgsym.emit.compiler`)
live in the subfolder ``c/`` of the same folder; ``rgsym cache info`` lists them
and ``rgsym cache clear`` removes them too.

Each entry is one file holding two pickles: a small header (for ``rgsym
cache info``) and the value.  Files are written to a temporary name in the
same folder and renamed into place (``os.replace`` is atomic), so concurrent
runs on the same spec never see a partial entry; the last writer wins with
an identical value.  An unreadable entry is ignored and rewritten.  The cache
is an optimisation: a failure to read or write it is logged and never stops
a run.  Entries are pickles and are loaded only from the user's own folder.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from rgsym import __version__

log = logging.getLogger(__name__)

#: Environment variable naming the cache folder (overrides the platform convention).
CACHE_DIR_VARIABLE = "RGSYM_CACHE_DIR"
#: Environment variable that turns the disk cache off when set to "0" (it is on by default).
CACHE_VARIABLE = "RGSYM_CACHE"
#: Environment variable that turns the disk cache off when set to anything but "" or "0".
NO_CACHE_VARIABLE = "RGSYM_NO_CACHE"
#: Subfolder of compiled C libraries (written by :mod:`rgsym.emit.compiler`).
LIBRARY_FOLDER = "c"
#: File name ending of an entry; temporary files start with a dot and never end so.
SUFFIX = ".pickle"
FORMAT = "rgsym-cache/1"

T = TypeVar("T")


@dataclass(frozen=True)
class CacheEntry:
    """One file in the cache: what it holds and how big it is."""

    path: Path
    size: int
    kind: str
    description: str


@dataclass(frozen=True)
class CacheInfo:
    """The cache folder, whether it is in use, and its entries (sorted by file name)."""

    directory: Path
    enabled: bool
    entries: tuple[CacheEntry, ...]

    @property
    def total_bytes(self) -> int:
        """Total size of the listed entries, in bytes.

        Returns
        -------
        int
        """
        return sum(e.size for e in self.entries)


def cache_dir() -> Path:
    """The cache folder: ``RGSYM_CACHE_DIR``, else the platform's user cache folder + ``rgsym``.

    Examples
    --------
    >>> import os
    >>> os.environ["RGSYM_CACHE_DIR"] = "/tmp/rgsym-doctest"
    >>> str(cache_dir())
    '/tmp/rgsym-doctest'
    >>> del os.environ["RGSYM_CACHE_DIR"]
    """
    override = os.environ.get(CACHE_DIR_VARIABLE)
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / "rgsym" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "rgsym"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".cache") / "rgsym"


def is_enabled() -> bool:
    """True unless ``RGSYM_NO_CACHE`` is set (to anything but "" or "0") or ``RGSYM_CACHE=0``.

    Examples
    --------
    >>> import os
    >>> os.environ["RGSYM_NO_CACHE"] = "1"
    >>> is_enabled()
    False
    >>> del os.environ["RGSYM_NO_CACHE"]
    """
    if os.environ.get(NO_CACHE_VARIABLE, "") not in ("", "0"):
        return False
    return os.environ.get(CACHE_VARIABLE, "").strip() != "0"


@cache
def code_fingerprint() -> str:
    """SHA-256 of rgsym's own Python sources: a changed derivation never reads old entries."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def entry_path(kind: str, spec_digest: str) -> Path:
    """Where the entry of ``kind`` (e.g. ``"derive"``) for a spec digest lives.

    Parameters
    ----------
    kind
        What is stored, e.g. ``"derive"``.
    spec_digest
        :attr:`rgsym.spec.TheorySpec.digest`.

    Returns
    -------
    pathlib.Path
        ``<cache_dir>/<kind>-<key>.pickle``; the key hashes the format, :func:`code_fingerprint`
        (rgsym's version and source), the kind and the digest.
    """
    key = hashlib.sha256(f"{FORMAT}\0{code_fingerprint()}\0{kind}\0{spec_digest}".encode()).hexdigest()
    return cache_dir() / f"{kind}-{key[:40]}{SUFFIX}"


def load(kind: str, spec_digest: str) -> Any | None:
    """The value stored for ``(kind, spec_digest)``, or None when absent, disabled or unreadable.

    Parameters
    ----------
    kind, spec_digest
        The key, as for :func:`entry_path`.

    Returns
    -------
    object or None
        A corrupt or foreign entry is logged and treated as absent.
    """
    if not is_enabled():
        return None
    path = entry_path(kind, spec_digest)
    try:
        with path.open("rb") as fh:
            header = pickle.load(fh)
            value = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - any corrupt entry (truncated, garbage, old classes)
        log.warning("ignoring unreadable cache entry %s (%s: %s)", path, type(exc).__name__, exc)
        return None
    if not isinstance(header, dict) or header.get("format") != FORMAT \
            or header.get("spec_digest") != spec_digest:
        log.warning("ignoring cache entry %s with a foreign header", path)
        return None
    return value


def store(kind: str, spec_digest: str, value: Any, description: str = "") -> None:
    """Write an entry atomically: a temporary file in the same folder, then ``os.replace``.

    Parameters
    ----------
    kind, spec_digest
        The key, as for :func:`entry_path`.
    value
        Anything picklable.
    description
        One line for ``rgsym cache info``.

    Notes
    -----
    Concurrent writers of the same key each rename a complete file into place, so a reader sees
    one complete entry or none (POSIX ``rename``, Windows ``MoveFileEx``). A failed write is
    logged, never raised.
    """
    if not is_enabled():
        return
    path = entry_path(kind, spec_digest)
    header = {"format": FORMAT, "kind": kind, "spec_digest": spec_digest, "version": __version__,
              "description": description}
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(header, fh, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
    except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
        log.warning("could not write cache entry %s (%s: %s)", path, type(exc).__name__, exc)
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


def cached(kind: str, spec_digest: str, compute: Callable[[], T], accept: Callable[[Any], bool],
           describe: Callable[[T], str] = str) -> T:
    """``compute()``, or the stored value when there is one that ``accept`` takes.

    Parameters
    ----------
    kind
        What is stored, e.g. ``"derive"``; part of the key.
    spec_digest
        :attr:`rgsym.spec.TheorySpec.digest`.
    compute
        Makes the value on a miss; it is then stored.
    accept
        Checks a loaded value (its type, say); a rejected one is recomputed and rewritten.
    describe
        A one-line description of the value for ``rgsym cache info``.
    """
    value = load(kind, spec_digest)
    if value is not None and accept(value):
        log.info("cache hit: %s %s", kind, spec_digest[:12])
        return value  # type: ignore[no-any-return]
    fresh = compute()
    store(kind, spec_digest, fresh, describe(fresh))
    return fresh


def with_source(value: T, source: str) -> T:
    """The value with its ``spec_source`` set to ``source`` (the digest ignores the file name).

    Parameters
    ----------
    value
        A cached value, e.g. a :class:`~rgsym.betasystem.BetaSystem`.
    source
        The spec path of this run.

    Returns
    -------
    object
        ``value`` itself when it has no ``spec_source`` field or it already matches.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type) \
            and getattr(value, "spec_source", source) != source:
        return dataclasses.replace(value, spec_source=source)  # type: ignore[type-var]
    return value


def info() -> CacheInfo:
    """The cache folder and its entries, read from each entry's header only.

    Compiled C libraries (subfolder ``c/``) are listed too, as kind ``"c"``.

    Returns
    -------
    CacheInfo
        Derivation entries first (by file name), then the libraries.
    """
    folder = cache_dir()
    entries = []
    paths = sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []
    for path in paths:
        try:
            size = path.stat().st_size
            with path.open("rb") as fh:
                header = pickle.load(fh)
            kind, description = str(header["kind"]), str(header.get("description", ""))
        except FileNotFoundError:
            continue  # removed meanwhile
        except Exception:  # noqa: BLE001 - a corrupt entry is listed as such
            kind, description = "?", "unreadable (will be rewritten)"
        entries.append(CacheEntry(path, size, kind, description))
    for path in _libraries(folder):
        try:
            entries.append(CacheEntry(path, path.stat().st_size, LIBRARY_FOLDER, "compiled C library"))
        except FileNotFoundError:
            continue
    return CacheInfo(folder, is_enabled(), tuple(entries))


def _libraries(folder: Path) -> list[Path]:
    """The compiled libraries under ``folder/c`` (sorted; no build folders)."""
    libs = folder / LIBRARY_FOLDER
    if not libs.is_dir():
        return []
    return sorted(p for p in libs.iterdir() if p.is_file() and p.suffix in (".so", ".dylib", ".dll"))


def clear() -> int:
    """Remove every entry, every compiled library and stray temporary files.

    Returns
    -------
    int
        How many entries and libraries went.
    """
    folder = cache_dir()
    if not folder.is_dir():
        return 0
    removed = 0
    doomed = [p for p in sorted(folder.iterdir())
              if p.is_file() and (p.suffix == SUFFIX or p.name.endswith(".tmp"))]
    for path in [*doomed, *_libraries(folder)]:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed += path.suffix != ".tmp"
    return removed
