"""rgsym: symbolic functional renormalization-group flows.

The pipeline (see :mod:`rgsym.pipeline`)::

    TheorySpec -> Action -> Vertices -> FlowTrace -> LoopIntegrals -> BetaSystem
"""

from __future__ import annotations

__version__ = "0.1.0"

from rgsym.errors import RGSymError, SolveError, SpecError  # noqa: E402
from rgsym.spec import TheorySpec, load_spec  # noqa: E402

__all__ = ["RGSymError", "SolveError", "SpecError", "TheorySpec", "__version__", "load_spec"]
