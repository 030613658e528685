"""Invariants: a potential of rho and an anisotropic invariant (the cubic anisotropy).

``theory.invariants = { tau = "sum(phi_a**4)" }`` adds tau = sum_a phi_a^4 to rho = phi.phi/2
as an argument of the potential of an N-component block; a table
``{ expression = "sum(phi_a**4)", max_power = 2 }`` also caps the power of tau.  tau is
invariant under the cubic group (permutations and sign changes of the components) but not
under O(N).  The ansatz is

    u(rho, tau) = sum_{k, m} lambda_{k,m} rho^k tau^m / (k! m!),   k + 2m <= order + 1,

around zero field: field degree at most 2 (order + 1), as for one multiplet, and m at most
``max_power``.  A coupling's multi-index is (k, 2m), the degree of each factor in units of
rho, so that its truncation order is that of the field degree.

The flow is derived, not typed in (:mod:`rgsym.invariant_flow`).  The background is a field in
a plane of two components, phi = (s, t, 0, ..., 0), on which rho and tau are independent;
u(rho(phi), tau(phi)) is differentiated twice with sympy on the full field (one representative for the N - 2
components outside the plane, which must not mix with the others: that is checked), giving
the mass matrix M(s, t).  At zero field every mode has the mass lambda_{1,0}, so the
resolvent expansion is (1/2) Tr[(P + M)^-1 d_t R] = sum_n (-1)^n T_{n+1}(lambda_{1,0})
tr[(M - M(0))^n], truncated at field degree 2 (order + 1) with the truncated series of
:mod:`rgsym.series`.  The scaling part A u + B (phi . d/d phi / 2) u comes from
:func:`rgsym.project.scaling_coefficients`.  d_t u on the plane is a polynomial in (s, t)
invariant under s <-> t and sign changes, i.e. a polynomial in (s^2 + t^2)/2 and s^4 + t^4,
and that fixes the betas uniquely.  For N = 2 the plane is the whole field space; for N >= 3
the flow also makes sum phi^6, ..., which are not polynomials in rho and tau: evaluating on
the plane is the projection (a truncation, stated in the README).

References
----------
Aharony, Phys. Rev. B 8 (1973) 4270 (cubic anisotropy); Tissier, Mouhanna, Vidal, Delamotte,
Phys. Rev. B 65 (2002) 140402, cond-mat/0109176 (the cubic model with the effective average
action); Pelissetto, Vicari, Phys. Rept. 368 (2002) 549, cond-mat/0012164, sec. 11.3.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy as sp

from rgsym.couplings import Coupling
from rgsym.errors import SpecError, UnsupportedError

if TYPE_CHECKING:  # annotations only: the spec reads invariants through this module
    from rgsym.spec import FieldBlock

#: The grammar of an invariant: a power sum of a declared block's components.  Only the
#: quartic one is allowed: with rho it generates every polynomial of the cubic group in two
#: components (the plane of the projection); sum phi^6 and beyond are not independent there.
_POWER_SUM = re.compile(r"^\s*sum\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)_a\s*(?:\*\*|\^)\s*([0-9]{1,2})\s*\)\s*$")
ALLOWED_POWERS = (4,)
#: The most powers of an invariant one may ask for (beyond it the truncation order decides).
MAX_POWER = 20
#: The rays of minima an expansion around the minimum may sit on (:mod:`rgsym.cubic_minimum`):
#: the axis (1, 0, ..., 0) and the diagonal (1, ..., 1)/sqrt(N).
RAYS = ("axis", "diagonal")


@dataclass(frozen=True)
class Invariant:
    """An anisotropic invariant of one block: ``sum(<block>_a**power)``.

    Attributes
    ----------
    name
        Its name in the spec, e.g. ``tau``.
    block
        The field block, e.g. ``phi``.
    components
        The block's number of components (an integer >= 2 or the symbol N).
    power
        The power of each component (4: the cubic anisotropy).
    max_power
        The highest power of the invariant kept in the potential (None: as the field
        degree allows).
    ray
        Set by a derivation around a minimum on a ray (:data:`RAYS`): the potential's second
        argument is then w = tau - 4 c rho^2, which vanishes on the ray (c = 1 on the axis, 1/N
        on the diagonal), and its couplings are Taylor coefficients at (kappa, 0).  None around
        zero field.  Not part of the spec (nor of its digest).
    """

    name: str
    block: str
    components: int | sp.Expr
    power: int
    max_power: int | None = None
    ray: str | None = None

    def canonical(self) -> dict[str, Any]:
        """The invariant as canonical JSON data, for the spec's digest.

        Returns
        -------
        dict
        """
        return {"name": self.name, "expression": f"sum({self.block}_a**{self.power})",
                "max_power": self.max_power}


def parse_invariants(value: Any, blocks: tuple[FieldBlock, ...], source: str) -> tuple[Invariant, ...]:
    """Read ``theory.invariants``: a table name -> expression or {expression, max_power}.

    Parameters
    ----------
    value
        The raw TOML value.
    blocks
        The declared field blocks.
    source
        The spec file, for error messages.

    Returns
    -------
    tuple of Invariant

    Raises
    ------
    SpecError
        For anything but ``sum(<block>_a**4)`` of one multiplet with N >= 2 (or N symbolic),
        with one line naming the key and what is allowed.
    """
    key = "theory.invariants"
    allowed = ("allowed: a table such as { tau = \"sum(phi_a**4)\" } or "
               "{ tau = { expression = \"sum(phi_a**4)\", max_power = 2 } }")
    if not isinstance(value, dict) or not value:
        raise SpecError(source, key, f"must be a non-empty table of invariants; {allowed}")
    if len(blocks) != 1 or len(value) != 1:
        raise UnsupportedError(source, key, "one invariant of a single multiplet (theory.N) is supported: "
                               "the cubic anisotropy sum(phi_a**4)")
    out = []
    for name, item in value.items():
        where = str(name) if str(name).isprintable() else repr(name)
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("rho") \
                or name in {b.name for b in blocks}:
            raise SpecError(source, key, f"invariant names must be identifiers other than rho* and the "
                            f"field names, got {name!r}")
        text, max_power = _expression_and_cap(item, where, source, allowed)
        out.append(_power_sum(name, text, max_power, blocks, where, source))
    return tuple(out)


def _error(source: str, where: str, message: str) -> SpecError:
    """A spec error at ``theory.invariants``; the entry (``tau``, ``tau.max_power``) leads the message."""
    return SpecError(source, "theory.invariants", f"{where}: {message}")


def _expression_and_cap(item: Any, where: str, source: str, allowed: str) -> tuple[str, int | None]:
    if isinstance(item, str):
        return item, None
    if not isinstance(item, dict) or "expression" not in item or not set(item) <= {"expression", "max_power"}:
        raise _error(source, where, allowed)
    cap = item.get("max_power")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= MAX_POWER):
        raise _error(source, f"{where}.max_power", f"must be an integer from 1 to {MAX_POWER}, got {cap!r}")
    if not isinstance(item["expression"], str):
        raise _error(source, f"{where}.expression", "must be a string such as \"sum(phi_a**4)\"")
    return item["expression"], cap


def _power_sum(name: str, text: str, max_power: int | None, blocks: tuple[FieldBlock, ...], where: str,
               source: str) -> Invariant:
    """``sum(<block>_a**k)`` read by a fixed pattern (no parser of user text)."""
    match = _POWER_SUM.match(text) if len(text) <= 60 else None
    shown = text if len(text) <= 40 else text[:37] + "..."
    if match is None:
        raise _error(source, where, f"cannot read {shown!r}: allowed is sum(<field>_a**4), the cubic "
                        "anisotropy of a declared multiplet (a polynomial in it and rho is the potential)")
    field, power = match.group(1), int(match.group(2))
    block = next((b for b in blocks if b.name == field), None)
    if block is None:
        raise _error(source, where, f"{field!r} is not a declared field; declared: "
                        f"{', '.join(b.name for b in blocks)}")
    if power not in ALLOWED_POWERS:
        raise _error(source, where, f"sum({field}_a**{power}) is not allowed: only the quartic power sum "
                        f"sum({field}_a**4) is an independent invariant in the plane of the projection")
    if block.components == 1:
        raise _error(source, where, f"for one component sum({field}_a**4) = 4 rho^2 is not a new "
                        "invariant; use N >= 2")
    return Invariant(name, field, block.components, power, max_power)


def coupling_indices(order: int, max_power: int | None) -> list[tuple[int, int]]:
    """(k, m) of the couplings lambda_{k,m} of rho^k tau^m, by field degree then by k.

    Parameters
    ----------
    order
        The truncation order: field degree at most 2 (order + 1).
    max_power
        The highest power m of tau (None: no cap besides the degree).

    Returns
    -------
    list of (int, int)

    Examples
    --------
    >>> coupling_indices(1, None)
    [(1, 0), (2, 0), (0, 1)]
    """
    out = []
    for half in range(1, order + 2):  # half the field degree: k + 2m
        for m in range(half // 2 + 1):
            k = half - 2 * m
            if max_power is None or m <= max_power:
                out.append((k, m))
    return out


def cubic_couplings(order: int, max_power: int | None) -> tuple[Coupling, ...]:
    """The couplings lambda_{k,m}; multi-index (k, 2m), the degrees in units of rho.

    Parameters
    ----------
    order
        The truncation order.
    max_power
        The cap on the power of tau.

    Returns
    -------
    tuple of Coupling
    """
    return tuple(Coupling(f"lambda_{k}_{m}", rf"\lambda_{{{k},{m}}}", (k, 2 * m))
                 for k, m in coupling_indices(order, max_power))


@dataclass(frozen=True)
class Plane:
    """The field on the background plane: components s, t and one representative of the rest.

    Attributes
    ----------
    fields
        (s, t, pi) as sympy symbols; pi stands for the N - 2 components outside the plane.
    rho, tau
        The invariants as functions of the fields.
    multiplicities
        (1, 1, N - 2).
    """

    fields: tuple[sp.Symbol, sp.Symbol, sp.Symbol]
    rho: sp.Expr
    tau: sp.Expr
    multiplicities: tuple[sp.Expr, sp.Expr, sp.Expr]


def plane(invariant: Invariant) -> Plane:
    """The plane phi = (s, t, 0, ..., 0) with rho and tau as functions of the components.

    Parameters
    ----------
    invariant
        The anisotropic invariant.

    Returns
    -------
    Plane
    """
    s, t, p = (sp.Symbol(n, real=True) for n in ("s_1", "s_2", f"pi_{invariant.block}"))
    comps = sp.sympify(invariant.components)
    rho = (s**2 + t**2 + p**2) / 2
    tau = s**invariant.power + t**invariant.power + p**invariant.power
    return Plane((s, t, p), rho, tau, (sp.Integer(1), sp.Integer(1), comps - 2))


def potential(couplings: tuple[Coupling, ...], rho: sp.Expr, tau: sp.Expr) -> sp.Expr:
    """u = sum lambda_{k,m} rho^k tau^m / (k! m!).

    Parameters
    ----------
    couplings
        From :func:`cubic_couplings`.
    rho, tau
        The invariants (symbols or expressions).

    Returns
    -------
    sympy.Expr
    """
    return sp.Add(*[c.symbol * rho ** c.index[0] * tau ** (c.index[1] // 2)
                    / (math.factorial(c.index[0]) * math.factorial(c.index[1] // 2)) for c in couplings])


def mass_matrix(couplings: tuple[Coupling, ...], field_plane: Plane) -> sp.Matrix:
    """d^2 u / d phi_i d phi_j on the plane (pi = 0), by sympy differentiation.

    Parameters
    ----------
    couplings
        The couplings.
    field_plane
        The plane.

    Returns
    -------
    sympy.Matrix
        3 x 3 over (s, t, pi).

    Raises
    ------
    UnsupportedError
        If the components outside the plane are not one class (they mix with s or t, or
        differ): the symmetry reduction of :func:`rgsym.hessian.reduce_by_symmetry`.
    """
    from rgsym.hessian import ModeClass, reduce_by_symmetry

    s_, t_, p = field_plane.fields
    second = sp.Symbol(f"{p.name}_2", real=True)  # a second probe of the components outside the plane
    power = sp.Poly(field_plane.tau, p).degree()
    u = potential(couplings, field_plane.rho + second**2 / 2, field_plane.tau + second**power)
    reduced = reduce_by_symmetry(u, (s_, t_), (ModeClass(p, second, field_plane.multiplicities[2]),), {},
                                 "theory.invariants")
    return sp.Matrix(reduced.matrix)


def is_decoupled(values: dict[str, float], couplings: tuple[Coupling, ...], invariant: Invariant,
                 tolerance: float) -> bool:
    """Whether u on the plane has no mixed monomial s^2a t^2b (a, b >= 1): N decoupled copies.

    Parameters
    ----------
    values
        Coupling name -> value at the fixed point.
    couplings
        The couplings.
    invariant
        The anisotropic invariant.
    tolerance
        Relative size (to the largest coefficient of the same degree) below which a
        coefficient counts as zero.

    Returns
    -------
    bool
    """
    field_plane = plane(invariant)
    s, t, p = field_plane.fields
    rho, tau = field_plane.rho.subs(p, 0), field_plane.tau.subs(p, 0)
    if invariant.ray is None:
        u = potential(couplings, rho, tau)
    else:  # around a minimum on a ray: u of rho - kappa and w = tau - 4 c rho^2
        c = 1 if invariant.ray == "axis" else 1 / sp.sympify(invariant.components)
        (kappa,) = [cp for cp in couplings if cp.is_minimum]
        rest = tuple(cp for cp in couplings if not cp.is_minimum)
        u = potential(rest, rho - kappa.symbol, tau - 4 * c * rho**2)
    u = u.xreplace({c.symbol: sp.Float(values[c.name]) for c in couplings})
    by_degree: dict[int, list[tuple[bool, float]]] = {}
    for (a, b), coeff in sp.Poly(sp.expand(u), s, t).terms():
        by_degree.setdefault(a + b, []).append((a > 0 and b > 0, abs(float(coeff))))
    for terms in by_degree.values():
        size = max(v for _, v in terms)
        if any(mixed and v > tolerance * size for mixed, v in terms):
            return False
    return True


def coupling_definition(coupling: Coupling, invariants: tuple[Invariant, ...]) -> str:
    """What lambda_{k,m} is, in LaTeX: the derivative d_rho^k d_tau^m u at zero field (around a
    minimum on a ray: d_rho^k d_w^m u at (kappa, 0)).

    Parameters
    ----------
    coupling
        A coupling of :func:`cubic_couplings` (multi-index (k, 2m)).
    invariants
        The theory's invariants (one).

    Returns
    -------
    str
        E.g. ``$\\partial_{\\tilde\\rho}^{2} \\partial_{\\tau} u(0)$``.
    """
    (inv,) = invariants
    k, m = coupling.index[0], coupling.index[1] // 2
    name = sp.latex(sp.Symbol(inv.name))
    second = name if inv.ray is None else "w"
    parts = [rf"\partial_{{{var}}}" + (f"^{{{p}}}" if p > 1 else "")
             for var, p in ((r"\tilde\rho", k), (second, m)) if p]
    if inv.ray is not None:  # around a minimum on a ray (rgsym.cubic_minimum)
        c = "" if inv.ray == "axis" else sp.latex(1 / sp.sympify(inv.components)) + " "
        return (f"${' '.join(parts)} u(\\kappa, 0)$, with $w = {name} - 4 {c}\\tilde\\rho^2$, "
                f"${name} = \\sum_a \\phi_a^{{{inv.power}}}$ (minimum on the {inv.ray})")
    return f"${' '.join(parts)} u(0)$, with ${name} = \\sum_a \\phi_a^{{{inv.power}}}$"
