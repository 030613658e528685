"""The examples in the docstrings of rgsym.diagrams run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["derivation", "graphs", "evaluate", "tensors", "truncation", "render", "lines", "fermion_loops"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"rgsym.diagrams.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
