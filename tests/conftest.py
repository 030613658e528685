"""Shared fixtures: paths to the shipped specs and a runner for the CLI."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DERIVATIONS = ROOT / "derivations"


@pytest.fixture
def derivations() -> Path:
    return DERIVATIONS


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m rgsym.cli`` as a user would and capture its output."""
    return subprocess.run([sys.executable, "-m", "rgsym.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=600)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the golden files in tests/golden/ from the current output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to regenerate golden files (--update-golden)."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Hermetic cache: derivations and compiled C go to a fresh folder for this session.

    The cache is on (its default), so the tests run the code path users run; subprocesses
    started by the tests inherit the folder through the environment.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RGSYM_CACHE_DIR", str(tmp_path_factory.mktemp("rgsym-cache")))
        mp.delenv("RGSYM_NO_CACHE", raising=False)
        mp.delenv("RGSYM_CACHE", raising=False)
        yield
