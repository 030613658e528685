"""Crossover: the number of components N_c where the isotropic point loses its stability to the
cubic anisotropy, by continuation in a real N.

The spec's block gets a symbolic N (``theory.N = "N"``), so one derivation serves every real N
(:func:`rgsym.solve.numeric.compile_system` puts the value in).  The isotropic (O(N)) fixed
point is followed from N = ``lower`` by Newton steps in N.  At it the couplings without a power
of tau span a subspace the stability matrix maps into itself, so B is block triangular and the
thetas of the anisotropic sector are those of the tau-tau block of B; N_c is where the largest
of them changes sign (Brent's method).  Below N_c the anisotropy is irrelevant at the isotropic
point (it is stable); above, relevant.

References
----------
Aharony, Phys. Rev. B 8 (1973) 4270; Pelissetto, Vicari, Phys. Rept. 368 (2002) 549,
cond-mat/0012164, sec. 11.3 (N_c = 4 - 2 epsilon + O(epsilon^2), and N_c < 3 in d = 3);
Brent, Algorithms for Minimization without Derivatives (1973), ch. 4.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import brentq

from rgsym import symbols
from rgsym.betasystem import BetaSystem
from rgsym.errors import SolveError, SpecError
from rgsym.solve.fixed_points import SAME_POINT, Truncated, find_fixed_points, solve_from
from rgsym.solve.numeric import NumericSystem, compile_system
from rgsym.solve.spectrum import relevant_count, stability_thetas
from rgsym.spec import FieldBlock, TheorySpec, load_spec

#: Steps in N while bracketing the sign change: small enough that Newton from the point at the
#: last N converges to the same branch (the isotropic point moves smoothly with N).
STEP = 0.05
#: N_c to this absolute accuracy: far below the truncation's own error (the orders differ by
#: ~1e-2), far above Brent's floor (~1e-15 N).
XTOL = 1e-12


@dataclass(frozen=True)
class Crossover:
    """N_c of one truncation, with the isotropic point's anisotropy theta around it.

    Attributes
    ----------
    order
        The truncation order.
    n_c
        The number of components where the largest anisotropy theta of the isotropic
        point vanishes.
    samples
        (N, theta) on the way from ``lower`` to the bracket.
    """

    order: int
    n_c: float
    samples: tuple[tuple[float, float], ...]

    def as_dict(self) -> dict[str, object]:
        """The result as JSON-ready data.

        Returns
        -------
        dict
            ``order``, ``N_c`` and ``samples`` ([N, theta] pairs).
        """
        return {"order": self.order, "N_c": self.n_c, "samples": [list(p) for p in self.samples]}


def symbolic_components(spec: TheorySpec) -> TheorySpec:
    """The same spec with the block's (and the invariant's) N left symbolic.

    Parameters
    ----------
    spec
        A spec with one block and ``theory.invariants``.

    Returns
    -------
    TheorySpec

    Raises
    ------
    SpecError
        Without an anisotropic invariant or with several blocks.
    """
    theory = spec.theory
    if len(theory.blocks) != 1 or not theory.invariants:
        raise SpecError(spec.source, "theory.invariants", "N_c needs one multiplet with an anisotropic "
                        "invariant, e.g. invariants = { tau = \"sum(phi_a**4)\" }")
    block = FieldBlock(theory.blocks[0].name, symbols.N)
    invariants = tuple(replace(i, components=symbols.N) for i in theory.invariants)
    return replace(spec, theory=replace(theory, blocks=(block,), invariants=invariants))


def _anisotropic(system: BetaSystem) -> np.ndarray:
    """Which couplings carry a power of the anisotropic invariant (second slot)."""
    return np.array([c.index[1] > 0 for c in system.couplings])


def anisotropy_theta(numeric: NumericSystem, g: np.ndarray, tau: np.ndarray) -> float:
    """The largest real part of the anisotropic sector's thetas at an isotropic point g.

    Parameters
    ----------
    numeric
        The compiled system at one N.
    g
        An isotropic fixed point (the tau couplings vanish).
    tau
        Mask of the tau couplings.

    Returns
    -------
    float
    """
    b = numeric.jacobian(g)
    return float(np.max((-np.linalg.eigvals(b[np.ix_(tau, tau)])).real))


class _Isotropic:
    """The isotropic point followed in N: Newton from the point at the nearest N known."""

    def __init__(self, system: BetaSystem, n: float, g: np.ndarray) -> None:
        self.system = system
        self.tau = _anisotropic(system)
        self.known: dict[float, np.ndarray] = {n: g}

    def at(self, n: float) -> tuple[NumericSystem, np.ndarray]:
        numeric = compile_system(self.system, {symbols.N: n})
        nearest = min(self.known, key=lambda m: abs(m - n))
        x = solve_from(Truncated(numeric, len(self.tau)), self.known[nearest] / numeric.scales)
        if x is None or np.max(np.abs(x[self.tau]), initial=0.0) > SAME_POINT:
            raise SolveError(f"lost the isotropic fixed point at N = {n:.6g} (continuing from "
                             f"N = {nearest:.6g}); try a smaller range")
        # refined on the correctly rounded betas: the search's point is known to its residual only,
        # which moved N_c by 1.5e-7 between CPUs (order 3)
        self.known[n] = numeric.polish(x * numeric.scales)
        return numeric, self.known[n]

    def theta(self, n: float) -> float:
        numeric, g = self.at(n)
        return anisotropy_theta(numeric, g, self.tau)


def _isotropic_start(system: BetaSystem, n: float) -> np.ndarray:
    """The interacting isotropic point at N = n with the fewest relevant directions."""
    numeric = compile_system(system, {symbols.N: n})
    tau = _anisotropic(system)
    best = None
    for fp in find_fixed_points(numeric):
        x = np.asarray(fp.values) / numeric.scales
        if fp.is_gaussian or np.max(np.abs(x[tau]), initial=0.0) > SAME_POINT:
            continue
        relevant = relevant_count(stability_thetas(numeric.jacobian(np.asarray(fp.values))))
        if best is None or relevant < best[0]:
            best = (relevant, np.asarray(fp.values))
    if best is None:
        raise SolveError(f"no interacting isotropic fixed point at N = {n:.6g}")
    return best[1]


def crossover_components(spec: TheorySpec, lower: float = 2.0, upper: float = 4.0) -> Crossover:
    """N_c: where the isotropic point's largest anisotropy theta crosses zero.

    Parameters
    ----------
    spec
        A spec with one block and the cubic invariant (its N is replaced by a symbol).
    lower, upper
        The range of N searched.

    Returns
    -------
    Crossover

    Raises
    ------
    SolveError
        If the theta does not change sign in the range, or the isotropic point is lost.
    """
    from rgsym.pipeline import derive

    system = derive(symbolic_components(spec))
    if not isinstance(system, BetaSystem):
        raise SpecError(spec.source, "truncation.potential", "N_c needs a polynomial truncation")
    follower = _Isotropic(system, lower, _isotropic_start(system, lower))
    samples = [(lower, follower.theta(lower))]
    n = lower
    while samples[-1][1] * samples[0][1] > 0:
        if n >= upper:
            raise SolveError(f"the anisotropy theta of the isotropic point keeps its sign on "
                             f"[{lower}, {upper}] (last {samples[-1][1]:.3g}); try another range")
        n = min(upper, n + STEP)
        samples.append((n, follower.theta(n)))
    n_c = brentq(follower.theta, samples[-2][0], samples[-1][0], xtol=XTOL)
    return Crossover(spec.truncation.order, float(n_c), tuple(samples))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rgsym.workflows.crossover SPEC [--orders 1,3,5] [--set K=V] [--json]``.

    Parameters
    ----------
    argv
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0, or 2 for a spec error and 1 for a numerical failure (one line on stderr).
    """
    parser = argparse.ArgumentParser(prog="python -m rgsym.workflows.crossover",
                                     description="N_c of the cubic anisotropy by continuation in N.")
    parser.add_argument("spec")
    parser.add_argument("--orders", default=None, help="comma-separated truncation orders")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        spec = load_spec(args.spec, args.set)
        orders = [int(o) for o in args.orders.split(",")] if args.orders else [spec.truncation.order]
        results = [crossover_components(spec.with_order(o)) for o in orders]
    except (SpecError, SolveError) as exc:
        print(f"rgsym: error: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.json:
        sys.stdout.write(json.dumps([r.as_dict() for r in results], indent=2) + "\n")
    else:
        sys.stdout.write("".join(f"order {r.order}: N_c = {r.n_c:.10f}\n" for r in results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
