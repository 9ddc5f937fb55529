"""The shape of the code, read from the source with ``ast``: the package import graph of ``app/``,
route functions (their length, whether they commit) and imports inside functions."""
from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
ROUTE_DECORATORS = frozenset({"route", "get", "post", "put", "delete", "patch"})


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str
    function: str | None  # the enclosing function, None at module level
    commented: bool       # the line (or the one above) says why


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def node_of(module: str) -> str | None:
    """The graph node a module belongs to: ``app/<package>`` or a top-level module ``app.<name>``."""
    parts = module.split(".")
    if parts[0] != "app" or len(parts) == 1:
        return None
    return parts[1] if (APP / parts[1]).is_dir() else f"app.{parts[1]}"


def python_files(base: Path = APP) -> list[Path]:
    return sorted(p for p in base.rglob("*.py") if "__pycache__" not in p.parts)


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def imports(path: Path) -> Iterator[Import]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    parents = _parents(tree)
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            names = [module] + [f"{module}.{a.name}" for a in node.names]
        else:
            continue
        parent, function = parents.get(node), None
        while parent is not None:
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
                function = parent.name
                break
            parent = parents.get(parent)
        text = lines[node.lineno - 1]
        above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
        commented = "#" in text or above.startswith("#")
        for name in names:
            yield Import(path, node.lineno, name, function, commented)


def package_graph() -> dict[str, set[str]]:
    """node → the nodes it imports (``app/__init__.py``, which assembles everything, is left out)."""
    graph: dict[str, set[str]] = {}
    for path in python_files():
        source = node_of(module_name(path))
        if source is None:
            continue
        targets = graph.setdefault(source, set())
        for imp in imports(path):
            target = node_of(imp.module)
            if target is not None and target != source:
                targets.add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path (first node repeated at the end), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


@dataclass(frozen=True)
class Route:
    path: Path
    name: str
    line: int
    length: int
    commits: bool


def _is_route(fn: ast.FunctionDef) -> bool:
    for deco in fn.decorator_list:
        call = deco.func if isinstance(deco, ast.Call) else deco
        if isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS:
            return True
    return False


def routes(base: Path = APP) -> Iterator[Route]:
    for path in python_files(base):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef) and _is_route(fn):
                commits = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "commit"
                              for n in ast.walk(fn))
                yield Route(path, fn.name, fn.lineno, fn.end_lineno - fn.lineno + 1, commits)
