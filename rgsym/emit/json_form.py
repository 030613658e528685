"""JSON: the BetaSystem itself, in a form that reads back to identical expressions.

The file is :meth:`BetaSystem.to_dict` with one more key, ``generator``, naming
the rgsym version; :meth:`BetaSystem.from_dict` ignores it.
"""

from __future__ import annotations

import json

from rgsym import __version__
from rgsym.betasystem import BetaSystem

#: The files this writer produces.
FILES = ("betas.json",)


def render_json(system: BetaSystem) -> dict[str, str]:
    """File name -> JSON text (sorted keys, so that the output is reproducible)."""
    data = {"generator": f"rgsym {__version__}", **system.to_dict()}
    return {"betas.json": json.dumps(data, indent=1, sort_keys=True) + "\n"}
