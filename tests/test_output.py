"""Every file rgsym writes is written all or nothing (:mod:`rgsym.emit.output`).

Checked: a target that cannot be replaced leaves every old file as it was; a failure
half-way through the swap rolls back the files already replaced; staging happens
inside the target folder; files get the umask's permissions; ``--plot`` and
``diagrams -o`` refuse a bad destination before any computation.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from rgsym.cli import main
from rgsym.emit import output
from tests.conftest import DERIVATIONS, run_cli

ON_LPA = str(DERIVATIONS / "on_lpa.toml")
OLD = "old content\n"


def _old_files(folder: Path, names: list[str]) -> dict[str, tuple[str, int]]:
    """Fill ``folder`` with old files; return each file's content and modification time."""
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / name).write_text(OLD)
        os.utime(folder / name, (946_684_800, 946_684_800))  # 2000-01-01: any change shows
    return {n: ((folder / n).read_text(), (folder / n).stat().st_mtime_ns) for n in names}


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.name: (p.read_text(), p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}


def test_one_unwritable_target_leaves_every_old_file(tmp_path: Path) -> None:
    """Issue 12 §2: betas.py is a folder, so nothing may change (today betas.c/.h/.json were new)."""
    out = tmp_path / "out"
    before = _old_files(out, ["betas.c", "betas.h", "betas.json", "betas.tex", "betas_body.tex"])
    (out / "betas.py").mkdir()
    done = run_cli("derive", ON_LPA, "--set", "truncation.order=2", "--emit", "latex,c,numpy,json",
                   "-o", str(out))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "betas.py is a folder" in lines[0], lines
    assert _snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == sorted([*before, "betas.py"])  # no staging left


def test_failure_during_the_swap_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The third rename fails (e.g. the disk went read-only): the first two are put back."""
    out = tmp_path / "out"
    before = _old_files(out, ["a.txt", "b.txt", "c.txt"])
    real = os.replace
    calls: list[tuple[str, str]] = []

    def flaky(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls.append((str(src), str(dst)))
        if len(calls) == 3:
            raise OSError(30, "Read-only file system")
        real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(output.OutputError, match="Read-only file system"):
        output.write_files({"a.txt": "new", "b.txt": "new", "c.txt": "new", "d.txt": "new"}, out)
    assert _snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt", "c.txt"]


def test_staging_is_inside_the_target_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rename from the parent folder fails across mount points; staging is inside the target."""
    out = tmp_path / "out"
    _old_files(out, ["a.txt"])
    real = os.replace
    sources: list[Path] = []

    def recording(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        sources.append(Path(src))
        real(src, dst)

    monkeypatch.setattr(os, "replace", recording)
    output.write_files({"a.txt": "new", "b.txt": "new"}, out)
    assert sources and all(s.parent.parent == out for s in sources), sources
    assert (out / "a.txt").read_text() == "new" and (out / "b.txt").read_text() == "new"
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]


def test_files_get_the_umask_permissions(tmp_path: Path) -> None:
    """A writer that makes a private file (mkstemp: 0600) still gives a 0644 file under umask 022."""
    def private_writer(path: Path) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        os.write(fd, b"png")
        os.close(fd)
        os.replace(tmp, path)

    target = tmp_path / "plot.png"
    target.write_bytes(b"old")
    os.chmod(target, 0o600)
    old = os.umask(0o022)
    try:
        output.write_file(target, private_writer, "--plot")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_bytes() == b"png"


def test_a_new_folder_is_removed_again_on_failure(tmp_path: Path) -> None:
    def broken(path: Path) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(output.OutputError, match="No space left"):
        output.write_files({"a.txt": "a", "b.png": broken}, tmp_path / "new" / "deeper")
    assert list(tmp_path.iterdir()) == []


def _one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rgsym: error:"), err
    return err[0]


def _forbid(monkeypatch: pytest.MonkeyPatch, module: str, name: str) -> None:
    """Make the computation itself fail loudly: the destination must be refused before it."""
    import importlib

    def called(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{module}.{name} ran before the destination was checked")

    monkeypatch.setattr(importlib.import_module(module), name, called)


@pytest.mark.parametrize("make", ["folder", "missing"])
def test_plot_destination_is_checked_before_the_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str], make: str) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "plot.png"
    if make == "folder":
        target.mkdir()
    else:
        target = tmp_path / "missing" / "plot.png"
    want = "is a folder" if make == "folder" else "does not exist"
    _forbid(monkeypatch, "rgsym.workflows.scan", "run_scan")
    _forbid(monkeypatch, "rgsym.workflows.convergence", "run_convergence")
    _forbid(monkeypatch, "rgsym.workflows.fixed_function", "fixed_function")
    _forbid(monkeypatch, "rgsym.workflows.flow", "flow_potential")
    runs = [["scan", ON_LPA, "--set", "regulator.alpha=1:2:3", "--plot", str(target)],
            ["exponents", ON_LPA, "--orders", "2:3", "--plot", str(target)],
            ["fixed-function", str(DERIVATIONS / "ising_lpa_full.toml"), "--plot", str(target)],
            ["flow", str(DERIVATIONS / "ising_lpa_flow.toml"), "--plot", str(target)]]
    for argv in runs:
        line = _one_line(argv, capsys)
        assert "--plot" in line and want in line, (argv[0], line)
    assert sorted(p.name for p in tmp_path.iterdir()) == (["plot.png"] if make == "folder" else [])


def test_diagrams_output_folder_is_refused_before_the_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    _forbid(monkeypatch, "rgsym.diagrams.render", "diagrams_for_spec")
    line = _one_line(["diagrams", ON_LPA, "--n-point", "2", "-o", str(tmp_path)], capsys)
    assert "key '-o'" in line and "is a folder" in line, line
    (tmp_path / "d.txt").mkdir()
    line = _one_line(["diagrams", ON_LPA, "--n-point", "2", "-o", str(tmp_path / "d.txt")], capsys)
    assert "is a folder" in line, line


def test_diagrams_output_replaces_a_file_with_umask_permissions(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "d.txt"
    target.write_text(OLD)
    os.chmod(target, 0o600)
    old = os.umask(0o022)
    try:
        assert main(["diagrams", ON_LPA, "--n-point", "2", "-o", str(target)]) == 0
    finally:
        os.umask(old)
    assert target.read_text() != OLD and stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.txt"]
