"""LaTeX of Gross-Neveu-Yukawa flows: the potential's loop in boson and fermion threshold functions.

The split of the supertrace into l_B and l_F (:mod:`rgsym.yukawa_notation`) must give back the loop
the betas are built from, the Litim forms of l_B and l_F must be the published ones, and the
documents must compile with pdflatex without overfull lines.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from rgsym.cli import main
from rgsym.gny import yukawa_loops, yukawa_model
from rgsym.integrate import regulator_of
from rgsym.spec import load_spec
from rgsym.symbols import angular_factor
from rgsym.yukawa_eta import ETA_PHI, ETA_PSI
from rgsym.yukawa_eta_notation import (
    KINDS,
    W1,
    W2,
    EtaThreshold,
    closed_eta_threshold,
    definition_integrand,
    named_anomalous_equations,
    with_closed_eta,
)
from rgsym.yukawa_notation import (
    N_B,
    N_F,
    W_B,
    W_F,
    W,
    closed_mixed,
    closed_thresholds,
    potential_loop,
    potential_terms,
    with_closed_mixed,
    yukawa_loop,
)
from tests.emit.test_latex import assert_clean, needs_pdflatex, pdflatex
from tests.literature import gny_reference as ref

SPECS = ("gny_chiral_ising", "gny_chiral_xy", "gny_chiral_heisenberg", "gny_susy_n1")
#: The same, chiral Heisenberg in the slow run: its derivation takes 18-43 s (its Dirac traces).
SPLIT_SPECS = [pytest.param(name, marks=pytest.mark.slow) if name == "gny_chiral_heisenberg" else name
               for name in SPECS]


#: Per spec: the boson multiplicities (radial once, N_B - 1 Goldstone modes, lightest mass first) and
#: the fermion loop's factor -2 d_gamma N_f (Dirac; half of it for a Majorana field, whose closed
#: loops count half).
EXPECTED = {"gny_chiral_ising": ([1], -16), "gny_chiral_xy": ([1, 1], -16),
            "gny_chiral_heisenberg": ([2, 1], -16), "gny_susy_n1": ([1], -2)}


@pytest.mark.parametrize("name", SPLIT_SPECS)
def test_threshold_split_gives_back_the_derived_potential_loop(name: str) -> None:
    """sum n_i l_B(w_i) + c_F l_F(w_F), with the Litim forms, is the loop of d_t u that the betas
    are built from (rgsym.gny.yukawa_loops), and the mixed threshold functions of the Yukawa ring,
    differentiated by their own rules, are its loop of d_t h / h; for LPA' (both etas as symbols):
    exactly equal at random rational points (both sides are rational functions)."""
    spec = load_spec(f"derivations/{name}.toml")
    model = yukawa_model(spec.theory)
    regulator = regulator_of(spec.regulator)
    terms = potential_terms(model)
    bosons, fermion = EXPECTED[name]
    assert [t.factor for t in terms if t.statistics == "boson"] == bosons
    assert [t.factor for t in terms if t.statistics == "fermion"] == [fermion]
    closed = closed_thresholds(regulator, spec.theory.d, ETA_PHI, ETA_PSI)
    assert closed is not None
    derived = yukawa_loops(model, regulator, spec.theory.d, ETA_PHI, ETA_PSI)
    mixed = closed_mixed(regulator, spec.theory.d, ETA_PHI, ETA_PSI)
    assert mixed is not None
    pairs = [(potential_loop(terms, *closed), derived.potential),
             (with_closed_mixed(yukawa_loop(model), mixed), derived.yukawa)]
    rng = random.Random(7)
    for split, loop in pairs:
        free = sorted(split.free_symbols | loop.free_symbols, key=sp.default_sort_key)
        for _ in range(3):
            point = {x: sp.Rational(rng.randint(1, 97), rng.randint(1, 97)) for x in free}
            assert sp.simplify(split.xreplace(point) - loop.xreplace(point)) == 0


@pytest.mark.parametrize("d", [sp.Integer(3), sp.Integer(4), sp.Rational(5, 2)])
def test_litim_threshold_functions_are_the_published_ones(d: sp.Expr) -> None:
    """Litim: l_0^d(w) = (2/d)(1 - eta_phi/(d+2))/(1+w) (Litim, PRD 64 (2001) 105007) and the fermion
    l_0^(F)d(w) = (2/d)(1 - eta_psi/(d+1))/(1+w) (Gies, Janssen, Rechenberger, Scherer, PRD 81
    (2010) 025009, app. B); rgsym's l_B = 2 v_d l_0^d and l_F = v_d l_0^(F)d (its normalisation:
    the measure v_d int dy y^(d/2-1) and the weights of the module docstring).  Exact."""
    spec = load_spec("derivations/gny_chiral_ising.toml")
    closed = closed_thresholds(regulator_of(spec.regulator), d, ETA_PHI, ETA_PSI)
    assert closed is not None
    boson, fermion = closed
    v_d = angular_factor(d)
    assert sp.simplify(boson - 2 * v_d * 2 / d * (1 - ETA_PHI / (d + 2)) / (1 + W)) == 0
    assert sp.simplify(fermion - v_d * 2 / d * (1 - ETA_PSI / (d + 1)) / (1 + W)) == 0


@pytest.mark.parametrize("d", [sp.Integer(3), sp.Rational(5, 2)])
def test_litim_mixed_threshold_functions_are_the_published_ones(d: sp.Expr) -> None:
    """rgsym's l_(n_F, n_B) = -2 v_d l^(FB)d_(n_F, n_B), exactly, for the Litim forms: the boson
    l_n^d(w) = n (2/d)(1 - eta_phi/(d+2))/(1+w)^(n+1) (Berges, Tetradis, Wetterich, hep-ph/0005122;
    Litim, PRD 64 (2001) 105007), and the mixed l^(FB)d_(1,1)(w_F, w_B) = (2/d) [(1 - eta_psi/(d+1))
    /(1+w_F) + (1 - eta_phi/(d+2))/(1+w_B)] / ((1+w_F)(1+w_B)) (Gies, Janssen, Rechenberger,
    Scherer, PRD 81 (2010) 025009, app. B)."""
    spec = load_spec("derivations/gny_chiral_ising.toml")
    closed = closed_mixed(regulator_of(spec.regulator), d, ETA_PHI, ETA_PSI)
    assert closed is not None
    v_d = angular_factor(d)
    for n in (1, 2, 3):
        boson = closed.xreplace({N_F: 0, N_B: n})
        assert sp.simplify(boson + 2 * v_d * n * 2 / d * (1 - ETA_PHI / (d + 2)) / (1 + W_B) ** (n + 1)) == 0
    mixed = closed.xreplace({N_F: 1, N_B: 1})
    published = 2 / d * ((1 - ETA_PSI / (d + 1)) / (1 + W_F) + (1 - ETA_PHI / (d + 2)) / (1 + W_B)) / (
        (1 + W_F) * (1 + W_B))
    assert sp.simplify(mixed + 2 * v_d * published) == 0


@pytest.mark.parametrize(("name", "around"), [
    ("gny_chiral_ising", "zero"),
    ("gny_chiral_xy", "minimum"),
    pytest.param("gny_chiral_heisenberg", "zero", marks=pytest.mark.slow),  # 40 s (its Dirac traces)
    ("gny_susy_n1", "zero"),
])
def test_named_eta_equations_are_the_derived_ones(name: str, around: str) -> None:
    """eta_phi and eta_psi in the m-functions identified from the rings, with their Litim closed
    forms put in, are the right-hand sides rgsym.gny.anomalous_equations derives (order 3, the
    spec's eta projection: the Goldstone one for XY and Heisenberg); exactly equal at random
    rational points (both sides are rational functions of the couplings and the etas)."""
    from rgsym.gny import anomalous_equations

    spec = load_spec(f"derivations/{name}.toml")
    model = yukawa_model(spec.theory)
    regulator = regulator_of(spec.regulator)
    d = spec.theory.d
    external = 1 if spec.truncation.eta_projection == "goldstone" and len(model.matrices) > 1 else 0
    named = named_anomalous_equations(model, d, 3, around, external)
    derived = anomalous_equations(model, d, 3, around, external, regulator)
    kinds = {str(f.args[0]) for side in named for f in side.atoms(EtaThreshold)}
    # the fermion ring's q/ part and the self-energy in every model; the boson ring and the fermion
    # ring's mass part only away from rho = 0
    assert kinds == ({"BB", "VV", "SS", "FB"} if around == "minimum" else {"VV", "FB"})
    rng = random.Random(11)
    for side, raw in zip(named, derived, strict=True):
        closed = with_closed_eta(side, regulator, d)
        assert not closed.has(EtaThreshold)
        free = sorted(closed.free_symbols | raw.free_symbols, key=sp.default_sort_key)
        for _ in range(3):
            point = {x: sp.Rational(rng.randint(1, 97), rng.randint(1, 97)) for x in free}
            assert sp.simplify(closed.xreplace(point) - raw.xreplace(point)) == 0


@pytest.mark.parametrize("d", [sp.Integer(3), sp.Rational(5, 2), sp.Rational(7, 2)])
def test_litim_m_functions_are_the_published_ones(d: sp.Expr) -> None:
    """The Litim closed forms of m_(2,2), m_4^(F), m_2^(F) and m_(1,2)^(FB) (the projected ring
    structures, normalised) are those of Gies, Janssen, Rechenberger, Scherer, PRD 81 (2010) 025009,
    app. B, as written in tests/literature/gny_reference.py; and the compact definitions printed in
    the document integrate to the same.  Exact."""
    from rgsym.fermion_thresholds import loop_integral
    from rgsym.yukawa_eta import regulator_variation

    regulator = regulator_of(load_spec("derivations/gny_chiral_ising.toml").regulator)
    published = {"BB": ref.m22(W1, W2), "VV": ref.m4_fermion(W1, d), "SS": ref.m2_fermion(W1),
                 "FB": ref.m12_fb(W1, W2, d)}
    swap = {ref.w: W1, ref.eta_phi: ETA_PHI, ref.eta_psi: ETA_PSI}
    for kind in KINDS:
        closed = closed_eta_threshold(kind, regulator, d)
        assert sp.simplify(closed - published[kind].xreplace(swap)) == 0, kind
        compact = loop_integral(regulator_variation(definition_integrand(kind, d)), regulator, d)
        assert sp.simplify(compact - closed) == 0, kind


def _emit(tmp_path: Path, name: str, *overrides: str) -> Path:
    out = tmp_path / name
    args = ["derive", f"derivations/{name}.toml", "--emit", "latex", "-o", str(out)]
    for o in overrides:
        args += ["--set", o]
    assert main(args) == 0
    return out


@needs_pdflatex
@pytest.mark.parametrize(("name", "overrides"), [
    ("gny_chiral_ising", ("truncation.order=2",)),
    ("gny_chiral_xy", ("truncation.order=1", "truncation.expand_around=minimum")),
    ("gny_susy_n1", ("truncation.order=1", "truncation.scheme=lpa")),
])
def test_documents_compile_cleanly(tmp_path: Path, name: str, overrides: tuple[str, ...]) -> None:
    out = _emit(tmp_path, name, *overrides)
    assert_clean(pdflatex(out, "betas.tex"))
    body = (out / "betas_body.tex").read_text()
    assert r"\ell^{d}_{\mathrm{F}}(w) = v_d \int_0^\infty" in body
    assert r"\ell_{1,1}^{d}" in body or "chiral_xy" in name  # the XY vertex loop cancels at rho = 0
    prime = "truncation.scheme=lpa" not in overrides
    assert (r"\label{eq:eta_psi}" in body) == prime
    # LPA': the eta equations in the named m-functions, each defined with its Litim closed form
    assert (r"m^{(\mathrm{FB})d}_{1,2}\left(w_F, w_B\right) = \frac{1}{2} \int_0^\infty" in body) == prime
    if prime:
        eta_psi = body.split(r"\eta_{\psi} &= ")[1].split(r"\label")[0]
        assert r"m^{(\mathrm{FB})d}_{1,2}" in eta_psi and r"\frac{\eta" not in eta_psi
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "betas_body.tex").write_text(body)
    (paper / "paper.tex").write_text("\\documentclass{article}\n\\usepackage{amsmath}\n\\allowdisplaybreaks\n"
                                     "\\begin{document}\nEquation~\\eqref{eq:potential}.\n\\input{betas_body}\n"
                                     "\\end{document}\n")
    assert_clean(pdflatex(paper, "paper.tex"))


def test_output_is_byte_identical_under_another_hash_seed(tmp_path: Path) -> None:
    """Deterministic: the same spec gives the same bytes in a process with another hash seed."""
    out = _emit(tmp_path, "gny_chiral_ising", "truncation.order=1")
    again = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-m", "rgsym.cli", "derive", "derivations/gny_chiral_ising.toml",
                           "--set", "truncation.order=1", "--emit", "latex", "-o", str(again)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    for name in ("betas.tex", "betas_body.tex"):
        assert (out / name).read_bytes() == (again / name).read_bytes()
