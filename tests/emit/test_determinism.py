"""Generated files are byte-identical across runs and under any PYTHONHASHSEED."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys

from rgsym.emit import FORMATS, render_files
from tests.emit.systems import ROOT, system_at

#: Derives and renders in a fresh interpreter, printing name -> sha256 of each file.
SCRIPT = """
import hashlib, json
from rgsym.emit import FORMATS, render_files
from tests.emit.systems import system_at
files = render_files(system_at(4), list(FORMATS), latex_style="explicit")
print(json.dumps({k: hashlib.sha256(v.encode()).hexdigest() for k, v in files.items()}))
"""


def _digests(files: dict[str, str]) -> dict[str, str]:
    return {k: hashlib.sha256(v.encode()).hexdigest() for k, v in files.items()}


def test_two_renderings_in_one_process_are_identical(order4_files: dict[str, str]) -> None:
    again = render_files(system_at(4), list(FORMATS), latex_style="explicit")
    assert again == order4_files


def test_output_does_not_depend_on_how_symengine_holds_the_terms(order4_files: dict[str, str]) -> None:
    """A system read back from a pickle (the disk cache) holds its sums in another internal
    order; the generated code must not follow it."""
    system = system_at(4)
    again = pickle.loads(pickle.dumps(system))
    assert any(a.args != b.args for a, b in zip(system.fast_betas, again.fast_betas, strict=True))
    assert render_files(again, list(FORMATS), latex_style="explicit") == order4_files


def test_output_does_not_depend_on_the_hash_seed(order4_files: dict[str, str]) -> None:
    """This process runs with a random hash seed (unless one is set); the child with a fixed one."""
    seed = "0" if os.environ.get("PYTHONHASHSEED") not in (None, "0") else "4242"
    env = {**os.environ, "PYTHONHASHSEED": seed, "RGSYM_NO_CACHE": "1"}  # derive, do not read the cache
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == _digests(order4_files)
