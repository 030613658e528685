"""Fixtures for the code-generation tests: the order-4 O(1) LPA system and its files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rgsym.betasystem import BetaSystem
from rgsym.emit import FORMATS, render_files
from tests.emit.systems import system_at


@pytest.fixture(scope="session")
def order4() -> BetaSystem:
    return system_at(4)


@pytest.fixture(scope="session")
def symbolic() -> BetaSystem:
    """Order 3 with d and N left symbolic: the generated code takes them as parameters."""
    return system_at(3, 'theory.N="N"', 'theory.d="d"')


@pytest.fixture(scope="session")
def order4_files(order4: BetaSystem) -> dict[str, str]:
    """Every format; the LaTeX in the explicit style (the paper style has golden files of its own)."""
    return render_files(order4, list(FORMATS), latex_style="explicit")


@pytest.fixture(scope="session")
def library_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rgsym-cache")


@pytest.fixture(autouse=True)
def isolated_cache(library_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Compiled libraries go to a temporary directory, never to the user's cache."""
    monkeypatch.setenv("RGSYM_CACHE_DIR", str(library_cache))
    yield library_cache
