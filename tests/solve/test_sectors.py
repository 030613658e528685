"""Symmetry sectors and names of multi-field fixed points (rgsym.solve.sectors, .naming).

Exact identities at equal truncation, not literature numbers:
- at the O(2) point of two real scalars (Z2 x Z2, zero field) the singlet sector is the space
  of functions of rho_phi + rho_chi, and the betas restricted to it are the O(2) betas of the
  single multiplet at the same order: its thetas are the O(2) thetas, and nu is the O(2) nu;
- at the cubic point (N = 2: decoupled Ising copies in variables rotated by 45 degrees) the
  singlet (phi <-> chi even) sector is the same space of D4-invariant polynomials as at the
  decoupled point, rotated: the two singlet spectra coincide.
"""

from __future__ import annotations

import numpy as np
import pytest

from rgsym.action import Coupling
from rgsym.cli import main
from rgsym.pipeline import critical_exponents, exponents
from rgsym.solve.exponents import Exponents
from rgsym.solve.fixed_points import FixedPoint
from rgsym.solve.sectors import SectorExponents, classify
from rgsym.solve.symmetry import Slot, candidate_symmetries
from rgsym.spec import parse_spec

ORDER = 3
#: Eigenvalues of the same (restricted) matrix computed two ways agree to rounding (~1e-13,
#: measured); 1e-10 relative leaves room for the conditioning of the largest thetas (~30).
EXACT = 1e-10
#: The cubic point lies along a nearly marginal direction (theta ~ 1e-11), so the solver pins
#: it only to ~1e-6 in scaled couplings; its singlet thetas still agree with the decoupled
#: point's to 2e-11 (measured: the marginal direction is odd under the swap, so it moves them
#: only at second order).  Distinct thetas of the spectrum differ by more than 0.1.
MARGINAL = 1e-8


def two_scalar() -> list[tuple[FixedPoint, Exponents]]:
    spec = parse_spec({"theory": {"d": 3, "fields": ["phi", "chi"]},
                       "truncation": {"order": ORDER, "expand_around": "zero"}}, "two_scalar")
    return exponents(spec)


def o_n(n: int) -> Exponents:
    spec = parse_spec({"theory": {"d": 3, "N": n},
                       "truncation": {"order": ORDER, "expand_around": "zero"}}, "o_n")
    (ex,) = [ex for fp, ex in exponents(spec) if not fp.is_gaussian]
    return ex


@pytest.fixture(scope="module")
def points() -> dict[str, SectorExponents]:
    out = {}
    for _, ex in two_scalar():
        assert isinstance(ex, SectorExponents)
        out[ex.name] = ex
    return out


def singlet(ex: SectorExponents) -> list[complex]:
    return sorted((s.theta for s in ex.sectors if s.is_singlet), key=lambda t: -t.real)


def test_names(points: dict[str, SectorExponents]) -> None:
    assert sorted(points) == ["cubic", "decoupled", "gaussian", "ising(chi)", "ising(phi)", "isotropic"]


def test_o2_point_has_o2_exponents_in_its_singlet_sector(points: dict[str, SectorExponents]) -> None:
    ex, o2 = points["isotropic"], o_n(2)
    assert ex.symmetries == ("phi<->chi", "O(phi+chi)")
    ours, theirs = singlet(ex), sorted(o2.theta, key=lambda t: -t.real)
    assert len(ours) == len(theirs)
    assert np.allclose(ours, theirs, rtol=EXACT, atol=EXACT)
    assert ex.nu is not None and o2.nu is not None and abs(ex.nu - o2.nu) <= EXACT
    assert ex.omega is not None and o2.omega is not None and abs(ex.omega - o2.omega) <= EXACT
    # the largest theta is the phi^2 - chi^2 anisotropy: odd under the swap, a crossover exponent
    top = ex.sectors[0]
    assert top.sector == "odd under phi<->chi; breaks O(phi+chi)" and top.theta.real > 1 / o2.nu
    assert ex.crossover and ex.crossover[0][1] == pytest.approx(top.theta.real * ex.nu, rel=EXACT)


def test_cubic_point_is_the_rotated_decoupled_point(points: dict[str, SectorExponents]) -> None:
    cubic, decoupled = singlet(points["cubic"]), singlet(points["decoupled"])
    assert len(cubic) == len(decoupled)
    assert np.allclose(cubic, decoupled, rtol=MARGINAL, atol=MARGINAL)


def test_decoupled_and_single_field_points_have_the_ising_nu(points: dict[str, SectorExponents]) -> None:
    ising = o_n(1)
    assert ising.nu is not None
    for name in ("decoupled", "ising(phi)", "ising(chi)", "cubic"):
        nu = points[name].nu
        assert nu is not None and abs(nu - ising.nu) <= MARGINAL, name
    # at ising(chi) the free phi's mass (theta = 2) is no singlet: it breaks phi's shift symmetry
    assert points["ising(chi)"].sectors[0].sector == "involves the free phi"


def test_by_name_and_index_agree() -> None:
    spec = parse_spec({"theory": {"d": 3, "fields": ["phi", "chi"]},
                       "truncation": {"order": ORDER, "expand_around": "zero"}}, "two_scalar")
    by_name = critical_exponents(spec, "isotropic")[1]
    default = critical_exponents(spec)[1]
    assert by_name.nu == default.nu  # the O(2) point is the most stable one (two relevant)


def test_cli_names_and_unknown_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fixed-points", "derivations/two_scalar_lpa.toml"]) == 0
    assert "[3] isotropic: 2 relevant direction(s)" in capsys.readouterr().out
    assert main(["exponents", "derivations/two_scalar_lpa.toml", "--fixed-point", "nowhere"]) == 2
    err = capsys.readouterr().err
    assert "no fixed point of that name" in err and "isotropic" in err and len(err.splitlines()) == 1


def test_swap_classification_of_a_small_matrix() -> None:
    """A 2 x 2 matrix commuting with the swap: its even eigenvector is the singlet."""
    couplings = [Coupling("lambda_1_0", "", (1, 0)), Coupling("lambda_0_1", "", (0, 1))]
    slots = [Slot("phi", 1, "rho", "rho_phi"), Slot("chi", 1, "rho", "rho_chi")]
    swap = [s for s in candidate_symmetries(couplings, slots) if s.kind == "swap"]
    assert [s.name for s in swap] == ["phi<->chi"]
    rows = swap[0].rows[np.linalg.norm(swap[0].rows, axis=1) > 0]
    sym = type(swap[0])(swap[0].name, "swap", rows / np.linalg.norm(rows, axis=1, keepdims=True),
                        swap[0].permutation)
    b = np.array([[-1.0, -0.5], [-0.5, -1.0]])  # -theta: 1.5 (even), 0.5 (odd)
    labelled = {round(s.theta.real, 12): s.sector for s in classify(b, [sym])}
    assert labelled == {1.5: "singlet", 0.5: "odd under phi<->chi"}


def test_exponents_command_prints_the_o2_nu(capsys: pytest.CaptureFixture[str]) -> None:
    """The defect of issue 13: the default point of two_scalar_lpa.toml is the O(2) point, and its
    nu is the O(2) nu, not 1/theta of the phi^2 - chi^2 anisotropy."""
    import json

    assert main(["exponents", "derivations/two_scalar_lpa.toml", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    o2 = o_n(2)
    assert data["name"] == "isotropic" and o2.nu is not None
    assert abs(data["nu"] - o2.nu) <= EXACT and abs(data["omega"] - o2.omega) <= EXACT
    top = data["sectors"][0]
    assert top["sector"] != "singlet" and abs(1 / top["theta"] - data["nu"]) > 0.1
