"""Disk cache: hits, misses, corrupt entries, concurrent writers, and the ``rgsym cache`` commands."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rgsym import cache, pipeline
from rgsym.betasystem import BetaSystem
from rgsym.cli import main
from rgsym.spec import load_spec
from tests.conftest import DERIVATIONS, ROOT

ORDER2 = ["truncation.order=2"]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_DIR_VARIABLE, str(folder))
    monkeypatch.delenv(cache.CACHE_VARIABLE, raising=False)  # on by default
    monkeypatch.delenv(cache.NO_CACHE_VARIABLE, raising=False)
    return folder


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def read_entry(path: Path) -> tuple[dict[str, object], object]:
    """An entry's header and encoded value, straight from the file (two JSON lines)."""
    head, body = path.read_text(encoding="utf-8").split("\n", 1)
    return json.loads(head), json.loads(body)


# --- location --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {"XDG_CACHE_HOME": "/xdg"}, "/xdg/rgsym"),
        ("linux", {}, "~/.cache/rgsym"),
        ("linux", {"XDG_CACHE_HOME": "relative"}, "~/.cache/rgsym"),  # XDG: relative paths are ignored
        ("darwin", {}, "~/Library/Caches/rgsym"),
        ("win32", {"LOCALAPPDATA": "/appdata"}, "/appdata/rgsym/Cache"),
        ("linux", {"RGSYM_CACHE_DIR": "/elsewhere", "XDG_CACHE_HOME": "/xdg"}, "/elsewhere"),
    ],
)
def test_location_follows_platform_convention(monkeypatch: pytest.MonkeyPatch, platform: str,
                                              env: dict[str, str], expected: str) -> None:
    for name in ("RGSYM_CACHE_DIR", "XDG_CACHE_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: Path("/home/u")))
    assert cache.cache_dir() == Path(expected.replace("~", "/home/u"))


def test_key_depends_on_spec_kind_and_version(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = "a" * 64, "b" * 64
    assert cache.entry_path("derive", a) != cache.entry_path("derive", b)
    assert cache.entry_path("derive", a) != cache.entry_path("compile", a)
    assert cache.entry_path("derive", a).parent == cache_dir
    before = cache.code_fingerprint.__wrapped__()  # type: ignore[attr-defined]
    monkeypatch.setattr(cache, "__version__", "999.0")
    assert cache.code_fingerprint.__wrapped__() != before  # type: ignore[attr-defined]


# --- hits, misses, corruption ----------------------------------------------------------------


def test_miss_then_hit(cache_dir: Path) -> None:
    calls: list[int] = []

    def compute() -> dict[str, int]:
        calls.append(1)
        return {"value": 42}

    digest = "c" * 64
    first = cache.cached("test", digest, compute, accept=lambda v: isinstance(v, dict))
    second = cache.cached("test", digest, compute, accept=lambda v: isinstance(v, dict))
    assert first == second == {"value": 42}
    assert len(calls) == 1
    assert entries(cache_dir) == [cache.entry_path("test", digest).name]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "foreign header"])
def test_corrupt_entry_is_ignored_and_rewritten(cache_dir: Path, damage: str) -> None:
    digest = "d" * 64
    cache.store("test", digest, list(range(1000)))
    path = cache.entry_path("test", digest)
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"\x80\x05not a pickle at all" * 10)
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.write_bytes(json.dumps({"format": "other"}).encode() + b"\n" + json.dumps("wrong").encode())
    assert cache.load("test", digest) is None
    calls: list[int] = []
    value = cache.cached("test", digest, lambda: calls.append(1) or [7], accept=lambda v: isinstance(v, list))
    assert value == [7] and calls == [1]
    assert cache.load("test", digest) == [7]  # rewritten, readable again


def test_rejected_value_is_recomputed(cache_dir: Path) -> None:
    digest = "e" * 64
    cache.store("test", digest, "a string where a list belongs")
    assert cache.cached("test", digest, lambda: [1], accept=lambda v: isinstance(v, list)) == [1]
    assert cache.load("test", digest) == [1]


