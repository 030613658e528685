"""The templates ship inside the wheel: a non-editable install emits every format."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

from tests.emit.systems import ROOT


def test_pyproject_lists_every_package() -> None:
    """Packages are listed by hand (for the templates' mapping): a new one must be added."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = sorted(".".join(p.relative_to(ROOT).parent.parts)
                   for p in (ROOT / "rgsym").rglob("__init__.py"))
    assert sorted(config["packages"]) == sorted([*found, "rgsym.templates"])
    assert config["package-dir"]["rgsym.templates"] == "templates"


#: Run by the installed interpreter, outside the checkout.
EMIT = """
import sys, pathlib
import rgsym
from rgsym.cli import main
assert "site-packages" in rgsym.__file__, rgsym.__file__
from rgsym.emit.templating import templates_dir
assert str(templates_dir()).startswith(str(pathlib.Path(rgsym.__file__).parent)), templates_dir()
sys.exit(main(["derive", sys.argv[1], "--set", "truncation.order=2", "--emit", "latex,c,numpy,json",
               "-o", "out"]))
"""


@pytest.mark.slow
def test_wheel_install_emits_every_format(tmp_path: Path) -> None:
    """Offline: the wheel is built by this interpreter's setuptools (``--no-build-isolation``,
    ``--no-index``: nothing is downloaded) and installed from the file into a fresh venv."""
    pytest.importorskip("setuptools", minversion="68", reason="the build backend of pyproject.toml")
    pytest.importorskip("wheel", reason="setuptools' bdist_wheel (pip install '.[test]' brings it)")
    source = tmp_path / "src"
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, _mkdir(source) / name)
    for name in ("rgsym", "templates"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    offline = ["--no-deps", "--no-index", "-q"]
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", *offline, "--no-build-isolation",
                            "-w", str(dist), str(source)], capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = dist.glob("rgsym-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", *offline, str(wheel)],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-2000:]
    work = _mkdir(tmp_path / "elsewhere")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(python), "-c", EMIT, str(ROOT / "derivations" / "on_lpa.toml")],
                          cwd=work, capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in (work / "out").iterdir()) == [
        "betas.bib", "betas.c", "betas.h", "betas.json", "betas.py", "betas.tex", "betas_body.tex"]


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
