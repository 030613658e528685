"""Compiler: generated C built into a shared library, cached by content hash.

The library is built with the system C compiler (``$CC``, else ``cc``) and kept
in the subfolder ``c/`` of the rgsym cache (:func:`rgsym.cache.cache_dir`).  Its name is
the SHA-256 of the sources, the compiler's identity and the flags (the key), followed by
the SHA-256 of the library itself, recorded when it was built: a cached library is
reused only for exactly the same code and toolchain, only if its bytes still have that
hash (a truncated or damaged file is rebuilt), and only if it and its folder belong to
the current user and no one else may write them (a library planted in a shared cache is
never loaded).  It is built in a temporary directory beside its final place and moved
there with one atomic rename, so that concurrent builds and interrupted ones never leave
a broken file.  When the cache is off (``--no-cache``), or its folder cannot be used
(read-only, a file, someone else's), the library is built in a private temporary folder
instead: an unusable cache never stops a run.

Code compiled by symengine's LLVM backend (the default backend of the solvers) is kept in the
subfolder ``llvm/`` under the same rules (:func:`load_llvm`, :func:`store_llvm`): a file
``<key>-<sha256>.llvm`` holding the arguments of symengine's own loader and the object code,
so that a warm run loads the betas it compiled before instead of compiling them again (0.5 s
at order 20).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from rgsym.errors import RGSymError

#: Flags for the library rgsym loads itself: IEEE arithmetic (no -ffast-math), so that it
#: agrees with the other backends to rounding.  -O1 rather than -O2: on these straight-line
#: kernels gcc 12 at -O2 compiles half as fast and the code runs no faster (order 20:
#: 24 s against 50 s, the same points per second within noise).
LIBRARY_FLAGS = ("-std=c99", "-O1", "-fPIC", "-shared")
#: Seconds a compilation may take before it counts as failed.
COMPILE_TIMEOUT = 900
#: Largest cached library read to check its hash (an order-20 system's is a few MB).
MAX_LIBRARY_BYTES = 1 << 30

log = logging.getLogger(__name__)


class CompilerError(RGSymError):
    """The C compiler is missing or rejected the generated code."""


def cache_dir() -> Path:
    """Where compiled libraries are kept (created on first use by :func:`build_library`): the
    root of :mod:`rgsym.cache` (``RGSYM_CACHE_DIR``, else the platform's user cache folder)."""
    from rgsym.cache import cache_dir as root

    return root()


def compiler() -> list[str]:
    """The C compiler command: ``$CC`` split like a shell would, else ``cc``."""
    return shlex.split(os.environ.get("CC", "")) or ["cc"]


def build_library(files: Mapping[str, str], source: str = "betas.c",
                  flags: Sequence[str] = LIBRARY_FLAGS) -> Path:
    """Compile ``files`` (name -> text; ``source`` is the translation unit) into a shared library.

    Parameters
    ----------
    files
        File name -> text; they are written side by side and ``source`` is compiled.
    source
        The translation unit among ``files``.
    flags
        Compiler flags.

    Returns
    -------
    pathlib.Path
        The cached library when there is a trusted one with the same key (or one was just
        built into the cache); else a library in a private temporary folder, removed when
        the process exits.

    Raises
    ------
    CompilerError
        If there is no compiler or it fails (its first error line is in the message).
    """
    command = compiler()
    key = library_key(files, [*command, *flags], _compiler_identity(tuple(command)))
    folder = _library_folder()
    if folder is not None:
        found = _cached_library(folder, key)
        if found is not None:
            return found
        try:
            return _build(files, source, [*command, *flags], folder, key)
        except OSError as exc:  # the folder went away or filled up: build privately
            log.warning("cannot build into the cache folder %s (%s); building privately", folder, exc)
    private = Path(tempfile.mkdtemp(prefix="rgsym-c-"))
    atexit.register(shutil.rmtree, private, True)
    return _build(files, source, [*command, *flags], private, key)


def _library_folder(name: str = "") -> Path | None:
    """The cache's ``c/`` folder (or the subfolder ``name``) when it may be used (created if need
    be), else None (logged)."""
    from rgsym.cache import LIBRARY_FOLDER, is_enabled, untrusted

    if not is_enabled():
        return None
    folder = cache_dir() / (name or LIBRARY_FOLDER)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("cannot use the cache folder %s for compiled code (%s); building privately",
                    folder, exc.strerror or exc)
        return None
    why = untrusted(folder, "folder")
    if why is not None:
        log.warning("not using the cache folder %s for compiled code: %s; building privately", folder, why)
        return None
    if not os.access(folder, os.W_OK | os.X_OK):
        log.warning("the cache folder %s is not writable; building privately", folder)
        return None
    return folder


def _cached_library(folder: Path, key: str) -> Path | None:
    """A library of this key in ``folder`` that is ours and still has its recorded hash."""
    from rgsym.cache import read_private_file

    for path in sorted(folder.glob(f"{key}-*{_suffix()}")):
        recorded = path.name[len(key) + 1: -len(_suffix())]
        data = read_private_file(path, MAX_LIBRARY_BYTES)
        if data is not None and hashlib.sha256(data).hexdigest() == recorded:
            return path
        log.warning("ignoring the compiled library %s: damaged or not ours (it is rebuilt)", path)
        with contextlib.suppress(OSError):
            if data is not None:  # ours, but its bytes changed: remove it
                path.unlink()
    return None


def _build(files: Mapping[str, str], source: str, command: list[str], folder: Path, key: str) -> Path:
    """Compile in a temporary folder inside ``folder``; move the library to ``<key>-<sha256>``."""
    with tempfile.TemporaryDirectory(prefix=".build-", dir=folder) as build:
        for name, text in files.items():
            Path(build, name).write_text(text, encoding="utf-8")
        output = Path(build, "library" + _suffix())
        _run([*command, "-o", str(output), source, "-lm"], Path(build))
        output.chmod(0o755)  # not writable by others, whatever the umask
        target = folder / f"{key}-{hashlib.sha256(output.read_bytes()).hexdigest()}{_suffix()}"
        os.replace(output, target)
    return target


def library_key(files: Mapping[str, str], command: Sequence[str], identity: str) -> str:
    """SHA-256 over the sources, the compile command and the compiler's version text."""
    digest = hashlib.sha256()
    for part in [identity, *command, *(f"{name}\0{files[name]}" for name in sorted(files))]:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


@cache
def _compiler_identity(command: tuple[str, ...]) -> str:
    """The first line of ``cc --version`` (empty when the compiler does not say)."""
    try:
        done = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.splitlines()[0] if done.stdout else ""


def _run(args: list[str], cwd: Path) -> None:
    try:
        done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=COMPILE_TIMEOUT)
    except FileNotFoundError:
        raise CompilerError(f"no C compiler: {args[0]!r} was not found (install gcc or set CC)") from None
    except subprocess.TimeoutExpired:
        raise CompilerError(f"the C compiler took longer than {COMPILE_TIMEOUT} s") from None
    if done.returncode != 0:
        first = next((line for line in done.stderr.splitlines() if "error" in line), done.stderr.strip())
        raise CompilerError(f"the C compiler failed ({shlex.join(args)}): {first[:300]}")


