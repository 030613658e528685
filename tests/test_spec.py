"""Spec validation: every mistake is one line on stderr naming file and key, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from rgsym import symbols
from rgsym.errors import SpecError
from rgsym.spec import load_spec, parse_spec
from tests.conftest import run_cli

GOOD = """
[theory]
d = 3
N = 1
[truncation]
order = 2
expand_around = "minimum"
[regulator]
kind = "litim"
[flow]
equation = "wetterich"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_spec_loads(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, GOOD))
    assert spec.theory.d == 3
    assert spec.theory.blocks[0].components == 1
    assert spec.truncation.order == 2


def test_symbolic_dimension_and_n() -> None:
    spec = parse_spec({"theory": {"d": "4 - epsilon", "N": "N"}})
    assert spec.theory.d == 4 - symbols.epsilon
    assert spec.theory.blocks[0].components == symbols.N


def test_override_changes_value(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, GOOD), ["truncation.order=5", "theory.N=3"])
    assert spec.truncation.order == 5
    assert spec.theory.blocks[0].components == 3


def test_digest_ignores_formatting(tmp_path: Path) -> None:
    a = load_spec(write(tmp_path, GOOD))
    b = parse_spec({"theory": {"N": 1, "d": 3}, "truncation": {"order": 2}})
    assert a.digest == b.digest
    assert a.digest != b.with_order(3).digest


@pytest.mark.parametrize(
    ("edit", "key", "allowed"),
    [
        ({"order": "0"}, "truncation.order", "from 1 to"),
        ({"order": "100"}, "truncation.order", "from 1 to"),
        ({"order": '"eight"'}, "truncation.order", "integer"),
        ({"N": "0"}, "theory.N", "positive integer"),
        ({"N": "-2"}, "theory.N", "positive integer"),
        ({"N": '"M"'}, "theory.N", "'N'"),
        ({"d": '"x + 1"'}, "theory.d", "epsilon"),
        ({"d": "-1"}, "theory.d", "positive"),
        ({"kind": '"sharp-ish"'}, "regulator.kind", "'litim'"),
        ({"expand_around": '"maximum"'}, "truncation.expand_around", "'minimum'"),
        ({"equation": '"schwinger"'}, "flow.equation", "'wetterich'"),
    ],
)
def test_bad_values_name_key_and_allowed(tmp_path: Path, edit: dict[str, str], key: str,
                                         allowed: str) -> None:
    (name, value), = edit.items()
    lines = [f"{name} = {value}" if line.startswith(f"{name} =") else line for line in GOOD.splitlines()]
    path = write(tmp_path, "\n".join(lines))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert key in message and allowed in message and str(path) in message
    assert "\n" not in message


def test_unknown_key_lists_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "\n[regulator2]\nkind = 1\n")
    with pytest.raises(SpecError, match="unknown section; allowed: theory"):
        load_spec(path)
    path = write(tmp_path, GOOD.replace("order = 2", "order = 2\nordr = 3"))
    with pytest.raises(SpecError, match=r"'truncation.ordr': unknown key; allowed: scheme"):
        load_spec(path)


def test_minimum_needs_dimension_above_two() -> None:
    with pytest.raises(SpecError, match="d > 2"):
        parse_spec({"theory": {"d": 2, "N": 1}, "truncation": {"expand_around": "minimum"}})


