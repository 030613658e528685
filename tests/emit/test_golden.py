"""Golden files: the order-4 O(1) LPA system in every format, and the C and NumPy code of the
order-2 system with the exponential regulator (thresholds by quadrature), compared byte for byte.

Regenerate with ``python -m pytest tests/emit --update-golden`` and review the diff like code.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from rgsym.betasystem import BetaSystem
from rgsym.emit import FORMATS, render_files
from tests.emit.systems import GOLDEN, system_at

NAMES = sorted(name for files in FORMATS.values() for name in files)
#: ``rgsym derive derivations/on_lpa.toml --set truncation.order=2 --set regulator.kind=exponential
#: --emit c,numpy``.
QUADRATURE = GOLDEN.parent / "on_lpa_exponential_order2"
QUADRATURE_NAMES = sorted([*FORMATS["c"], *FORMATS["numpy"]])


@pytest.fixture(scope="module")
def quadrature_files() -> dict[str, str]:
    overrides = ("regulator.kind=exponential",)
    return render_files(system_at(2, *overrides), ["c", "numpy"])


@pytest.mark.parametrize("name", NAMES)
def test_output_matches_golden_file(name: str, order4_files: dict[str, str], update_golden: bool) -> None:
    compare(GOLDEN / name, order4_files[name], update_golden)


@pytest.mark.parametrize("name", QUADRATURE_NAMES)
def test_quadrature_output_matches_golden_file(name: str, quadrature_files: dict[str, str],
                                               update_golden: bool) -> None:
    compare(QUADRATURE / name, quadrature_files[name], update_golden)


def compare(path: Path, text: str, update_golden: bool) -> None:
    """Fail with a unified diff unless ``text`` is the file's content (rewrite it first when updating)."""
    name = path.name
    data = text.encode("utf-8")
    if update_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"{path} is missing: run python -m pytest tests/emit --update-golden"
    expected = path.read_bytes()
    if data != expected:
        diff = difflib.unified_diff(expected.decode().splitlines(), data.decode().splitlines(),
                                    f"golden/{name}", f"generated/{name}", lineterm="")
        pytest.fail("generated output differs from the golden file (rerun with --update-golden "
                    "if the change is intended):\n" + "\n".join(list(diff)[:80]))


def test_golden_directory_holds_exactly_the_generated_files() -> None:
    assert sorted(p.name for p in GOLDEN.iterdir()) == NAMES
    assert sorted(p.name for p in QUADRATURE.iterdir()) == QUADRATURE_NAMES


def test_every_file_names_the_version_and_the_spec(order4_files: dict[str, str], order4: BetaSystem) -> None:
    from rgsym import __version__

    for name, text in order4_files.items():
        assert f"rgsym {__version__}" in text, name
        assert "derivations/on_lpa.toml" in text, name
        assert order4.spec_digest in text, name
