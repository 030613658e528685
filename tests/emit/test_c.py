"""The generated C: strict C99 without warnings, run from a C program, and the shared library."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from rgsym.betasystem import BetaSystem
from rgsym.emit import render_files
from rgsym.emit.c import print_c_kernel, render_c
from rgsym.emit.code import code_view, render_code
from rgsym.emit.compiler import CompilerError, build_library, cache_dir
from rgsym.emit.kernels import build_kernels
from rgsym.emit.numpy_module import load_module, render_numpy
from rgsym.emit.printers import RGC99CodePrinter
from tests.emit.systems import spec_at

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]

#: Calls all four entry points at two points and prints every number with 17 digits.
DRIVER = r"""
#include <stdio.h>
#include "betas.h"

int main(void)
{
    const size_t n = RGSYM_NUM_COUPLINGS, count = 2;
    double g[RGSYM_NUM_COUPLINGS * 2], p[RGSYM_NUM_PARAMETERS + 1] = {0.0};
    double rhs[RGSYM_NUM_COUPLINGS * 2], jac[RGSYM_NUM_COUPLINGS * RGSYM_NUM_COUPLINGS * 2];
    size_t i, k;
    int j;
    for (i = 0; i < n; ++i) {
        g[i] = 0.1 + 0.05 * (double)i;
        g[n + i] = 0.2 - 0.03 * (double)i;
    }
    for (j = 0; j < RGSYM_NUM_PARAMETERS; ++j) {
        p[j] = 3.0 - 0.5 * (double)j;
    }
    rgsym_rhs_batch(count, g, p, rhs);
    rgsym_jacobian_batch(count, g, p, jac);
    for (k = 0; k < count; ++k) {
        double point[RGSYM_NUM_COUPLINGS], one[RGSYM_NUM_COUPLINGS * RGSYM_NUM_COUPLINGS];
        for (i = 0; i < n; ++i) {
            point[i] = g[k * n + i];
        }
        rgsym_rhs(point, p, one);
        for (i = 0; i < n; ++i) {
            printf("rhs %.17g %.17g\n", rhs[k * n + i], one[i]);
        }
        rgsym_jacobian(point, p, one);
        for (i = 0; i < n * n; ++i) {
            printf("jac %.17g %.17g\n", jac[k * n * n + i], one[i]);
        }
    }
    for (i = 0; rgsym_coupling_names[i] != NULL; ++i) {
        printf("name %s\n", rgsym_coupling_names[i]);
    }
    return 0;
}
"""


def compile_and_run(files: dict[str, str], tmp_path: Path) -> list[str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "driver.c").write_text(DRIVER)
    cc = os.environ.get("CC", "cc")
    build = subprocess.run([cc, *STRICT, "-O1", "-o", "driver", "driver.c", "betas.c", "-lm"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    assert build.stderr == "", build.stderr  # not even a note
    run = subprocess.run(["./driver"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout.splitlines()


@pytest.mark.parametrize("which", ["order4", "symbolic"])
def test_strict_c99_compiles_and_agrees_with_numpy(which: str, request: pytest.FixtureRequest,
                                                   tmp_path: Path) -> None:
    system: BetaSystem = request.getfixturevalue(which)
    lines = compile_and_run(render_c(system), tmp_path)
    names = [line.split()[1] for line in lines if line.startswith("name ")]
    assert names == list(system.names)
    n = len(system.couplings)
    numbers = np.array([[float(v) for v in line.split()[1:]]
                        for line in lines if not line.startswith("name")])
    batched, single = numbers[:, 0], numbers[:, 1]
    assert np.array_equal(batched, single)  # the same code path for one point and many
    module = load_module(render_numpy(system)["betas.py"])
    params = [3.0 - 0.5 * i for i in range(len(system.parameters))]
    g = np.array([[0.1 + 0.05 * i, 0.2 - 0.03 * i] for i in range(n)])
    expected = np.concatenate([np.concatenate([module.rhs(g, params)[:, k],
                                               module.jacobian(g, params)[:, :, k].ravel()])
                               for k in range(2)])
    # Same CSE'd program, different printers (x*x vs x**2, a/b vs a*b**-1): a few roundings apart.
    np.testing.assert_allclose(batched, expected, rtol=1e-13, atol=1e-13 * np.max(np.abs(expected)))


def test_kernels_split_into_parts_compute_the_same(order4: BetaSystem, tmp_path: Path) -> None:
    """Large kernels become several functions sharing a work array; small parts force that here."""
    view = code_view(order4, build_kernels(order4), RGC99CodePrinter(),
                     functools.partial(print_c_kernel, part_size=7))
    assert len(view.jacobian.parts) > 3 and view.jacobian.work_size > 0
    split = {name: render_code(f"c/{name}.j2", view) for name in ("betas.h", "betas.c")}
    assert "jacobian_part3(point, p, w, result);" in split["betas.c"]
    whole = compile_and_run(render_c(order4), tmp_path / "whole")
    assert compile_and_run(split, tmp_path / "split") == whole  # the same arithmetic, to the bit


def test_library_is_cached_by_content(order4: BetaSystem, isolated_cache: Path) -> None:
    files = render_c(order4)
    first = build_library(files)
    assert first.parent == cache_dir() / "c" and cache_dir() == isolated_cache
    stamp = first.stat().st_mtime_ns
    assert build_library(files) == first and first.stat().st_mtime_ns == stamp  # reused, not rebuilt
    changed = dict(files, **{"betas.c": files["betas.c"] + "\n/* changed */\n"})
    assert build_library(changed) != first
    leftovers = [p.name for p in first.parent.iterdir() if not p.name.endswith(first.suffix)]
    assert leftovers == []  # builds happen in temporary directories that are removed


def test_cache_directory_follows_xdg_unless_overridden(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.delenv("RGSYM_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "rgsym"
    monkeypatch.setenv("RGSYM_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"


def test_compiler_errors_are_one_line(order4: BetaSystem, monkeypatch: pytest.MonkeyPatch) -> None:
    files = render_c(order4)
    monkeypatch.setenv("CC", "rgsym-no-such-compiler")
    with pytest.raises(CompilerError, match="no C compiler"):
        build_library(files)
    monkeypatch.setenv("CC", shutil.which("cc") or "cc")
    with pytest.raises(CompilerError, match="failed"):
        build_library(dict(files, **{"betas.c": files["betas.c"] + "\nthis is not C;\n"}))


def test_quadrature_thresholds_are_emitted() -> None:
    """Regulators without closed-form thresholds: every format, the C computing T by quadrature
    (numerics in tests/emit/test_quadrature.py)."""
    from rgsym.pipeline import derive

    spec = spec_at(2, "regulator.kind=exponential")
    system = derive(spec)
    assert isinstance(system, BetaSystem) and system.thresholds
    files = render_files(system, ["c", "numpy", "latex", "json"], latex_style="explicit")
    assert "rgsym_thresholds(point, p, T);" in files["betas.c"] and "def thresholds(" in files["betas.py"]
    assert r"T^{(" in files["betas_body.tex"] and "quadrature" in files["betas_body.tex"]
