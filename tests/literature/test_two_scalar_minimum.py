"""Two real scalars with Z2 x Z2 symmetry around the minimum (LPA, Litim, d = 3): each fixed
point on its own background (phi axis, chi axis, both fields at a minimum, zero).

Exact identities at equal truncation (same order, each point expanded around its own minimum),
to 1e-10:
- ising(phi) (a minimum along phi, chi free): the functions of rho_phi alone are an invariant
  subspace, and on it the betas are those of one scalar around its minimum at the same order,
  so the singlet thetas are the Ising ones; ising(chi) is its mirror image;
- isotropic point (a minimum along phi): the functions of rho_phi + rho_chi are invariant, with
  the betas of the O(2) model around its minimum, so the singlet thetas are the O(2) ones;
- decoupled point (both fields at a minimum): u = u_I(rho_phi) + u_I(rho_chi), every Ising
  theta appears twice (once even, once odd under phi <-> chi);
- the background "zero" gives exactly the betas of two_scalar_lpa.toml (around zero field).
Literature: the one-field LPA around the minimum, Litim, Nucl. Phys. B631 (2002) 128,
hep-th/0203006 (../shared/REFERENCES.md: Ising nu = 0.65057 at order 3, converged
0.649561773881); the fixed points of the two-scalar (N = 2 cubic) model, Pelissetto and Vicari,
Phys. Rept. 368 (2002) 549, cond-mat/0012164, sec. 11.3.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence

import pytest
import symengine as se

from rgsym.backgrounds import background_system
from rgsym.cli import main
from rgsym.multi_minimum import derive_at_background
from rgsym.pipeline import derive_flow, exponents
from rgsym.solve.backgrounds import is_mirror_image, on_its_minimum
from rgsym.solve.exponents import Exponents, compute_exponents
from rgsym.solve.fixed_points import find_fixed_points
from rgsym.solve.sectors import SectorExponents
from rgsym.spec import load_spec
from tests.literature import spectra

SPEC = "derivations/two_scalar_minimum_lpa.toml"
ZERO_SPEC = "derivations/two_scalar_lpa.toml"
ORDER = 3
#: Two computations of the eigenvalues of the same matrix restricted to an invariant subspace
#: agree to rounding (measured 5e-15); thetas reach ~4 in size.
EXACT = 1e-10
NAMES = ["gaussian", "ising(phi)", "ising(chi)", "isotropic", "decoupled", "biconical"]


def single(n: int, order: int = ORDER) -> Exponents:
    return spectra.single(n, order, "minimum")


def same(ours: Sequence[complex], theirs: Sequence[complex]) -> bool:
    return spectra.same(ours, theirs, EXACT)


@pytest.fixture(scope="module")
def points() -> dict[str, SectorExponents]:
    out = {}
    for _, ex in exponents(load_spec(SPEC)):
        assert isinstance(ex, SectorExponents)
        out[ex.name] = ex
    return out


def test_fixed_points_and_names(points: dict[str, SectorExponents]) -> None:
    """Each point once: the point along chi that mirrors the biconical one is not listed again."""
    assert sorted(points) == sorted(NAMES)
    assert points["decoupled"].fixed_point.names[:2] == ("kappa_phi", "kappa_chi")
    for name, kappa in (("ising(phi)", "kappa_phi"), ("ising(chi)", "kappa_chi"), ("isotropic", "kappa_phi"),
                        ("biconical", "kappa_phi")):
        assert points[name].fixed_point.names[0] == kappa, name


def test_ising_points_have_the_ising_exponents(points: dict[str, SectorExponents]) -> None:
    ising = single(1)
    for name in ("ising(phi)", "ising(chi)"):
        ex = points[name]
        assert same([s.theta for s in ex.sectors if s.is_singlet], ising.theta), name
        assert ex.nu is not None and ising.nu is not None and abs(ex.nu - ising.nu) <= EXACT
        # hep-th/0203006 (REFERENCES.md): the Ising nu around the minimum at order 3 is 0.65057
        # (quoted to 5 digits, so 1e-5)
        assert abs(ex.nu - 0.65057) < 1e-5
    # mirror images: the couplings of ising(chi) are those of ising(phi) with the fields swapped
    phi, chi = points["ising(phi)"].fixed_point.as_dict(), points["ising(chi)"].fixed_point.as_dict()
    assert abs(phi["kappa_phi"] - chi["kappa_chi"]) <= EXACT * phi["kappa_phi"]
    assert abs(phi["lambda_4_0"] - chi["lambda_0_4"]) <= EXACT * phi["lambda_4_0"]


def test_isotropic_point_has_the_o2_exponents(points: dict[str, SectorExponents]) -> None:
    ex, o2 = points["isotropic"], single(2)
    assert same([s.theta for s in ex.sectors if s.is_singlet], o2.theta)
    assert ex.nu is not None and o2.nu is not None and abs(ex.nu - o2.nu) <= EXACT
    assert ex.symmetries == ("O(phi+chi)",)
    # stable against the anisotropies at N = 2 (the LPA puts N_c above 2, README: cubic model)
    assert ex.relevant == 2


def test_decoupled_point_is_two_ising_copies(points: dict[str, SectorExponents]) -> None:
    ex, ising = points["decoupled"], single(1)
    spectrum = [s.theta for s in ex.sectors]
    for t in ising.theta:  # once in the swap-even, once in the swap-odd sector
        assert sum(1 for u in spectrum if abs(u - t) <= EXACT * max(1.0, abs(t))) >= 2, t
    assert ex.nu is not None and ising.nu is not None and abs(ex.nu - ising.nu) <= EXACT
    values = ex.fixed_point.as_dict()
    assert abs(values["kappa_phi"] - values["kappa_chi"]) <= EXACT * values["kappa_phi"]
    assert ex.symmetries == ("phi<->chi",)


def test_biconical_point_is_listed_once(points: dict[str, SectorExponents]) -> None:
    """Found along phi and, mirrored, along chi: the second is recognised as the first's image."""
    spec = load_spec(SPEC)
    along_phi, along_chi = background_system(spec, (True, False)), background_system(spec, (False, True))
    kept = points["biconical"].fixed_point
    mirrors = [fp for fp in find_fixed_points(along_chi)
               if on_its_minimum(along_chi, fp) and is_mirror_image(along_chi, fp, kept, along_phi)]
    assert len(mirrors) == 1
    assert same(compute_exponents(along_chi, mirrors[0]).theta, points["biconical"].theta)
    # the minimum is along phi, and the chi field interacts there
    values = kept.as_dict()
    assert values["kappa_phi"] > 0 and abs(values["lambda_1_1"]) > 1.0
    # a point is never the mirror image of itself (a swap symmetry is found by symmetry.py)
    assert not is_mirror_image(along_phi, kept, kept, along_phi)


def test_zero_background_is_the_zero_field_expansion() -> None:
    spec = load_spec(SPEC, ["truncation.order=2"])
    ours = derive_at_background(spec, (False, False))
    theirs = derive_flow(load_spec(ZERO_SPEC, ["truncation.order=2"]))
    assert [c.name for c in ours.couplings] == [c.name for c in theirs.couplings]
    rng = random.Random(5)
    values = {se.Symbol(c.name): rng.uniform(-0.3, 0.3) for c in theirs.couplings}
    for a, b in zip(ours.betas, theirs.betas, strict=True):
        # the same rational function, summed in another order: rounding only
        assert abs(float(se.sympify(a).xreplace(values)) - float(se.sympify(b).xreplace(values))) < 1e-12


def test_cli_json_lists_the_named_points(points: dict[str, SectorExponents],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fixed-points", SPEC, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sorted(p["name"] for p in data["fixed_points"]) == sorted(NAMES)
    assert main(["exponents", SPEC, "--fixed-point", "isotropic", "--json"]) == 0
    iso = json.loads(capsys.readouterr().out)
    assert iso["name"] == "isotropic" and abs(iso["nu"] - points["isotropic"].nu) <= EXACT
