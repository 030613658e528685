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

Each entry is one JSON file: a first line with a small header (for ``rgsym cache
info``) and a second line with the value, whose expressions are ``sympy.srepr`` text
read back through :func:`rgsym.expression.read_srepr` -- nothing in a cache folder can
run code.  Files are written to a temporary name in the same folder and renamed into
place (``os.replace`` is atomic), so concurrent runs on the same spec never see a
partial entry; the last writer wins with an identical value.  Only regular files named
like an entry, owned by the current user and writable by no one else are read (never a
FIFO, folder or link, never opened blocking); an unreadable entry is ignored and
rewritten.  The cache is an optimisation: a failure to read or write it is logged and
never stops a run.  The module is longer than most (some 700 lines): the entry format, its
checks on reading and the folder's listing and clearing belong together.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rgsym import __version__

if TYPE_CHECKING:
    from rgsym.betasystem import BetaSystem
    from rgsym.project import PotentialFlow

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
SUFFIX = ".json"
FORMAT = "rgsym-cache/3"
#: Largest entry read, in bytes (an order-40 derivation is far smaller), and largest header.
MAX_ENTRY_BYTES = 1 << 30
MAX_HEADER_BYTES = 4096
#: What an entry's file name looks like: ``<kind>-<40 hex digits>.json``.
ENTRY_NAME = re.compile(r"([A-Za-z0-9_]+)-[0-9a-f]{40}\.json\Z")
#: Entries of earlier versions (pickles): never read, removed by ``rgsym cache clear``.
LEGACY_NAME = re.compile(r"[A-Za-z0-9_]+-[0-9a-f]{40}\.pickle\Z")
#: Names of compiled libraries (:mod:`rgsym.emit.compiler`): the key, then the library's SHA-256.
LIBRARY_NAME = re.compile(r"[0-9a-f]{64}(-[0-9a-f]{64})?\.(so|dylib|dll)\Z")
#: Subfolder of symengine's LLVM code (:func:`rgsym.emit.compiler.cached_llvm`), and its names.
LLVM_FOLDER = "llvm"
LLVM_NAME = re.compile(r"[0-9a-f]{64}-[0-9a-f]{64}\.llvm\Z")

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
        What is stored, e.g. ``"derive"``: letters, digits and underscores.
    spec_digest
        :attr:`rgsym.spec.TheorySpec.digest`.

    Returns
    -------
    pathlib.Path
        ``<cache_dir>/<kind>-<key>.json``; the key hashes the format, :func:`code_fingerprint`
        (rgsym's version and source), the kind and the digest.
    """
    if not re.fullmatch(r"[A-Za-z0-9_]+", kind):
        raise ValueError(f"a cache kind is letters, digits and _, got {kind!r}")
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
        A corrupt, foreign or untrusted entry (not a regular file, another owner, writable by
        others) is logged and treated as absent.  Reading runs no code.
    """
    if not is_enabled():
        return None
    path = entry_path(kind, spec_digest)
    data = read_private_file(path, MAX_ENTRY_BYTES)
    if data is None:
        return None
    try:
        head, _, body = data.partition(b"\n")
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("format") != FORMAT \
                or header.get("spec_digest") != spec_digest or header.get("kind") != kind:
            log.warning("ignoring cache entry %s with a foreign header", path)
            return None
        return decode(json.loads(body))
    except Exception as exc:  # noqa: BLE001 - any corrupt entry (truncated, garbage, refused text)
        log.warning("ignoring unreadable cache entry %s (%s: %s)", path, type(exc).__name__,
                    str(exc)[:200])
        return None


def read_private_file(path: Path, limit: int) -> bytes | None:
    """The bytes of ``path`` if it is a regular file of ours that no one else may write.

    The file is examined with ``lstat`` first and opened without following links and
    without blocking, so a FIFO, device, folder or link named like an entry is skipped
    (with a warning), never waited on.

    Parameters
    ----------
    path
        The file.
    limit
        Files larger than this many bytes are skipped.

    Returns
    -------
    bytes or None
        None when the file is absent or skipped.
    """
    why = untrusted(path)
    if why == "absent":
        return None
    if why is not None:
        log.warning("skipping cache file %s: %s", path, why)
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        log.warning("skipping cache file %s: %s", path, exc.strerror)
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            log.warning("skipping cache file %s: changed while opened, or larger than %d bytes", path, limit)
            return None
        return fh.read(limit + 1)[:limit]


def untrusted(path: Path, kind: str = "file") -> str | None:
    """Why ``path`` may not be read from the cache, ``"absent"``, or None when it may.

    It must be a regular file (a folder for ``kind="folder"``) seen by ``lstat`` (links are
    not followed), owned by the current user and not writable by group or others (where the
    platform has owners, i.e. not on Windows).

    Parameters
    ----------
    path
        The file or folder.
    kind
        ``"file"`` or ``"folder"``.

    Returns
    -------
    str or None
    """
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return "absent"
    except OSError as exc:
        return f"cannot be examined ({exc.strerror})"
    wanted = stat.S_ISDIR if kind == "folder" else stat.S_ISREG
    if not wanted(st.st_mode):
        return f"not a regular {kind} ({_file_type(st.st_mode)})"
    if hasattr(os, "getuid"):
        if st.st_uid != os.getuid():
            return f"owned by another user (uid {st.st_uid})"
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return "writable by other users"
    return None


def _file_type(mode: int) -> str:
    """A word for what a non-regular file is."""
    for test, word in ((stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return word
    return "a special file"


def store(kind: str, spec_digest: str, value: Any, description: str = "") -> None:
    """Write an entry atomically: a temporary file in the same folder, then ``os.replace``.

    Parameters
    ----------
    kind, spec_digest
        The key, as for :func:`entry_path`.
    value
        What :func:`encode` takes: a BetaSystem, a PotentialFlow or plain JSON data.
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
        body = json.dumps(encode(value), separators=(",", ":"), sort_keys=True, allow_nan=False)
        text = json.dumps(header, sort_keys=True) + "\n" + body + "\n"
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
    except (OSError, TypeError, ValueError, RecursionError) as exc:
        log.warning("could not write cache entry %s (%s: %s)", path, type(exc).__name__, exc)
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


def encode(value: Any) -> dict[str, Any]:
    """A value as JSON data: expressions as ``srepr`` text, tagged with the value's type.

    Parameters
    ----------
    value
        A :class:`~rgsym.betasystem.BetaSystem`, a :class:`~rgsym.project.PotentialFlow`, or
        plain JSON data (dict with string keys, list, str, int, float, bool, None).

    Returns
    -------
    dict
        ``{"type": ..., "data": ...}``, and ``"context"`` for a derived flow that carries one.

    Raises
    ------
    TypeError
        For anything else, or data that would not read back equal (tuples, say).
    """
    from rgsym.betasystem import BetaSystem
    from rgsym.project import PotentialFlow

    if isinstance(value, BetaSystem):
        try:
            return {"type": "BetaSystem/postfix", "data": _system_data(value), **_context_data(value),
                    **_etas_data(value)}
        except TypeError:  # a node the postfix tokens do not cover: the slower srepr form
            return {"type": "BetaSystem", "data": value.to_dict(), **_context_data(value)}
    if isinstance(value, PotentialFlow):
        from sympy import srepr

        return {"type": "PotentialFlow", "data": {
            "name": value.name, "spec_digest": value.spec_digest, "spec_source": value.spec_source,
            "invariant": srepr(value.invariant), "potential": srepr(value.potential), "rhs": srepr(value.rhs),
            "parameters": [srepr(p) for p in value.parameters]}, **_context_data(value)}
    if json.loads(json.dumps(value)) != value:
        raise TypeError(f"{type(value).__name__} does not survive JSON unchanged")
    return {"type": "json", "data": value}


def _etas_data(system: Any) -> dict[str, Any]:
    """The per-field anomalous dimensions of a system, when it has them (``"etas"``)."""
    from sympy import srepr

    return {"etas": [[n, srepr(e)] for n, e in system.etas]} if system.etas else {}


def round_trip(value: Any) -> Any:
    """``decode(encode(value))``: a fresh value as the cache hands it out.

    With the cache off the betas of a system are not written as tokens and read again but
    rebuilt as they would be read (:func:`rgsym.expression.rebuild_postfix`, half the time at
    order 40); nothing is stored then, so nothing needs the tokens or their digest.  Without
    quadrature thresholds each beta is rebuilt only when it is first used (a
    :class:`~rgsym.stability.LazyBetas` over the derived betas, :func:`rebuilt_lazily`): printing
    them (``rgsym derive``) reads the derived ones, whose text is the same, and never rebuilds
    (5-6 s at order 40); :func:`rgsym.expression.check_postfix` makes sure first that they have
    the postfix form.

    Parameters
    ----------
    value
        What :func:`encode` takes.

    Returns
    -------
    object
    """
    from rgsym.betasystem import BetaSystem
    from rgsym.expression import check_postfix, rebuild_postfix

    if is_enabled() or not isinstance(value, BetaSystem):
        return decode(encode(value))
    try:
        check_postfix(value.fast_betas)
    except TypeError:  # stored in the srepr form
        return decode(encode(value))
    betas: Sequence[Any] = rebuilt_lazily(value.fast_betas) if not value.thresholds \
        else tuple(rebuild_postfix(b) for b in value.fast_betas)
    return decode(encode(dataclasses.replace(value, fast_betas=(), fast_stability=())), betas)


def rebuilt_lazily(betas: Sequence[Any]) -> Any:
    """The betas as :func:`rgsym.expression.rebuild_postfix` makes them, each rebuilt on first use.

    Parameters
    ----------
    betas
        Derived betas that :func:`rgsym.expression.check_postfix` accepts.

    Returns
    -------
    rgsym.stability.LazyBetas
        Its ``tokens`` are the derived betas and its ``reader`` is ``rebuild_postfix``
        (:func:`rgsym.betatext.printed_betas` prints the derived betas); its digest is that of the
        rebuilt betas' tokens, as for the betas read from the cache.
    """
    from rgsym.expression import rebuild_postfix
    from rgsym.stability import LazyBetas

    lazy = LazyBetas(betas, rebuild_postfix, lambda: _digest_of(tuple(lazy)))
    return lazy


def decode(entry: Any, betas: Sequence[Any] | None = None) -> Any:
    """The value :func:`encode` wrote; expressions through :func:`rgsym.expression.read_srepr`.

    Parameters
    ----------
    entry
        ``{"type": ..., "data": ...}`` as read from JSON.
    betas
        For :func:`round_trip`: the betas of a system, already read, in place of its tokens.

    Returns
    -------
    object

    Raises
    ------
    ValueError
        For an unknown type or text that is not an expression rgsym writes.
    """
    from rgsym.betasystem import BetaSystem
    from rgsym.context import FlowContext
    from rgsym.expression import read_srepr
    from rgsym.project import PotentialFlow

    kind, data = entry["type"], entry["data"]
    context = FlowContext.from_data(entry["context"]) if entry.get("context") is not None else None
    etas = tuple((str(n), read_srepr(e)) for n, e in entry.get("etas", []) if str(n).isidentifier())
    if kind == "BetaSystem/postfix":
        return dataclasses.replace(_system_from(data, betas), context=context, etas=etas)
    if kind == "BetaSystem":
        return dataclasses.replace(BetaSystem.from_dict(data), context=context)
    if kind == "PotentialFlow":
        name, digest, source = (data[k] for k in ("name", "spec_digest", "spec_source"))
        if not all(isinstance(t, str) for t in (name, digest, source)) \
                or not isinstance(data["parameters"], list):
            raise ValueError("a PotentialFlow entry needs its names as strings and a list of parameters")
        return PotentialFlow(name, digest, source, read_srepr(data["invariant"]),
                             read_srepr(data["potential"]), read_srepr(data["rhs"]),
                             tuple(read_srepr(t) for t in data["parameters"]), context)
    if kind == "json":
        return data
    raise ValueError(f"unknown cache value type {str(kind)[:40]!r}")


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


def _context_data(value: BetaSystem | PotentialFlow) -> dict[str, Any]:
    """``{"context": ...}`` beside the value's data (:meth:`rgsym.context.FlowContext.to_data`),
    or nothing for a value without one: the public JSON of a BetaSystem leaves it out."""
    return {} if value.context is None else {"context": value.context.to_data()}


def _system_data(system: BetaSystem) -> dict[str, Any]:
    """A BetaSystem as JSON data: betas and stability matrix as postfix tokens, the rest as srepr."""
    from sympy import srepr

    return {
        "name": system.name, "spec_digest": system.spec_digest, "spec_source": system.spec_source,
        "couplings": [{"name": c.name, "latex": c.latex, "index": list(c.index), "is_minimum": c.is_minimum}
                      for c in system.couplings],
        "parameters": [srepr(p) for p in system.parameters],
        "betas": list(_postfix_tokens(system.fast_betas)),
        "eta": srepr(system.eta),
        "masses": [srepr(m) for m in system.masses],
        "scales": [srepr(m) for m in system.scales],
        "thresholds": [[n, srepr(t)] for n, t in system.thresholds],
    }


def _postfix_tokens(betas: Sequence[Any]) -> Sequence[Any]:
    """The postfix tokens of each beta: those they were read from when they came from the cache
    (written again they could differ, as the expressions read back are ordered differently)."""
    from rgsym.expression import read_postfix, write_postfix
    from rgsym.stability import LazyBetas

    if isinstance(betas, LazyBetas) and betas.reader is read_postfix:
        return betas.tokens
    return [write_postfix(b) for b in betas]


def _digest_of(betas: Sequence[Any]) -> str:
    """The digest :class:`~rgsym.stability.LazyBetas` gives the tokens of these betas."""
    from rgsym.expression import read_postfix, write_postfix
    from rgsym.stability import LazyBetas

    return LazyBetas([write_postfix(b) for b in betas], read_postfix).digest


def _system_from(data: dict[str, Any], read: Sequence[Any] | None = None) -> BetaSystem:
    """The BetaSystem of :func:`_system_data`; the stability matrix is derived again (faster than read).

    Without quadrature thresholds the betas are a :class:`~rgsym.stability.LazyBetas`: each is read
    the first time it is used (reading order 20's took 0.7 s; compiled code cached under their
    digest needs none of them).  ``read``, from :func:`round_trip`, holds the betas already read.
    """
    import symengine as se

    from rgsym.action import Coupling
    from rgsym.betasystem import BetaSystem, stability_matrix_of
    from rgsym.expression import read_postfix, read_srepr
    from rgsym.stability import LazyBetas, LazyStability
    from rgsym.threshold import ThresholdIntegral

    def text(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {type(value).__name__}")
        return value

    def name(value: Any) -> str:
        if not isinstance(value, str) or not value.isidentifier():
            raise ValueError(f"expected an identifier, got {str(value)[:40]!r}")
        return value

    couplings = tuple(Coupling(name(c["name"]), text(c["latex"]), tuple(int(i) for i in c["index"]),
                               bool(c["is_minimum"])) for c in data["couplings"])
    tokens = data["betas"] if read is None else read  # JSON gives a list; round_trip a sequence
    if not isinstance(tokens, list | tuple | LazyBetas) or len(tokens) != len(couplings):
        raise ValueError(f"{len(tokens)} betas for {len(couplings)} couplings")
    thresholds = {name(n): read_srepr(t) for n, t in data["thresholds"]}
    if not all(isinstance(t, ThresholdIntegral) for t in thresholds.values()):
        raise ValueError("a threshold that is not a ThresholdIntegral")
    numeric = {se.Symbol(n): t for n, t in thresholds.items()}
    symbols = [se.Symbol(c.name) for c in couplings]
    betas: Sequence[se.Basic]
    if numeric:  # the chain rule through the thresholds builds the whole matrix now
        betas = tuple(tokens) if read is not None else tuple(read_postfix(b) for b in tokens)
        stability = stability_matrix_of(list(betas), symbols, numeric)
    elif isinstance(read, LazyBetas):  # rebuilt on first use (round_trip, rebuilt_lazily)
        betas = read
        stability = LazyStability(betas, symbols)
    elif read is not None:  # already read (round_trip): the digest of their tokens when asked for
        values = tuple(tokens)
        betas = LazyBetas(range(len(values)), values.__getitem__, lambda: _digest_of(values))
        stability = LazyStability(betas, symbols)
    else:  # read on first use: a warm run with cached compiled code never reads them
        betas = LazyBetas(tokens, read_postfix)
        stability = LazyStability(betas, symbols)
    return BetaSystem(text(data["name"]), text(data["spec_digest"]), text(data["spec_source"]), couplings,
                      tuple(read_srepr(p) for p in data["parameters"]),
                      betas,  # type: ignore[arg-type]  # a LazyBetas reads like the tuple
                      read_srepr(data["eta"]),
                      stability, tuple(read_srepr(m) for m in data["masses"]),
                      tuple(read_srepr(m) for m in data["scales"]),
                      tuple((str(k), v) for k, v in numeric.items()))


def info() -> CacheInfo:
    """The cache folder and its entries, from the folder listing and each entry's header.

    Only files named like an entry (``<kind>-<key>.json``) or a compiled library (subfolder
    ``c/``, kind ``"c"``) are listed; a folder, FIFO, link or other non-regular file with
    such a name is skipped with a warning.  No entry is loaded: of each file only the first
    line (at most :data:`MAX_HEADER_BYTES` bytes of JSON) is read, for its description.

    Returns
    -------
    CacheInfo
        Derivation entries first (by file name), then the libraries.
    """
    folder = cache_dir()
    entries = []
    for path in _named(folder, ENTRY_NAME):
        size = _regular_size(path)
        if size is not None:
            kind, description = _header(path)
            entries.append(CacheEntry(path, size, kind, description))
    for path in _libraries(folder):
        size = _regular_size(path)
        if size is not None:
            entries.append(CacheEntry(path, size, LIBRARY_FOLDER, "compiled C library"))
    for path in _named(folder / LLVM_FOLDER, LLVM_NAME):
        size = _regular_size(path)
        if size is not None:
            entries.append(CacheEntry(path, size, LLVM_FOLDER, "compiled LLVM code"))
    return CacheInfo(folder, is_enabled(), tuple(entries))


def _named(folder: Path, pattern: re.Pattern[str]) -> list[Path]:
    """The paths in ``folder`` whose names match ``pattern`` (sorted; nothing is followed)."""
    try:
        names = sorted(e.name for e in os.scandir(folder) if pattern.match(e.name))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        log.warning("cannot list the cache folder %s (%s)", folder, exc.strerror)
        return []
    return [folder / name for name in names]


def _regular_size(path: Path) -> int | None:
    """The size of a regular file (``lstat``), or None, with a warning for anything else."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None  # removed meanwhile
    if not stat.S_ISREG(st.st_mode):
        log.warning("skipping %s in the cache: not a regular file (%s)", path, _file_type(st.st_mode))
        return None
    return st.st_size


def _header(path: Path) -> tuple[str, str]:
    """(kind, description) from an entry's first line; never reads past it, never blocks."""
    unreadable = ("?", "unreadable (will be rewritten)")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return unreadable
            head = fh.read(MAX_HEADER_BYTES).partition(b"\n")[0]
        header = json.loads(head)
        kind, description = str(header["kind"]), str(header.get("description", ""))
    except Exception:  # noqa: BLE001 - a corrupt entry is listed as such
        return unreadable
    return _printable(kind, 20), _printable(description, 200)


def _printable(text: str, limit: int) -> str:
    """Text fit for a terminal: control characters replaced, cut to ``limit`` characters."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."


def _libraries(folder: Path) -> list[Path]:
    """The files under ``folder/c`` named like compiled libraries (sorted; no build folders)."""
    return _named(folder / LIBRARY_FOLDER, LIBRARY_NAME)


def clear() -> int:
    """Remove every entry, every compiled library and stray temporary files.

    Only regular files with the names rgsym gives them are removed (entries of this and
    earlier versions, libraries, temporary files); anything else is left alone.

    Returns
    -------
    int
        How many entries and libraries went.
    """
    folder = cache_dir()
    temporary = re.compile(r"\.[A-Za-z0-9_]+-[0-9a-f]{40}-.*\.tmp\Z")
    doomed = [*_named(folder, ENTRY_NAME), *_named(folder, LEGACY_NAME), *_libraries(folder),
              *_named(folder / LLVM_FOLDER, LLVM_NAME)]
    removed = 0
    for path in [*doomed, *_named(folder, temporary)]:
        if _regular_size(path) is None:
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("could not remove %s (%s)", path, exc.strerror)
            continue
        removed += path.suffix != ".tmp"
    return removed
