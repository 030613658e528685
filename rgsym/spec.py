"""Spec: read and validate a TOML theory spec into a frozen :class:`TheorySpec`.

A spec states the theory (dimension, fields, symmetry), the truncation, the
regulator and the flow equation.  Every problem is reported as a
:class:`~rgsym.errors.SpecError` whose one-line message names the file, the
dotted key and what is allowed.  This module and the CLI are the only places
that read the disk.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sympy as sp

from rgsym import expression, symbols
from rgsym.errors import SpecError, SpecErrors, UnsupportedError
from rgsym.regulators import SHAPE_NAMES

#: Largest polynomial order accepted; beyond it expressions grow without purpose.
MAX_ORDER = 40
#: Largest order the fixed-point solvers accept with compiled betas (derive, emit and LaTeX go to
#: MAX_ORDER).  Compiling the betas grows steeply with the order (order 28: fixed point and
#: exponents in about 21 s on one core; order 32: 72 s of LLVM compilation under load; order 40:
#: not done after 7 minutes of CPU), so beyond this a spec the Taylor route (TAYLOR_FROM_ORDER)
#: does not take is refused before any work instead of running for an unbounded time.  Above
#: order 22 the fixed point is refined in 256-bit arithmetic
#: (rgsym.solve.numeric.PRECISE_CONDITION), which is what makes these orders right
#: (tests/literature/test_ising_high_orders.py).
MAX_SOLVE_ORDER = 32
#: From this order on, the solvers evaluate the flow in truncated Taylor arithmetic
#: (rgsym.program, rgsym.solve.taylor) instead of compiling the expanded betas, for the specs that
#: route takes (LPA and LPA' of one field, or several around zero field, closed-form thresholds) with
#: the default backend: the exponents at order 24 took 3.6 s there and 6.7 s compiled, at order 32
#: 11.7 s and 120 s, and order 40 (28 s) does not compile at all.  Below it the compiled betas
#: stay, since a warm run loads them from the cache without sympy (0.5 s at order 20).
TAYLOR_FROM_ORDER = 25
#: Largest numeric dimension accepted: far beyond any physical use, and larger values only
#: make exact Gamma(d/2) and pi^(d/2) factors of unbounded size.
MAX_DIMENSION = 100
#: Longest expression text read from a spec, and largest numeric exponent in it: user text
#: goes through :func:`rgsym.expression.read_expression` (an AST whitelist, no ``eval``).
MAX_EXPRESSION_LENGTH = expression.MAX_EXPRESSION_LENGTH
MAX_EXPONENT = expression.MAX_EXPONENT
#: Most terms theory.d and the bare potential may expand to (their cost grows with it).
MAX_DIMENSION_TERMS = 16
MAX_POTENTIAL_TERMS = 1000
#: Functions allowed in a regulator shape, besides the variables y and alpha.
SHAPE_FUNCTIONS = SHAPE_NAMES
#: Functions allowed in the bare potential of [bare], besides rho and the named constants.
BARE_FUNCTIONS = ("exp", "sqrt", "log", "cosh", "pi", "E")

SECTIONS: dict[str, tuple[str, ...]] = {
    "theory": ("d", "N", "field", "fields", "symmetry", "name", "description", "invariants", "fermions",
               "yukawa"),
    "truncation": ("scheme", "potential", "order", "expand_around", "eta_projection", "kinetic_order"),
    "regulator": ("kind", "alpha", "shape"),
    "flow": ("equation", "cutoff"),
    "bare": ("potential", "constants", "k_uv", "k_ir", "rho_max", "points", "cells"),
}
SCHEMES = ("lpa", "lpa'", "vertex", "d2", "d2-z")
#: The derivative-expansion schemes: O(d^2) with Z(rho) and Y(rho), or Z(rho) alone (Y = 0).
D2_SCHEMES = ("d2", "d2-z")
#: The derivative expansion at O(d^2) around the minimum: the highest degrees of u' and of z, Y in
#: (rho - kappa).  Building and compiling its Taylor-coefficient flows (one series composition,
#: rgsym.solve.d2_polynomial), measured on two shared cores: Ising 4 s at degrees (5, 3), 18 s at
#: (10, 5), 23 s at (12, 6), 71 s at (16, 8); O(2) with Y 17 s at (5, 3), 57 s at (8, 4), 205 s at
#: (10, 5).
MAX_D2_ORDER, MAX_D2_KINETIC_ORDER = 10, 5
#: Why the degrees stop there (the cap errors say it).
D2_CAP_REASON = ("compiling its flows takes 18 s for N = 1 and 3.5 minutes for N > 1 (with Y) at degrees "
                 f"({MAX_D2_ORDER}, {MAX_D2_KINETIC_ORDER}) of u' and z, Y, and grows fast beyond")
#: How LPA' reads eta off the two-point function at the minimum (see rgsym.anomalous).
ETA_PROJECTIONS = ("goldstone", "radial")
#: Highest n-point function of the vertex scheme (its derivation grows like 2^(order/2)).
MAX_VERTEX_ORDER = 20
#: Most field multiplets (theory.fields), and the highest truncation.order for each count: the
#: orders whose derivation finished in about 30 s or less (measured on 2 shared cores: 2 fields
#: at order 8 30 s, 3 at 4 3 s (at 5 over 60 s), 4 at 4 15 s, 5 at 3 20 s, 8 at 2 14 s; 8 fields
#: at order 4 ran for more than two minutes).
MAX_FIELDS = 8
FIELD_ORDER_LIMITS = {2: 8, 3: 4, 4: 4, 5: 3, 6: 2, 7: 2, 8: 2}
POTENTIALS = ("polynomial", "full")
EXPANSION_POINTS = ("minimum", "zero")
EQUATIONS = ("wetterich", "polchinski")


@dataclass(frozen=True)
class FieldBlock:
    """A multiplet of real scalar fields transforming under O(n) among themselves.

    ``components`` is a positive integer or the symbol ``N``.  A block with one
    component is a real scalar with a Z2 symmetry.
    """

    name: str
    components: int | sp.Symbol

    @property
    def symmetry(self) -> str:
        """The symmetry group of the block as text: ``Z2`` for one component, else ``O(n)``.

        Returns
        -------
        str
            E.g. ``Z2``, ``O(4)`` or ``O(N)``.
        """
        if self.components == 1:
            return "Z2"
        return f"O({self.components})"


@dataclass(frozen=True)
class FermionField:
    """N_f flavours of Dirac fermions with ``spinor_dim`` components (theory.fermions).

    ``flavours`` is a positive integer or the symbol ``N_f``.  With ``majorana`` the field is
    real (psibar = psi^T C): its Gaussian integral is a Pfaffian, the square root of the Dirac
    determinant, so every closed fermion loop counts half; the self-energy and the Yukawa
    vertex do not change (one Majorana field with 2 components in d = 3 is the N = 1 theory
    of Fei, Giombi, Klebanov, Tarnopolsky, arXiv:1607.05316, with emergent supersymmetry).
    """

    name: str
    flavours: int | sp.Symbol
    spinor_dim: int
    majorana: bool = False

    @property
    def loop_flavours(self) -> sp.Expr:
        """The flavour count that multiplies a closed fermion loop: N_f, or N_f/2 if Majorana."""
        return sp.sympify(self.flavours) / (2 if self.majorana else 1)


@dataclass(frozen=True)
class Theory:
    """Dimension and field content; ``invariants`` are the anisotropic invariants of
    ``theory.invariants`` (:class:`rgsym.invariants.Invariant`), empty for O(N)-symmetric blocks.
    ``fermions`` and ``yukawa`` (the matrix T_a of each boson component in h phi_a psibar T_a psi)
    describe a Gross-Neveu-Yukawa theory (:mod:`rgsym.gny`); both are empty without fermions."""

    d: sp.Expr
    blocks: tuple[FieldBlock, ...]
    invariants: tuple[Any, ...] = ()
    fermions: tuple[FermionField, ...] = ()
    yukawa: tuple[str, ...] = ()

    @property
    def symmetry(self) -> str:
        """The symmetry group of the theory: the blocks' groups joined by ``x``.

        A block with the cubic anisotropy sum(phi_a**4) has the cubic group (sign changes and
        permutations of its N components), written ``cubic(N)``.

        Returns
        -------
        str
            E.g. ``O(N)``, ``O(2)xZ2`` or ``cubic(3)``.

        Examples
        --------
        >>> Theory(sp.Integer(3), (FieldBlock("phi", 2), FieldBlock("chi", 1))).symmetry
        'O(2)xZ2'
        """
        cubic = {inv.block for inv in self.invariants}
        return "x".join(f"cubic({b.components})" if b.name in cubic else b.symmetry for b in self.blocks)

    @property
    def is_single_multiplet(self) -> bool:
        """Whether the theory has exactly one field block.

        Returns
        -------
        bool
        """
        return len(self.blocks) == 1


@dataclass(frozen=True)
class Truncation:
    """Truncation scheme: LPA (or LPA' with a running Z_k) with a polynomial or a full potential.

    ``eta_projection`` is only used by LPA': which two-point function defines eta.
    """

    scheme: str = "lpa"
    potential: str = "polynomial"
    order: int = 8
    expand_around: str = "minimum"
    eta_projection: str = "goldstone"
    kinetic_order: int = 2  # "d2": the degree of z(rho) and Y(rho) in (rho - kappa)

    @property
    def is_derivative_expansion(self) -> bool:
        """Whether the scheme is one of :data:`D2_SCHEMES` (solved by :mod:`rgsym.workflows.d2`).

        Returns
        -------
        bool
        """
        return self.scheme in D2_SCHEMES


@dataclass(frozen=True)
class RegulatorSpec:
    """Regulator kind, its numeric parameters (a sorted tuple, for hashing) and, for
    ``kind = "custom"``, the shape r(y) as text."""

    kind: str = "litim"
    parameters: tuple[tuple[str, float], ...] = ()
    shape: str | None = None


@dataclass(frozen=True)
class FlowSpec:
    """Which exact flow equation to start from.

    ``cutoff`` names the UV cutoff function K(p^2/Lambda^2) of the Polchinski equation
    (:data:`rgsym.polchinski.cutoffs.CUTOFFS`); it is None for the Wetterich equation,
    whose regulator is the [regulator] table.
    """

    equation: str = "wetterich"
    cutoff: str | None = None


@dataclass(frozen=True)
class BareSpec:
    """The [bare] table: the dimensionful potential U_Lambda(rho) at k = k_uv, rho = phi.phi/2,
    where a flow in RG time starts (``rgsym flow``), the scale k_ir where it stops, and the rho grid.

    ``constants`` are the named numbers of ``potential`` (a sorted tuple, for hashing).
    """

    potential: str
    constants: tuple[tuple[str, float], ...] = ()
    k_uv: float = 1e3
    k_ir: float = 1e-3
    rho_max: float = 10.0
    points: int = 48
    cells: int | None = None  # finite volumes in phi (broken phase); None: rgsym.solve.volume.CELLS

    def expression(self, rho: sp.Symbol) -> sp.Expr:
        """U_Lambda as a sympy expression in ``rho`` with the constants put in.

        Parameters
        ----------
        rho
            The symbol that stands for rho in the result.

        Returns
        -------
        sympy.Expr
            Read by :func:`rgsym.expression.read_expression` (no code runs).
        """
        names = {n: sp.Symbol(n) for n, _ in self.constants}
        expr = expression.read_expression(self.potential, {**names, "rho": rho}, BARE_FUNCTIONS)
        return expr.subs({names[n]: sp.Float(v) for n, v in self.constants})

    def canonical(self) -> dict[str, Any]:
        """The table in canonical form, for :attr:`TheorySpec.canonical` and the digest.

        The potential is written with its constants put in, so specs differing only in
        formatting or in how the numbers are named give the same form.

        Returns
        -------
        dict
            Keys ``potential``, ``k_uv``, ``k_ir``, ``rho_max`` and ``points``.
        """
        return {"potential": str(self.expression(sp.Symbol("rho"))), "k_uv": self.k_uv, "k_ir": self.k_ir,
                "rho_max": self.rho_max, "points": self.points,
                **({"cells": self.cells} if self.cells is not None else {})}


@dataclass(frozen=True)
class TheorySpec:
    """The validated spec: the first data object of the pipeline."""

    source: str
    theory: Theory
    truncation: Truncation
    regulator: RegulatorSpec
    flow: FlowSpec
    bare: BareSpec | None = None

    @property
    def canonical(self) -> str:
        """A canonical JSON text of the spec (independent of formatting and key order)."""
        data = _canonical(self.theory, self.truncation, self.regulator, self.flow)
        if self.bare is not None:  # absent [bare]: the same text (and digest) as before the table existed
            data["bare"] = self.bare.canonical()
        return json.dumps(data, sort_keys=True)

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical spec (independent of formatting and key order)."""
        return hashlib.sha256(self.canonical.encode()).hexdigest()

    def with_order(self, order: int) -> TheorySpec:
        """The same spec at another truncation order."""
        return replace(self, truncation=replace(self.truncation, order=order))


def load_spec(path: str | Path, overrides: Sequence[str] = ()) -> TheorySpec:
    """Read a TOML spec, apply ``dotted.key=value`` overrides and validate it.

    Parameters
    ----------
    path
        The spec file.
    overrides
        Strings ``"section.key=value"``; the value is read as a TOML value, or as
        a plain string when it is not one.

    Raises
    ------
    SpecError
        With a one-line message naming the file and the key.
    """
    source = str(path)
    raw = read_toml(_read_spec_text(Path(path), source), source)
    for item in overrides:
        apply_override(raw, item, source)
    return parse_spec(raw, source)


#: Largest spec file read: the shipped specs are about 1 kB.
MAX_SPEC_BYTES = 1_000_000
_BOM = b"\xef\xbb\xbf"


def _read_spec_text(path: Path, source: str) -> str:
    """The text of a spec file; anything but a regular UTF-8 text file is named, never opened blocking.

    (``stat`` first: opening a FIFO for reading would wait for a writer.)
    """
    import stat

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SpecError(source, "", "no such spec file") from None
    except OSError as exc:
        raise SpecError(source, "", f"cannot read the spec file ({exc.strerror or exc})") from None
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISSOCK, "a socket"))
    for test, what in kinds:
        if test(mode):
            raise SpecError(source, "", f"is {what}, not a spec file; give a TOML file such as "
                                        "derivations/on_lpa.toml")
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise SpecError(source, "", f"cannot read the spec file ({exc.strerror or exc})") from None
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(source, "", f"larger than {MAX_SPEC_BYTES} bytes; a spec is a short TOML file")
    if data.startswith(_BOM):
        raise SpecError(source, "", "starts with a UTF-8 byte-order mark (BOM), which TOML does not "
                                    "allow; save the file as UTF-8 without BOM")
    if not data.strip():
        raise SpecError(source, "", "the spec file is empty; it needs at least a [theory] table")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(source, "", "the file is not UTF-8 text") from None


