"""``rgsym derive --emit ... -o OUTDIR`` and ``--backend``, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rgsym.cli import main
from tests.conftest import run_cli
from tests.emit.systems import ROOT

SPEC = str(ROOT / "derivations" / "on_lpa.toml")


def test_emit_every_format_writes_the_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_cli("derive", SPEC, "--set", "truncation.order=2", "--emit", "latex,c,numpy,json",
                   "-o", str(out), "--json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)["files"]
    names = sorted(p.name for p in out.iterdir())
    assert names == ["betas.bib", "betas.c", "betas.h", "betas.json", "betas.py", "betas.tex",
                     "betas_body.tex"]
    assert sorted(Path(p).name for p in listed) == names


def _one_line_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rgsym: error:"), err
    return err[0]


def test_bad_format_is_one_line_and_writes_nothing(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    line = _one_line_error(["derive", SPEC, "--emit", "latex,fortran", "-o", str(out)], capsys)
    assert "'fortran'" in line and "latex, c, numpy, json" in line
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_is_one_line_and_writes_nothing(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    line = _one_line_error(["derive", SPEC, "--emit", "c", "-o", str(blocker / "out")], capsys)
    assert "not a directory" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_emit_and_output_need_each_other(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "needs -o" in _one_line_error(["derive", SPEC, "--emit", "c"], capsys)
    assert "needs --emit" in _one_line_error(["derive", SPEC, "-o", str(tmp_path / "x")], capsys)
    assert "no format" in _one_line_error(["derive", SPEC, "--emit", " ,", "-o", str(tmp_path / "x")], capsys)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_no_partial_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails half-way (here: the second file) leaves neither files nor staging behind."""
    from rgsym.emit import output

    calls = []
    real = Path.write_text

    def failing(self: Path, *args: object, **kwargs: object) -> int:
        calls.append(self.name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", failing)
    with pytest.raises(output.OutputError, match="No space left"):
        output.write_files({"a.txt": "a", "b.txt": "b"}, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_exponents_with_the_c_backend(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exponents", SPEC, "--set", "truncation.order=3", "--backend", "c", "--json"]) == 0
    c = json.loads(capsys.readouterr().out)
    assert main(["exponents", SPEC, "--set", "truncation.order=3", "--json"]) == 0
    symengine = json.loads(capsys.readouterr().out)
    assert abs(c["nu"] - symengine["nu"]) < 1e-10 and abs(c["omega"] - symengine["omega"]) < 1e-10


def test_emit_full_potential_writes_the_grid_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A full potential is emitted as the PDE on a grid (rgsym.emit.grid): C and NumPy only."""
    full = str(ROOT / "derivations" / "ising_lpa_full.toml")
    out = tmp_path / "out"
    assert main(["derive", full, "--emit", "c,numpy", "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["pde.c", "pde.h", "pde.py"]
    line = _one_line_error(["derive", full, "--emit", "latex", "-o", str(tmp_path / "x")], capsys)
    assert "--emit c,numpy" in line and "truncation.potential" in line
    assert not (tmp_path / "x").exists()
