"""rgsym: symbolic functional renormalization-group flows.

The pipeline (see :mod:`rgsym.pipeline`)::

    TheorySpec -> Action -> Vertices -> FlowTrace -> LoopIntegrals -> BetaSystem

Importing the package is cheap: :class:`~rgsym.spec.TheorySpec` and
:func:`~rgsym.spec.load_spec` (which need sympy) are loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from rgsym.errors import RGSymError, SolveError, SpecError  # noqa: E402

if TYPE_CHECKING:
    from rgsym.spec import TheorySpec, load_spec

__all__ = ["RGSymError", "SolveError", "SpecError", "TheorySpec", "__version__", "load_spec"]

#: Public names loaded on first access, and the module that defines them.
_LAZY = {"TheorySpec": "rgsym.spec", "load_spec": "rgsym.spec"}


def __getattr__(name: str) -> Any:
    """Load ``TheorySpec`` and ``load_spec`` from :mod:`rgsym.spec` on first access.

    Parameters
    ----------
    name
        The attribute asked for.

    Returns
    -------
    Any
        The attribute, which is then cached in the package namespace.

    Raises
    ------
    AttributeError
        If ``name`` is neither a lazy name nor a submodule.
    """
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rgsym' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The package's names, the lazy ones included.

    Returns
    -------
    list of str
    """
    return sorted(set(globals()) | set(_LAZY))
