"""Templating: the jinja2 environment that lays generated files out.

Templates live in the top-level ``templates/`` directory of the source tree; the
wheel ships them as ``rgsym/templates`` (see ``pyproject.toml``).
:func:`templates_dir` is the one place that knows this.  Templates receive small
frozen views (:mod:`rgsym.emit.views`) and hold layout only: loops and ``if``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jinja2

import rgsym


class TemplatesNotFoundError(FileNotFoundError):
    """Neither an installed copy nor a source checkout of ``templates/`` was found."""


def templates_dir() -> Path:
    """The directory holding rgsym's templates: installed with the package, or in the checkout.

    Raises
    ------
    TemplatesNotFoundError
        If neither location exists (a broken installation).
    """
    package = Path(rgsym.__file__).resolve().parent
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "c").is_dir():
            return candidate
    raise TemplatesNotFoundError(
        f"rgsym's templates are missing: looked in {package / 'templates'} (installed) and "
        f"{package.parent / 'templates'} (source checkout); reinstall rgsym"
    )


def environment() -> jinja2.Environment:
    """A jinja2 environment over :func:`templates_dir` that fails on any undefined name.

    Its filters quote text for the target language: ``c_string``, ``c_comment``,
    ``py_string``, ``py_tuple``, ``latex_text`` and ``one_line``.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(c_string=c_string, c_comment=c_comment, py_string=py_string, py_tuple=py_tuple,
                       latex_text=latex_text, one_line=one_line)
    return env


def c_string(text: str) -> str:
    """A C string literal.

    Examples
    --------
    >>> print(c_string('a "b" \\ c'))
    "a \\"b\\" \\\\ c"
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def one_line(text: str) -> str:
    """Text with every run of whitespace (newlines too) made one space: safe in a line comment."""
    return " ".join(text.split())


def c_comment(text: str) -> str:
    """Text that cannot end a C block comment early."""
    return " ".join(text.split()).replace("*/", "*\\/")


def py_string(text: str) -> str:
    """A Python string literal (``repr``, which always reads back to ``text``)."""
    return repr(text)


def py_tuple(items: Sequence[str]) -> str:
    """A Python tuple literal of strings.

    Examples
    --------
    >>> py_tuple(["kappa"])
    "('kappa',)"
    """
    return repr(tuple(items))


def latex_text(text: str) -> str:
    """Text with LaTeX's special characters escaped, for use outside math mode.

    Examples
    --------
    >>> print(latex_text("on_lpa.toml, 100% & #1"))
    on\\_lpa.toml, 100\\% \\& \\#1
    """
    special = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
               "#": r"\#", "%": r"\%", "_": r"\_", "~": r"\textasciitilde{}",
               "^": r"\textasciicircum{}"}
    return "".join(special.get(ch, ch) for ch in text)


def render(template: str, **context: object) -> str:
    """Render one template (a path under ``templates/``) with frozen views as context."""
    return environment().get_template(template).render(**context)
