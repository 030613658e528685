"""The LPA Wilson-Fisher point in 2 < d < 4 against results that do not come from rgsym.

Sources
-------
- epsilon expansion, d = 4 - epsilon (Wilson 1972; Pelissetto & Vicari, cond-mat/0012164, as
  quoted in REFERENCES.md): nu = 1/2 + (N+2) eps/(4(N+8)) + O(eps^2), omega = eps + O(eps^2).
  The LPA reproduces the O(eps) terms exactly but not the eps^2 terms (REFERENCES.md).
- Large N: the LPA is exact as N -> infinity (D'Attanasio & Morris, hep-th/9704094), with
  nu = 1/(d-2) (the spherical model; Codello, Defenu, D'Odorico, PRD 91 (2015) 105003,
  arXiv:1410.3308, who find the leading large-N value reached at N ~ 100).
- Morris, JHEP 0507 (2005) 027, hep-th/0503161: the Polchinski LPA and the Wetterich-Litim LPA
  are related by an exact Legendre-type map, so their exponents coincide in any d.  rgsym derives
  both equations separately and solves them with different boundary conditions, so agreement is a
  check of each route.
- d = 3: Litim, hep-th/0203006; Bervillier, Juttner, Litim, hep-th/0701172 (REFERENCES.md).

The numbers of Codello et al. are in their figures (LPA' with the running eta); we found no table
of LPA values to quote, so the tests check the limits above and the agreement of routes.  The
multicritical points near their d_c (perturbation theory) and the LPA in d = 2 (Morris) are
checked in test_fractional_dimension.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rgsym.errors import SolveError
from rgsym.pipeline import critical_exponents
from rgsym.spec import load_spec
from rgsym.workflows.fixed_function import fixed_function

DERIVATIONS = Path(__file__).resolve().parents[2] / "derivations"
FULL = DERIVATIONS / "ising_lpa_full.toml"
POLCHINSKI = DERIVATIONS / "ising_polchinski_full.toml"
POLY = DERIVATIONS / "on_lpa.toml"


def _full(d: float, n: int = 1, path: Path = FULL):
    return fixed_function(load_spec(path, [f"theory.d={d}", f"theory.N={n}"]))


def _one_loop_nu(eps: float, n: int) -> float:
    return 0.5 + (n + 2) * eps / (4 * (n + 8))


@pytest.mark.parametrize("n", [1])
def test_epsilon_expansion_near_four_dimensions(n: int) -> None:
    """nu - nu_1loop and omega - eps are O(eps^2): the ratio to eps^2 stays bounded as eps -> 0.

    Measured: (nu - nu_1loop)/eps^2 = 0.053 at eps = 0.1 and 0.055 at eps = 0.01 (N = 1); the
    full theory's coefficient is 0.043, and the LPA's is not expected to equal it.  The bound 0.1
    is about twice the measured coefficient; a wrong O(eps) term would give a ratio of ~1/eps.
    """
    ratios = []
    for eps in (0.1, 0.01):
        result = _full(4 - eps, n)
        ratio = (result.nu - _one_loop_nu(eps, n)) / eps**2
        ratios.append(ratio)
        assert abs(ratio) < 0.1
        # omega = eps - 3(3N+14) eps^2/(N+8)^2 + ...: O(eps^2) coefficient of order one
        assert abs(result.omega - eps) < 1.0 * eps**2
    # the same O(eps^2) coefficient at both eps (to 10%): the expansion is seen, not a coincidence
    assert ratios[0] == pytest.approx(ratios[1], rel=0.1)


@pytest.mark.slow
@pytest.mark.parametrize("n", [2, 3])
def test_epsilon_expansion_near_four_dimensions_on(n: int) -> None:
    """As above for O(2) and O(3)."""
    test_epsilon_expansion_near_four_dimensions(n)


@pytest.mark.parametrize("d", [2.5, 3.5])
def test_large_n_approaches_the_spherical_model(d: float) -> None:
    """nu -> 1/(d-2) with a 1/N correction: N (nu - 1/(d-2)) is the same at N = 100 and 1000.

    Measured N (nu - 1/(d-2)) = -0.81, -0.80 at d = 2.5 and -0.52, -0.52 at d = 3.5; 5% allows
    for the 1/N^2 terms (1% at N = 100).
    """
    limit = 1.0 / (d - 2)
    scaled = [n * (_full(d, n).nu - limit) for n in (100, 1000)]
    assert abs(scaled[1]) < 2.0  # |nu - 1/(d-2)| < 2/N
    assert scaled[0] == pytest.approx(scaled[1], rel=0.05)


@pytest.mark.parametrize(("d", "n"), [(2.5, 1), (2.4, 2)])
def test_polchinski_and_wetterich_routes_agree_below_three_dimensions(d: float, n: int) -> None:
    """Morris' map: the same nu and omega from both exact equations (hep-th/0503161).

    Each route's two-grid discretisation error is below 1e-7 here (6e-8 for the Wetterich grid at
    d = 2.5, N = 1); 1e-6 leaves a margin over both.
    """
    wetterich, polchinski = _full(d, n), _full(d, n, POLCHINSKI)
    assert wetterich.nu == pytest.approx(polchinski.nu, abs=1e-6)
    assert wetterich.omega == pytest.approx(polchinski.omega, abs=1e-6)


@pytest.mark.parametrize(("d", "order", "tolerance"), [(3.5, 16, 1e-9), (2.9, 16, 1e-5)])
def test_polynomial_and_full_potential_agree(d: float, order: int, tolerance: float) -> None:
    """Where the polynomial truncation around the minimum converges, it approaches the full potential.

    Measured at order 16: |delta nu| = 3e-11 at d = 3.5 and 4e-7 at d = 2.9 (the expansion converges
    more slowly as d decreases; at order 12 the differences are 7e-10 and 9e-6).  The tolerances
    are about 30x the measured difference.
    """
    _, ex = critical_exponents(load_spec(POLY, [f"theory.d={d}", f"truncation.order={order}"]))
    assert ex.nu == pytest.approx(_full(d).nu, abs=tolerance)


@pytest.mark.slow
@pytest.mark.parametrize("n", [1, 2, 3])
def test_scan_in_dimension(n: int) -> None:
    """d from 3.9 to 2.2: one relevant direction, 1/nu(d) continuous and falling with d, the
    polynomial (order 12) either agreeing with the full potential or refusing to answer, and
    nu below the large-N value 1/(d-2) (the LPA nu grows with N towards it, Codello et al.).
    """
    previous = None
    for tenths in range(39, 21, -1):
        d = tenths / 10
        full = _full(d, n)
        assert sum(1 for t in full.theta if t.real > 0) == 1
        assert full.kappa > 0 and full.mass > 0
        assert full.nu < 1.0 / (d - 2)
        if previous is not None:
            # continuity: theta_1 = 1/nu falls from 2 at d = 4 to ~0.2 at d = 2.2, by at most
            # 0.21 per 0.1 in d (measured; N = 2 between d = 2.4 and 2.3); a jump to another
            # branch changes it by O(1)
            assert 0 < 1 / previous - 1 / full.nu < 0.3
        previous = full.nu
        try:
            _, ex = critical_exponents(load_spec(POLY, [f"theory.d={d}", f"theory.N={n}",
                                                        "truncation.order=12"]))
        except SolveError as exc:
            assert "relevant direction" in str(exc) or "cannot be followed" in str(exc)
            continue
        # measured |delta nu| <= 1e-4 where order 12 still answers (d >= 2.85 for N = 1)
        assert ex.nu == pytest.approx(full.nu, abs=1e-3)
