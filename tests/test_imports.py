"""The command line starts without the heavy libraries (issue 15): which modules get imported.

Nothing here is timed; each check runs a fresh interpreter and looks at ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sympy", "scipy", "symengine", "numpy", "matplotlib")


def _loaded_after(code: str) -> list[str]:
    """The heavy top-level packages in ``sys.modules`` after running ``code`` in a fresh process."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("code", [
    "import rgsym",
    "import rgsym.cli",
    "from rgsym import SpecError, RGSymError, SolveError, __version__",
    "import rgsym.cli, contextlib, io\nwith contextlib.suppress(SystemExit), "
    "contextlib.redirect_stdout(io.StringIO()):\n    rgsym.cli.main(['--version'])",
    "import rgsym.cli, contextlib, io\nwith contextlib.suppress(SystemExit), "
    "contextlib.redirect_stdout(io.StringIO()):\n    rgsym.cli.main(['--help'])",
    "import rgsym.cli, contextlib, io\nwith contextlib.suppress(SystemExit), "
    "contextlib.redirect_stdout(io.StringIO()):\n    rgsym.cli.main(['exponents', '--help'])",
])
def test_cli_start_imports_no_heavy_library(code: str) -> None:
    assert _loaded_after(code) == []


def test_lazy_names_still_load() -> None:
    assert "sympy" in _loaded_after("from rgsym import load_spec, TheorySpec\nassert callable(load_spec)")


def test_lazy_names_are_the_spec_module_ones() -> None:
    import rgsym
    import rgsym.spec

    assert rgsym.load_spec is rgsym.spec.load_spec
    assert rgsym.TheorySpec is rgsym.spec.TheorySpec
    assert "load_spec" in dir(rgsym)
    with pytest.raises(AttributeError):
        _ = rgsym.no_such_name  # type: ignore[attr-defined]


def test_backend_names_are_the_numeric_ones() -> None:
    from rgsym.backend_names import BACKENDS
    from rgsym.solve import numeric

    assert numeric.BACKENDS is BACKENDS


def test_derive_and_exponents_do_not_import_the_units_package() -> None:
    """sympy's simplify imports sympy.physics.units on every call (a third of 'import sympy');
    rgsym.symbols.no_quantities keeps it out of the LPA derivation and solve."""
    probe = ("import os, sys, contextlib, io\nos.environ['RGSYM_NO_CACHE'] = '1'\nimport rgsym.cli\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    rgsym.cli.main(['derive', 'derivations/on_lpa.toml', '--set', 'truncation.order=4'])\n"
             "    rgsym.cli.main(['exponents', 'derivations/on_lpa.toml', '--set', 'truncation.order=4'])\n"
             "print('sympy.physics.units' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_no_quantities_gives_simplify_its_result_and_leaves_no_stand_in() -> None:
    import sympy as sp

    from rgsym.symbols import simplify

    x = sp.Symbol("x")
    expr = (sp.exp(2 * x) * x**2 - sp.exp(2 * x)) / (x - 1) + sp.sin(x) ** 2 + sp.cos(x) ** 2
    assert simplify(expr) == sp.simplify(expr)
    module = sys.modules.get("sympy.physics.units")
    assert module is None or hasattr(module, "Quantity") and module.__doc__ != \
        "stand-in of rgsym.symbols.no_quantities: no quantities"
