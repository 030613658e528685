"""The README's commands work: every ``rgsym ...`` line parses and its spec loads; marked blocks run.

Blocks are marked by an HTML comment on the line before the fence:
``<!-- readme-test: run -->`` (each command runs in-process, fast), ``<!-- readme-test: parse -->``
(the default for an unmarked block) and ``<!-- readme-test: tutorial -->`` (the five-command
tutorial, run through bash in a fresh folder; slow).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from rgsym.cli import _parser, main
from rgsym.spec import load_spec
from tests.conftest import DERIVATIONS, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"(?:<!-- readme-test: (\w+) -->\n)?```(\w*)\n(.*?)```", re.S)


@dataclass(frozen=True)
class Block:
    mark: str
    language: str
    text: str


def blocks() -> list[Block]:
    return [Block(m.group(1) or "parse", m.group(2), m.group(3)) for m in FENCE.finditer(README)]


def commands(block: Block) -> list[list[str]]:
    """The ``rgsym`` command lines of a block as argument lists (without ``rgsym``)."""
    found = []
    for line in block.text.splitlines():
        line = line.removeprefix("$ ")
        if line.startswith("rgsym "):
            found.append(shlex.split(line, comments=True)[1:])
    return found


ALL = [(b.mark, args) for b in blocks() if b.language in ("bash", "") for args in commands(b)]
RUN = [args for mark, args in ALL if mark == "run"]


def test_install_and_test_commands_come_first() -> None:
    """.ci/run runs these two lines; they must stay at the top, exactly."""
    first = blocks()[0]
    assert first.language == "bash"
    assert first.text == "pip install -e '.[test]'\npython -m pytest\n"
    assert README.index("## Install and test") < README.index("## Tutorial")


def test_blocks_are_found() -> None:
    marks = [b.mark for b in blocks()]
    assert marks.count("tutorial") == 1 and "run" in marks
    assert len(ALL) >= 15 and len(RUN) >= 5


@pytest.mark.parametrize("args", [a for _, a in ALL], ids=[" ".join(a)[:60] for _, a in ALL])
def test_every_command_parses_and_its_spec_loads(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    namespace = _parser().parse_args(args)
    spec = getattr(namespace, "spec", None)
    if spec is None:
        return
    overrides = list(namespace.set or ())
    if getattr(namespace, "split_overrides", None):
        overrides = namespace.split_overrides(namespace, overrides)
    loaded = load_spec(spec, overrides)
    if getattr(namespace, "orders", None):
        from rgsym.workflows.convergence import parse_orders

        parse_orders(namespace.orders, loaded)


@pytest.fixture
def readme_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh folder with the shipped specs, as after a clone, and its own cache."""
    shutil.copytree(DERIVATIONS, tmp_path / "derivations")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RGSYM_CACHE_DIR", str(tmp_path / ".cache"))
    return tmp_path


@pytest.mark.parametrize("args", RUN, ids=[" ".join(a)[:60] for a in RUN])
def test_run_blocks(args: list[str], readme_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out


def test_diagrams_transcript(readme_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every ``$ rgsym diagrams`` example (one or several commands per block) shows the real output."""
    transcripts = [b for b in blocks() if b.text.startswith("$ rgsym diagrams")]
    assert len(transcripts) >= 2  # scalar (O(N)) and fermion lines (chiral Ising)
    for block in transcripts:
        commands: list[list[str]] = []
        for line in block.text.splitlines():
            if line.startswith("$ "):
                commands.append([line])
            else:
                commands[-1].append(line)
        for first, *shown in commands:
            assert main(shlex.split(first)[2:]) == 0
            printed = capsys.readouterr().out.splitlines()
            assert [line for line in printed if line in shown] == shown  # the README drops comment lines
            assert all(line in shown for line in printed if not line.startswith("#"))


def test_derivations_table_lists_every_spec() -> None:
    start = README.index("## Shipped derivations")
    table = README[start:README.index("\n## ", start + 3)]
    listed = set(re.findall(r"^\| `(derivations/[\w./]+\.toml)` \|", table, re.M))
    shipped = {f"derivations/{p.relative_to(DERIVATIONS).as_posix()}" for p in DERIVATIONS.rglob("*.toml")}
    assert listed == shipped


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("cc") is None,
                    reason="the tutorial compiles LaTeX and C")
def test_tutorial(readme_folder: Path) -> None:
    """The five tutorial commands, as a user types them, leave the plot, the PDF and the library."""
    (block,) = [b for b in blocks() if b.mark == "tutorial"]
    script = f'rgsym() {{ "{sys.executable}" -m rgsym.cli "$@"; }}\nset -e\n' + block.text
    done = subprocess.run(["bash", "-c", script], cwd=readme_folder, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=1800,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})  # pdflatex must not wait
    assert done.returncode == 0, done.stderr[-2000:]
    assert (readme_folder / "conv.png").read_bytes().startswith(b"\x89PNG")
    for name in ("betas.tex", "betas_body.tex", "betas.pdf", "betas.c", "betas.h", "betas.py", "betas.json",
                 "libbetas.so"):
        assert (readme_folder / "paper" / name).is_file(), name
    assert "nu    = 0.6495185" in done.stdout  # order 8, as the tutorial says


@pytest.mark.slow
def test_python_blocks(readme_folder: Path) -> None:
    """Every Python block runs: the API tour (which writes out/betas.c) and the diffusion example."""
    python = [b for b in blocks() if b.language == "python"]
    assert len(python) >= 2
    for block in python:
        exec(compile(block.text, "README.md", "exec"), {})  # noqa: S102 - our own README
    assert (readme_folder / "out" / "betas.c").is_file()
