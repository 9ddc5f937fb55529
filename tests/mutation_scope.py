"""Which tests may kill a mutant: bench/mutation_targets.yaml, module glob → test files or folders.

`make mutate` (bench/mutate.py) sets ``PLANDESK_MUTATION_TARGETS`` to that file; mutmut names the
mutant a run is for in ``MUTANT_UNDER_TEST``. For a mutant of a mapped module, every collected test
outside the module's test paths is deselected, so a mutant of the audit module runs only the audit
tests that call the mutated function, not every screen test that happens to reach it. Outside a
mutation run (no such variables, or mutmut's own ``stats``/``fail`` runs) nothing changes.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
import yaml

TARGETS_ENV = "PLANDESK_MUTATION_TARGETS"
_MUTANT = re.compile(r"^(?P<module>[\w.]+?)\.x(?:_|ǁ\w+ǁ)(?P<function>\w+?)__mutmut_\d+$")


@dataclass(frozen=True)
class Target:
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ()

    def covers(self, mutant: str) -> bool:
        """Whether the mutant is in scope: any function, or one of ``functions``."""
        if not self.functions:
            return True
        match = _MUTANT.match(mutant)
        return bool(match) and match["function"] in self.functions


def load_targets(path: str | Path) -> dict[str, Target]:
    """The mapping, each test path without a trailing slash."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {str(module): Target(tuple(str(t).rstrip("/") for t in entry["tests"]),
                                tuple(str(f) for f in entry.get("functions") or ()))
            for module, entry in raw.items()}


def module_paths(mutant: str) -> list[str]:
    """The source files a mutant name can come from ("a.b.x_f__mutmut_1" → a/b.py or a/b/__init__.py)."""
    match = _MUTANT.match(mutant)
    if not match:
        return []
    base = match["module"].replace(".", "/")
    return [f"{base}.py", f"{base}/__init__.py"]


def target_of(targets: dict[str, Target], mutant: str) -> Target | None:
    """The entry of the mutant's module; None when the name is not a mutant or its module not mapped."""
    for path in module_paths(mutant):
        for pattern, target in targets.items():
            if fnmatchcase(path, pattern):
                return target
    return None


def in_scope(nodeid: str, tests: tuple[str, ...]) -> bool:
    path = nodeid.split("::", 1)[0]
    return any(path == t or path.startswith(t + "/") for t in tests)


def deselect_out_of_scope(config: pytest.Config, items: list[pytest.Item]) -> None:
    targets_file = os.environ.get(TARGETS_ENV)
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if not targets_file or "__mutmut_" not in mutant:
        return
    target = target_of(load_targets(targets_file), mutant)
    if target is None:
        return
    keep = [item for item in items if in_scope(item.nodeid, target.tests)]
    dropped = [item for item in items if not in_scope(item.nodeid, target.tests)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
