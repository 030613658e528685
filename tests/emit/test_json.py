"""JSON: a BetaSystem reads back to identical expressions, and reading runs no code."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from rgsym.betasystem import BetaSystem, ExpressionFormatError, _from_srepr
from tests.emit.systems import system_at


@pytest.mark.parametrize("overrides", [
    ("truncation.order=4",),
    ("truncation.order=3", 'theory.N="N"', 'theory.d="d"'),
    ("truncation.order=3", "theory.d=3.5"),
    ("truncation.order=2", "regulator.kind=exponential"),
], ids=["litim", "symbolic-d-N", "fractional-d", "quadrature"])
def test_round_trip_is_identical(overrides: tuple[str, ...]) -> None:
    order = int(overrides[0].split("=")[1])
    system = system_at(order, *overrides[1:])
    back = BetaSystem.from_dict(json.loads(system.to_json()))
    # the public JSON leaves the context out (the golden betas.json stays as it was); the cache keeps it
    assert back.context is None and system.context is not None
    assert replace(back, context=system.context) == system  # every other field, symengine betas and
    # stability matrix included
    assert back.betas == system.betas
    assert [p.assumptions0 for p in back.parameters] == [p.assumptions0 for p in system.parameters]


def test_emitted_file_reads_back(order4: BetaSystem, order4_files: dict[str, str]) -> None:
    data = json.loads(order4_files["betas.json"])
    assert data["generator"].startswith("rgsym ")
    assert replace(BetaSystem.from_dict(data), context=order4.context) == order4


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')",
    "Symbol('x').__class__",
    "(lambda: Integer(1))()",
    "Integer(1) + Integer(2)",
    "[Integer(1)]",
    "open('/etc/passwd')",
    "Integer(",
])
def test_reading_refuses_anything_but_constructors(text: str) -> None:
    with pytest.raises(ExpressionFormatError):
        _from_srepr(text)
