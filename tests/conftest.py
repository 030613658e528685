"""Shared fixtures: paths to the shipped specs and a runner for the CLI."""

from __future__ import annotations

import subprocess
import sys
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
