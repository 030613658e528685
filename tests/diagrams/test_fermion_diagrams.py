"""Diagrams of Gross-Neveu-Yukawa theories: fermion lines, their signs and their pictures.

The check that cannot pass by construction: the resolved diagrams, evaluated at p = 0 on the
background phi = s e_1 with the Feynman rules of rgsym.diagrams.fermion_loops (vertices, K^-1 in
the Dirac algebra, -1 per closed fermion loop), are compared at random rational points with the
densities rgsym.fermions derives from the Berezinian of the super-Hessian (a different route:
ln sdet, the Schur complement, no diagrams):

* n = 0 against potential_density (boson loop and fermion loop -N_f Tr ln K);
* the boson two-point function against d^2/ds^2 of it (chain rule u_j -> s u_(j+1));
* the fermion two-point function (its T_1 part, the fermion mass) against yukawa_density;
* the Yukawa vertex phi psibar psi against d/ds of yukawa_density.

Both sides are exact rationals at the point, so the comparison is exact (no tolerance).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import sympy as sp

from rgsym.cli import main
from rgsym.diagrams import lines as lines_module
from rgsym.diagrams.fermion_loops import (
    YukawaBackground,
    evaluate_term,
    evaluate_yukawa_flow,
    project_on_mass,
)
from rgsym.diagrams.graphs import DiagramOptionError
from rgsym.diagrams.lines import YukawaFields, derive_yukawa_diagrams
from rgsym.diagrams.render import render_dot, render_json, render_text, render_tikz
from rgsym.diagrams.svg import render_svg
from rgsym.fermions import (
    A_F,
    ADOT_F,
    R_B,
    RDOT_B,
    H,
    S,
    Y,
    YukawaModel,
    potential_density,
    yukawa_density,
)
from rgsym.gny import yukawa_model
from rgsym.spec import load_spec
from tests.conftest import ROOT, run_cli

FIELDS = YukawaFields("phi", "psi")
U = [sp.Symbol(f"u_{j}", real=True) for j in range(8)]
ISING = "derivations/gny_chiral_ising.toml"
#: The flows checked: label -> external legs.
FLOWS = {"potential": [], "boson 2-point": ["phi", "phi"], "fermion mass": ["psibar", "psi"],
         "Yukawa vertex": ["phi", "psibar", "psi"]}


def _d_ds(expr: sp.Expr) -> sp.Expr:
    """d/ds on the radial background: s explicitly and through u_j(rho), d rho / ds = s."""
    out = sp.diff(expr, S)
    for j in range(len(U) - 1):
        out += S * U[j + 1] * sp.diff(expr, U[j])
    return out


@cache
def _references(spec_path: str) -> tuple[YukawaModel, dict[str, sp.Expr]]:
    """The Berezinian side (rgsym.fermions), with the boson masses of the diagram side's vertices."""
    model = yukawa_model(load_spec(ROOT / spec_path).theory)
    masses = YukawaBackground(model, FIELDS).masses
    potential = potential_density(model, masses)
    mass = yukawa_density(model, masses)
    return model, {"potential": potential, "boson 2-point": _d_ds(_d_ds(potential)),
                   "fermion mass": mass, "Yukawa vertex": _d_ds(mass)}


def _point(seed: int) -> dict[sp.Symbol, sp.Expr]:
    rng = random.Random(seed)
    return {x: sp.Rational(rng.randint(1, 60), rng.randint(1, 17))
            for x in [Y, R_B, A_F, RDOT_B, ADOT_F, S, H, *U[:6]]}


