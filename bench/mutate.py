"""`make mutate`: mutmut over the modules of bench/mutation_targets.yaml, each against its own tests.

    python bench/mutate.py [run] [MUTANT_GLOB ...]     # run (default: every mutant in scope)
    python bench/mutate.py show|results|browse ...     # mutmut's other commands, same configuration

mutmut reads its general settings from setup.cfg [mutmut]; what it mutates (source paths, modules)
and which tests it collects come from bench/mutation_targets.yaml, so that file is the one place to
update when a module or a test moves. Before mutmut starts, this builds the SQLite template database
once (migrated, plan loaded, demo accounts seeded) in a child process, so that the parent never
imports the unmutated app. Every mutant then runs in a forked pytest, on SQLite only, against a copy
of that template, and only the tests of its module that call the mutated function
(tests/mutation_scope.py). Mutants outside a module's ``functions`` are left out.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGETS_FILE = ROOT / "bench" / "mutation_targets.yaml"
TEMPLATE = ROOT / "mutants" / "_sqlite_template" / "template.sqlite3"
MUTMUT_VERSION = "3.8.1"
#: besides the source paths, what a test run in mutants/ needs
ALSO_COPY = ["templates", "migrations"]


def scope_module() -> ModuleType:
    """tests/mutation_scope.py, loaded by path so that the ``tests`` package is not imported here."""
    spec = importlib.util.spec_from_file_location("plandesk_mutation_scope", ROOT / "tests" / "mutation_scope.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def overrides(targets: dict[str, Any]) -> dict[str, list[str]]:
    tests: list[str] = []
    for target in targets.values():
        tests += [t for t in target.tests if t not in tests]
    return {
        "source_paths": sorted({pattern.split("/", 1)[0] for pattern in targets}),
        "only_mutate": list(targets),
        "pytest_add_cli_args_test_selection": tests,
    }


def configure_mutmut(targets: dict[str, Any], scope: ModuleType) -> None:
    """Feed mutmut the derived settings and keep out-of-scope mutants from running."""
    if version("mutmut") != MUTMUT_VERSION:
        sys.exit(f"bench/mutate.py drives mutmut {MUTMUT_VERSION} (pinned in setup.cfg), found {version('mutmut')}")
    from mutmut import configuration

    derived = overrides(targets)
    base_reader = configuration._config_reader

    def reader() -> Callable[[str, Any], Any]:
        read = base_reader()

        def get(key: str, default: Any) -> Any:
            if key in derived:
                return derived[key]
            if key == "also_copy":
                return ALSO_COPY + read(key, [])
            return read(key, default)

        return get

    configuration._config_reader = reader
    configuration.reset_config()

    import mutmut.__main__ as main

    collect = main.collect_source_file_mutation_data

    def in_scope(*, mutant_names: Any) -> Any:
        mutants, by_path = collect(mutant_names=mutant_names)
        kept = []
        for entry in mutants:
            target = scope.target_of(targets, entry[1])
            if target is None or target.covers(entry[1]):
                kept.append(entry)
        return kept, by_path

    main.collect_source_file_mutation_data = in_scope


def build_template() -> None:
    """The test database template, built by the unmutated code in a child process."""
    shutil.rmtree(TEMPLATE.parent, ignore_errors=True)
    TEMPLATE.parent.mkdir(parents=True)
    code = ("import sys; from pathlib import Path; from tests.conftest import build_database; "
            "p = Path(sys.argv[1]); build_database(f'sqlite:///{p}', p.parent / 'storage')")
    subprocess.run([sys.executable, "-c", code, str(TEMPLATE)], cwd=ROOT, check=True)


def main(argv: list[str]) -> None:
    os.chdir(ROOT)
    scope = scope_module()
    targets = scope.load_targets(TARGETS_FILE)
    if not argv or argv[0] not in {"run", "show", "results", "browse", "apply", "tests-for-mutant"}:
        argv = ["run", *argv]
    if argv[0] == "run":
        build_template()
        if "--max-children" not in argv:
            argv = ["run", "--max-children", "1", *argv[1:]]
    os.environ.update({"PLANDESK_TEST_BACKENDS": "sqlite", "PLANDESK_TEST_SQLITE_TEMPLATE": str(TEMPLATE),
                       scope.TARGETS_ENV: str(TARGETS_FILE)})
    configure_mutmut(targets, scope)
    from mutmut.__main__ import cli

    cli(argv, prog_name="bench/mutate.py")


if __name__ == "__main__":
    main(sys.argv[1:])