def read_toml(text: str, source: str, key: str = "") -> dict[str, Any]:
    """Parse TOML text; a syntax error or absurd nesting becomes a :class:`SpecError`.

    Parameters
    ----------
    text
        The TOML document.
    source
        The file it came from, for messages.
    key
        The key (or option) it came from, for messages.

    Returns
    -------
    dict
        The parsed document.

    Raises
    ------
    SpecError
        For a syntax error, or nesting so deep that the parser runs out of stack.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(source, key, f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise SpecError(source, key, "TOML nested too deeply (arrays or tables inside each other "
                                     "thousands of levels deep); a spec nests at most a few levels") from None


def apply_override(raw: dict[str, Any], item: str, source: str) -> None:
    """Apply one ``section.key=value`` override to the raw mapping in place.

    Keys may go deeper into a table, e.g. ``bare.constants.m2=-0.3``; missing tables on the
    way are created.

    Parameters
    ----------
    raw
        The parsed spec, changed in place.
    item
        ``"section.key=value"`` (or ``"section.table.key=value"``); the value is read as a TOML
        value, or as a plain string when it is not one.
    source
        The spec file, for messages.

    Raises
    ------
    SpecError
        For a malformed override, or a path through a value that is not a table.
    """
    if "=" not in item:
        raise SpecError(source, _printable(item) or "--set",
                        "an override must look like section.key=value")
    key, _, text = item.partition("=")
    key = key.strip()
    parts = [p.strip() for p in key.split(".")]
    if len(parts) < 2 or not all(parts):
        raise SpecError(source, _printable(key) or "--set",
                        "an override key must be section.key (or section.table.key), "
                        "e.g. truncation.order or bare.constants.m2")
    try:
        parsed = tomllib.loads(f"v = {text.strip()}")
        value = parsed["v"] if list(parsed) == ["v"] else text.strip()
    except tomllib.TOMLDecodeError:
        value = text.strip()
    except RecursionError:
        raise SpecError(source, _printable(key), "the value is nested too deeply") from None
    table = raw
    for depth, part in enumerate(parts[:-1]):
        table = table.setdefault(part, {})
        if not isinstance(table, dict):
            raise SpecError(source, _printable(".".join(parts[:depth + 1])),
                            f"is not a table, so {_printable(key)} cannot be set")
    table[parts[-1]] = value


#: Keys and sections that ask for fermions, which rgsym does not derive yet.
FERMION_WORDS = frozenset({"yukawa", "yukawas", "fermion", "fermions", "dirac", "majorana", "spinor",
                           "spinors", "weyl", "gross_neveu", "grossneveu"})
_FERMIONS = ("Dirac fermions with a Yukawa coupling are given in [theory] as fermions = [{name, flavours, "
             "spinor_dim}] and yukawa = 'chiral-ising' (see the README); a Majorana field adds "
             "majorana = true to that table; Weyl fields are not supported yet")


def parse_spec(raw: Mapping[str, Any], source: str = "<spec>") -> TheorySpec:
    """Validate a raw (already parsed) spec mapping into a :class:`TheorySpec`.

    Every section is checked, so that all problems are reported at once.

    Parameters
    ----------
    raw
        The parsed TOML document (with overrides applied).
    source
        The file it came from, for messages.

    Returns
    -------
    TheorySpec

    Raises
    ------
    SpecError
        The one problem found, or :class:`~rgsym.errors.SpecErrors` listing several, one per line.
    """
    errors: list[SpecError] = []

    def attempt(parse: Callable[[], Any]) -> Any:
        try:
            return parse()
        except SpecErrors as many:
            errors.extend(many.errors)
        except SpecError as exc:
            errors.append(exc)
        return None

    tables = _known_tables(raw, source, errors)
    theory = attempt(lambda: _parse_theory(tables["theory"], source)) if "theory" in tables else None
    if "theory" not in raw:
        errors.append(SpecError(source, "theory", "the [theory] section is required"))
    truncation = attempt(lambda: _parse_truncation(tables.get("truncation", {}), source, theory)) \
        if theory is not None else None
    regulator = attempt(lambda: _parse_regulator(tables.get("regulator", {}), source,
                                                 theory.d if theory is not None else None))
    flow = attempt(lambda: _parse_flow(tables.get("flow", {}), source, raw))
    bare = attempt(lambda: _parse_bare(tables["bare"], source)) if "bare" in tables else None
    if truncation is not None and truncation.scheme in D2_SCHEMES:
        attempt(lambda: _check_d2_context(regulator, flow, source))
    if theory is not None and theory.fermions and truncation is not None:
        attempt(lambda: _check_fermion_context(truncation, regulator, flow, source, theory.d))
    if errors:
        raise errors[0] if len(errors) == 1 else SpecErrors(_unique(errors))
    assert theory is not None and truncation is not None  # else an error was recorded
    return TheorySpec(source, theory, truncation, regulator, flow, bare)


def _known_tables(raw: Mapping[str, Any], source: str, errors: list[SpecError]) -> dict[str, dict[str, Any]]:
    """The sections of ``raw`` with their known keys; every unknown section or key goes to ``errors``."""
    tables: dict[str, dict[str, Any]] = {}
    for section, value in raw.items():
        if section not in SECTIONS:
            errors.append(SpecError(source, _printable(section),
                                    _unknown("unknown section", section, ", ".join(SECTIONS))))
            continue
        if not isinstance(value, dict):
            errors.append(SpecError(source, section, "must be a table, e.g. [" + section + "]"))
            continue
        for key in value:
            if key not in SECTIONS[section]:
                errors.append(SpecError(source, f"{section}.{_printable(key)}",
                                        _unknown("unknown key", key, ", ".join(SECTIONS[section]))))
        tables[section] = {k: v for k, v in value.items() if k in SECTIONS[section]}
    return tables


def _unknown(what: str, name: str, allowed: str) -> str:
    """The message for an unknown key or section; one that asks for fermions says they are not there yet."""
    if name.strip().lower().replace("-", "_") in FERMION_WORDS:
        return f"{what}: {_FERMIONS}; allowed: {allowed}"
    return f"{what}; allowed: {allowed}"


def _unique(errors: list[SpecError]) -> list[SpecError]:
    """The errors without repeats (the same line can come from two checks), in order."""
    unique: dict[str, SpecError] = {}
    for error in errors:
        unique.setdefault(str(error), error)
    return list(unique.values())


def _parse_dimension(value: Any, source: str) -> sp.Expr:
    key = "theory.d"
    if isinstance(value, bool):
        raise SpecError(source, key, "must be a positive number, 'd' or an expression such as '4 - epsilon'")
    if isinstance(value, int | float):
        if not value >= 0 or value != value or value == float("inf"):  # d = 0: the exact benchmark
            raise SpecError(source, key, f"must be a positive finite number or 0, got {value!r}")
        if value > MAX_DIMENSION:
            raise SpecError(source, key, f"must be at most {MAX_DIMENSION}, got {value!r}")
        return sp.Integer(value) if float(value).is_integer() else sp.Rational(str(value))
    if isinstance(value, str):
        allowed = {"d": symbols.d, "epsilon": symbols.epsilon}
        hint = "use a number, 'd' or a polynomial in d and epsilon such as '4 - epsilon'"
        expr = screen_expression(value, allowed, (), lambda m: SpecError(source, key, f"{m}; {hint}"),
                                 MAX_DIMENSION_TERMS)
        if not isinstance(expr, sp.Expr) or not expr.free_symbols <= set(allowed.values()) \
                or not expr.is_polynomial(*allowed.values()):
            raise SpecError(
                source, key, f"cannot read {value!r}; use a number, 'd' or an expression in epsilon"
            )
        if expr.is_number and not (expr.is_nonnegative and expr <= MAX_DIMENSION):
            raise SpecError(source, key, f"must be positive (or 0), at most {MAX_DIMENSION}, got {value!r}")
        return expr
    raise SpecError(source, key, f"must be a number or a string, got {type(value).__name__}")


def screen_expression(text: str, variables: Mapping[str, sp.Expr], functions: Sequence[str],
                      complain: Callable[[str], Exception], max_terms: int | None = None) -> sp.Expr:
    """Read user text from a spec as a small arithmetic expression, or complain.

    The text goes through :func:`rgsym.expression.read_expression`: only numbers, the
    given names and functions, arithmetic operators and brackets pass, the text is at
    most :data:`MAX_EXPRESSION_LENGTH` characters, numeric exponents are at most
    :data:`MAX_EXPONENT` in size, and nothing is evaluated as Python.

    Parameters
    ----------
    text
        The expression as written in the spec.
    variables
        The names allowed and the symbols they stand for.
    functions
        The functions and constants allowed (names from :data:`rgsym.expression.FUNCTIONS`
        and :data:`rgsym.expression.CONSTANTS`).
    complain
        Builds the exception to raise from a one-line message.
    max_terms
        When given, the most terms the expression may expand to
        (:func:`rgsym.expression.expanded_terms`): its cost in the derivation.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    Exception
        The one ``complain`` returns, when the text does not pass.

    Examples
    --------
    >>> from rgsym.symbols import d, epsilon
    >>> screen_expression("4 - epsilon", {"d": d, "epsilon": epsilon}, (), ValueError)
    4 - epsilon
    >>> screen_expression("10**10**10", {"d": d}, (), ValueError)
    Traceback (most recent call last):
    ...
    ValueError: cannot read '10**10**10': exponents must be numbers of size at most 64
    """
    try:
        expr = expression.read_expression(text, variables, functions)
    except expression.ExpressionError as exc:
        raise complain(str(exc)) from None
    if max_terms is not None:
        terms = expression.expanded_terms(expr, max_terms)
        if terms > max_terms:
            raise complain(f"cannot use {_brief(text)}: it expands to more than {max_terms} terms, "
                           "the limit for this key")
    return expr


def _brief(value: Any, limit: int = 60) -> str:
    """``repr(value)`` on one line, cut to about ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _printable(key: str) -> str:
    """A key as it can be shown on one line (escapes for control characters)."""
    return key if key.isprintable() else repr(key)[1:-1]


