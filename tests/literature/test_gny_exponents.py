"""Gross-Neveu-Yukawa exponents from the derived LPA' flows (Litim), against the literature.

Sources (tests/literature/GNY_SOURCES.md says what could be read here and how):
- Janssen, Herbut, PRB 89 (2014) 205403, arXiv:1402.6277, abstract: chiral Heisenberg, N = 8, d = 3,
  LPA' with a phi^4 potential around zero field (rgsym order 1): nu ~= 1.31, eta_phi ~= 1.01,
  eta_psi ~= 0.08.
- Chiral Ising, N = 8, d = 3, LPA' with the full potential: 1/nu = 0.982, eta_phi = 0.760,
  eta_psi = 0.032 (Hoefling, Nowak, Wetterich, PRB 66 (2002) 205111, cond-mat/0203588, as quoted in
  the FRG rows of later comparison tables; transcribed as remembered, not read here).
The hand-written reference flows (tests/literature/gny_reference.py) reproduce both; the derived
flows equal them (test_gny_derived.py), so these tests check the whole chain: derivation, fixed
point search, the choice of the Gross-Neveu-Yukawa point and its exponents.
"""

from __future__ import annotations

import json

import pytest

from rgsym.cli import main

SPECS = "derivations"


def _exponents(capsys: pytest.CaptureFixture[str], spec: str, *overrides: str) -> dict[str, float]:
    args = ["exponents", f"{SPECS}/{spec}", "--json"]
    for item in overrides:
        args += ["--set", item]
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_chiral_heisenberg_n8_phi4_is_janssen_herbut(capsys: pytest.CaptureFixture[str]) -> None:
    got = _exponents(capsys, "gny_chiral_heisenberg.toml", "truncation.order=1")
    # quoted to two decimals: half a unit of the last digit for nu and eta_phi (measured 1.3117,
    # 1.0140); eta_psi comes out 0.0851 against "0.08": one unit of the last digit
    assert got["relevant_directions"] == 1
    assert got["nu"] == pytest.approx(1.31, abs=0.005)
    assert got["eta_phi"] == pytest.approx(1.01, abs=0.005)
    assert got["eta_psi"] == pytest.approx(0.08, abs=0.01)
    # the same flows, hand-written, solved in tests/literature/gny_reference.py: 1.3117, 1.0140, 0.0851
    assert got["eta"] == got["eta_phi"]


def test_chiral_ising_n8_converged_potential(capsys: pytest.CaptureFixture[str]) -> None:
    got = _exponents(capsys, "gny_chiral_ising.toml", "truncation.order=5")
    # order 5 (u' of degree 5 around zero): 1/nu = 0.98194, eta_phi = 0.75960, eta_psi = 0.03200, as the
    # reference flows give at the same order; the truncation error left is 1.7e-4 in 1/nu (orders 4..7
    # of the reference scatter by that much), so the published three decimals are met to 5e-4
    assert got["relevant_directions"] == 1
    assert 1 / got["nu"] == pytest.approx(0.982, abs=5e-4)
    assert got["eta_phi"] == pytest.approx(0.760, abs=5e-4)
    assert got["eta_psi"] == pytest.approx(0.032, abs=5e-4)


def test_lpa_has_no_fixed_point_at_large_n_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """Without eta_phi the d = 3 Yukawa flow has no Gross-Neveu-Yukawa point for N = 8: the fermion
    tadpole drives u'(0) up faster than -2 u'(0) can balance (at order 1 beta_lambda1 > 0 for every
    lambda_1 once h2 sits at its zero; checked by hand).  rgsym must say so and exit 1, not print
    another point."""
    code = main(["exponents", f"{SPECS}/gny_chiral_ising.toml", "--set", "truncation.scheme=lpa",
                 "--set", "truncation.order=2"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Gross-Neveu-Yukawa" in captured.err and "Traceback" not in captured.err


@pytest.mark.parametrize("spec", ["gny_chiral_ising.toml", "gny_chiral_xy.toml",
                                  "gny_chiral_heisenberg.toml"])
def test_large_n(capsys: pytest.CaptureFixture[str], spec: str) -> None:
    """N -> oo at d = 3: eta_phi -> 4 - d = 1, eta_psi -> 0, 1/nu -> d - 2 = 1 (Braun, J. Phys. G 39
    (2012) 033001; the large-N limit quoted by Zerf et al., arXiv:1709.05057).  At N_f = 100 the 1/N
    corrections are a few per cent (the reference flows: deviation ~ 1/N), so 5e-2 is the bound."""
    got = _exponents(capsys, spec, "truncation.order=2",
                     'theory.fermions=[{name="psi", flavours=100, spinor_dim=4}]')
    assert got["eta_phi"] == pytest.approx(1.0, abs=5e-2)
    assert got["eta_psi"] == pytest.approx(0.0, abs=5e-2)
    assert 1 / got["nu"] == pytest.approx(1.0, abs=5e-2)


#: One loop, d = 4 - eps, N = 8: eta_phi/eps, eta_psi/eps, (1/nu - 2)/eps.  Chiral Ising: Fei, Giombi,
#: Klebanov, Tarnopolsky, PTEP 2016 12C105, arXiv:1607.05316 (N/(N+6), 1/(N+6), -1 - (sqrt(N^2 + 132 N + 36)
#: - N - 30)/(6(N+6))); XY and Heisenberg: Zerf, Mihaila, Marquard, Herbut, Scherer, PRD 96 (2017) 096010,
#: arXiv:1709.05057 (N/(N+4), 2/(N+4); N/(N+2), 3/(N+2)); the same formulas are derived symbolically from
#: the reference flows in test_gny_reference.py.
ONE_LOOP_N8 = {"ising": (8 / 14, 1 / 14, -1 + 4 / 84),
               "xy": (8 / 12, 2 / 12, -(36 + (64 + 1216 + 16) ** 0.5) / 60),
               "heisenberg": (8 / 10, 3 / 10, -(146 + 5 * (64 + 1376 + 4) ** 0.5) / 220)}


@pytest.mark.parametrize("model", ["ising", "xy", "heisenberg"])
def test_near_four_dimensions_one_loop(capsys: pytest.CaptureFixture[str], model: str) -> None:
    """The derived flows at d = 4 - eps, eps = 1e-3, phi^4 around zero: the exponents agree with the
    one-loop epsilon expansion up to O(eps^2) ~ 1e-6 (coefficients of order one); 3e-6 is the bound."""
    eps = 1e-3
    got = _exponents(capsys, f"gny_chiral_{model}.toml", "truncation.order=1", f"theory.d={4 - eps}")
    eta_phi, eta_psi, slope = ONE_LOOP_N8[model]
    assert got["relevant_directions"] == 1
    assert got["eta_phi"] == pytest.approx(eta_phi * eps, abs=3e-6)
    assert got["eta_psi"] == pytest.approx(eta_psi * eps, abs=3e-6)
    assert 1 / got["nu"] == pytest.approx(2 + slope * eps, abs=3e-6)
