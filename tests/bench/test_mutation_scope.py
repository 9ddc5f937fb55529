"""`make mutate`'s mapping (bench/mutation_targets.yaml): every module and test path in it exists, and
a mutant is kept to its module's tests and functions."""
from __future__ import annotations

from pathlib import Path

from tests.mutation_scope import in_scope, load_targets, module_paths, target_of

ROOT = Path(__file__).resolve().parents[2]
TARGETS = load_targets(ROOT / "bench" / "mutation_targets.yaml")


def test_every_mapped_module_and_test_path_exists() -> None:
    for pattern, target in TARGETS.items():
        assert list(ROOT.glob(pattern)), pattern
        for path in target.tests:
            assert (ROOT / path).exists(), path


def test_a_mutant_runs_only_the_tests_of_its_module() -> None:
    audit = target_of(TARGETS, "app.audit.operations.x_verify__mutmut_3")
    assert audit is not None and audit.covers("app.audit.operations.x_verify__mutmut_3")
    assert in_scope("tests/items/test_audit_anchors.py::test_x[sqlite]", audit.tests)
    assert not in_scope("tests/items/test_audit_anchors_more.py::test_x", audit.tests)
    assert not in_scope("tests/screens/test_worklists.py::test_x", audit.tests)
    core = target_of(TARGETS, "workflows.base.xǁWorkflowǁvalidate__mutmut_16")
    assert core is not None and in_scope("tests/workflows/test_engine.py::test_y", core.tests)
    assert not in_scope("tests/workflowsx/test_engine.py::test_y", core.tests)
    assert target_of(TARGETS, "app.screens.routes.x_index__mutmut_1") is None
    assert target_of(TARGETS, "stats") is None


def test_only_the_numbering_of_the_notice_module_is_mutated() -> None:
    notices = target_of(TARGETS, "app.notices.operations.x_next_number__mutmut_1")
    assert notices is not None
    assert notices.covers("app.notices.operations.x_next_number__mutmut_1")
    assert notices.covers("app.notices.operations.x_number_and_archive__mutmut_12")
    assert not notices.covers("app.notices.operations.x_create_notice__mutmut_1")
    assert module_paths("app.audit.x_f__mutmut_1") == ["app/audit.py", "app/audit/__init__.py"]