def _diagram_side(model: YukawaModel, legs: list[str], point: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    value = evaluate_yukawa_flow(derive_yukawa_diagrams(legs, FIELDS), YukawaBackground(model, FIELDS, point))
    # d_t Gamma = int_q (value); the densities of rgsym.fermions are per v_d int dy y^(d/2-1),
    # int_q = 2 v_d int dy y^(d/2-1): hence the 2
    return 2 * (project_on_mass(value, model) if "psi" in legs else value)


def _compare(spec_path: str, flow: str, seed: int) -> None:
    model, refs = _references(spec_path)
    point = _point(seed)
    want = refs[flow].xreplace(point)
    assert want != 0  # a zero reference would not test the signs
    assert _diagram_side(model, FLOWS[flow], point) == want


@pytest.mark.parametrize("flow", ["potential", "boson 2-point", "fermion mass"])
def test_chiral_ising_diagrams_equal_the_supertrace(flow: str) -> None:
    for seed in (1, 2):
        _compare(ISING, flow, seed)


def test_chiral_ising_yukawa_vertex_equals_the_mass_derivative() -> None:
    _compare(ISING, "Yukawa vertex", 3)


@pytest.mark.slow
@pytest.mark.parametrize("spec_path", ["derivations/gny_chiral_xy.toml",
                                       "derivations/gny_chiral_heisenberg.toml"])
@pytest.mark.parametrize("flow", list(FLOWS))
def test_xy_and_heisenberg_diagrams_equal_the_supertrace(spec_path: str, flow: str) -> None:
    """gamma5 (XY) and Pauli (Heisenberg) Yukawa matrices, Goldstone boson lines."""
    _compare(spec_path, flow, 4)


def test_a_bosonic_fermion_loop_would_fail_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison sees the supertrace sign: without it the potential disagrees."""
    model, refs = _references(ISING)
    point = _point(1)
    monkeypatch.setattr(lines_module, "supertrace_sign", lambda fermion_loop: 1)
    assert _diagram_side(model, [], point) != refs["potential"].xreplace(point)


def test_the_fermion_loop_carries_d_gamma_times_n_f() -> None:
    """The vertex-free fermion loop is -N_f tr ln K, tr over d_gamma spinor components."""
    n_f = sp.Symbol("N_f", positive=True)
    base = yukawa_model(load_spec(ROOT / ISING).theory)
    loop = derive_yukawa_diagrams([], FIELDS).terms[1]
    values = {}
    for dim in (2, 4):
        model = YukawaModel(base.matrices, base.flavour_dim, sp.Integer(dim), n_f)
        values[dim] = sp.factor(evaluate_term(loop, YukawaBackground(model, FIELDS)))
    assert loop.fermion_loop and loop.prefactor == -1 and loop.multiplicity == 1
    assert sp.simplify(values[4] - 2 * values[2]) == 0
    assert sp.simplify(values[4] / n_f).has(n_f) is False


def _table(legs: list[str], zero_field: bool = False) -> list[tuple[str, str, int, tuple[str, ...]]]:
    return [(t.trace(), str(t.prefactor), t.multiplicity, t.lines)
            for t in derive_yukawa_diagrams(legs, FIELDS, zero_field)]


def test_counting_of_the_gny_flows() -> None:
    """Signs, symmetry factors and multiplicities of the one-loop terms (zero field: no odd boson vertex)."""
    assert _table([]) == [("Tr[dtR G]", "1/2", 1, ("B",)), ("Tr[dtR Gpsi]", "-1", 1, ("F+",))]
    assert _table(["phi", "phi"], zero_field=True) == [
        ("Tr[dtR G G4(1,2) G]", "-1/2", 1, ("B",)),
        ("Tr[dtR Gpsi G3(1) Gpsi G3(2) Gpsi]", "-1", 2, ("F+", "F+"))]
    # the mixed ring, the regulator on the boson or on the fermion line
    assert _table(["psibar", "psi"]) == [("Tr[dtR Gpsi G3(1) G G3(2) Gpsi]", "1", 1, ("B", "F+")),
                                         ("Tr[dtR G G3(1) Gpsi G3(2) G]", "1", 1, ("F-", "B"))]
    # the triangle: one boson and two fermion lines, the regulator on each of the three
    assert [row[1:] for row in _table(["phi", "psibar", "psi"], zero_field=True)] == [
        ("-1", 1, ("F-", "B", "F-")), ("-1", 1, ("F+", "B", "F+")), ("-1", 1, ("F-", "F-", "B"))]
    # away from zero field two more triangles: two boson lines through Gamma^(3)_phiphiphi
    assert len(_table(["phi", "psibar", "psi"])) == 6


def test_scalar_rings_are_the_scalar_diagrams() -> None:
    """With boson legs only, the boson-line classes are those of the scalar engine."""
    from rgsym.diagrams import derive_flow_diagrams

    scalar = [(t.fields, t.prefactor, t.multiplicity) for t in derive_flow_diagrams(4)]
    bosons = [(t.fields, t.prefactor, t.multiplicity) for t in derive_yukawa_diagrams(["phi"] * 4, FIELDS)
              if not t.fermion_loop]
    assert sorted(bosons, key=str) == sorted(scalar, key=str)


def test_svg_and_tikz_draw_one_arrow_per_fermion_line(tmp_path: Path) -> None:
    diagrams = derive_yukawa_diagrams(["phi", "psibar", "psi"], FIELDS)
    fermion_lines = sum(x != "B" for t in diagrams for x in t.lines)
    assert fermion_lines == 9
    arrows = fermion_lines + 2 * len(diagrams)  # and one on each external psibar and psi leg
    assert render_svg(diagrams).count('class="fermion-arrow"') == arrows
    tikz = render_tikz(diagrams)
    assert tikz.count("-- cycle;") == arrows
    dot = render_dot(diagrams)
    assert dot.count("dir=forward") + dot.count("dir=back") == fermion_lines
    bosons = derive_yukawa_diagrams(["phi", "phi"], FIELDS)
    assert render_svg(bosons).count("fermion-arrow") == 2  # the fermion ring only


def test_json_and_text_name_the_statistics() -> None:
    import json

    terms = json.loads(render_json(derive_yukawa_diagrams(["psibar", "psi"], FIELDS)))
    assert [[p["statistics"] for p in t["propagators"]] for t in terms] == [["boson", "fermion"],
                                                                            ["fermion", "boson"]]
    assert [p.get("flow") for p in terms[0]["propagators"]] == [None, [1, 0]]
    assert "Gpsi = <psi psibar>" in render_text(derive_yukawa_diagrams([], FIELDS))


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_fermion_tikz_compiles(tmp_path: Path) -> None:
    """The preamble of the scalar TikZ test (article, geometry, amsmath, amssymb, tikz)."""
    (tmp_path / "d.tex").write_text("".join(render_tikz(derive_yukawa_diagrams(legs, FIELDS))
                                            for legs in FLOWS.values()))
    preamble = ["\\documentclass[10pt,a4paper]{article}", "\\usepackage[margin=2cm]{geometry}",
                "\\usepackage{amsmath}", "\\usepackage{amssymb}", "\\usepackage{tikz}"]
    body = ["\\begin{document}", "\\input{d.tex}", "\\end{document}"]
    (tmp_path / "doc.tex").write_text("\n".join(preamble + body) + "\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


def test_cli_draws_the_gny_potential(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagrams", str(ROOT / ISING), "--n-point", "0"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if not line.startswith("#")]
    assert rows == [["1", "1/2", "1", "2", "Tr[dtR", "G]"], ["2", "-1", "1", "1", "Tr[dtR", "Gpsi]"]]


@pytest.mark.parametrize(("args", "option"), [
    (["--n-point", "-1"], "--n-point"), (["--n-point", "13"], "--n-point"),
    (["--n-point", "2", "--legs", "psi,psi"], "--legs"),
    (["--n-point", "4", "--legs", "psibar,psi,psibar,psi"], "--legs"),
    (["--n-point", "2", "--legs", "phi,chi"], "--legs"),
    (["--n-point", "2", "--legs", "psibar"], "--legs"),
])
def test_bad_fermion_requests_end_in_one_line(args: list[str], option: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagrams", str(ROOT / ISING), *args]) == 2
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and len(lines) == 1 and lines[0].startswith("rgsym: error: ") and option in lines[0]


def test_bad_fermion_request_from_the_shell() -> None:
    done = run_cli("diagrams", ISING, "--n-point", "2", "--legs", "psi,psi")
    assert (done.returncode, done.stdout, len(done.stderr.splitlines())) == (2, "", 1)


def test_two_fermion_pairs_are_refused_in_the_library() -> None:
    with pytest.raises(DiagramOptionError, match="graded product rule"):
        derive_yukawa_diagrams(["psibar", "psi", "psibar", "psi"], FIELDS)


_RENDER_YUKAWA = """
from rgsym.diagrams.lines import YukawaFields, derive_yukawa_diagrams
from rgsym.diagrams.render import render
from rgsym.diagrams.svg import render_svg
d = derive_yukawa_diagrams(["phi", "psibar", "psi", "phi"], YukawaFields("phi", "psi"))
print("".join(render(d, f) for f in ("text", "json", "dot", "tikz")) + render_svg(d))
"""


def test_fermion_output_is_the_same_under_any_hash_seed() -> None:
    outputs = set()
    for seed in ("0", "7"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", _RENDER_YUKAWA], capture_output=True, text=True,
                              cwd=ROOT, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
