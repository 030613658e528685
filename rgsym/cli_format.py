"""How the commands print: numbers, eigenvalues, JSON, the truncation's label, and the
supersymmetry relations of the N = 1 Gross-Neveu-Yukawa point.

Shared by :mod:`rgsym.cli` and :mod:`rgsym.fixed_function_cli`; imports no sympy at module level.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the spec module imports sympy
    from rgsym.spec import TheorySpec


def susy_relations(spec: TheorySpec, nu: float | None, etas: dict[str, float]) -> dict[str, float]:
    """How far the N = 1 point (one 2-component Majorana fermion, chiral Ising) is from the
    relations that supersymmetry makes exact: eta_phi = eta_psi and 1/nu = (d - eta)/2 (Fei,
    Giombi, Klebanov, Tarnopolsky, arXiv:1607.05316); empty for every other theory.

    Parameters
    ----------
    spec
        The parsed spec.
    nu, etas
        The exponents found (``etas``: eta_phi and eta_psi).

    Returns
    -------
    dict
        ``eta_phi_minus_eta_psi`` and ``inverse_nu_minus_superscaling``, or empty.
    """
    from rgsym.fermions import yukawa_class

    fermions = spec.theory.fermions
    one = (len(fermions) == 1 and fermions[0].majorana and fermions[0].spinor_dim * fermions[0].flavours == 2
           and yukawa_class(spec.theory.yukawa) == "chiral-ising")
    if not one or nu is None or not etas or not spec.theory.d.is_number:
        return {}
    d = float(spec.theory.d)
    return {"eta_phi_minus_eta_psi": etas["eta_phi"] - etas["eta_psi"],
            "inverse_nu_minus_superscaling": 1 / nu - (d - etas["eta_phi"]) / 2}


def truncation_label(spec: TheorySpec) -> str:
    """E.g. "LPA', Z2, d = 3, litim regulator, order 12 around minimum".

    Parameters
    ----------
    spec
        The parsed spec.

    Returns
    -------
    str
    """
    tr = spec.truncation
    scheme = {"lpa": "LPA", "lpa'": "LPA'", "vertex": "vertex expansion"}.get(tr.scheme, tr.scheme)
    if spec.flow.equation == "polchinski":
        scheme_of_flow = f"Polchinski equation, {spec.flow.cutoff or 'litim'} cutoff"
    else:
        scheme_of_flow = f"{spec.regulator.kind} regulator"
    size = (f"n-point functions up to n = {tr.order} at zero field" if tr.scheme == "vertex"
            else f"order {tr.order} around {tr.expand_around}")
    if tr.potential == "full" and spec.theory.fermions:
        size = f"full potential (started from order {tr.order}), h^2 at {tr.expand_around}"
    return f"{scheme}, {spec.theory.symmetry}, d = {spec.theory.d}, {scheme_of_flow}, {size}"


def coupling_lines(values: dict[str, float]) -> list[str]:
    """One aligned line ``  name = value`` per coupling (12 significant digits).

    Parameters
    ----------
    values
        Coupling name -> value.

    Returns
    -------
    list of str
    """
    width = max((len(k) for k in values), default=0)
    return [f"  {k:<{width}} = {v:.12g}" for k, v in values.items()]


def fmt(x: float | None) -> str:
    """A number with 12 significant digits, ``n/a`` for None.

    Parameters
    ----------
    x
        The number.

    Returns
    -------
    str
    """
    return "n/a" if x is None else f"{x:.12g}"


def thetas(theta: Sequence[complex], count: int) -> str:
    """The first ``count`` eigenvalues, comma-separated (``...`` when there are more).

    Parameters
    ----------
    theta
        The eigenvalues, complex ones printed as ``a+bi``.
    count
        How many to print.

    Returns
    -------
    str
    """
    parts = [f"{t.real:.8g}" if t.imag == 0 else f"{t.real:.8g}{t.imag:+.8g}i" for t in theta[:count]]
    more = ", ..." if len(theta) > count else ""
    return ", ".join(parts) + more


def dump(data: Any) -> str:
    """JSON with sorted keys and a final newline: the same data prints the same bytes.

    Parameters
    ----------
    data
        Anything :func:`json.dumps` takes.

    Returns
    -------
    str
    """
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
