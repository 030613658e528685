"""Diagrams: the vertex expansion, flows of n-point functions as one-loop graphs.

Taking n functional derivatives of the Wetterich equation,
d_t Gamma_k = 1/2 STr[(Gamma^(2) + R_k)^-1 d_t R_k], with dG = -G Gamma^(3) G and
d Gamma^(m) = Gamma^(m+1) gives d_t Gamma^(n) as a sum of rings of propagators with
one d_t R_k insertion and vertex insertions Gamma^(m >= 3) carrying the legs::

    d_t Gamma^(2)_{12} = -1/2 Tr[dtR G Gamma^(4)_{12} G] + Tr[dtR G Gamma^(3)_1 G Gamma^(3)_2 G]

The stages, each a pure function returning a frozen dataclass:

* :mod:`~rgsym.diagrams.derivation` -- the derivative rules on ring words (the
  Grassmann hook is :func:`~rgsym.diagrams.derivation.graded_sign`);
* :mod:`~rgsym.diagrams.graphs` -- networkx graphs, merged by a Weisfeiler-Lehman
  hash confirmed by an isomorphism check, with multiplicities and symmetry factors;
* :mod:`~rgsym.diagrams.lines` -- Yukawa theories: each ring's lines resolved into boson
  lines and directed fermion lines (edge attribute ``statistics``), -1 per closed fermion loop;
* :mod:`~rgsym.diagrams.evaluate` -- zero momentum, constant background, LPA
  vertices: threshold integrals (equal to the field derivatives of the LPA flow);
* :mod:`~rgsym.diagrams.fermion_loops` -- the Yukawa diagrams at p = 0 with the Dirac algebra
  (compared with the Berezinian densities of :mod:`rgsym.fermions` by the tests);
* :mod:`~rgsym.diagrams.tensors` -- O(N) index structure projected onto invariant tensors;
* :mod:`~rgsym.diagrams.truncation` -- ``truncation.scheme = "vertex"``;
* :mod:`~rgsym.diagrams.render` -- text, JSON, DOT, TikZ and PNG (:mod:`~rgsym.diagrams.svg`: SVG);
  fermion lines carry charge-flow arrows.

References
----------
Wetterich, Phys. Lett. B301 (1993) 90, arXiv:1710.05815; Pawlowski, Ann. Phys. 322
(2007) 2831, hep-th/0512261; Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223,
hep-ph/0005122.
"""

from __future__ import annotations

from rgsym.diagrams.derivation import RingExpansion, expand_ring, graded_sign, supertrace_sign
from rgsym.diagrams.graphs import (
    MAX_N_POINT,
    DiagramOptionError,
    DiagramTerm,
    FlowDiagrams,
    derive_flow_diagrams,
    vertex_classes,
)

__all__ = ["MAX_N_POINT", "DiagramOptionError", "DiagramTerm", "FlowDiagrams", "RingExpansion",
           "derive_flow_diagrams", "expand_ring", "graded_sign", "supertrace_sign", "vertex_classes"]
