"""Templates are found through one function (never the working directory) and fail loudly."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest

from rgsym.emit import templating
from rgsym.emit.templating import environment, render, templates_dir
from tests.emit.systems import ROOT


def test_templates_are_found_from_any_working_directory(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert templates_dir() == ROOT / "templates"
    assert environment().get_template("c/betas.h.j2").filename == str(ROOT / "templates" / "c" / "betas.h.j2")


def test_environment_settings() -> None:
    env = environment()
    assert env.undefined is jinja2.StrictUndefined
    assert env.trim_blocks and env.lstrip_blocks and env.keep_trailing_newline


def test_undefined_names_raise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "t.j2").write_text("{{ code.missing }}\n")
    monkeypatch.setattr(templating, "templates_dir", lambda: tmp_path)
    with pytest.raises(jinja2.UndefinedError):
        render("c/t.j2")


def test_missing_templates_name_both_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "site-packages" / "rgsym" / "__init__.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("")
    monkeypatch.setattr(templating.rgsym, "__file__", str(fake))
    with pytest.raises(templating.TemplatesNotFoundError, match="installed.*source checkout"):
        templates_dir()


def test_templates_hold_layout_only() -> None:
    """Tags only loop, branch, include and filter: no imports, macros, assignments or calls."""
    paths = sorted(templates_dir().rglob("*.j2"))
    names = {p.relative_to(templates_dir()).as_posix() for p in paths}
    assert {"c/betas.c.j2", "c/betas.h.j2", "latex/betas.tex.j2", "latex/betas_body.tex.j2",
            "numpy/betas.py.j2", "numpy/score.py.j2", "c/pde.c.j2", "c/pde.h.j2", "c/pde_point.c.j2",
            "numpy/pde.py.j2"} <= names
    for path in paths:
        for tag in re.findall(r"{[{%](.*?)[}%]}", path.read_text(), flags=re.DOTALL):
            words = tag.split()
            assert not re.search(r"\w\(|__", tag), f"{path.name}: {tag}"
            keyword = words[0] if words else ""
            assert keyword not in ("import", "from", "set", "macro", "call"), f"{path.name}: {tag}"
