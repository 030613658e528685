"""Exports for other toolchains: Mathematica (parsed back), Julia (structure; no Julia here),
and a sympy module (imported in a subprocess).

Julia is not in this machine's Debian archive (``apt-cache policy julia`` has no candidate), so
``betas.jl`` is checked by its golden file (tests/emit/test_golden.py) and by its structure
here, not executed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from rgsym.betasystem import BetaSystem
from rgsym.emit import render_files
from rgsym.emit.exports import mathematica_name
from rgsym.errors import UnsupportedError
from tests.emit.systems import ROOT, system_at

SYMBOLIC = ("theory.N=\"N\"", "theory.d=\"d\"")


def mathematica_entries(text: str, name: str) -> list[str]:
    """The entries of the list ``name = {...};``, one a line, as the template writes them."""
    block = text.split(f"{name} = {{\n", 1)[1].split("\n};", 1)[0]
    return [line.strip().rstrip(",") for line in block.splitlines()]


@pytest.mark.parametrize("overrides", [(), SYMBOLIC])
def test_mathematica_reads_back_to_the_betas(overrides: tuple[str, ...]) -> None:
    """Parsed with sympy's Mathematica parser (our own output) and mapped back to rgsym's symbols,
    each beta and mass equals the derived one exactly."""
    from sympy.parsing.mathematica import parse_mathematica

    system = system_at(3, *overrides)
    text = render_files(system, ["mathematica"])["betas.m"]
    back = {sp.Symbol(mathematica_name(s.name)): s for s in (*system.symbols, *system.parameters)}

    def read(entry: str) -> sp.Expr:  # the parser leaves Gamma[x] an undefined function
        return parse_mathematica(entry).replace(sp.Function("Gamma"), sp.gamma).xreplace(back)

    betas = [read(e) for e in mathematica_entries(text, "rgsymBetas")]
    assert len(betas) == len(system.betas)
    for parsed, derived in zip(betas, system.betas, strict=True):
        assert sp.simplify(parsed - derived) == 0
    masses = [read(e) for e in mathematica_entries(text, "rgsymMasses")]
    assert [sp.expand(m - n) for m, n in zip(masses, system.masses, strict=True)] == [0] * len(masses)
    assert "_" not in text.split("\nrgsymCouplings =", 1)[1]  # a Mathematica pattern, never in a name


def test_julia_defines_f_and_jac_over_every_coupling(order4: BetaSystem,
                                                     order4_files: dict[str, str]) -> None:
    text = order4_files["betas.jl"]
    n = len(order4.betas)
    assert "function f!(du, u, p, t)" in text and "function jac!(J, u, p, t)" in text
    assert text.count("\nfunction ") == 2 and len(re.findall(r"^end$", text, flags=re.MULTILINE)) == 2
    assert sorted(int(i) for i in re.findall(r"du\[(\d+)\] =", text)) == list(range(1, n + 1))
    entries = {(int(i), int(j)) for i, j in re.findall(r"J\[(\d+), (\d+)\] =", text)}
    assert all(1 <= i <= n and 1 <= j <= n for i, j in entries)
    assert {i for i, _ in entries} == set(range(1, n + 1))
    assert "//" not in text and "**" not in text  # Float64 literals, Julia powers


def test_julia_with_symbolic_d_reads_parameters_and_imports_gamma() -> None:
    text = render_files(system_at(3, *SYMBOLIC), ["julia"])["betas.jl"]
    assert "using SpecialFunctions: gamma" in text
    assert 'const PARAMETERS = ("N", "d",)' in text and "d = p[2]" in text


@pytest.mark.parametrize("overrides", [(), SYMBOLIC])
def test_sympy_module_rebuilds_the_system(overrides: tuple[str, ...], tmp_path: Path) -> None:
    """The generated module, imported in a fresh interpreter, holds the same betas, eta and
    masses, and beta_system() has the same stability matrix."""
    system = system_at(3, *overrides)
    (tmp_path / "betas_sympy.py").write_text(
        render_files(system, ["sympy"])["betas_sympy.py"])
    script = (
        "import json, sympy, betas_sympy as m\n"
        "s = m.beta_system()\n"
        "print(json.dumps({'betas': [sympy.srepr(b) for b in m.BETAS], 'eta': sympy.srepr(m.ETA),"
        " 'masses': [sympy.srepr(x) for x in m.MASSES], 'names': list(m.COUPLINGS),"
        " 'jacobian': sympy.srepr(s.stability_matrix)}))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["names"] == list(system.names)
    # equal, though not always the same tree: Python evaluates 2*(a + b)*c as (2a + 2b)*c
    for text, derived in zip(data["betas"], system.betas, strict=True):
        assert sp.simplify(sp.sympify(text) - derived) == 0
    assert sp.sympify(data["eta"]) == sp.sympify(system.eta)
    assert [sp.sympify(m) for m in data["masses"]] == list(system.masses)
    assert sp.simplify(sp.sympify(data["jacobian"]) - system.stability_matrix) == sp.zeros(len(system))


@pytest.mark.parametrize("fmt", ["mathematica", "julia", "sympy"])
def test_quadrature_thresholds_are_refused_in_one_line(fmt: str) -> None:
    overrides = ("regulator.kind=exponential",)
    with pytest.raises(UnsupportedError, match="quadrature"):
        render_files(system_at(2, *overrides), [fmt])
