"""Names of the O(N) multicritical fixed points from their relevant directions and nodes.

Pure bookkeeping, split from :mod:`rgsym.workflows.multicritical` (which searches the
full-potential solutions) so that :func:`rgsym.pipeline.fixed_point_names` can name polynomial
fixed points without importing the search.  Codello, Defenu, D'Odorico, PRD 91 (2015) 105003,
arXiv:1410.3308: the phi^{2n} point exists below d_c(n) = 2n/(n - 1) with n - 1 relevant
directions in the symmetric sector.
"""

from __future__ import annotations

__all__ = ["NAMES", "critical_dimension", "multicritical_name"]

#: Names by the number of relevant directions k (the phi^{2(k+1)} point).
NAMES = {0: "Gaussian", 1: "Wilson-Fisher", 2: "tricritical", 3: "tetracritical", 4: "pentacritical"}


def critical_dimension(relevant: int) -> float:
    """d_c = 2n/(n - 1) of the phi^{2n} point with ``relevant`` = n - 1 relevant directions.

    Parameters
    ----------
    relevant
        The number of relevant directions in the symmetric sector, at least 1.

    Returns
    -------
    float

    Examples
    --------
    >>> [critical_dimension(k) for k in (1, 2, 3, 4)]
    [4.0, 3.0, 2.6666666666666665, 2.5]
    """
    n = relevant + 1
    return 2.0 * n / (n - 1)


def multicritical_name(relevant: int, nodes: int | None, d: float) -> str:
    """The name of a fixed point from its relevant directions and the nodes of u*'.

    Parameters
    ----------
    relevant
        Relevant directions in the symmetric sector.
    nodes
        Nodes of u*' (None when unknown, e.g. for a polynomial truncation).
    d
        The dimension.

    Returns
    -------
    str
        E.g. ``"tricritical"``; ``"unidentified (...)"`` when the numbers do not fit a member of
        the family.

    Examples
    --------
    >>> multicritical_name(2, 2, 2.5)
    'tricritical'
    >>> multicritical_name(3, None, 2.9)
    'unidentified (3 relevant directions; the phi^8 point exists only below d = 2.667)'
    """
    if relevant == 0:
        return "unidentified (no relevant direction)"
    if nodes is not None and nodes != relevant:
        return f"unidentified ({relevant} relevant directions, {nodes} nodes of u*')"
    if d >= critical_dimension(relevant):
        return (f"unidentified ({relevant} relevant directions; the phi^{2 * relevant + 2} point "
                f"exists only below d = {critical_dimension(relevant):.4g})")
    return NAMES.get(relevant, f"phi^{2 * relevant + 2} multicritical")
