"""The derived Gross-Neveu-Yukawa flows (rgsym.gny, rgsym.yukawa_eta) against the published ones.

The reference is tests/literature/gny_reference.py: the LPA' flows with the Litim regulator in the
notation of Gies, Janssen, Rechenberger, Scherer, PRD 81 (2010) 025009, arXiv:0910.0764 (chiral
Ising) and Janssen, Herbut, PRB 89 (2014) 205403, arXiv:1402.6277 (chiral XY and Heisenberg),
written out by hand (its docstring says what could be read and how each line was checked).  rgsym
derives the same flows from the supertrace (Dirac algebra, Berezinian, p^2 and p-slash projections),
so the betas and both anomalous dimensions must agree at any point: 1e-10 relative is rounding of
the two rational expressions evaluated in double precision.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from rgsym import load_spec
from rgsym.gny import derive_gny
from tests.literature import gny_reference as ref

DERIVATIONS = "derivations"
SPECS = {"ising": "gny_chiral_ising.toml", "xy": "gny_chiral_xy.toml",
         "heisenberg": "gny_chiral_heisenberg.toml"}
#: fermion components N = d_gamma x flavour dimension x N_f of the shipped specs
COMPONENTS = {"ising": 8, "xy": 8, "heisenberg": 8}


def _reference_numbers(model: str, order: int, expansion: str, point: dict[str, float],
                       projection: str = "radial") -> dict[str, float]:
    betas = ref.reference_betas(model, order + 1, 3, COMPONENTS[model], projection, expansion)
    names = [str(s) for s in ref.couplings(order + 1, expansion)]
    symbols = ref.couplings(order + 1, expansion)
    values = {s: point[n.replace("lambda", "lambda_")] for s, n in zip(symbols, names, strict=True)}
    eqs = [ref.eta_phi - betas["eta_phi"].subs(values), ref.eta_psi - betas["eta_psi"].subs(values)]
    solved = sp.solve(eqs, [ref.eta_phi, ref.eta_psi], dict=True)[0]
    out = {n.replace("lambda", "lambda_"): float(betas[n].subs(values).subs(solved)) for n in names}
    out["eta_phi"], out["eta_psi"] = float(solved[ref.eta_phi]), float(solved[ref.eta_psi])
    return out


@pytest.mark.parametrize(("model", "expansion", "projection"), [
    ("ising", "zero", "radial"), ("ising", "minimum", "radial"), ("xy", "zero", "radial"),
    ("xy", "minimum", "radial"), ("xy", "minimum", "goldstone"), ("heisenberg", "zero", "radial"),
    ("heisenberg", "minimum", "goldstone")])
def test_derived_betas_and_etas_equal_the_published_flows(model: str, expansion: str,
                                                         projection: str) -> None:
    """Order 2 (u' of degree 2 in rho - rho0): kappa or lambda_1, lambda_2, lambda_3, h2; the
    Ising model has only the radial two-point function (eta_projection is ignored for one boson)."""
    order = 2
    spec = load_spec(f"{DERIVATIONS}/{SPECS[model]}", [f"truncation.order={order}",
                                                       f"truncation.expand_around={expansion}",
                                                       f"truncation.eta_projection={projection}"])
    system = derive_gny(spec)
    rng = np.random.default_rng(7)
    for _ in range(2):
        point = {n: float(v) for n, v in zip(system.names, rng.uniform(0.05, 0.6, len(system.names)),
                                              strict=True)}
        expected = _reference_numbers(model, order, expansion, point, projection)
        at = {c.symbol: point[c.name] for c in system.couplings}
        got = {c.name: float(b.xreplace(at)) for c, b in zip(system.couplings, system.betas, strict=True)}
        got |= {n: float(sp.sympify(e).xreplace(at)) for n, e in system.etas}
        for name, value in expected.items():
            assert got[name] == pytest.approx(value, rel=1e-10, abs=1e-12), name