def _parse_components(value: Any, source: str, key: str) -> int | sp.Symbol:
    if isinstance(value, bool):
        raise SpecError(source, key, "must be a positive integer or the symbol 'N'")
    if isinstance(value, int):
        if value <= 0:
            raise SpecError(source, key, f"must be a positive integer or the symbol 'N', got {value}")
        return value
    if value == "N":
        return symbols.N
    if value == "M" and key.startswith("theory.fields"):  # a second multiplet: O(N) + O(M)
        return symbols.M
    raise SpecError(source, key, f"must be a positive integer or the symbol 'N' (or 'M' in theory.fields), "
                    f"got {value!r}")


def _parse_theory(t: dict[str, Any], source: str) -> Theory:
    if "d" not in t:
        raise SpecError(source, "theory.d", "the dimension is required (a number or 'd')")
    dim = _parse_dimension(t["d"], source)
    for key in ("name", "description"):
        if key in t and not isinstance(t[key], str):
            raise SpecError(source, f"theory.{key}", f"must be a string, got {type(t[key]).__name__}")
    if "field" in t and "N" not in t:
        raise SpecError(source, "theory.field", "names the multiplet of theory.N; with theory.fields "
                        "give each name in the list")
    if ("N" in t) == ("fields" in t):
        raise SpecError(
            source, "theory.N", "give exactly one of theory.N (an O(N) multiplet) or theory.fields"
        )
    if "N" in t:
        name = t.get("field", "phi")
        if not isinstance(name, str) or not name.isidentifier():
            raise SpecError(source, "theory.field", "must be an identifier such as 'phi'")
        blocks: tuple[FieldBlock, ...] = (FieldBlock(name, _parse_components(t["N"], source, "theory.N")),)
    else:
        blocks = _parse_fields(t["fields"], source)
    theory = Theory(dim, blocks)
    if "invariants" in t:
        from rgsym.invariants import parse_invariants

        theory = Theory(dim, blocks, parse_invariants(t["invariants"], blocks, source))
    if "fermions" in t or "yukawa" in t:
        fermions, yukawa = _parse_fermions(t, dim, blocks, source)
        theory = replace(theory, fermions=fermions, yukawa=yukawa)
    if "symmetry" in t:
        given = t["symmetry"]
        if not isinstance(given, str) or given.replace(" ", "") != theory.symmetry:
            raise SpecError(
                source, "theory.symmetry",
                f"the fields given carry the symmetry '{theory.symmetry}' (one Z2 per real scalar,"
                f" O(n) per multiplet, cubic(n) for a multiplet with sum(phi_a**4)); got {given!r}",
            )
    return theory


