"""The derived O(d^2) flows in the disk cache (rgsym.cache, kind "d2flow"): a warm run reads them instead of
deriving, gets the same numbers and writes the same bytes; a damaged entry is derived again."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from rgsym import cache as disk
from rgsym.spec import load_spec
from rgsym.workflows import d2

SPEC = Path(__file__).resolve().parents[2] / "derivations" / "ising_d2.toml"
LITIM = ["regulator.kind=litim"]  # the fastest O(d^2) derivation


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh, enabled cache, and no flows kept in this process."""
    monkeypatch.setenv(disk.CACHE_DIR_VARIABLE, str(tmp_path))
    monkeypatch.delenv(disk.NO_CACHE_VARIABLE, raising=False)
    monkeypatch.delenv(disk.CACHE_VARIABLE, raising=False)
    d2.derive_d2_flow.cache_clear()
    yield tmp_path
    d2.derive_d2_flow.cache_clear()


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("derived although the flow was cached")


def test_a_warm_run_reads_the_flow_and_gives_the_same_results(folder: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_spec(SPEC, LITIM)
    cold = d2.derive_d2_flow(spec)
    (entry,) = folder.glob(f"{d2.CACHE_KIND}-*.json")
    assert stat.S_IMODE(entry.stat().st_mode) & 0o077 == 0  # private to the user
    header = json.loads(entry.read_text().splitlines()[0])
    assert header["kind"] == d2.CACHE_KIND and header["spec_digest"] == spec.digest
    files_cold = d2.d2_files(spec, ("c", "numpy"))
    exponents_cold = d2.d2_exponents(spec)

    d2.derive_d2_flow.cache_clear()
    monkeypatch.setattr("rgsym.derivative_expansion.derive_d2", _refuse)
    warm = d2.derive_d2_flow(spec)
    assert warm == cold  # the same expressions (a cold run goes through the same srepr text)
    assert d2.d2_files(spec, ("c", "numpy")) == files_cold  # byte for byte
    exponents_warm = d2.d2_exponents(spec)
    assert (exponents_warm.nu, exponents_warm.eta, exponents_warm.omega) == \
        (exponents_cold.nu, exponents_cold.eta, exponents_cold.omega)


def test_another_spec_is_another_entry(folder: Path) -> None:
    d2.derive_d2_flow(load_spec(SPEC, LITIM))
    d2.derive_d2_flow(load_spec(SPEC, [*LITIM, "regulator.alpha=1"]))  # the spec has alpha = 2
    assert len(list(folder.glob(f"{d2.CACHE_KIND}-*.json"))) == 2


def test_a_damaged_entry_is_derived_again(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    spec = load_spec(SPEC, LITIM)
    fresh = d2.derive_d2_flow(spec)
    (entry,) = folder.glob(f"{d2.CACHE_KIND}-*.json")
    header, body = entry.read_text().splitlines()
    data = json.loads(body)
    data["data"]["loops"][0][1] = "__import__('os').system('false')"  # not srepr text: refused unread
    entry.write_text(header + "\n" + json.dumps(data) + "\n")
    entry.chmod(0o600)
    d2.derive_d2_flow.cache_clear()
    with caplog.at_level("WARNING"):
        assert d2.derive_d2_flow(spec) == fresh
    assert "ignoring the cached O(d^2) flow" in caplog.text  # refused, logged, and the run went on
    assert "__import__" not in entry.read_text()  # rewritten with the fresh flow


def test_no_cache_derives_every_time(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(disk.NO_CACHE_VARIABLE, "1")
    d2.derive_d2_flow(load_spec(SPEC, LITIM))
    assert not list(folder.glob(f"{d2.CACHE_KIND}-*.json"))