def test_unwritable_cache_does_not_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(cache.CACHE_DIR_VARIABLE, str(blocker / "cache"))
    assert cache.cached("test", "f" * 64, lambda: [3], accept=lambda v: True) == [3]


def test_on_by_default(cache_dir: Path) -> None:
    assert cache.is_enabled() and cache.info().enabled
    cache.store("test", "9" * 64, [1])
    assert entries(cache_dir) == [cache.entry_path("test", "9" * 64).name]


@pytest.mark.parametrize(("variable", "value"), [("RGSYM_NO_CACHE", "1"), ("RGSYM_CACHE", "0")])
def test_disabled_by_environment(cache_dir: Path, monkeypatch: pytest.MonkeyPatch, variable: str,
                                 value: str) -> None:
    monkeypatch.setenv(variable, value)
    calls: list[int] = []
    for _ in range(2):
        cache.cached("test", "0" * 64, lambda: calls.append(1) or [1], accept=lambda v: True)
    assert calls == [1, 1] and entries(cache_dir) == []
    assert not cache.info().enabled


# --- the pipeline ----------------------------------------------------------------------------


def test_derive_is_served_from_disk(cache_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                    tmp_path: Path) -> None:
    spec = load_spec(DERIVATIONS / "on_lpa.toml", ORDER2)
    derive = pipeline.derive.__wrapped__  # type: ignore[attr-defined]  # bypass the in-process cache
    fresh = derive(spec)
    assert isinstance(fresh, BetaSystem) and len(entries(cache_dir)) == 1

    def fail(spec: object) -> None:
        raise AssertionError("derived again instead of reading the cache")

    monkeypatch.setattr(pipeline, "derive_flow", fail)
    again = derive(spec)
    assert isinstance(again, BetaSystem)
    assert again.betas == fresh.betas and again.names == fresh.names
    # the same spec under another file name: served from the cache, with its own source
    copy = tmp_path / "copy.toml"
    shutil.copy(DERIVATIONS / "on_lpa.toml", copy)
    moved = derive(load_spec(copy, ORDER2))
    assert moved.spec_source == str(copy) and moved.betas == fresh.betas


