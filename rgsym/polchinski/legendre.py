"""Legendre: the map between the Polchinski and the Wetterich (Litim) LPA fixed-point potentials.

In field space (phi in R^N, rho = phi.phi/2), with the Polchinski LPA

    d_t v = -d v + (d-2) rho v' + a |grad v|^2 + c_P Lap v        (a = c_tree > 0, c_P = c_loop < 0)

and the Wetterich LPA with the Litim regulator and loop prefactor C,

    d_t u = -d u + (d-2) rho u' + C Tr (1 + Hess u)^-1,

the map is an infimal convolution (a Legendre transform of u + |Phi|^2/2):

    a v(phi) = min_Phi [ u(Phi) + |phi - Phi|^2 / 2 ] - C N / d,     C = -c_P.

At the minimiser phi = Phi + grad u(Phi), so grad(a v)(phi) = grad u(Phi) and
Hess(a v) = 1 - (1 + Hess u)^-1.  Put into the Polchinski equation this gives the Wetterich
equation term by term: the tree term and the scaling terms combine into the scaling terms of u,
c_P Lap v becomes C Tr(1 + Hess u)^-1 - C N, and the constant -C N / d absorbs -C N.  Hence
fixed points map to fixed points and the linearised flows are conjugate: the exponents coincide
(Morris, hep-th/0503161, sec. 3; the zero-momentum form of Morris, hep-ph/9308265, eq. 2.8).

For O(N) invariant functions of rho the map is parametric in the Wetterich variable:

    rho_phi = rho_Phi (1 + u')^2,   a v = u + rho_Phi u'^2 - C N / d,   a v' = u' / (1 + u'),

and back: rho_Phi = rho_phi (1 - a v')^2,  u = a v - rho_phi (a v')^2 + C N / d,
u' = a v' / (1 - a v').  The map needs 1 + u' > 0 and 1 + u' + 2 rho u'' > 0 (no pole in the
Litim propagator), which holds at the Wilson-Fisher fixed point.

A Polchinski cutoff other than the Litim-type one has C = |c_loop| different from the Litim value
4 v_d / d; it maps onto the Wetterich equation with that prefactor, which is the Litim one after
rho -> s rho, u -> s u with s = C / (4 v_d / d) (:func:`rescale`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SampledPotential:
    """An O(N) invariant potential sampled at points rho: values and first derivatives."""

    rho: np.ndarray
    value: np.ndarray
    derivative: np.ndarray


@dataclass(frozen=True)
class LegendreMap:
    """The constants of the map: tree coefficient a, Wetterich prefactor C, N and d."""

    tree: float
    prefactor: float
    components: float
    dimension: float

    @property
    def shift(self) -> float:
        """C N / d: the constant between a v and the infimal convolution of u."""
        return self.prefactor * self.components / self.dimension

    def to_polchinski(self, u: SampledPotential) -> SampledPotential:
        """v at rho_phi = rho (1 + u')^2 from u, u' at rho (the Wetterich side)."""
        up = u.derivative
        if np.any(1 + up <= 0):
            raise ValueError("the Legendre map needs 1 + u' > 0 (no pole in the Litim propagator)")
        rho_phi = u.rho * (1 + up) ** 2
        value = (u.value + u.rho * up**2 - self.shift) / self.tree
        return SampledPotential(rho_phi, value, up / (1 + up) / self.tree)

    def to_wetterich(self, v: SampledPotential) -> SampledPotential:
        """u at rho_Phi = rho (1 - a v')^2 from v, v' at rho (the Polchinski side)."""
        av = self.tree * v.derivative
        if np.any(1 - av <= 0):
            raise ValueError("the inverse Legendre map needs 1 - a v' > 0")
        rho_big = v.rho * (1 - av) ** 2
        value = self.tree * v.value - v.rho * av**2 + self.shift
        return SampledPotential(rho_big, value, av / (1 - av))


def rescale(u: SampledPotential, factor: float) -> SampledPotential:
    """u_s(rho) = s u(rho / s): the Wetterich LPA with loop prefactor s C from the one with C.

    >>> import numpy as np
    >>> r = rescale(SampledPotential(np.array([1.0]), np.array([2.0]), np.array([3.0])), 2.0)
    >>> (float(r.rho[0]), float(r.value[0]), float(r.derivative[0]))
    (2.0, 4.0, 3.0)
    """
    return SampledPotential(u.rho * factor, u.value * factor, u.derivative)


def legendre_map(spec: object) -> LegendreMap:
    """The map's constants for a Polchinski spec, from its derived kernels (numeric d and N).

    Parameters
    ----------
    spec
        A :class:`~rgsym.spec.TheorySpec` with ``flow.equation = "polchinski"`` and one multiplet.
    """
    import sympy as sp

    from rgsym.polchinski.cutoffs import CUTOFFS
    from rgsym.polchinski.derive import propagator_kernels
    from rgsym.spec import TheorySpec

    if not isinstance(spec, TheorySpec) or spec.flow.equation != "polchinski":
        raise ValueError("legendre_map needs a spec with flow.equation = 'polchinski'")
    kernels = propagator_kernels(CUTOFFS[spec.flow.cutoff or "litim"], spec.theory.d)
    return LegendreMap(float(kernels.tree), float(-kernels.loop),
                       float(sp.sympify(spec.theory.blocks[0].components)), float(spec.theory.d))


def litim_prefactor(dimension: float) -> float:
    """4 v_d / d: the loop prefactor of the Wetterich LPA with the Litim regulator (REFERENCES.md)."""
    import math

    v_d = 1.0 / (2 ** (dimension + 1) * math.pi ** (dimension / 2) * math.gamma(dimension / 2))
    return 4 * v_d / dimension
