"""Paper notation: the betas with threshold functions, d_t kappa and eta as symbols.

The key check: substituting the definitions back (the threshold functions' explicit values,
v_d, d_t kappa = beta_kappa and eta) gives exactly the derived betas.  Then the closed forms
against the literature, golden files and pdflatex with BibTeX.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import sympy as sp

from rgsym import symbols
from rgsym.emit.paper_latex import FILES, m_closed_form
from rgsym.paper_notation import ANGULAR_FACTOR, ThresholdL, ThresholdM, ThresholdMixed
from rgsym.pipeline import derive, derive_paper, render_derivation
from tests.emit.systems import GOLDEN, ROOT, spec_at
from tests.emit.test_golden import compare

PAPER_GOLDEN = GOLDEN.parent / "on_lpa_order4_paper"

#: (spec file, overrides): around the minimum, symbolic N and d, two fields (mixed loops, zero
#: field), quadrature thresholds, LPA'.
CASES = [
    ("on_lpa.toml", ("truncation.order=4",)),
    ("on_lpa.toml", ("truncation.order=3", 'theory.N="N"', 'theory.d="d"')),
    ("two_scalar_lpa.toml", ("truncation.order=2",)),
    ("on_lpa.toml", ("truncation.order=2", "regulator.kind=exponential")),
    ("ising_lpa_prime.toml", ("truncation.order=3",)),
    ("on_lpa.toml", ("truncation.order=3", "regulator.kind=sharp", 'theory.d="4 - epsilon"')),
]


def load(name: str, overrides: tuple[str, ...]):  # noqa: ANN201 - a TheorySpec
    from dataclasses import replace

    from rgsym import load_spec

    spec = load_spec(ROOT / "derivations" / name, list(overrides))
    return replace(spec, source=f"derivations/{name}")


@pytest.mark.parametrize(("name", "overrides"), CASES)
def test_definitions_substituted_back_give_the_derived_betas(name: str, overrides: tuple[str, ...]) -> None:
    spec = load(name, overrides)
    system = derive(spec)
    flow = derive_paper(spec)
    eta = sp.sympify(system.eta) if flow.eta is not None else None
    assert [c.name for c in flow.couplings] == list(system.names)
    for coupling, paper, derived in zip(flow.couplings, flow.betas, system.betas, strict=True):
        difference = flow.explicit(paper, eta) - derived
        assert sp.simplify(difference) == 0, coupling.name


@pytest.mark.parametrize(("name", "overrides"), CASES[:3])
def test_betas_hold_threshold_functions_and_the_flow_of_the_minimum(name: str,
                                                                     overrides: tuple[str, ...]) -> None:
    """Nothing is written out: no propagator 1/(1 + w) and no pi is left in the betas, and
    d_t kappa appears in the betas of the lambda_n that have a lambda_{n+1}."""
    flow = derive_paper(load(name, overrides))
    for beta in flow.betas:
        assert not beta.has(sp.pi)
        assert all(p.exp > 0 for p in beta.atoms(sp.Pow) if p.base.is_Add)
        assert beta.atoms(ThresholdL, ThresholdMixed)
    rates = dict(flow.rates)
    for coupling, rate in rates.items():
        assert not flow.betas[flow.couplings.index(coupling)].has(rate)
    if rates:
        (rate,) = rates.values()
        assert [b.has(rate) for b in flow.betas] == [False, *([True] * (len(flow.betas) - 2)), False]


def test_symbolic_n_and_d_are_kept() -> None:
    flow = derive_paper(load(*CASES[1]))
    free = set().union(*(b.free_symbols for b in flow.betas))
    assert {symbols.N, symbols.d} <= {sp.Symbol(s.name) for s in free} | free


def test_eta_in_paper_notation_is_the_derived_eta() -> None:
    """eta = F(g) with m_{2,2}: its explicit form solved for eta is the derived eta, and for the
    Litim regulator it is eta = 16 v_d / d kappa lambda^2 m_{2,2}(0, 2 kappa lambda) with
    m_{2,2}(w1, w2) = 1 / ((1 + w1)^2 (1 + w2)^2) (Berges, Tetradis, Wetterich, hep-ph/0005122,
    eqs. (4.13)-(4.15); Litim, hep-th/0103195)."""
    spec = load(*CASES[4])
    system = derive(spec)
    flow = derive_paper(spec)
    assert flow.eta is not None
    explicit = flow.explicit(flow.eta)
    eta = symbols.eta
    solved = sp.solve(sp.Eq(eta, explicit), eta)
    assert len(solved) == 1 and sp.simplify(solved[0] - system.eta) == 0
    kappa, lam = flow.couplings[0].symbol, flow.couplings[1].symbol
    m = ThresholdM(3, 0, 2 * kappa * lam)
    assert sp.expand(flow.eta - sp.Rational(16, 3) * ANGULAR_FACTOR * kappa * lam**2 * m) == 0
    w1, w2 = sp.symbols("w_1 w_2")
    closed = m_closed_form(system.context.regulator, sp.Symbol("d"), w1, w2)
    assert sp.simplify(closed - 1 / ((1 + w1)**2 * (1 + w2)**2)) == 0


def test_litim_threshold_values_are_the_known_closed_form() -> None:
    """l_n^d(w; eta) = (n + delta_{n0}) (2/d) (1 - eta/(d+2)) / (1 + w)^(n+1) for the Litim regulator
    (Litim, hep-th/0103195; README, Conventions)."""
    for case in (CASES[1], CASES[4]):
        flow = derive_paper(load(*case))
        eta = symbols.eta if flow.eta is not None else 0
        for f in flow.functions:
            if isinstance(f.function, ThresholdL):
                n, d, w = f.function.args
                known = (n + (1 if n == 0 else 0)) * 2 / d * (1 - eta / (d + 2)) / (1 + w) ** (n + 1)
                assert sp.simplify(f.value - known) == 0, f.function


@pytest.fixture(scope="module")
def paper_files() -> dict[str, str]:
    spec = spec_at(4)
    return render_derivation(spec, ["latex"])


@pytest.mark.parametrize("name", FILES)
def test_paper_output_matches_golden_file(name: str, paper_files: dict[str, str],
                                          update_golden: bool) -> None:
    compare(PAPER_GOLDEN / name, paper_files[name], update_golden)


def test_every_equation_is_labelled_and_each_flow_stated_once(paper_files: dict[str, str]) -> None:
    body = paper_files["betas_body.tex"]
    assert body.count(r"\begin{align}") == body.count(r"\label{")
    for label in ("eq:threshold:l", "eq:threshold:l:closed", "eq:angular", "eq:beta:kappa",
                  "eq:beta:lambda_2", "eq:beta:lambda_5"):
        assert body.count(rf"\label{{{label}}}") == 1, label
    assert body.count(r"\partial_t \kappa &=") == 1
    cited = {key for part in body.split(r"\cite{")[1:] for key in [part.split("}")[0]]}
    assert cited == {entry.split("{")[1].split(",")[0]
                     for entry in paper_files["betas.bib"].split("@article")[1:]}


needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("bibtex") is None,
                                    reason="pdflatex/bibtex are not installed (.ci/run installs them)")


def compile_with_bibtex(directory: Path, stem: str) -> str:
    """pdflatex, bibtex, pdflatex twice; the last log."""
    for tool in ("pdflatex", "bibtex", "pdflatex", "pdflatex"):
        args = [tool, stem] if tool == "bibtex" else [tool, "-interaction=nonstopmode", "-halt-on-error",
                                                      f"{stem}.tex"]
        done = subprocess.run(args, cwd=directory, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:]
    return (directory / f"{stem}.log").read_text(errors="replace")


@needs_pdflatex
@pytest.mark.parametrize(("name", "overrides"), [CASES[1], CASES[2], CASES[4]])
def test_paper_documents_compile_cleanly(name: str, overrides: tuple[str, ...], tmp_path: Path) -> None:
    import re

    spec = load(name, overrides)
    for file, text in render_derivation(spec, ["latex"]).items():
        (tmp_path / file).write_text(text)
    log = compile_with_bibtex(tmp_path, "betas")
    bad = re.findall(r"^(?:Overfull|LaTeX Warning).*$", log, flags=re.MULTILINE)
    assert bad == [], bad
    assert "Citation" not in log


def test_readme_shows_the_rendered_page_next_to_its_command() -> None:
    """The README's picture exists and the script that makes it is named beside it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    image = readme.index("](docs/paper_notation.png)")
    assert "docs/paper_page.sh" in readme[image - 600:image]
    assert (ROOT / "docs" / "paper_notation.png").read_bytes().startswith(b"\x89PNG")
    script = (ROOT / "docs" / "paper_page.sh").read_text(encoding="utf-8")
    assert "--emit latex" in script and "pdftoppm" in script and "docs/paper_notation" in script


