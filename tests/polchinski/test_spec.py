"""Spec keys of the Polchinski flow: flow.cutoff, and one-line errors for options that do not fit."""

from __future__ import annotations

from typing import Any

import pytest

from rgsym.errors import SpecError, UnsupportedError
from rgsym.spec import parse_spec
from tests.conftest import run_cli

THEORY = {"d": 3, "N": 1}


def spec(**tables: Any) -> Any:
    return parse_spec({"theory": THEORY, **tables}, "test.toml")


def test_cutoff_is_read_and_defaults_to_litim() -> None:
    assert spec(flow={"equation": "polchinski"}).flow.cutoff == "litim"
    assert spec(flow={"equation": "polchinski", "cutoff": "exponential"}).flow.cutoff == "exponential"
    assert spec().flow.cutoff is None


def test_wetterich_digest_does_not_mention_the_cutoff() -> None:
    """Existing Wetterich specs keep their canonical text (caches and golden headers stay valid)."""
    assert "cutoff" not in spec().canonical
    litim = spec(flow={"equation": "polchinski", "cutoff": "litim"})
    exponential = spec(flow={"equation": "polchinski", "cutoff": "exponential"})
    assert len({spec().digest, litim.digest, exponential.digest}) == 3


@pytest.mark.parametrize(("tables", "key", "words"), [
    ({"regulator": {"kind": "exponential"}, "flow": {"equation": "polchinski"}}, "regulator.kind",
     "means nothing for flow.equation = 'polchinski'"),
    ({"regulator": {"kind": "litim"}, "flow": {"equation": "polchinski"}}, "regulator.kind",
     "choose the UV cutoff K with flow.cutoff"),
    ({"regulator": {"alpha": 2.0}, "flow": {"equation": "polchinski"}}, "regulator.alpha",
     "remove [regulator]"),
    ({"flow": {"cutoff": "litim"}}, "flow.cutoff", "only with flow.equation = 'polchinski'"),
    ({"flow": {"equation": "polchinski", "cutoff": "power-law"}}, "flow.cutoff",
     "allowed: 'exponential', 'litim'"),
    ({"flow": {"equation": "erg"}}, "flow.equation", "allowed: 'wetterich', 'polchinski'"),
])
def test_options_that_do_not_fit_are_one_line_errors(tables: dict[str, Any], key: str, words: str) -> None:
    with pytest.raises(SpecError) as err:
        spec(**tables)
    assert err.value.key == key
    assert words in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("scheme", "around"), [("vertex", "zero"), ("lpa'", "minimum")])
def test_only_the_lpa_is_derived_from_polchinski(scheme: str, around: str) -> None:
    with pytest.raises(UnsupportedError, match="'polchinski' use 'lpa'") as err:
        spec(truncation={"scheme": scheme, "expand_around": around}, flow={"equation": "polchinski"})
    assert err.value.key == "truncation.scheme"


def test_cli_derives_and_reports_a_misfit_in_one_line() -> None:
    ok = run_cli("derive", "derivations/on_polchinski_lpa.toml", "--set", "truncation.order=2")
    assert ok.returncode == 0, ok.stderr
    assert "beta_kappa" in ok.stdout and "polchinski" in ok.stdout
    bad = run_cli("derive", "derivations/on_polchinski_lpa.toml", "--set", "regulator.kind=exponential")
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "regulator.kind" in bad.stderr
