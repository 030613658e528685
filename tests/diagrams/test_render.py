"""``rgsym diagrams``: formats, errors, files, determinism; the TikZ compiles, the PNG shows the insertion."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rgsym.cli import main
from rgsym.diagrams import derive_flow_diagrams
from rgsym.diagrams.render import render_dot, render_png, render_tikz
from tests.conftest import ROOT, run_cli

SPEC = "derivations/on_lpa.toml"


def test_text_lists_the_two_point_function() -> None:
    done = run_cli("diagrams", SPEC, "--n-point", "2")
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines() if not line.startswith("#")]
    assert rows == [["1", "-1/2", "1", "2", "G4", "Tr[dtR", "G", "G4(1,2)", "G]"],
                    ["2", "1", "1", "1", "G3", "G3", "Tr[dtR", "G", "G3(1)", "G", "G3(2)", "G]"]]


def test_json_of_the_four_point_function(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagrams", str(ROOT / SPEC), "--n-point", "4", "--format", "json"]) == 0
    terms = json.loads(capsys.readouterr().out)
    assert [(t["vertices"], t["prefactor"], t["multiplicity"]) for t in terms] == [
        ([6], "-1/2", 1), ([5, 3], "1", 4), ([4, 4], "1", 3), ([4, 3, 3], "-1", 12), ([3, 4, 3], "-1", 6),
        ([3, 3, 3, 3], "1", 12)]
    for t in terms:
        assert len(t["propagators"]) == len(t["vertices"])
        assert sum(p["regulator"] for p in t["propagators"]) == 1
        assert t["propagator_count"] == len(t["vertices"]) + 1


def test_zero_field_spec_drops_odd_vertices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagrams", str(ROOT / "derivations/ising_lpa_zero.toml"), "--n-point", "4", "--json"]) == 0
    assert [t["vertices"] for t in json.loads(capsys.readouterr().out)] == [[6], [4, 4]]


@pytest.mark.parametrize(("args", "option"), [
    (["--n-point", "0"], "--n-point"), (["--n-point", "13"], "--n-point"),
    (["--n-point", "four"], "--n-point"), ([], "--n-point"),
    (["--n-point", "4", "--format", "svg"], "--format"),
    (["--n-point", "4", "--format", "png"], "--format png"),
    (["--n-point", "4", "--legs", "phi,psi,phi,phi"], "--legs"),
])
def test_bad_options_end_in_one_line(args: list[str], option: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagrams", str(ROOT / SPEC), *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rgsym: error: ") and option in lines[0]


def test_bad_option_from_the_shell() -> None:
    done = run_cli("diagrams", SPEC, "--n-point", "0")
    assert (done.returncode, done.stdout, len(done.stderr.splitlines())) == (2, "", 1)


def test_output_file_is_written_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "d4.tex"
    assert main(["diagrams", str(ROOT / SPEC), "--n-point", "4", "--format", "tikz", "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert target.read_text() == render_tikz(derive_flow_diagrams(4), str(ROOT / SPEC))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d4.tex"]  # no temporary file left behind


#: Prints the three text formats of a multi-field flow in a fresh interpreter.
_RENDER_ALL = """
from rgsym.cli import main
from rgsym.diagrams import derive_flow_diagrams
from rgsym.diagrams.render import render
d = derive_flow_diagrams(["phi", "chi", "phi", "chi", "chi", "phi"], even_vertices=True)
e = derive_flow_diagrams(6)
print("".join(render(x, f) for x in (d, e) for f in ("text", "json", "dot", "tikz")))
"""


def test_output_is_the_same_under_any_hash_seed() -> None:
    outputs = set()
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", _RENDER_ALL], capture_output=True, text=True, cwd=ROOT,
                              env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_dot_marks_one_regulator_line_per_class() -> None:
    d = derive_flow_diagrams(5)
    dot = render_dot(d)
    assert dot.count("subgraph cluster_") == len(d)
    assert dot.count("color=red") == len(d)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_tikz_compiles_in_the_emitted_latex_preamble(tmp_path: Path) -> None:
    """The preamble of templates/latex/betas.tex.j2 (article, geometry, amsmath, amssymb) plus tikz."""
    (tmp_path / "d.tex").write_text(render_tikz(derive_flow_diagrams(4)) +
                                    render_tikz(derive_flow_diagrams(["phi", "chi", "phi"])))
    preamble = ["\\documentclass[10pt,a4paper]{article}", "\\usepackage[margin=2cm]{geometry}",
                "\\usepackage{amsmath}", "\\usepackage{amssymb}", "\\usepackage{tikz}"]
    body = ["\\begin{document}", "\\input{d.tex}", "\\end{document}"]
    (tmp_path / "doc.tex").write_text("\n".join(preamble + body) + "\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


def test_png_shows_vertices_and_the_regulator_insertion(tmp_path: Path) -> None:
    image = pytest.importorskip("matplotlib.image")
    path = tmp_path / "d.png"
    path.write_bytes(render_png(derive_flow_diagrams(4)))
    pixels = image.imread(str(path))
    assert pixels.shape[0] > 300 and pixels.shape[1] > 600
    red = (pixels[..., 0] > 0.9) & (pixels[..., 1] < 0.15) & (pixels[..., 2] < 0.15)
    green = (abs(pixels[..., 0] - 0.17) < 0.05) & (abs(pixels[..., 1] - 0.63) < 0.05)  # Gamma^(4) dots
    assert red.sum() > 200, "the crossed circle of d_t R_k is missing"
    assert green.sum() > 200, "the Gamma^(4) insertions are not coloured"