def test_no_cache_flag_bypasses_cache(cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = str(DERIVATIONS / "ising_lpa_zero.toml")
    assert main(["derive", spec, "--set", "truncation.order=1", "--no-cache"]) == 0
    assert entries(cache_dir) == []
    assert cache.NO_CACHE_VARIABLE not in os.environ  # the flag does not outlive the call
    assert "beta_" in capsys.readouterr().out


def test_cache_info_and_clear(cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pipeline.derive.__wrapped__(load_spec(DERIVATIONS / "ising_lpa_zero.toml",  # type: ignore[attr-defined]
                                          ["truncation.order=1"]))
    cache.store("test", "1" * 64, "x" * 5000, "five kilobytes")
    capsys.readouterr()
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert str(cache_dir) in out and "2 entries" in out
    assert "five kilobytes" in out and "LPA Z2" in out and "ising_lpa_zero.toml" in out
    assert main(["cache", "info", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["entries"]) == 2
    assert data["total_bytes"] == sum(p.stat().st_size for p in cache_dir.iterdir()) > 5000
    assert main(["cache", "clear"]) == 0
    assert "removed 2 entries" in capsys.readouterr().out
    assert entries(cache_dir) == []
    assert main(["cache", "info"]) == 0
    assert "0 entries" in capsys.readouterr().out


def test_compiled_libraries_are_listed_and_cleared(cache_dir: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The C compiler's libraries live in c/ under the same folder (rgsym.emit.compiler)."""
    libs = cache_dir / cache.LIBRARY_FOLDER
    libs.mkdir(parents=True)
    (libs / ("0" * 64 + ".so")).write_bytes(b"\x7fELF" + b"\0" * 2000)
    (libs / ".build-xyz").mkdir()  # a build folder of a compiler running now: left alone
    cache.store("test", "3" * 64, [1], "one entry")
    found = cache.info()
    assert [e.kind for e in found.entries] == ["test", "c"]
    assert found.entries[1].size == 2004
    assert main(["cache", "info"]) == 0
    assert "compiled C library" in capsys.readouterr().out
    assert cache.clear() == 2
    assert entries(cache_dir) == ["c"] and entries(libs) == [".build-xyz"]


def test_cache_clear_without_folder(cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cache", "clear"]) == 0
    assert "removed 0 entries" in capsys.readouterr().out


# --- two processes ---------------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys
    from rgsym import cache
    digest, tag = sys.argv[1], sys.argv[2]
    value = list(range(200_000))  # about 1 MB: a write takes long enough to overlap
    bad = 0
    for i in range(40):
        cache.store("race", digest, value, tag)
        got = cache.load("race", digest)
        if got != value:  # another process's write may be newer, but never partial
            bad += 1
    print(bad)
""")


def test_two_processes_do_not_corrupt_the_cache(cache_dir: Path) -> None:
    digest = "2" * 64
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, digest, f"writer {i}"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    for (out, err), p in zip(results, procs, strict=True):
        assert p.returncode == 0, err
        assert out.strip() == "0", f"a reader saw a partial or foreign entry: {out} {err}"
        assert "unreadable" not in err
    (name,) = entries(cache_dir)  # one entry, no temporary files left
    # read directly: the key also hashes rgsym's source, which may differ in this older process
    header, value = read_entry(cache_dir / name)
    assert header["spec_digest"] == digest and cache.decode(value) == list(range(200_000))


def test_two_cli_runs_on_the_same_spec(cache_dir: Path) -> None:
    """Two ``rgsym derive`` processes on the same spec, empty cache: same output, one good entry.

    Both start together and spend seconds importing, so both miss and both write (the
    derivation at order 8 takes long enough for the writes to overlap).
    """
    spec = str(DERIVATIONS / "on_lpa.toml")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "rgsym.cli", "derive", spec, "--set", "truncation.order=8", "--json"]
    procs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    (out1, err1), (out2, err2) = (p.communicate(timeout=300) for p in procs)
    assert procs[0].returncode == procs[1].returncode == 0, err1 + err2
    assert out1 == out2 and not err1 and not err2
    names = entries(cache_dir)
    assert len(names) == 1 and names[0].endswith(cache.SUFFIX)  # no temporary file left
    header, data = read_entry(cache_dir / names[0])
    assert header["kind"] == "derive"
    value = cache.decode(data)
    assert isinstance(value, BetaSystem) and value.to_json() + "\n" == out1  # the entry is whole


@pytest.mark.parametrize(("spec", "overrides"), [
    ("on_lpa.toml", ["truncation.order=4"]),
    ("two_scalar_lpa.toml", ["truncation.order=2"]),
    ("on_lpa.toml", ["theory.d=\"d\"", "theory.N=\"N\"", "truncation.order=3"]),
])
def test_cached_and_fresh_give_identical_bytes(cache_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                               spec: str, overrides: list[str]) -> None:
    """Golden-style determinism: a derivation read back from disk emits exactly the same files."""
    from rgsym.emit import render_files

    loaded = load_spec(DERIVATIONS / spec, overrides)
    derive = pipeline.derive.__wrapped__  # type: ignore[attr-defined]  # bypass the in-process cache
    monkeypatch.setenv(cache.NO_CACHE_VARIABLE, "1")
    fresh = derive(loaded)
    assert entries(cache_dir) == []
    monkeypatch.delenv(cache.NO_CACHE_VARIABLE)
    derive(loaded)  # a miss: derives and writes the entry
    monkeypatch.setattr(pipeline, "derive_flow", lambda spec: pytest.fail("derived instead of read"))
    hit = derive(loaded)
    assert hit is not fresh and len(entries(cache_dir)) == 1
    formats = ["latex", "c", "numpy", "json"]
    paper = pipeline.derive_paper(loaded)  # the paper notation is derived apart from the cache
    assert render_files(hit, formats, paper=paper) == render_files(fresh, formats, paper=paper)
    assert hit.to_json() == fresh.to_json()


def test_cli_output_is_the_same_on_miss_and_hit(cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``rgsym derive --json``: uncached, cache miss and cache hit print the same bytes."""
    args = ["derive", str(DERIVATIONS / "on_lpa.toml"), "--set", "truncation.order=5", "--json"]
    outputs = []
    for extra, expected in (["--no-cache"], 0), ([], 1), ([], 1):
        pipeline.derive.cache_clear()  # type: ignore[attr-defined]  # only the disk may remember
        assert main([*args, *extra]) == 0
        outputs.append(capsys.readouterr().out)
        assert len(entries(cache_dir)) == expected
    assert outputs[0] == outputs[1] == outputs[2] and outputs[0].startswith("{")


# --- what is read, and what is not ---------------------------------------------------------------


def test_info_lists_only_files_named_like_entries(cache_dir: Path) -> None:
    cache.store("test", "5" * 64, [1], "ours")
    for name in ("notes.json", "derive-short.json", f"derive-{'A' * 40}.json", "x.pickle"):
        (cache_dir / name).write_text("{}\n{}\n")
    found = cache.info()
    assert [e.description for e in found.entries] == ["ours"]
    assert cache.clear() == 1
    assert entries(cache_dir) == sorted(["notes.json", "derive-short.json", f"derive-{'A' * 40}.json",
                                         "x.pickle"])


def test_info_reads_the_header_line_only(cache_dir: Path) -> None:
    """The listing never parses a value: a damaged body still shows its description."""
    cache.store("test", "6" * 64, list(range(100)), "a list")
    path = cache.entry_path("test", "6" * 64)
    head = path.read_bytes().split(b"\n", 1)[0]
    path.write_bytes(head + b"\n" + b"\x80 not json" * 1000)
    (entry,) = cache.info().entries
    assert entry.description == "a list" and entry.size == path.stat().st_size
    assert cache.load("test", "6" * 64) is None  # loading does parse it, and ignores it


def test_descriptions_are_printable(cache_dir: Path) -> None:
    cache.store("test", "7" * 64, [1], "line\x1b[31m red\nsecond")
    (entry,) = cache.info().entries
    assert entry.description.isprintable() and "\x1b" not in entry.description


def test_values_that_json_would_change_are_not_stored(cache_dir: Path) -> None:
    cache.store("test", "8" * 64, (1, 2))  # a tuple would read back as a list
    assert entries(cache_dir) == []


def test_quadrature_flows_store_nothing_that_depends_on_the_node_count(
        cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A GNY flow with the exponential regulator (thresholds by quadrature): the derivation entry
    holds the integrals as symbols, the same text whatever the Gauss-Legendre node count, and the
    numeric results (compiled betas, polished points, stability matrices, fixed points) get no key
    (rgsym.solve.numeric._betas_key is "" with thresholds), so no number computed on the nodes is
    read back by a run with other nodes; a flow in closed form does get a key."""
    from rgsym import threshold
    from rgsym.solve.numeric import _betas_key

    spec = load_spec(DERIVATIONS / "gny_chiral_ising.toml",
                     ["truncation.scheme=lpa", "truncation.order=1", "regulator.kind=exponential"])
    derive = pipeline.derive_flow
    coarse = cache.encode(cache.round_trip(derive(spec)))
    monkeypatch.setattr(threshold, "NODES_PER_INTERVAL", 8)
    fine = cache.encode(cache.round_trip(derive(spec)))
    assert json.dumps(coarse, sort_keys=True) == json.dumps(fine, sort_keys=True)
    system = cache.round_trip(derive(spec))
    assert isinstance(system, BetaSystem) and system.thresholds
    assert _betas_key(system, {}, "a digest") == ""
    closed = pipeline.derive(load_spec(DERIVATIONS / "on_lpa.toml", ORDER2))
    assert isinstance(closed, BetaSystem) and not closed.thresholds
    assert _betas_key(closed, {}, "a digest") != ""