#: Format of the ``.llvm`` files: part of their key.
LLVM_FORMAT = "rgsym-llvm/1"
#: Largest header of a ``.llvm`` file (the loader's arguments, as JSON).
MAX_LLVM_HEADER = 1 << 20


def artefact_key(*parts: str) -> str:
    """SHA-256 of the parts (NUL-separated): the key of a compiled artefact.

    Parameters
    ----------
    parts
        Everything the compiled code depends on.

    Returns
    -------
    str
        64 hex digits.
    """
    digest = hashlib.sha256(LLVM_FORMAT.encode())
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def cached_llvm(key: str, build: Callable[[], Any]) -> Any:
    """The LLVM-compiled function stored under ``key``, else ``build()``, stored for next time.

    Parameters
    ----------
    key
        From :func:`artefact_key`; it must cover the expressions, the compile options and the
        symengine version.
    build
        Compiles the function (a symengine ``LLVMDouble``; anything else is returned unstored).

    Returns
    -------
    object
        The loaded or freshly compiled function.  Nothing is stored or loaded with the cache
        off, and a file that is damaged, not ours or not loadable is ignored (and replaced).
    """
    from rgsym.cache import LLVM_FOLDER

    folder = _library_folder(LLVM_FOLDER)
    if folder is None:
        return build()
    found = _load_llvm(folder, key)
    if found is not None:
        return found
    function = build()
    _store_llvm(folder, key, function)
    return function


def _load_llvm(folder: Path, key: str) -> Any:
    """The function in ``<key>-<sha256>.llvm`` if the file is ours and intact, else None."""
    from rgsym.cache import read_private_file

    for path in sorted(folder.glob(f"{key}-*.llvm")):
        recorded = path.name[len(key) + 1: -len(".llvm")]
        data = read_private_file(path, MAX_LIBRARY_BYTES)
        if data is None or hashlib.sha256(data).hexdigest() != recorded:
            log.warning("ignoring the compiled code %s: damaged or not ours (it is rebuilt)", path)
            continue
        try:
            return _llvm_from(data)
        except Exception as exc:  # noqa: BLE001 - any unloadable file is rebuilt
            log.warning("ignoring the compiled code %s (%s: %s)", path, type(exc).__name__, str(exc)[:200])
    return None


def _llvm_from(data: bytes) -> Any:
    """Load what :func:`_llvm_bytes` wrote through symengine's loader (the one its pickles use)."""
    import json

    import numpy as np
    from symengine.lib.symengine_wrapper import llvm_loading_func

    head, _, code = data.partition(b"\n")
    if len(head) > MAX_LLVM_HEADER:
        raise ValueError("header too long")
    args = json.loads(head)
    if not (isinstance(args, list) and len(args) == 7 and all(isinstance(a, int) for a in args[:2])
            and isinstance(args[3], bool) and isinstance(args[4], int) and args[5] in ("C", "F")):
        raise ValueError("not the arguments of symengine's loader")
    shapes = [tuple(int(k) for k in shape) for shape in args[2]]
    lengths = [int(k) for k in args[6]]
    return llvm_loading_func(args[0], args[1], shapes, args[3], args[4], args[5], lengths, np.float64, code)


def _store_llvm(folder: Path, key: str, function: Any) -> None:
    """Write ``function`` as ``<key>-<sha256>.llvm`` (atomically); failures are logged."""
    import json

    import numpy as np

    try:
        loader, args = function.__reduce__()
    except (AttributeError, TypeError, ValueError, RuntimeError):
        return
    if getattr(loader, "__name__", "") != "llvm_loading_func" or len(args) != 9 or args[7] is not np.float64:
        return
    head = json.dumps([args[0], args[1], [list(s) for s in args[2]], bool(args[3]), args[4], args[5],
                       list(args[6])], separators=(",", ":")).encode()
    data = head + b"\n" + bytes(args[8])
    target = folder / f"{key}-{hashlib.sha256(data).hexdigest()}.llvm"
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".build-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # not writable by others, whatever the umask
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        log.warning("could not store compiled code in %s (%s)", folder, exc.strerror or exc)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.remove(tmp)


def _suffix() -> str:
    return ".dylib" if sys.platform == "darwin" else ".so"
