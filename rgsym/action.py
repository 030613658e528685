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
from rgsym.couplings import Coupling, MultiIndex
from rgsym.spec import FieldBlock, TheorySpec

__all__ = ["Action", "Component", "Coupling", "MultiIndex", "build_action"]


@dataclass(frozen=True)
class Component:
    """A representative real field component (a mode of the super-Hessian).

    ``multiplicity`` counts how many components of the theory it stands for:
    1 for the radial (background) direction of a block, N_b - 1 for the
    transverse (Goldstone) directions.  That the transverse directions form one
    class is not assumed: :func:`representative_components` derives it with the
    symmetry reduction of :mod:`rgsym.hessian`.
    """

    name: str
    block: int
    symbol: sp.Symbol
    multiplicity: sp.Expr
    radial: bool
    statistics: int = 1  # +1 boson, -1 fermion (the sign of the mode in the supertrace)


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

    def gradient_density(self, fields: list[sp.Symbol], gradients: list[sp.Symbol]) -> sp.Expr:
        """The gradient terms of the ansatz, in units of Z_k: (1/2) sum_i (d phi_i)^2.

        In the LPA and LPA' the wave-function renormalisation is field independent; it is Z_k,
        the unit of the fields (its running is eta), so the gradient term is canonical.  A
        field-dependent Z(rho) and Y(rho) (the derivative expansion) enter here.

        Parameters
        ----------
        fields
            The representative components (unused while Z is field independent).
        gradients
            One symbol per component for its gradient.

        Returns
        -------
        sympy.Expr
        """
        return sp.Add(*[g**2 for g in gradients]) / 2

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
    comps = representative_components(blocks)
    invariants = tuple(symbols.invariant(b.name) for b in blocks)
    trunc = spec.truncation
    if trunc.potential == "full":
        return Action(blocks, comps, invariants, spec.theory.d, sp.Integer(0), "full", (), (), ())
    couplings, taylor, point = _polynomial_ansatz(blocks, trunc.order, trunc.expand_around)
    # LPA': Z_k runs, d_t Z_k = -eta Z_k; eta stays a symbol here and is fixed by rgsym.anomalous
    eta = symbols.eta if trunc.scheme == "lpa'" else sp.Integer(0)
    return Action(blocks, comps, invariants, spec.theory.d, eta, "polynomial", point, taylor, couplings)


def representative_components(blocks: tuple[FieldBlock, ...]) -> tuple[Component, ...]:
    """The modes of the Hessian of u(rho_1, ..., rho_B) on a radial background, by symmetry reduction.

    Each block keeps its radial (background) component; its other N_b - 1 components are
    probed by two generic transverse components, and :func:`rgsym.hessian.reduce_by_symmetry`
    checks on the generic 2-jet of u (all a Hessian depends on) that they form one class.
    Modes are ordered block by block, radial first.

    Parameters
    ----------
    blocks
        The field blocks.

    Returns
    -------
    tuple of Component
    """
    from rgsym.hessian import ModeClass, potential_jet, reduce_by_symmetry

    radial = [symbols.radial_component(b.name) for b in blocks]
    bars = [symbols.background_value(b.name) for b in blocks]
    classes = {i: ModeClass(symbols.goldstone_component(b.name), sp.Symbol(f"pi2_{b.name}", real=True),
                            sp.sympify(b.components) - 1)
               for i, b in enumerate(blocks) if sp.sympify(b.components) != 1}
    rho = [(radial[i] ** 2 + sum((c.probe**2 + c.second**2 for c in [classes[i]]) if i in classes else [],
                                 sp.Integer(0))) / 2 for i in range(len(blocks))]
    jet = potential_jet(rho, [bar**2 / 2 for bar in bars], 2)
    reduced = reduce_by_symmetry(jet, radial, list(classes.values()), dict(zip(radial, bars, strict=True)))
    multiplicity = dict(zip(reduced.modes, reduced.multiplicities, strict=True))
    comps = []
    for i, b in enumerate(blocks):
        comps.append(Component(f"sigma_{b.name}", i, radial[i], sp.Integer(1), True))
        if i in classes:
            probe = classes[i].probe
            comps.append(Component(f"pi_{b.name}", i, probe, multiplicity[probe], False))
    return tuple(comps)


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
