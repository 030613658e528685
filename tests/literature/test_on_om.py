"""O(N) + O(M): an O(2) doublet phi and a real scalar chi (LPA, Litim, d = 3, zero field).

Exact identities at equal truncation (same order, same expansion point), to 1e-10:
- isotropic point: the singlet sector is the space of functions of rho_phi + rho_chi, and
  the betas restricted to it are those of one O(N + M) multiplet: its thetas are the O(3)
  thetas;
- decoupled point u = u_N(rho_phi) + u_M(rho_chi): the functions of rho_phi alone (of rho_chi
  alone) are mapped into themselves by the stability matrix, with the O(N) (the O(M))
  stability matrix: the spectrum contains the O(2) and the Ising spectra, and the rest are the
  directions that couple the blocks;
- the points where only one block interacts have that block's exponents in their singlet
  sector.
Literature: Calabrese, Pelissetto, Vicari, Phys. Rev. B 67 (2003) 054505, cond-mat/0209580:
for N + M >= 3 the O(N + M) point is unstable (here: a relevant quartic anisotropy), and for
N + M = 3 a biconical point exists (here found by branching off the isotropic and decoupled
points, sec. rgsym.solve.branches).  Its stability is where the LPA differs, see the README.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from rgsym.cli import main
from rgsym.pipeline import exponents
from rgsym.solve.exponents import Exponents
from rgsym.solve.sectors import SectorExponents
from rgsym.spec import load_spec
from tests.literature import spectra

SPEC = "derivations/on_om_lpa.toml"
#: Two computations of the eigenvalues of the same matrix restricted to an invariant subspace
#: agree to rounding (measured < 1e-12 relative); thetas reach ~35 in size.
EXACT = 1e-10


def on_om(order: int, n: int = 2, m: int = 1) -> dict[str, SectorExponents]:
    fields = f'theory.fields=[{{name="phi",N={n}}},{{name="chi",N={m}}}]'
    spec = load_spec(SPEC, [f"truncation.order={order}", fields])
    out = {}
    for _, ex in exponents(spec):
        assert isinstance(ex, SectorExponents)
        out[ex.name] = ex
    return out


def single(n: int, order: int) -> Exponents:
    return spectra.single(n, order, "zero")


def same(ours: Sequence[complex], theirs: Sequence[complex]) -> bool:
    return spectra.same(ours, theirs, EXACT)


@pytest.fixture(scope="module")
def points() -> dict[str, SectorExponents]:
    return on_om(3)


def test_fixed_points_and_names(points: dict[str, SectorExponents]) -> None:
    assert sorted(points) == sorted(["gaussian", "O(2)(phi)", "ising(chi)", "decoupled", "isotropic",
                                     "biconical"])


def test_isotropic_point_has_the_o3_exponents(points: dict[str, SectorExponents]) -> None:
    ex, o3 = points["isotropic"], single(3, 3)
    assert same([s.theta for s in ex.sectors if s.is_singlet], o3.theta)
    assert ex.nu is not None and o3.nu is not None and abs(ex.nu - o3.nu) <= EXACT
    # O(3) is unstable against the O(2) x Z2 anisotropies (Calabrese-Pelissetto-Vicari):
    # the quadratic one and, beyond it, a relevant quartic one
    broken = [s.theta.real for s in ex.sectors if not s.is_singlet and s.theta.real > 0]
    assert len(broken) == 2 and min(broken) > 0


def test_decoupled_point_is_the_union(points: dict[str, SectorExponents]) -> None:
    ex = points["decoupled"]
    o2, ising = single(2, 3), single(1, 3)
    assert same([s.theta for s in ex.sectors if s.part == "phi"], o2.theta)
    assert same([s.theta for s in ex.sectors if s.part == "chi"], ising.theta)
    assert ex.nu is not None and ising.nu is not None and abs(ex.nu - ising.nu) <= EXACT
    # two relevant directions, the two thermal ones: stable in the LPA at this order
    assert ex.relevant == 2


def test_single_block_points(points: dict[str, SectorExponents]) -> None:
    for name, n in (("O(2)(phi)", 2), ("ising(chi)", 1)):
        ours = [s.theta for s in points[name].sectors if s.is_singlet]
        assert same(ours, single(n, 3).theta), name


def test_biconical_point_couples_the_blocks(points: dict[str, SectorExponents]) -> None:
    ex = points["biconical"]
    values = ex.fixed_point.as_dict()
    assert abs(values["lambda_1_1"]) > 1e-3 * abs(values["lambda_2_0"])
    assert ex.symmetries == () and ex.relevant == 3


def test_cli_json_lists_names_and_exponents(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["fixed-points", SPEC, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = [p["name"] for p in data["fixed_points"]]
    assert "isotropic" in names and "biconical" in names
    iso = data["fixed_points"][names.index("isotropic")]
    assert {"nu", "omega", "theta", "sectors", "crossover", "symmetry"} <= set(iso)
    assert main(["exponents", SPEC, "--fixed-point", "decoupled", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "decoupled"


@pytest.mark.slow
@pytest.mark.parametrize(("n", "m", "order"), [(2, 1, 5), (3, 1, 3), (2, 2, 3)])
def test_identities_at_other_orders_and_sizes(n: int, m: int, order: int) -> None:
    found = on_om(order, n, m)
    iso = found["isotropic"]
    assert same([s.theta for s in iso.sectors if s.is_singlet], single(n + m, order).theta)
    decoupled = found["decoupled"]
    if n != m:
        assert same([s.theta for s in decoupled.sectors if s.part == "phi"], single(n, order).theta)
        assert same([s.theta for s in decoupled.sectors if s.part == "chi"], single(m, order).theta)
    else:  # equal blocks: the swap sorts the directions into even and odd ones instead
        spectrum = [s.theta for s in decoupled.sectors]
        for t in single(n, order).theta:
            assert sum(1 for u in spectrum if abs(u - t) <= EXACT * max(1.0, abs(t))) >= 2


def test_symbolic_multiplicities() -> None:
    """N and M left symbolic: swapping the blocks (phi <-> chi, N <-> M) maps the betas onto each
    other, and N = 2, M = 1 gives the numeric derivation (symbolic identities, exact)."""
    import sympy as sp

    from rgsym import symbols
    from rgsym.pipeline import derive

    fields = 'theory.fields=[{name="phi",N="N"},{name="chi",N="M"}]'
    system = derive(load_spec(SPEC, ["truncation.order=2", fields]))
    assert set(system.parameters) == {symbols.N, symbols.M}
    by_index = {c.index: (c.symbol, b) for c, b in zip(system.couplings, system.betas, strict=True)}
    swap = {symbols.N: symbols.M, symbols.M: symbols.N}
    swap |= {sym: by_index[(b, a)][0] for (a, b), (sym, _) in by_index.items()}
    for (a, b), (_, beta) in by_index.items():
        assert sp.simplify(beta.xreplace(swap) - by_index[(b, a)][1]) == 0
    numeric = derive(load_spec(SPEC, ["truncation.order=2"]))
    for ours, theirs in zip(system.betas, numeric.betas, strict=True):
        assert sp.simplify(ours.subs({symbols.N: 2, symbols.M: 1}) - theirs) == 0