def test_symmetry_is_checked() -> None:
    spec = parse_spec({"theory": {"d": 3, "fields": ["phi", "chi"], "symmetry": "Z2xZ2"},
                       "truncation": {"expand_around": "zero"}})
    assert [b.name for b in spec.theory.blocks] == ["phi", "chi"]
    with pytest.raises(SpecError, match="theory.symmetry"):
        parse_spec({"theory": {"d": 3, "fields": ["phi", "chi"], "symmetry": "O(2)"},
                    "truncation": {"expand_around": "zero"}})


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[theory\nd = 3", "TOML syntax error"),
        ("[theory]\nd = 3\nN = 1\n[truncation]\norder = 0\n", "truncation.order"),
        ("[theory]\nd = 3\nN = 1\n[regulator]\nkind = 'exotic'\n", "regulator.kind"),
        ("[theory]\nd = 3\nN = 1.5\n", "theory.N"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path, text)
    result = run_cli("exponents", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    err = result.stderr.strip()
    assert "\n" not in err and "Traceback" not in err
    assert needle in err and str(path) in err


def test_cli_missing_file(tmp_path: Path) -> None:
    result = run_cli("derive", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "no such spec file" in result.stderr and "Traceback" not in result.stderr


def test_cli_bad_override(derivations: Path) -> None:
    result = run_cli("derive", str(derivations / "on_lpa.toml"), "--set", "truncation=3")
    assert result.returncode == 2
    assert "section.key" in result.stderr


def test_symbolic_d_cannot_be_solved_numerically(derivations: Path) -> None:
    result = run_cli("exponents", str(derivations / "on_lpa.toml"), "--set", 'theory.d="d"')
    assert result.returncode == 2
    assert "theory.d" in result.stderr and "must be a number" in result.stderr


def test_dimension_is_exact_rational() -> None:
    spec = parse_spec({"theory": {"d": 2.5, "N": 1}})
    assert spec.theory.d == sp.Rational(5, 2)


# --- expression text: read by rgsym.expression (an AST whitelist, no eval) --------------------


def test_caret_is_a_power_with_the_power_precedence() -> None:
    """``2*y^2`` is 2 y^2, not (2 y)^2 (Python's ^ binds looser than *)."""
    from rgsym.integrate import regulator_of
    from rgsym.symbols import y

    spec = parse_spec({"theory": {"d": 3, "N": 1}, "regulator": {"kind": "custom", "shape": "2*y^2*exp(-y)"}})
    assert regulator_of(spec.regulator).shape() == 2 * y**2 * sp.exp(-y)


def test_bare_potential_reads_numbers_as_written() -> None:
    spec = parse_spec({"theory": {"d": 3, "N": 1},
                       "bare": {"potential": "m2*rho + lam*rho^2/6 + 1e-2*rho**3",
                                "constants": {"m2": -0.5, "lam": 2}}})
    assert spec.bare is not None
    rho = sp.Symbol("rho")
    expected = sp.Float(-0.5) * rho + sp.Float(2.0) * rho**2 / 6 + sp.Float("1e-2") * rho**3
    assert sp.simplify(spec.bare.expression(rho) - expected) == 0


@pytest.mark.parametrize("name", ["if", "ｌａｍ", "_x", "exp"])
def test_bare_constant_names_are_ascii_identifiers(name: str) -> None:
    with pytest.raises(SpecError, match="not a constant name"):
        parse_spec({"theory": {"d": 3, "N": 1}, "bare": {"potential": "rho", "constants": {name: 1}}})


def test_fields_beyond_their_measured_order_are_refused() -> None:
    with pytest.raises(SpecError, match="at most 4"):
        parse_spec({"theory": {"d": 3, "fields": ["a", "b", "c"]},
                    "truncation": {"order": 5, "expand_around": "zero"}})


# --- issue 14: every error at once, nested --set, unsupported combinations said plainly --------

TYPOS = """
[theory]
d = 3
N = 1
dimension = 3
[truncation]
ordr = 4
scheme = "lpb"
[regulator]
kind = "litm"
"""


def test_every_spec_error_is_reported_at_once(tmp_path: Path) -> None:
    """Today the second typo showed only after the first was fixed: now one line each, exit 2."""
    path = write(tmp_path, TYPOS)
    result = run_cli("derive", str(path))
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    keys = ["theory.dimension", "truncation.ordr", "truncation.scheme", "regulator.kind"]
    assert len(lines) == len(keys), lines
    for key in keys:
        assert sum(f"key '{key}'" in line for line in lines) == 1, (key, lines)
    assert all(line.startswith(f"rgsym: error: {path}: key '") for line in lines), lines


def test_several_errors_are_one_exception_with_each_part() -> None:
    from rgsym.errors import SpecErrors

    with pytest.raises(SpecErrors) as caught:
        parse_spec({"theory": {"d": 3, "N": 1, "x": 1}, "flow": {"equation": "other"}}, "s.toml")
    assert [e.key for e in caught.value.errors] == ["theory.x", "flow.equation"]
    assert caught.value.exit_code == 2


def test_one_error_keeps_the_single_line_form() -> None:
    from rgsym.errors import SpecErrors

    with pytest.raises(SpecError) as caught:
        parse_spec({"theory": {"d": 3, "N": 1}, "truncation": {"order": 0}}, "s.toml")
    assert not isinstance(caught.value, SpecErrors) and "\n" not in str(caught.value)


def test_nested_override_sets_a_constant(derivations: Path) -> None:
    spec = load_spec(derivations / "ising_lpa_flow.toml", ["bare.constants.m2=-0.3"])
    assert spec.bare is not None and dict(spec.bare.constants) == {"lam": 1.0, "m2": -0.3}
    with pytest.raises(SpecError, match="'bare.k_uv': is not a table"):
        load_spec(derivations / "ising_lpa_flow.toml", ["bare.k_uv.x=1"])


@pytest.mark.parametrize("around", ["minimum", "zero"])
def test_lpa_prime_with_several_fields_says_it_is_not_supported(around: str, derivations: Path) -> None:
    """It looped: 'minimum needs one multiplet' with minimum, 'LPA' needs the minimum' with zero."""
    from rgsym.errors import UnsupportedError

    with pytest.raises(UnsupportedError) as caught:
        load_spec(derivations / "two_scalar_lpa.toml",
                  ["truncation.scheme=\"lpa'\"", f"truncation.expand_around={around}"])
    assert caught.value.key == "truncation.scheme"
    assert "several fields is not supported yet" in str(caught.value)


@pytest.mark.parametrize(("section", "key"), [("theory", "dirac"), ("theory", "majorana"),
                                              ("fermions", None), ("yukawa", None)])
def test_misplaced_fermion_keys_say_where_fermions_go(section: str, key: str | None) -> None:
    raw: dict[str, dict[str, object]] = {"theory": {"d": 3, "N": 1}}
    raw.setdefault(section, {})[key or "n"] = 1
    with pytest.raises(SpecError, match=r"\[theory\] as fermions") as caught:
        parse_spec(raw, "s.toml")
    assert caught.value.key == (f"{section}.{key}" if key else section)


GNY = {"d": 3, "N": 1, "fermions": [{"name": "psi", "flavours": 2, "spinor_dim": 4}],
       "yukawa": "chiral-ising"}


@pytest.mark.parametrize(("theory", "key", "words"), [
    ({"yukawa": ["1", "gamma5"], "N": 2}, "theory.yukawa", "breaks the O(N) symmetry"),
    ({"yukawa": ["1", "sigma_1"], "N": 2}, "theory.yukawa", "breaks the O(N) symmetry"),
    ({"yukawa": ["1"], "N": 2}, "theory.yukawa", "one matrix T_a per boson"),
    ({"yukawa": "chiral-potts"}, "theory.yukawa", "allowed: 'chiral-ising'"),
    ({"yukawa": ["__import__('os')"]}, "theory.yukawa", "cannot read"),
    ({"fermions": [{"name": "psi", "flavours": 2, "spinor_dim": 3}]}, "theory.fermions[0].spinor_dim",
     "even"),
    ({"fermions": [{"name": "psi", "flavours": 1, "spinor_dim": 2}], "yukawa": "chiral-xy", "N": 2},
     "theory.fermions[0].spinor_dim", "does not fit d = 3"),
    ({"fermions": [{"name": "psi", "flavours": 0}]}, "theory.fermions[0].flavours", "positive integer"),
    ({"yukawa": None}, "theory.yukawa", "together"),
])
def test_bad_yukawa_theories_get_one_line_errors(theory: dict[str, object], key: str, words: str) -> None:
    raw_theory = {**GNY, **theory}
    if raw_theory.get("yukawa") is None:
        del raw_theory["yukawa"]
    with pytest.raises(SpecError) as caught:
        parse_spec({"theory": raw_theory}, "s.toml")
    assert caught.value.key == key and words in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(("section", "value", "key"), [
    ("flow", {"equation": "polchinski"}, "flow.equation"),
    ("regulator", {"kind": "power-law"}, "regulator.kind"),
    ("regulator", {"kind": "litim", "alpha": 2}, "regulator.alpha"),
    ("truncation", {"scheme": "d2"}, "truncation.scheme"),
])
def test_yukawa_theories_name_what_is_not_derived(section: str, value: dict[str, object], key: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec({"theory": GNY, section: value}, "s.toml")
    assert caught.value.key == key


@pytest.mark.parametrize("extra", [{"regulator": {"kind": "exponential"}}, {"theory": {**GNY, "d": "d"}}])
def test_a_yukawa_full_potential_needs_litim_and_numeric_d(extra: dict[str, object]) -> None:
    """The full potential is solved on a grid with Litim's closed loops (rgsym.workflows.gny_functions)."""
    raw = {"theory": GNY, "truncation": {"potential": "full", "expand_around": "zero"}, **extra}
    with pytest.raises(SpecError) as caught:
        parse_spec(raw, "s.toml")
    assert caught.value.key == "truncation.potential" and "\n" not in str(caught.value)
    litim = parse_spec({"theory": GNY, "truncation": {"potential": "full"}}, "s.toml")
    assert litim.truncation.potential == "full"


def test_a_yukawa_spec_reads() -> None:
    spec = parse_spec({"theory": GNY, "truncation": {"scheme": "lpa'", "expand_around": "zero"}}, "s.toml")
    assert spec.theory.fermions[0].spinor_dim == 4 and spec.theory.yukawa == ("1",)
    assert "yukawa" in spec.canonical


def test_other_unknown_keys_do_not_mention_fermions() -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec({"theory": {"d": 3, "N": 1, "colour": 3}}, "s.toml")
    assert "Dirac" not in str(caught.value) and "unknown key; allowed" in str(caught.value)
