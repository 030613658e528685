"""Errors: the exceptions rgsym raises, each carrying a one-line message for the CLI."""

from __future__ import annotations


class RGSymError(Exception):
    """Base class for every error rgsym reports to a user."""

    exit_code = 1


class SpecError(RGSymError):
    """A spec file (or an override) is missing, malformed or inconsistent.

    The message always names the file, the dotted key and what is allowed.
    """

    exit_code = 2

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source = source
        self.key = key
        self.detail = message
        where = f"{source}: " if source else ""
        keypart = f"key '{key}': " if key else ""
        super().__init__(f"{where}{keypart}{message}")


class UnsupportedError(SpecError):
    """The spec is well formed but asks for a combination rgsym cannot derive yet."""


class SolveError(RGSymError):
    """A numerical stage (fixed points, exponents) failed; the message says what was tried."""

    exit_code = 1
