"""The systems the code-generation tests use, from derivations/on_lpa.toml.

Specs are loaded from the checkout but carry the relative path a user types
(``derivations/on_lpa.toml``) as their source, so that generated files, and the
golden copies, do not depend on where the checkout lives.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rgsym import TheorySpec, load_spec
from rgsym.betasystem import BetaSystem
from rgsym.pipeline import derive

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "on_lpa_order4"
SPEC_SOURCE = "derivations/on_lpa.toml"


def spec_at(order: int, *overrides: str) -> TheorySpec:
    """derivations/on_lpa.toml at ``order``, with more ``section.key=value`` overrides."""
    spec = load_spec(ROOT / SPEC_SOURCE, [f"truncation.order={order}", *overrides])
    return replace(spec, source=SPEC_SOURCE)


def system_at(order: int, *overrides: str) -> BetaSystem:
    """The derived system of :func:`spec_at`."""
    system = derive(spec_at(order, *overrides))
    assert isinstance(system, BetaSystem)
    return system
