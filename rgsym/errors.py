"""Errors: the exceptions rgsym raises, each carrying a one-line message for the CLI."""

from __future__ import annotations


class RGSymError(Exception):
    """Base class for every error rgsym reports to a user.

    Attributes
    ----------
    exit_code
        The exit status of the ``rgsym`` command line for this error (1: a numerical failure).
    """

    exit_code = 1


class SpecError(RGSymError):
    """A spec file (or an override) is missing, malformed or inconsistent.

    The message always names the file, the dotted key and what is allowed.

    Parameters
    ----------
    source
        The spec file (empty for a command-line option).
    key
        The dotted key, e.g. ``truncation.order``, or the option, e.g. ``--orders``.
    message
        What is wrong and what is allowed.

    Examples
    --------
    >>> str(SpecError("on_lpa.toml", "truncation.order", "must be an integer from 1 to 40, got 0"))
    "on_lpa.toml: key 'truncation.order': must be an integer from 1 to 40, got 0"
    """

    exit_code = 2

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source = source
        self.key = key
        self.detail = message
        where = f"{source}: " if source else ""
        keypart = f"key '{key}': " if key else ""
        super().__init__(f"{where}{keypart}{message}")

    def __reduce__(self) -> tuple[type[SpecError], tuple[str, str, str]]:
        """Rebuild from the three parts, so that the error crosses a process pool intact.

        Returns
        -------
        tuple
            The class and its constructor arguments.

        Examples
        --------
        >>> import pickle
        >>> str(pickle.loads(pickle.dumps(SpecError("a.toml", "bare.k_uv", "must be positive"))))
        "a.toml: key 'bare.k_uv': must be positive"
        """
        return (type(self), (self.source, self.key, self.detail))


class SpecErrors(SpecError):
    """Several problems of one spec, reported together: one line each.

    Parameters
    ----------
    errors
        The problems found, in the order of the spec's sections (at least two).

    Examples
    --------
    >>> e = SpecErrors([SpecError("a.toml", "theory.d", "bad"), SpecError("a.toml", "flow.x", "unknown")])
    >>> print(e)
    a.toml: key 'theory.d': bad
    a.toml: key 'flow.x': unknown
    """

    def __init__(self, errors: list[SpecError]) -> None:
        self.errors = tuple(errors)
        first = errors[0]
        super().__init__(first.source, first.key, first.detail)
        self.args = ("\n".join(str(e) for e in errors),)

    def __str__(self) -> str:
        """Every problem on its own line."""
        return "\n".join(str(e) for e in self.errors)

    def __reduce__(self) -> tuple[type[SpecErrors], tuple[list[SpecError]]]:  # type: ignore[override]
        """Rebuild from the list of problems (for process pools).

        Returns
        -------
        tuple
            The class and its constructor argument.
        """
        return (type(self), (list(self.errors),))


class UnsupportedError(SpecError):
    """The spec is well formed but asks for a combination rgsym cannot derive yet."""


class SolveError(RGSymError):
    """A numerical stage (fixed points, exponents) failed; the message says what was tried.

    Examples
    --------
    >>> SolveError("no fixed point found at order 8: tried ...; try ...").exit_code
    1
    """

    exit_code = 1
