"""NumPy: ``betas.py``, a module with the betas and their Jacobian that needs NumPy only.

``rhs(g, params)`` and ``jacobian(g, params)`` work on one point, g of shape
(n,), or on many, g of shape (n, batch); ``fun`` and ``jac`` have the signature
``scipy.integrate.solve_ivp`` expects.
"""

from __future__ import annotations

import types

from rgsym.betasystem import BetaSystem
from rgsym.emit.code import code_view, render_code
from rgsym.emit.kernels import Kernels, build_kernels
from rgsym.emit.printers import RGNumPyPrinter

#: The files this writer produces.
FILES = ("betas.py",)


def render_numpy(system: BetaSystem, kernels: Kernels | None = None) -> dict[str, str]:
    """File name -> text of the NumPy module for ``system``."""
    view = code_view(system, kernels or build_kernels(system), RGNumPyPrinter())
    return {"betas.py": render_code("numpy/betas.py.j2", view)}


def load_module(source: str, name: str = "rgsym_generated_betas") -> types.ModuleType:
    """Execute generated module text in a fresh module object (nothing is written to disk)."""
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102 - our own output
    return module
