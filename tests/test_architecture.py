"""Layers without circles: no module of twimlc imports one that imports it back (even
inside a function), and no module imports another's private (``_name``) names."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "twimlc"


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every relative import of twimlc inside ``path``, anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.append((node.module.split(".")[0], [a.name for a in node.names]))
            else:
                out.extend((a.name, []) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("twimlc."):
            out.append((node.module.split(".")[1], [a.name for a in node.names]))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "import_module":
            pass  # the package's lazy public names (twimlc/__init__.py) are not edges between modules
    return out


def graph() -> dict[str, set[str]]:
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for m in modules:
        for target, _ in _imports(PACKAGE / f"{m}.py"):
            if target in modules and target != m:
                edges[m].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(edges[m]):
            if state.get(n) == 1:
                found.append([*stack[stack.index(n) :], n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)
    return found


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_private_imports_across_modules() -> None:
    private = []
    for path in PACKAGE.glob("*.py"):
        for module, names in _imports(path):
            private += [f"{path.stem} imports {module}.{n}" for n in names if n.startswith("_") and n != "__version__"]
    assert private == []