def _parse_fermions(t: dict[str, Any], dim: sp.Expr, blocks: tuple[FieldBlock, ...], source: str
                    ) -> tuple[tuple[FermionField, ...], tuple[str, ...]]:
    """theory.fermions (one Dirac field) and theory.yukawa (a class name or one matrix per boson)."""
    from rgsym.fermions import YUKAWA_CLASSES, YukawaError, yukawa_matrices

    if "yukawa" in t:
        raw = t["yukawa"]
        listed = isinstance(raw, list) and bool(raw) and all(isinstance(x, str) for x in raw)
        if not (isinstance(raw, str) or listed):
            raise SpecError(source, "theory.yukawa", "must be a class name or a list of matrix strings")
        if isinstance(raw, str) and raw not in YUKAWA_CLASSES:
            raise SpecError(source, "theory.yukawa", f"got {raw!r}; allowed: "
                            f"{', '.join(map(repr, YUKAWA_CLASSES))} or a list of matrices, one per boson")
    value = t.get("fermions")
    if "fermions" in t and (not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict)
                            or not set(value[0]) <= {"name", "flavours", "spinor_dim", "majorana"}):
        raise SpecError(source, "theory.fermions", "must be a list with one table {name = 'psi', flavours = "
                        "N_f or a positive integer, spinor_dim = 2 or 4, majorana = false or true}")
    if "fermions" not in t or "yukawa" not in t:
        raise SpecError(source, "theory.yukawa" if "fermions" in t else "theory.fermions",
                        "fermions need theory.fermions and theory.yukawa together")
    assert isinstance(value, list)
    item = value[0]
    name = item.get("name", "psi")
    if not isinstance(name, str) or not name.isidentifier():
        raise SpecError(source, "theory.fermions[0].name", f"must be an identifier, got {name!r}")
    flavours = item.get("flavours", 1)
    if flavours == "N_f":
        flavours = symbols.N_f
    elif isinstance(flavours, bool) or not isinstance(flavours, int) or flavours <= 0:
        raise SpecError(source, "theory.fermions[0].flavours",
                        f"must be a positive integer or the symbol 'N_f', got {flavours!r}")
    spinor = item.get("spinor_dim", 4)
    if isinstance(spinor, bool) or not isinstance(spinor, int) or spinor <= 0 or spinor % 2:
        raise SpecError(source, "theory.fermions[0].spinor_dim",
                        f"must be a positive even integer, got {spinor!r}")
    majorana = item.get("majorana", False)
    if not isinstance(majorana, bool):
        raise SpecError(source, "theory.fermions[0].majorana", f"must be true or false, got {majorana!r}")
    if len(blocks) != 1 or not isinstance(blocks[0].components, int):
        raise UnsupportedError(source, "theory.N", "a Yukawa theory has one boson multiplet with a number of "
                               "components (theory.N = 1, 2, 3 ...)")
    raw = t["yukawa"]
    texts = YUKAWA_CLASSES[raw] if isinstance(raw, str) else tuple(raw)
    if len(texts) != blocks[0].components:
        raise SpecError(source, "theory.yukawa", f"gives {len(texts)} matrices for theory.N = "
                        f"{blocks[0].components} bosons; give one matrix T_a per boson component")
    try:
        matrices, flavour_dim = yukawa_matrices(texts)
    except YukawaError as exc:
        raise SpecError(source, "theory.yukawa", str(exc)) from None
    chiral = any(w[1] for m in matrices for w, _ in m.terms)
    if majorana and (len(matrices) != 1 or chiral or flavour_dim != 1):
        raise UnsupportedError(source, "theory.fermions[0].majorana", "a Majorana field couples through "
                               "h phi psibar psi only: use yukawa = 'chiral-ising' (theory.N = 1)")
    if dim.is_number and dim == int(dim):
        need = 2 ** ((int(dim) + (1 if chiral and int(dim) % 2 else 0)) // 2)
        if spinor % need:
            why = " (gamma5 in odd d needs the reducible representation)" if chiral and int(dim) % 2 else ""
            raise SpecError(source, "theory.fermions[0].spinor_dim",
                            f"{spinor} does not fit d = {dim}: Dirac spinors there have a multiple of {need} "
                            f"components{why}")
    return (FermionField(name, flavours, spinor, majorana),), tuple(texts)


#: What the Yukawa derivation (rgsym.gny) covers so far.
FERMION_SCHEMES, FERMION_REGULATORS = ("lpa", "lpa'"), ("litim", "exponential", "exp-mass")


def _check_fermion_context(truncation: Truncation, regulator: RegulatorSpec | None, flow: FlowSpec | None,
                           source: str, d: sp.Expr) -> None:
    """A Yukawa theory: Wetterich equation; Litim (alpha = 1), exponential or exp-mass regulator; a
    full potential with Litim and numeric d."""
    d_number = bool(sp.sympify(d).is_number)
    if flow is not None and flow.equation != "wetterich":
        raise UnsupportedError(source, "flow.equation", "fermions are derived from the Wetterich equation "
                               "(the Polchinski form of rgsym has bosons only); use 'wetterich'")
    if truncation.potential == "full" and regulator is not None and regulator.kind != "litim":
        raise UnsupportedError(source, "truncation.potential", "'full' with fermions is solved with the "
                               "Litim regulator (closed loops); use regulator.kind = 'litim', or a "
                               "'polynomial' potential for a smooth regulator")
    if truncation.potential == "full" and not d_number:
        raise UnsupportedError(source, "truncation.potential", "'full' with fermions needs a numeric d "
                               "(the fixed function is solved on a grid); use 'polynomial' for symbolic d")
    if regulator is not None and regulator.kind not in FERMION_REGULATORS:
        raise UnsupportedError(source, "regulator.kind", f"{regulator.kind!r} with fermions: the fermion "
                               f"loops are integrated for {', '.join(map(repr, FERMION_REGULATORS))}")
    alpha = None if regulator is None else dict(regulator.parameters).get("alpha", 1)
    if regulator is not None and regulator.kind == "litim" and alpha != 1:
        raise UnsupportedError(source, "regulator.alpha", "the Litim fermion loops are closed for alpha = 1 "
                               "only; use alpha = 1 or a smooth regulator ('exponential', 'exp-mass')")


def _parse_fields(value: Any, source: str) -> tuple[FieldBlock, ...]:
    key = "theory.fields"
    if not isinstance(value, list) or not value:
        raise SpecError(source, key, "must be a non-empty list of names or {name, N} tables")
    blocks = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            name, comps = item, 1
        elif isinstance(item, dict) and set(item) <= {"name", "N"} and "name" in item:
            name = item["name"]
            comps = _parse_components(item.get("N", 1), source, f"{key}[{i}].N")
        else:
            raise SpecError(source, f"{key}[{i}]", "must be a name or a table {name = ..., N = ...}")
        if not isinstance(name, str) or not name.isidentifier():
            raise SpecError(source, f"{key}[{i}]", f"field names must be identifiers, got {name!r}")
        blocks.append(FieldBlock(name, comps))
    names = [b.name for b in blocks]
    if len(set(names)) != len(names):
        raise SpecError(source, key, "field names must be distinct")
    return tuple(blocks)


def _choice(t: dict[str, Any], key: str, allowed: tuple[str, ...], default: str, source: str,
            section: str) -> str:
    value = t.get(key, default)
    if value not in allowed:
        raise SpecError(
            source, f"{section}.{key}", f"got {value!r}; allowed: {', '.join(map(repr, allowed))}"
        )
    return str(value)


def _parse_truncation(t: dict[str, Any], source: str, theory: Theory) -> Truncation:
    scheme = _choice(t, "scheme", SCHEMES, "lpa", source, "truncation")
    if theory.fermions and scheme not in FERMION_SCHEMES:
        raise UnsupportedError(source, "truncation.scheme", f"{scheme!r} with fermions is not derived yet; "
                               f"allowed: {', '.join(map(repr, FERMION_SCHEMES))}")
    if scheme in D2_SCHEMES and (not theory.is_single_multiplet or theory.invariants):
        raise UnsupportedError(source, "truncation.scheme", "'d2' is derived for one O(N) multiplet "
                               "(theory.N) without invariants")
    if scheme == "lpa'" and len(theory.blocks) > 1:
        raise UnsupportedError(source, "truncation.scheme",
                               "\"lpa'\" with several fields is not supported yet (eta is read at the "
                               "running minimum of a single O(N) multiplet); use 'lpa' for several "
                               "fields, or one multiplet theory.N for \"lpa'\"")
    potential = _choice(t, "potential", POTENTIALS, "polynomial", source, "truncation")
    around = _choice(t, "expand_around", EXPANSION_POINTS, "zero" if scheme == "vertex" else "minimum",
                     source, "truncation")
    order = t.get("order", 8)
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= MAX_ORDER:
        raise SpecError(source, "truncation.order",
                        f"must be an integer from 1 to {MAX_ORDER}, got {order!r}")
    _check_field_count(theory, order, source)
    dim = theory.d
    if around == "minimum" and potential == "polynomial":
        if dim.is_number and not bool(dim > 2):
            raise SpecError(
                source, "truncation.expand_around",
                f"'minimum' needs d > 2 (the field has no positive scaling dimension at d = {dim});"
                " use 'zero'",
            )
        if len(theory.blocks) > 1 and (theory.invariants or scheme != "lpa"):
            raise UnsupportedError(
                source, "truncation.expand_around",
                "'minimum' with several fields is derived in the LPA without invariants "
                "(rgsym.multi_minimum); use 'zero'",
            )
    if potential == "full" and len(theory.blocks) > 1:
        raise UnsupportedError(
            source, "truncation.potential",
            "'full' needs a single O(N) multiplet (a one-invariant PDE); use 'polynomial'",
        )
    if scheme == "vertex":
        _check_vertex_scheme(potential, around, order, source)
    projection = _choice(t, "eta_projection", ETA_PROJECTIONS, "goldstone", source, "truncation")
    if "eta_projection" in t and scheme != "lpa'":
        raise SpecError(source, "truncation.eta_projection",
                        f"only used by the \"lpa'\" scheme (this spec has {scheme!r}); remove it")
    if scheme == "lpa'":
        _check_lpa_prime(potential, around, theory, source)
    kinetic = _check_d2(t, scheme, potential, around, order, theory, source)
    return Truncation(scheme, potential, order, around, projection, kinetic)


#: Regulators of the derivative expansion: smooth ones, and 'litim', whose distributional terms at
#: O(d^2) are resolved as the limit of smooth regulators (rgsym.integrate.kinked_regulator_integrand).
#: A smooth shape must also be finite with its derivatives at y = 0 and decay exponentially, which the
#: derivation checks (rgsym.derivative_expansion.smooth_shape_problem: 'power-law' fails it).
D2_REGULATORS = ("exponential", "exp-mass", "litim", "custom", "power-law")


def _check_d2_context(regulator: RegulatorSpec | None, flow: FlowSpec | None, source: str) -> None:
    """'d2' is derived from the Wetterich equation with a smooth regulator."""
    if flow is not None and flow.equation != "wetterich":
        raise UnsupportedError(source, "flow.equation", "'d2' is derived from the Wetterich equation; use "
                               "'wetterich'")
    if regulator is not None and regulator.kind not in D2_REGULATORS:
        raise UnsupportedError(source, "regulator.kind", f"'d2' needs one of "
                               f"{', '.join(repr(k) for k in D2_REGULATORS)}; got {regulator.kind!r} (a "
                               "sharp cutoff or another kink gives distributional terms at O(d^2) that are "
                               "not resolved)")


def _check_d2(t: dict[str, Any], scheme: str, potential: str, around: str, order: int, theory: Theory,
              source: str) -> int:
    """The derivative expansion: one multiplet, numeric d > 2, around the minimum; its kinetic order."""
    if scheme not in D2_SCHEMES:
        if "kinetic_order" in t:
            raise SpecError(source, "truncation.kinetic_order",
                            f"only used by the 'd2' scheme (this spec has {scheme!r}); remove it")
        return 2
    if not (theory.d.is_number and bool(theory.d > 2)):
        raise UnsupportedError(source, "theory.d",
                               f"'d2' is solved in a numeric dimension d > 2, got {theory.d}")
    if not isinstance(theory.blocks[0].components, int):
        raise UnsupportedError(source, "theory.N", "'d2' is solved for a numeric N")
    if potential == "polynomial":
        if around != "minimum":
            raise UnsupportedError(source, "truncation.expand_around", "'d2' with a polynomial is "
                                   "expanded around the running minimum; use 'minimum'")
        if order > MAX_D2_ORDER:
            raise SpecError(source, "truncation.order", f"for 'd2' the degree of u' is at most "
                            f"{MAX_D2_ORDER} ({D2_CAP_REASON}); got {order}; for more use potential = 'full'")
    kinetic = t.get("kinetic_order", 2)
    if isinstance(kinetic, bool) or not isinstance(kinetic, int) or not 0 <= kinetic <= MAX_D2_KINETIC_ORDER:
        raise SpecError(source, "truncation.kinetic_order", f"must be an integer from 0 to "
                        f"{MAX_D2_KINETIC_ORDER} ({D2_CAP_REASON}), got {kinetic!r}")
    return kinetic


def _check_field_count(theory: Theory, order: int, source: str) -> None:
    """Several field multiplets: at most :data:`MAX_FIELDS`, each count up to its measured order."""
    count = len(theory.blocks)
    if count == 1:
        return
    if count > MAX_FIELDS:
        raise SpecError(source, "theory.fields", f"at most {MAX_FIELDS} field multiplets can be derived "
                        f"(the derivation grows too fast beyond), got {count}")
    limit = FIELD_ORDER_LIMITS[count]
    if order > limit:
        raise SpecError(source, "theory.fields", f"with {count} field multiplets truncation.order may be at "
                        f"most {limit} (higher orders take minutes to derive), got {order}")


def _check_lpa_prime(potential: str, around: str, theory: Theory, source: str) -> None:
    """LPA' reads eta at the running minimum of a single O(N) multiplet's polynomial potential (with
    fermions also of a full one, at zero field or the minimum: rgsym.workflows.gny_functions)."""
    if potential != "polynomial" and not theory.fermions:
        raise UnsupportedError(source, "truncation.potential",
                               "the \"lpa'\" scheme needs a polynomial potential; use 'polynomial'")
    if around != "minimum" and not theory.fermions:  # with fermions the fermion ring carries p at zero field
        raise SpecError(source, "truncation.expand_around",
                        "the \"lpa'\" scheme reads eta at the running minimum (at zero field the "
                        "momentum-dependent one-loop graph vanishes); use 'minimum'")


def _check_vertex_scheme(potential: str, around: str, order: int, source: str) -> None:
    """The vertex expansion keeps Gamma^(2) .. Gamma^(order) at zero field."""
    if potential != "polynomial":
        raise SpecError(source, "truncation.potential",
                        "the 'vertex' scheme keeps n-point functions, not a full potential; use 'polynomial'")
    if around != "zero":
        raise UnsupportedError(source, "truncation.expand_around",
                               "the 'vertex' scheme is expanded around zero field; use 'zero'")
    if not 2 <= order <= MAX_VERTEX_ORDER:
        raise SpecError(source, "truncation.order",
                        f"for the 'vertex' scheme the highest n-point function kept, from 2 to "
                        f"{MAX_VERTEX_ORDER}; got {order}")


def _parse_regulator(t: dict[str, Any], source: str, dimension: sp.Expr | None = None) -> RegulatorSpec:
    from rgsym.regulators import CUSTOM_PARAMETERS, REGULATORS, parse_shape

    kinds = (*sorted(REGULATORS), "custom")
    kind = _choice(t, "kind", kinds, "litim", source, "regulator")
    allowed = CUSTOM_PARAMETERS if kind == "custom" else REGULATORS[kind].parameters
    params = []
    shape = None
    for key, value in sorted(t.items()):
        if key == "kind":
            continue
        if key not in allowed:
            raise SpecError(source, f"regulator.{key}",
                            f"not a parameter of {kind!r}; allowed: {', '.join(allowed) or 'none'}")
        if key == "shape":
            if not isinstance(value, str):
                raise SpecError(source, "regulator.shape", "must be a string such as 'exp(-y)'")
            parse_shape(value, lambda m: SpecError(source, "regulator.shape", m))
            shape = value
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 \
                or value == float("inf"):
            raise SpecError(source, f"regulator.{key}", f"must be a positive number, got {value!r}")
        params.append((key, float(value)))
    if kind == "mass" and dimension is not None and not (dimension.is_number and bool(dimension < 2)):
        raise SpecError(source, "regulator.kind", f"'mass' (R_k = alpha k^2) needs a numeric theory.d < 2 "
                        f"(its loop integral diverges otherwise), got d = {dimension}; use 'litim'")
    if kind == "custom" and shape is None:
        raise SpecError(source, "regulator.shape", "kind = 'custom' needs shape = '<r(y)>', e.g. 'exp(-y)'")
    return RegulatorSpec(kind, tuple(params), shape)


def _parse_flow(t: dict[str, Any], source: str, raw: Mapping[str, Any] | None = None) -> FlowSpec:
    """The flow equation; the Polchinski equation takes ``flow.cutoff``, not a [regulator]."""
    from rgsym.polchinski.cutoffs import CUTOFFS, DEFAULT_CUTOFF

    equation = _choice(t, "equation", EQUATIONS, "wetterich", source, "flow")
    tables = dict(raw or {})
    if equation == "wetterich":
        if "cutoff" in t:
            raise SpecError(source, "flow.cutoff", "only with flow.equation = 'polchinski'; the Wetterich "
                            "equation takes its regulator from [regulator] kind")
        return FlowSpec(equation)
    cutoff = _choice(t, "cutoff", tuple(CUTOFFS), DEFAULT_CUTOFF, source, "flow")
    regulator = tables.get("regulator") or {}
    if isinstance(regulator, dict) and regulator:
        key = "regulator.kind" if "kind" in regulator else f"regulator.{_printable(sorted(regulator)[0])}"
        raise SpecError(source, key, "a Wetterich regulator R_k means nothing for flow.equation = "
                        "'polchinski'; remove [regulator] and choose the UV cutoff K with flow.cutoff "
                        f"(allowed: {', '.join(map(repr, CUTOFFS))})")
    truncation = tables.get("truncation") or {}
    scheme = truncation.get("scheme", "lpa") if isinstance(truncation, dict) else "lpa"
    if scheme != "lpa":
        raise UnsupportedError(source, "truncation.scheme", f"{scheme!r} is not derived from the "
                               "Polchinski equation yet; with flow.equation = 'polchinski' use 'lpa'")
    return FlowSpec(equation, cutoff)


def _canonical(theory: Theory, truncation: Truncation, regulator: RegulatorSpec,
               flow: FlowSpec) -> dict[str, Any]:
    blocks = [{"name": b.name, "N": str(b.components)} for b in theory.blocks]  # N may be symbolic
    invariants = {"invariants": [i.canonical() for i in theory.invariants]} if theory.invariants else {}
    if theory.fermions:  # absent without fermions: the same text (and digest) as before they existed
        invariants["fermions"] = [{"name": f.name, "flavours": str(f.flavours), "spinor_dim": f.spinor_dim,
                                   **({"majorana": True} if f.majorana else {})} for f in theory.fermions]
        invariants["yukawa"] = list(theory.yukawa)
    return {
        "theory": {"d": str(theory.d), "fields": blocks, **invariants},
        "truncation": {
            "scheme": truncation.scheme,
            "potential": truncation.potential,
            "order": truncation.order,
            "expand_around": truncation.expand_around,
            **({"eta_projection": truncation.eta_projection} if truncation.scheme == "lpa'" else {}),
            **({"kinetic_order": truncation.kinetic_order} if truncation.scheme in D2_SCHEMES else {}),
        },
        "regulator": {"kind": regulator.kind, **dict(regulator.parameters),
                      **({"shape": regulator.shape} if regulator.shape else {})},
        "flow": {"equation": flow.equation, **({"cutoff": flow.cutoff} if flow.cutoff else {})},
    }


#: Most grid points of [bare] points: the Chebyshev Jacobian is dense, n^2 per evaluation.
MAX_BARE_POINTS = 400
#: Most finite-volume cells in phi for a broken-phase flow (800 take ~13 s).
MAX_BARE_CELLS = 4000


def _parse_bare(t: dict[str, Any], source: str) -> BareSpec:
    """The [bare] table: potential (in rho and the names of constants), scales and grid."""
    if "potential" not in t or not isinstance(t["potential"], str):
        raise SpecError(source, "bare.potential", "required: U at k = k_uv as a string in rho, "
                        "e.g. 'm2*rho + lam*rho**2/6' with constants = {m2 = 1, lam = 1}")
    constants = t.get("constants", {})
    if not isinstance(constants, dict):
        raise SpecError(source, "bare.constants", "must be a table of numbers, e.g. {m2 = 1, lam = 1}")
    values = []
    for name, value in sorted(constants.items()):
        why = expression.check_name(name, ("rho", *BARE_FUNCTIONS))
        if why is not None:
            raise SpecError(source, f"bare.constants.{_printable(name)}", f"not a constant name: {why}")
        values.append((name, _bare_number(value, source, f"bare.constants.{name}", positive=False)))
    variables = {"rho": sp.Symbol("rho"), **{n: sp.Symbol(n) for n, _ in values}}
    screen_expression(t["potential"], variables, BARE_FUNCTIONS,
                      lambda m: SpecError(source, "bare.potential", m), MAX_POTENTIAL_TERMS)
    k_uv = _bare_scale(t.get("k_uv", BareSpec.k_uv), source, "bare.k_uv")
    k_ir = _bare_scale(t.get("k_ir", BareSpec.k_ir), source, "bare.k_ir")
    if not k_ir < k_uv:
        raise SpecError(source, "bare.k_ir", f"must be below bare.k_uv = {k_uv:g}, got {k_ir:g}")
    rho_max = _bare_scale(t.get("rho_max", BareSpec.rho_max), source, "bare.rho_max")
    points = t.get("points", BareSpec.points)
    if isinstance(points, bool) or not isinstance(points, int) or not 8 <= points <= MAX_BARE_POINTS:
        raise SpecError(source, "bare.points", f"must be an integer from 8 to {MAX_BARE_POINTS}, "
                        f"got {points!r}")
    cells = t.get("cells")
    if cells is not None and (isinstance(cells, bool) or not isinstance(cells, int)
                              or not 20 <= cells <= MAX_BARE_CELLS):
        raise SpecError(source, "bare.cells", f"must be an integer from 20 to {MAX_BARE_CELLS}, "
                        f"got {cells!r}")
    bare = BareSpec(t["potential"], tuple(values), k_uv, k_ir, rho_max, points, cells)
    expr = bare.expression(sp.Symbol("rho"))
    samples = [expr.subs(sp.Symbol("rho"), r).evalf() for r in (0, rho_max / 2, rho_max)]
    if not all(v.is_real and v.is_finite for v in samples):
        raise SpecError(source, "bare.potential", f"{_brief(t['potential'])} is not finite on [0, rho_max]")
    return bare


#: Range of the dimensionful scales k_uv, k_ir and rho_max of [bare]: 60 decades hold any
#: physical choice of units, and keep k^(d+2), ln(k_ir/k_uv) and rho_max^2 finite in doubles
#: (k_uv = 1e300 with k_ir = 1e-300 made k_ir/k_uv underflow to 0 and the flow take log(0)).
MIN_BARE_SCALE = 1e-30
MAX_BARE_SCALE = 1e30


def _bare_scale(value: Any, source: str, key: str) -> float:
    """A positive number of [bare] between :data:`MIN_BARE_SCALE` and :data:`MAX_BARE_SCALE`."""
    number = _bare_number(value, source, key)
    if not MIN_BARE_SCALE <= number <= MAX_BARE_SCALE:
        raise SpecError(source, key, f"must be between {MIN_BARE_SCALE:g} and {MAX_BARE_SCALE:g} "
                        f"(choose units in which the scales are moderate), got {number:g}")
    return number


def _bare_number(value: Any, source: str, key: str, positive: bool = True) -> float:
    """A finite (by default positive) number of the [bare] table."""
    ok = not isinstance(value, bool) and isinstance(value, int | float) and value == value \
        and abs(value) != float("inf") and (value > 0 or not positive)
    if not ok:
        raise SpecError(source, key, f"must be a {'positive ' if positive else ''}finite number, "
                        f"got {_brief(value)}")
    return float(value)
