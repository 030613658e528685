"""Writes the example notebooks of examples/ (outputs stripped): ``python examples/make_notebooks.py``.

The notebooks are executed by ``tests/emit/test_notebooks.py`` (slow tests, with nbclient).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """from pathlib import Path

from rgsym import load_spec

# the notebooks live in examples/; the specs in derivations/ beside it
DERIVATIONS = Path.cwd().parent / "derivations" if Path.cwd().name == "examples" else Path("derivations")"""

NOTEBOOKS = {
    "lpa_tour.ipynb": [
        new_markdown_cell("# A tour of the LPA\n\nThe O(1) model (3D Ising class) in the local potential "
                          "approximation with the Litim regulator: derive the beta functions, show them in "
                          "paper notation, find the Wilson-Fisher fixed point and follow the exponents "
                          "through the truncation orders."),
        new_code_cell(SETUP),
        new_code_cell('from rgsym.pipeline import critical_exponents, derive\n\n'
                      'spec = load_spec(DERIVATIONS / "on_lpa.toml", ["truncation.order=4"])\n'
                      'system = derive(spec)\nsystem  # the explicit betas, as LaTeX'),
        new_markdown_cell("In paper notation the loops are threshold functions $l_n^d(w)$ and "
                          "$\\partial_t\\kappa$ stays a symbol. Substituting the definitions back gives "
                          "the derived betas exactly:"),
        new_code_cell('import sympy as sp\nfrom IPython.display import Math, display\n\n'
                      'from rgsym.emit.paper_latex import paper_equation\n'
                      'from rgsym.emit.printers import RGLatexPrinter\n'
                      'from rgsym.pipeline import derive_paper\n\n'
                      'flow = derive_paper(spec)\nnames = {c.symbol: c.latex for c in flow.couplings}\n'
                      'names.update({rate: rf"\\partial_t {c.latex}" for c, rate in flow.rates})\n'
                      'show = RGLatexPrinter(names).doprint\n'
                      'for c, beta in zip(flow.couplings, flow.betas, strict=True):\n'
                      '    eq = paper_equation("", rf"\\partial_t {c.latex}", beta, show)\n'
                      '    display(Math(eq.lhs + " = " + " ".join(eq.lines)))\n'
                      'pairs = zip(flow.betas, system.betas, strict=True)\n'
                      'assert all(sp.simplify(flow.explicit(b) - e) == 0 for b, e in pairs)'),
        new_code_cell('fixed_point, exponents = critical_exponents(spec)\nexponents'),
        new_markdown_cell("ν and ω at orders 2 to 8 converge towards ν* = 0.649561773881 and "
                          "ω* = 0.655745939193 (Litim, hep-th/0203006):"),
        new_code_cell('from rgsym.workflows.convergence import run_convergence\n\n'
                      'conv = run_convergence(spec, range(2, 9))\nconv'),
        new_code_cell('[(r.order, r.nu, r.omega) for r in conv.results]'),
    ],
    "scheme_dependence.ipynb": [
        new_markdown_cell("# Scheme dependence\n\nThe exponents of a truncation depend on the regulator. "
                          "Here the Litim amplitude α is varied at order 4, and the exponential regulator "
                          "(threshold integrals by quadrature) is compared with it."),
        new_code_cell(SETUP),
        new_code_cell('from rgsym.workflows.scan import run_scan\n\n'
                      'values = [0.7, 0.85, 1.0, 1.15, 1.3]\n'
                      'scan = run_scan(DERIVATIONS / "on_lpa.toml", ["truncation.order=4"],\n'
                      '                "regulator.alpha", values, workers=1)\n'
                      '[(p.value, p.nu, p.omega) for p in scan.points]'),
        new_code_cell('scan.stationary  # the points of minimal sensitivity found inside the range'),
        new_code_cell('import matplotlib.pyplot as plt\n\n'
                      'fig, ax = plt.subplots(figsize=(5, 3))\n'
                      'alphas = [p.value for p in scan.points]\n'
                      'ax.plot(alphas, [p.nu for p in scan.points], "o-", label="ν")\n'
                      'ax.plot(alphas, [p.omega for p in scan.points], "s-", label="ω")\n'
                      'ax.set_xlabel("Litim amplitude α")\nax.legend()\nfig'),
        new_code_cell('from rgsym.pipeline import critical_exponents\n\n'
                      'for kind in ("litim", "exponential"):\n'
                      '    overrides = ["truncation.order=4", f"regulator.kind={kind}"]\n'
                      '    spec = load_spec(DERIVATIONS / "on_lpa.toml", overrides)\n'
                      '    _, ex = critical_exponents(spec)\n'
                      '    print(f"{kind:12s} nu = {ex.nu:.6f}  omega = {ex.omega:.6f}")'),
    ],
    "lpa_prime.ipynb": [
        new_markdown_cell("# LPA′: the anomalous dimension\n\nWith a running $Z_k$ the anomalous dimension "
                          "η is derived from the momentum dependence of the two-point function. In paper "
                          "notation it reads η = (16 v_d/d) κ λ_2² m^d_{2,2}(0, 2κλ_2) (Berges, Tetradis, "
                          "Wetterich, hep-ph/0005122), and η stays a symbol in the betas."),
        new_code_cell(SETUP),
        new_code_cell('from rgsym.pipeline import derive_paper\n\n'
                      'spec = load_spec(DERIVATIONS / "ising_lpa_prime.toml", ["truncation.order=3"])\n'
                      'flow = derive_paper(spec)\nflow.eta'),
        new_code_cell('[f.function for f in flow.functions]  # the threshold functions the flow uses'),
        new_code_cell('from rgsym.pipeline import critical_exponents\n\n'
                      'for order in (4, 6, 8):\n'
                      '    _, ex = critical_exponents(spec.with_order(order))\n'
                      '    print(f"order {order}: eta = {ex.eta:.6f}, nu = {ex.nu:.6f}, "\n'
                      '          f"omega = {ex.omega:.6f}")'),
    ],
}


def main() -> None:
    """Write every notebook of :data:`NOTEBOOKS` into examples/, without outputs."""
    for name, cells in NOTEBOOKS.items():
        notebook = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3",
                                                                      "display_name": "Python 3",
                                                                      "language": "python"}})
        for i, cell in enumerate(notebook.cells):
            cell["id"] = f"{Path(name).stem}-{i}"  # fixed ids: the files do not change when rewritten
        nbformat.write(notebook, HERE / name)


if __name__ == "__main__":
    main()