def test_specs_without_threshold_functions_are_written_explicitly() -> None:
    """d = 0 (no momentum integral) and the Polchinski equation: the explicit style, no .bib."""
    for name, overrides in [("zero_dim_on.toml", ("truncation.potential=polynomial", "truncation.order=3")),
                            ("on_polchinski_lpa.toml", ("truncation.order=3",))]:
        spec = load(name, overrides)
        files = render_derivation(spec, ["latex"])
        assert "betas.bib" not in files and r"\cite" not in files["betas_body.tex"]


@needs_pdflatex
@pytest.mark.slow
def test_order_twelve_in_paper_notation_compiles_without_overfull_lines(tmp_path: Path) -> None:
    import re

    spec = spec_at(12)
    for file, text in render_derivation(spec, ["latex"]).items():
        (tmp_path / file).write_text(text)
    log = compile_with_bibtex(tmp_path, "betas")
    assert re.findall(r"^(?:Overfull|LaTeX Warning).*$", log, flags=re.MULTILINE) == []


def test_paper_files_do_not_depend_on_the_hash_seed() -> None:
    """A fresh interpreter with another PYTHONHASHSEED (deriving, not reading the cache) writes the
    golden bytes."""
    import json
    import os
    import sys

    script = ("import json\nfrom rgsym.pipeline import render_derivation\n"
              "from tests.emit.systems import spec_at\nspec = spec_at(4)\n"
              "print(json.dumps(render_derivation(spec, ['latex'])))")
    for seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "RGSYM_NO_CACHE": "1"}
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        files = json.loads(done.stdout)
        assert {name: (PAPER_GOLDEN / name).read_text() for name in FILES} == files
