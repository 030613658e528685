"""The examples in the docstrings of rgsym.polchinski run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["cutoffs", "derive", "legendre", "diffusion", "score", "sampler", "fixed_function"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"rgsym.polchinski.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0
