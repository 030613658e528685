"""The import graph of rgsym: no cycles, and dependencies point down the pipeline.

The graph is read with ``ast`` from the source, so it sees every import: at module level and
inside functions (the lazy imports that keep ``rgsym --help`` fast are still dependencies).
Imports under ``if TYPE_CHECKING:`` are left out: they exist for annotations only.

Layering (DESIGN.md, "dependencies point down the pipeline only"): the solvers (``rgsym/solve/``)
and the emitters (``rgsym/emit/``) take a derived system; they do not run the pipeline, read the
spec or call back into the command line or the spec-level workflows (``rgsym/workflows/``).  A
derived system carries its context (:mod:`rgsym.context`), so they do not even name a spec type:
a second scan, :func:`spec_imports`, includes the ``TYPE_CHECKING`` imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "rgsym"

#: Cycles still present, each with the reason (none: the last, action-invariants-spec, was broken
#: by moving Coupling to the leaf module rgsym.couplings).
KNOWN_CYCLES: dict[frozenset[str], str] = {}

#: Modules above the solvers and emitters: what solve/ and emit/ must not import.
UPPER = ("rgsym.pipeline", "rgsym.spec", "rgsym.cli", "rgsym.cli_format", "rgsym.cli_plot",
         "rgsym.fixed_function_cli", "rgsym.flow_cli", "rgsym.study_cli",
         "rgsym.workflows")

#: (module, imported module) pairs that break the layering, each with the reason.
LAYERING_EXCEPTIONS: dict[tuple[str, str], str] = {}


def _module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.body:
                inside.update(id(n) for n in ast.walk(statement))
    return inside


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: dict[str, Path]
             ) -> set[str]:
    """The rgsym modules an import statement loads (the longest known prefix of each name)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            parts = module.split(".") if is_package else module.split(".")[:-1]
            parts = parts[:len(parts) - (node.level - 1)]
            base = ".".join([*parts, *([node.module] if node.module else [])])
        names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
    found = set()
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != module:
            found.add(name)
    return found


def import_graph() -> nx.DiGraph:
    """rgsym module -> rgsym modules it imports at run time (module level or in functions)."""
    known = _module_names()
    graph = nx.DiGraph()
    for module, path in sorted(known.items()):
        graph.add_node(module)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skip:
                for target in _targets(module, path.name == "__init__.py", node, known):
                    graph.add_edge(module, target)
    return graph


def _cycles() -> set[frozenset[str]]:
    return {frozenset(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1}


def test_the_graph_sees_lazy_imports_and_skips_type_checking_ones() -> None:
    graph = import_graph()
    assert graph.has_edge("rgsym.pipeline", "rgsym.solve.fixed_points")  # inside fixed_points()
    assert not graph.has_edge("rgsym.emit", "rgsym.spec")  # under TYPE_CHECKING only


def test_no_import_cycles_beyond_the_known_ones() -> None:
    unexpected = sorted(sorted(c) for c in _cycles() - set(KNOWN_CYCLES))
    assert not unexpected, f"import cycles: {unexpected}"


def test_known_cycles_are_still_there() -> None:
    """An entry of KNOWN_CYCLES that no longer exists fails here: take it out of the list."""
    stale = sorted(sorted(c) for c in KNOWN_CYCLES if c not in _cycles())
    assert not stale, f"no longer cycles, remove them from KNOWN_CYCLES: {stale}"


def _is_upper(module: str) -> bool:
    return any(module == top or module.startswith(top + ".") for top in UPPER)


def test_solvers_and_emitters_do_not_import_upwards() -> None:
    graph = import_graph()
    wrong = sorted((a, b) for a, b in graph.edges
                   if a.startswith(("rgsym.solve", "rgsym.emit")) and _is_upper(b)
                   and (a, b) not in LAYERING_EXCEPTIONS)
    assert not wrong, "solve/ and emit/ take derived systems; these imports go up the pipeline: " + \
        ", ".join(f"{a} -> {b}" for a, b in wrong)


def test_layering_exceptions_are_still_needed() -> None:
    graph = import_graph()
    stale = sorted(pair for pair in LAYERING_EXCEPTIONS if not graph.has_edge(*pair))
    assert not stale, f"no longer imported, remove from LAYERING_EXCEPTIONS: {stale}"


def test_nothing_below_the_workflows_imports_them() -> None:
    """rgsym.workflows sits above the pipeline: only the command line and other workflows use it."""
    graph = import_graph()
    users = sorted(a for a, b in graph.edges if b.startswith("rgsym.workflows") and not _is_upper(a)
                   and (a, b) not in LAYERING_EXCEPTIONS)
    assert not users, f"import rgsym.workflows from below: {users}"


#: Modules of solve/ and emit/ that still name a spec type in their annotations, each with the
#: reason (none: the multi-field solvers read the fields and invariants from the context).
SPEC_TYPE_EXCEPTIONS: dict[str, str] = {}


def spec_imports() -> dict[str, set[str]]:
    """rgsym module -> the rgsym.spec names it imports anywhere, under ``if TYPE_CHECKING:`` too."""
    known = _module_names()
    found: dict[str, set[str]] = {}
    for module, path in sorted(known.items()):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) \
                    and "rgsym.spec" in _targets(module, path.name == "__init__.py", node, known):
                found.setdefault(module, set()).update(alias.name for alias in node.names)
    return found


def test_the_spec_scan_sees_type_checking_imports() -> None:
    assert "FieldBlock" in spec_imports()["rgsym.invariants"]  # under TYPE_CHECKING only
    assert "TheorySpec" in spec_imports()["rgsym.pipeline"]


def test_emitters_and_solvers_do_not_name_the_spec() -> None:
    """solve/ and emit/ take derived objects, which carry their context (rgsym.context): they
    import nothing from rgsym.spec, not even a type for an annotation."""
    wrong = sorted(f"{module} ({', '.join(sorted(names))})" for module, names in spec_imports().items()
                   if module.startswith(("rgsym.solve", "rgsym.emit")) and module not in SPEC_TYPE_EXCEPTIONS)
    assert not wrong, "solve/ and emit/ read a derived object's context, not the spec: " + ", ".join(wrong)


def test_spec_type_exceptions_are_still_needed() -> None:
    stale = sorted(m for m in SPEC_TYPE_EXCEPTIONS if m not in spec_imports())
    assert not stale, f"no longer import rgsym.spec, remove from SPEC_TYPE_EXCEPTIONS: {stale}"
