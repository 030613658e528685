"""``--plot FILE.png`` of the commands: checked before any work, written atomically.

Shared by :mod:`rgsym.cli`, :mod:`rgsym.flow_cli` and :mod:`rgsym.study_cli`; the writing
itself is :func:`rgsym.emit.output.write_file` (the one atomic-write helper).
"""

from __future__ import annotations

from collections.abc import Callable


def write_plot(path: str, write: Callable[[str], None]) -> None:
    """Write the file ``path`` through :func:`rgsym.emit.output.write_file`: never a partial file.

    Parameters
    ----------
    path
        The value of ``--plot``.
    write
        Draws into the staged file name it is given.
    """
    from rgsym.emit.output import write_file

    write_file(path, lambda staged: write(str(staged)), "--plot")


def check_plot(path: str | None) -> None:
    """Before any work: ``--plot FILE.png`` needs matplotlib and a file it can write.

    Parameters
    ----------
    path
        The value of ``--plot`` (None: no plot asked for, nothing to check).

    Raises
    ------
    SpecError
        Without matplotlib.
    OutputError
        If the file cannot be written (:func:`rgsym.emit.output.check_file_target`).
    """
    import importlib.util

    from rgsym.emit.output import check_file_target
    from rgsym.errors import SpecError

    if path is None:
        return
    check_file_target(path, "--plot")
    if importlib.util.find_spec("matplotlib") is None:
        raise SpecError("", "--plot", "needs matplotlib: pip install 'rgsym[plot]'")
