"""The library's layers, checked from its own imports (module level and inside functions).

cxlib is layered, each layer importing only from itself and the layers below it:

    core -> data -> analyses -> present -> saved -> cli

(``cxlib/__init__.py`` and ``cxlib/__main__.py`` sit on top and may import anything.) ``ui/`` sits
above all of cxlib. Neither may contain an import circle, and no cxlib module imports the package
root (``import cxlib``/``from cxlib import ...`` from inside the library would be an upward import).
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("core", "data", "analyses", "present", "saved", "cli")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module(p): p for pkg in ("cxlib", "ui") for p in (ROOT / pkg).rglob("*.py")}


def _imports(path: Path, known: set[str]) -> set[str]:
    """Every project module ``path`` imports, wherever the import statement is."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                out.add(name)
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    # a module's own package __init__ is not a dependency, except the root: the library never imports
    # ``cxlib`` itself (its __init__ sits on top of every layer)
    return {m: {d for d in _imports(p, known) if d != m and (d == "cxlib" or not m.startswith(d + "."))}
            for m, p in mods.items()}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "cxlib" or len(parts) < 2 or parts[1] in ("__main__",):
        return None
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else -1


def test_every_library_module_is_in_a_layer():
    stray = [m for m in _graph() if _layer(m) == -1]
    assert not stray, f"modules outside the layers {LAYERS}: {stray}"


def test_imports_go_down_the_layers_only():
    upward = []
    for module, deps in _graph().items():
        mine = _layer(module)
        if mine is None:
            continue
        for dep in deps:
            theirs = _layer(dep)
            if dep == "cxlib" or (theirs is not None and theirs > mine):
                upward.append(f"{module} -> {dep}")
    assert not upward, "upward imports:\n" + "\n".join(sorted(upward))


def test_no_import_circles():
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:                       # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert not circles, f"import circles: {circles}"


def test_no_module_over_600_lines():
    big = {m: n for m, p in _modules().items() if m.startswith("cxlib")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert not big, f"modules over 600 lines: {big}"


def test_no_page_over_120_lines():
    fat = {p.name: n for p in (ROOT / "pages").glob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 120}
    assert not fat, f"pages over 120 lines: {fat}"


def test_a_name_is_a_module_or_a_function_never_both():
    import cxlib
    clash = [name for name in cxlib.__all__ if (ROOT / "cxlib" / f"{name}.py").exists()]
    assert not clash, f"names that are both a public function and a module of cxlib: {clash}"
    assert "_CallableModule" not in (ROOT / "cxlib" / "__init__.py").read_text(encoding="utf-8")
