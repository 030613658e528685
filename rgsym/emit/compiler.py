"""Compiler: generated C built into a shared library, cached by content hash.

The library is built with the system C compiler (``$CC``, else ``cc``) and kept
in the user cache directory: ``$RGSYM_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/rgsym`` or ``~/.cache/rgsym``.  Its name is the SHA-256 of the
sources, the compiler's identity and the flags, so a cached library is reused
only for exactly the same code and toolchain.  It is built in a temporary
directory beside its final place and moved there with one atomic rename, so
that concurrent builds and interrupted ones never leave a broken file.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from rgsym.errors import RGSymError

#: Flags for the library rgsym loads itself: IEEE arithmetic (no -ffast-math), so that it
#: agrees with the other backends to rounding.  -O1 rather than -O2: on these straight-line
#: kernels gcc 12 at -O2 compiles half as fast and the code runs no faster (order 20:
#: 24 s against 50 s, the same points per second within noise).
LIBRARY_FLAGS = ("-std=c99", "-O1", "-fPIC", "-shared")
#: Seconds a compilation may take before it counts as failed.
COMPILE_TIMEOUT = 900


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

    Returns the cached library's path; a library with the same key is reused.

    Raises
    ------
    CompilerError
        If there is no compiler or it fails (its first error line is in the message).
    """
    command = compiler()
    key = library_key(files, [*command, *flags], _compiler_identity(tuple(command)))
    target = cache_dir() / "c" / f"{key}{_suffix()}"
    if target.exists():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CompilerError(f"cannot create the cache directory {target.parent}: {exc.strerror}") from None
    with tempfile.TemporaryDirectory(prefix=".build-", dir=target.parent) as build:
        for name, text in files.items():
            Path(build, name).write_text(text, encoding="utf-8")
        output = Path(build, "library" + _suffix())
        _run([*command, *flags, "-o", str(output), source, "-lm"], Path(build))
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


def _suffix() -> str:
    return ".dylib" if sys.platform == "darwin" else ".so"
