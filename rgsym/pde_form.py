"""The full-potential flow in the form the grid codes use: differentiated once in rho.

d_t u = F(rho, u', u'') becomes d_t w = G(rho, w, w', w'') for w = u' (the term -d u turns
into -d u' and u drops out).  This is a rewriting of the derived
:class:`~rgsym.project.PotentialFlow`, shared by the solvers (:mod:`rgsym.solve.pde`,
:mod:`rgsym.solve.flow`) and the code emitter (:mod:`rgsym.emit.grid`), so it lives below both.
"""

from __future__ import annotations

import sympy as sp

#: w = u' and its first two derivatives, the unknowns of the differentiated flow.
W_SYMBOLS = sp.symbols("w0 w1 w2")


def differentiated_flow(rhs: sp.Expr, rho: sp.Symbol, u: sp.Expr) -> sp.Expr:
    """d/drho of d_t u = rhs(rho, u', u''), written in W_SYMBOLS (w, w', w'') for w = u'.

    Parameters
    ----------
    rhs
        The right-hand side of the PDE (:attr:`rgsym.project.PotentialFlow.rhs`).
    rho
        The invariant.
    u
        The potential function u(rho) as it appears in ``rhs``.

    Returns
    -------
    sympy.Expr
        G(rho, w, w', w''); u itself has dropped out.
    """
    g = sp.diff(rhs, rho)
    # replace the highest derivative first, so that Derivative(u, rho) inside it stays intact
    for k, symbol in zip((3, 2, 1), reversed(W_SYMBOLS), strict=True):
        g = g.subs(sp.Derivative(u, (rho, k)), symbol)
    return g
