"""Action: the LPA ansatz Gamma_k = int [ Z_k/2 (d phi)^2 + U(rho_1, ..., rho_B) ].

In the LPA Z_k = 1; in LPA' Z_k is field independent but runs, with the
anomalous dimension eta = -d_t ln Z_k left as a symbol here.

The ansatz is stated in dimensionless variables: one invariant
rho_b = phi_b . phi_b / 2 per field block and the dimensionless potential
u(rho) = U / k^d.  For a polynomial truncation the potential is a finite Taylor
polynomial whose coefficients are the running couplings; for the full
potential it stays an undetermined function.

References
----------
Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002), hep-ph/0005122, sec. 2.3.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import sympy as sp

from rgsym import symbols
from rgsym.spec import FieldBlock, TheorySpec

MultiIndex = tuple[int, ...]


@dataclass(frozen=True)
class Component:
    """A representative real field component.

    ``multiplicity`` counts how many components of the theory it stands for:
    1 for the radial (background) direction of a block, N_b - 1 for the
    transverse (Goldstone) directions, which the residual O(N_b - 1) symmetry
    makes identical.
    """

    name: str
    block: int
    symbol: sp.Symbol
    multiplicity: sp.Expr
    radial: bool


@dataclass(frozen=True)
class Coupling:
    """A running coupling: ``value`` of the potential derivative ``index`` (or kappa)."""

    name: str
    latex: str
    index: MultiIndex
    is_minimum: bool = False

    @property
    def symbol(self) -> sp.Symbol:
        """The real sympy symbol of this coupling (see `rgsym.symbols.coupling`).

        Returns
        -------
        sympy.Symbol
            The same object for the same ``name``.
        """
        return symbols.coupling(self.name)

    @property
    def order(self) -> int:
        """Lowest truncation order that contains this coupling (order = degree of u')."""
        return 1 if self.is_minimum else max(1, sum(self.index) - 1)


@dataclass(frozen=True)
class Action:
    """The ansatz for Gamma_k.

    Attributes
    ----------
    blocks
        Field blocks (multiplets) of the theory.
    components
        Representative components, radial first within each block.
    invariants
        rho_b per block.
    d, eta
        Dimension and anomalous dimension (0 in the LPA).
    expansion_point
        rho_b at which the polynomial is expanded (kappa_b or 0), empty for the full potential.
    taylor
        Multi-index -> coefficient of prod_b (rho_b - point_b)^a_b / a_b!; empty for the full potential.
    couplings
        The running couplings in a fixed order.
    """

    blocks: tuple[FieldBlock, ...]
    components: tuple[Component, ...]
    invariants: tuple[sp.Symbol, ...]
    d: sp.Expr
    eta: sp.Expr
    potential: str
    expansion_point: tuple[sp.Expr, ...]
    taylor: tuple[tuple[MultiIndex, sp.Expr], ...]
    couplings: tuple[Coupling, ...]

    def __repr__(self) -> str:
        comps = ", ".join(f"{c.name}(x{c.multiplicity})" for c in self.components)
        return (
            f"Action(d={self.d}, components=[{comps}], potential={self.potential!r}, "
            f"couplings=[{', '.join(c.name for c in self.couplings)}])"
        )

    def potential_function(self) -> sp.Expr:
        """u(rho) as a sympy expression in the invariants (Function for the full potential)."""
        if self.potential == "full":
            return sp.Function("u")(*self.invariants)
        shifts = [r - p for r, p in zip(self.invariants, self.expansion_point, strict=True)]
        return sp.Add(*[
            coeff * sp.Mul(*[s**k / math.factorial(k) for s, k in zip(shifts, idx, strict=True)])
            for idx, coeff in self.taylor
        ])


def build_action(spec: TheorySpec) -> Action:
    """Build the LPA ansatz for a spec: components, invariants, potential and couplings."""
    blocks = spec.theory.blocks
    comps = tuple(itertools.chain.from_iterable(_block_components(i, b) for i, b in enumerate(blocks)))
    invariants = tuple(symbols.invariant(b.name) for b in blocks)
    trunc = spec.truncation
    if trunc.potential == "full":
        return Action(blocks, comps, invariants, spec.theory.d, sp.Integer(0), "full", (), (), ())
    couplings, taylor, point = _polynomial_ansatz(blocks, trunc.order, trunc.expand_around)
    # LPA': Z_k runs, d_t Z_k = -eta Z_k; eta stays a symbol here and is fixed by rgsym.anomalous
    eta = symbols.eta if trunc.scheme == "lpa'" else sp.Integer(0)
    return Action(blocks, comps, invariants, spec.theory.d, eta, "polynomial", point, taylor, couplings)


def _block_components(index: int, block: FieldBlock) -> list[Component]:
    comps = [Component(f"sigma_{block.name}", index, symbols.radial_component(block.name),
                       sp.Integer(1), True)]
    transverse = sp.sympify(block.components) - 1
    if transverse != 0:
        comps.append(Component(f"pi_{block.name}", index, symbols.goldstone_component(block.name),
                               transverse, False))
    return comps


def _polynomial_ansatz(blocks: tuple[FieldBlock, ...], order: int, around: str
                       ) -> tuple[tuple[Coupling, ...], tuple[tuple[MultiIndex, sp.Expr], ...],
                                  tuple[sp.Expr, ...]]:
    """Couplings of u(rho) = sum_a g_a prod (rho - point)^a / a!, total degree 1..order+1.

    ``order`` is the degree of u' (Litim, hep-th/0203006, counts truncations this way).
    At the minimum the linear coefficient vanishes and kappa takes its place.
    """
    nb = len(blocks)
    indices = [a for a in _multi_indices(nb, order + 1) if sum(a) >= 1]
    couplings: list[Coupling] = []
    taylor: list[tuple[MultiIndex, sp.Expr]] = []
    point: tuple[sp.Expr, ...] = tuple(sp.Integer(0) for _ in blocks)
    if around == "minimum":
        kappa = Coupling("kappa", r"\kappa", (0,) * nb, is_minimum=True)
        couplings.append(kappa)
        point = (kappa.symbol,)
    for a in indices:
        if around == "minimum" and sum(a) == 1:
            continue  # u'(kappa) = 0 defines the minimum
        c = _named_coupling(a)
        couplings.append(c)
        taylor.append((a, c.symbol))
    return tuple(couplings), tuple(taylor), point


def _named_coupling(a: MultiIndex) -> Coupling:
    if len(a) == 1:
        return Coupling(f"lambda_{a[0]}", rf"\lambda_{{{a[0]}}}", a)
    label = "_".join(map(str, a))
    return Coupling(f"lambda_{label}", rf"\lambda_{{{','.join(map(str, a))}}}", a)


def _multi_indices(nb: int, max_total: int) -> list[MultiIndex]:
    """All multi-indices of length nb with total degree <= max_total, by degree then lexically."""
    out = [a for a in itertools.product(range(max_total + 1), repeat=nb) if sum(a) <= max_total]
    return sorted(out, key=lambda a: (sum(a), tuple(-x for x in a)))
