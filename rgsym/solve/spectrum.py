"""Spectrum: the eigenvalues of a stability matrix as critical exponents theta, nu and omega.

Every solver goes through here: the polynomial truncations (:mod:`rgsym.solve.exponents`), the
symmetry sectors (:mod:`rgsym.solve.sectors`), the full-potential PDE (:mod:`rgsym.solve.pde`,
:mod:`rgsym.solve.pde_branch`) and the Polchinski fixed function.  Conventions (REFERENCES.md;
Litim, hep-th/0203006, sec. 4):

- theta = -eig(B), B_ij = d beta_i / d g_j at the fixed point, sorted by descending real part
  (then descending imaginary part);
- a theta is *relevant* when Re theta > 0, *irrelevant* when Re theta < 0, and *marginal* when
  |Re theta| is rounding (below :data:`TOLERANCE` relative to max(1, |theta|));
- nu = 1 / theta for the largest relevant real theta; omega = -Re theta of the irrelevant theta
  closest to zero (complex ones included).

One tolerance decides both "this imaginary part is rounding" and "this real part is rounding".
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

#: |Im theta| or |Re theta| at most TOLERANCE * max(1, |theta|) is rounding, not a direction.
#: The polynomial Jacobians are exact to ~1e-13; the collocated PDE operator carries rounding
#: amplified ~1e5 by the spectral second derivative (rgsym.solve.pde.RESIDUAL_TOLERANCE), so its
#: real eigenvalues come with imaginary parts up to ~1e-9.  Genuine complex pairs of the LPA
#: (order >= 8 around zero) have |Im theta| ~ 0.1 to 1, and the smallest genuine |theta| met
#: (omega near d = 4, epsilon = 0.01) is ~1e-2: both far above 1e-8.
TOLERANCE = 1e-8


def is_rounding(part: float, t: complex) -> bool:
    """Whether ``part`` (the real or imaginary part of ``t``) is rounding (:data:`TOLERANCE`).

    Parameters
    ----------
    part
        A real or imaginary part.
    t
        The eigenvalue it belongs to.

    Returns
    -------
    bool
    """
    return abs(part) <= TOLERANCE * max(1.0, abs(t))


def snap(t: complex) -> complex:
    """``t`` with an imaginary part that is rounding set to exactly zero.

    >>> snap(complex(2.0, 1e-12)), snap(complex(2.0, 0.5))
    ((2+0j), (2+0.5j))
    """
    t = complex(t)
    return complex(t.real, 0.0) if is_rounding(t.imag, t) else t


def thetas(eigenvalues: Iterable[complex]) -> tuple[complex, ...]:
    """theta = -eig, snapped (:func:`snap`) and sorted by descending real, then imaginary part.

    Parameters
    ----------
    eigenvalues
        The eigenvalues of the stability matrix B (or of the discretised operator).

    Returns
    -------
    tuple of complex
    """
    ordered = sorted((complex(-e) for e in eigenvalues), key=lambda z: (-z.real, -z.imag))
    return tuple(snap(t) for t in ordered)


def stability_thetas(matrix: np.ndarray) -> tuple[complex, ...]:
    """:func:`thetas` of the eigenvalues of ``matrix``.

    Parameters
    ----------
    matrix
        The stability matrix B (d beta_i / d g_j), or the collocated stability operator.

    Returns
    -------
    tuple of complex
    """
    return thetas(np.linalg.eigvals(matrix))


def kind(t: complex) -> str:
    """``"relevant"``, ``"irrelevant"`` or ``"marginal"`` (see the module docstring).

    >>> [kind(t) for t in (1.5, -0.8, 1e-14, complex(-0.3, 0.2))]
    ['relevant', 'irrelevant', 'marginal', 'irrelevant']
    """
    t = complex(t)
    if is_rounding(t.real, t):
        return "marginal"
    return "relevant" if t.real > 0 else "irrelevant"


def relevant_count(theta: Iterable[complex]) -> int:
    """The number of relevant directions (a complex pair counts twice).

    Parameters
    ----------
    theta
        The thetas.

    Returns
    -------
    int
    """
    return sum(1 for t in theta if kind(t) == "relevant")


def nu_omega(theta: Iterable[complex]) -> tuple[float | None, float | None]:
    """nu = 1/theta of the largest relevant real theta, omega = -Re theta of the least
    irrelevant one; None where there is no such theta.

    >>> nu_omega([complex(1.5), complex(-0.6), complex(-2.0, 1.0)])
    (0.6666666666666666, 0.6)
    """
    values = [complex(t) for t in theta]
    relevant = [t.real for t in values if kind(t) == "relevant" and t.imag == 0]
    irrelevant = [t.real for t in values if kind(t) == "irrelevant"]
    return (1.0 / max(relevant) if relevant else None, -max(irrelevant) if irrelevant else None)


def theta_json(t: complex) -> float | dict[str, float]:
    """One theta in JSON: a number when it is real, else ``{"re": ..., "im": ...}``.

    >>> theta_json(complex(1.5, 0.0)), theta_json(complex(-2.0, 0.5))
    (1.5, {'re': -2.0, 'im': 0.5})
    """
    t = complex(t)
    return float(t.real) if t.imag == 0 else {"re": float(t.real), "im": float(t.imag)}
