"""The web layer keeps its shape: no import cycle between ``app/`` packages, ``workflows/`` free of
``app``, no route that commits by itself, short routes, imports at the top of files."""
from __future__ import annotations

import ast

from tests.architecture.structure import (APP, ROOT, find_cycle, imports, node_of, package_graph, python_files,
                                          routes)

#: where an import inside a function is the rule: the app factory and the CLI commands load lazily
LAZY_ALLOWED = {"create_app"}
MAX_ROUTE_LINES = 25


def test_the_package_graph_of_app_has_no_cycle() -> None:
    cycle = find_cycle(package_graph())
    assert cycle is None, "app/ packages import each other in a cycle: " + " → ".join(cycle or [])


def test_find_cycle_finds_one() -> None:
    """The check above can fail: a two-package and a three-package cycle are found, a chain is not."""
    assert find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_workflows_never_imports_app_or_flask() -> None:
    bad = [f"{imp.path.relative_to(ROOT)}:{imp.line} {imp.module}" for path in python_files(ROOT / "workflows")
           for imp in imports(path) if imp.module.split(".")[0] in ("app", "flask")]
    assert bad == []


def test_no_route_calls_commit() -> None:
    bad = [f"{r.path.relative_to(ROOT)}:{r.line} {r.name}" for r in routes() if r.commits]
    assert bad == [], "routes commit through app.web.actions.screen_action (or record), never themselves"


def test_no_screen_route_is_long() -> None:
    long = [f"{r.path.relative_to(ROOT)}:{r.line} {r.name} ({r.length} lines)" for r in routes()
            if r.length > MAX_ROUTE_LINES]
    assert long == []


def _is_cli_command(path, function: str) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and fn.name == function:
            return any("command" in ast.unparse(d) for d in fn.decorator_list) or path.name == "cli.py"
    return False


def test_imports_are_at_the_top_of_files() -> None:
    """Inside a function only in ``create_app``, a CLI command, or with a comment saying why."""
    bad = sorted({f"{imp.path.relative_to(ROOT)}:{imp.line} in {imp.function}()"
                  for path in python_files() for imp in imports(path)
                  if imp.function is not None and imp.function not in LAZY_ALLOWED and not imp.commented
                  and node_of(imp.module) is not None and not _is_cli_command(path, imp.function)})
    assert bad == []


def test_the_graph_reads_this_repository() -> None:
    """The checks read the real tree: the kit and the features are nodes, and features use the kit."""
    graph = package_graph()
    assert {"web", "items", "notices", "dashboards"} <= set(graph)
    assert "web" in graph["notices"] and "items" in graph["web"]
    assert sum(1 for _ in routes(APP)) > 50
