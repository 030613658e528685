"""theory.invariants: what the spec accepts, and one-line errors (exit code 2) for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from rgsym.cli import main
from rgsym.errors import SpecError
from rgsym.invariants import coupling_indices
from rgsym.spec import parse_spec

BASE = {"theory": {"d": 3, "N": 3}, "truncation": {"order": 2, "expand_around": "zero"}}


def spec_with(invariants: object, **theory: object) -> dict[str, object]:
    return {**BASE, "theory": {**BASE["theory"], **theory, "invariants": invariants}}  # type: ignore[dict-item]


def test_short_and_long_forms() -> None:
    short = parse_spec(spec_with({"tau": "sum(phi_a**4)"}))
    long = parse_spec(spec_with({"tau": {"expression": "sum(phi_a^4)", "max_power": 1}}))
    assert short.theory.invariants[0].max_power is None and long.theory.invariants[0].max_power == 1
    assert short.digest != long.digest  # the cap is part of the truncation
    assert short.digest != parse_spec(BASE).digest


@pytest.mark.parametrize(("invariants", "entry", "words"), [
    ({"tau": "sum(phi_a**3)"}, "tau", "only the quartic"),
    ({"tau": "sum(chi_a**4)"}, "tau", "not a declared field"),
    ({"tau": "__import__('os').system('true')"}, "tau", "cannot read"),
    ({"tau": "phi_1**4 + phi_2**4"}, "tau", "cannot read"),
    ({"tau": {"expression": "sum(phi_a**4)", "max_power": 0}}, "tau.max_power", "from 1"),
    ({"tau": {"formula": "sum(phi_a**4)"}}, "tau", "allowed"),
    ("sum(phi_a**4)", "", "table"),
])
def test_errors_name_the_key(invariants: object, entry: str, words: str) -> None:
    """The key is theory.invariants; the entry (tau, tau.max_power) leads the message."""
    with pytest.raises(SpecError) as err:
        parse_spec(spec_with(invariants), "s.toml")
    message = str(err.value)
    assert "key 'theory.invariants'" in message and f"{entry}: " in message
    assert words in message and "\n" not in message


def test_one_component_is_rejected() -> None:
    with pytest.raises(SpecError, match="N >= 2"):
        parse_spec(spec_with({"tau": "sum(phi_a**4)"}, N=1))


def test_cli_exit_code_and_minimum(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[theory]\nd = 3\nN = 3\ninvariants = { tau = "sum(phi_a**6)" }\n')
    assert main(["derive", str(bad)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "bad.toml" in err and "key 'theory.invariants': tau: " in err
    around_minimum = tmp_path / "min.toml"  # the default expand_around: the axis (rgsym.cubic_minimum)
    around_minimum.write_text('[theory]\nd = 3\nN = 3\ninvariants = { tau = "sum(phi_a**4)" }\n')
    assert main(["derive", str(around_minimum)]) == 0
    assert "minimum on the axis" in capsys.readouterr().out
    assert main(["derive", str(around_minimum), "--set", "regulator.kind=exponential"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "regulator.kind" in err and "zero" in err


def test_couplings_by_field_degree() -> None:
    assert coupling_indices(3, None) == [(1, 0), (2, 0), (0, 1), (3, 0), (1, 1), (4, 0), (2, 1), (0, 2)]
    assert coupling_indices(3, 1) == [(1, 0), (2, 0), (0, 1), (3, 0), (1, 1), (4, 0), (2, 1)]


def test_emission_of_the_cubic_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """LaTeX names each lambda_{k,m} as d_rho^k d_tau^m u(0); the JSON reads back to the same betas."""
    import json

    from rgsym.betasystem import BetaSystem
    from rgsym.pipeline import derive
    from rgsym.spec import load_spec

    out = tmp_path / "out"
    assert main(["derive", "derivations/cubic_lpa.toml", "--set", "truncation.order=2",
                 "--emit", "latex,numpy,json", "-o", str(out)]) == 0
    capsys.readouterr()
    body = (out / "betas_body.tex").read_text()
    assert r"$\lambda_{1,1}$: $\partial_{\tilde\rho} \partial_{\tau} u(0)$" in body
    system = derive(load_spec("derivations/cubic_lpa.toml", ["truncation.order=2"]))
    again = BetaSystem.from_dict(json.loads((out / "betas.json").read_text()))
    assert again.names == system.names and again.betas == system.betas


def test_theory_names_the_cubic_group() -> None:
    """With sum(phi_a**4) the symmetry is the cubic group, not O(N) (it used to say O(3))."""
    from rgsym.spec import parse_spec

    spec = parse_spec({"theory": {"d": 3, "N": 3, "invariants": {"tau": "sum(phi_a**4)"}},
                       "truncation": {"expand_around": "zero", "order": 2}})
    assert spec.theory.symmetry == "cubic(3)"
    assert spec.theory.blocks[0].symmetry == "O(3)"  # the block alone is still an O(3) multiplet
