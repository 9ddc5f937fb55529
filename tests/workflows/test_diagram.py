"""Diagrams drawn from the definitions, with the current state marked for an item."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.tasks.models import TaskAssignment
from workflows.diagram import render_diagram
from workflows.registry import WORKFLOWS


def test_mermaid_has_every_state_and_transition() -> None:
    for wf in WORKFLOWS.values():
        text = render_diagram(wf, "mmd").decode()
        assert text.count("stateDiagram-v2") == 1
        for state in wf.states:
            assert f'state "{state.value}"' in text
        edges: dict[tuple[str, str], set[str]] = {}
        for line in text.splitlines():
            if " --> " in line and ": " in line:
                pair, labels = line.strip().split(": ", 1)
                src, dest = pair.split(" --> ")
                edges[(src, dest)] = set(labels.split(" | "))
        for sp in wf.specs:
            for src in sp.sources:
                assert sp.trigger in edges[(src, sp.dest)], (wf.name, src, sp.trigger)
        assert " s_active\n" not in text  # nothing marked without an item


def test_current_state_is_marked() -> None:
    text = render_diagram(WORKFLOWS["application"], "mmd", current="acceptance.inspection").decode()
    assert "Class acceptance.inspection s_active" in text
    assert text.count(" s_active\n") == 1


def test_cli_writes_svg_and_marks_an_items_state(app, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    out = tmp_path / "task.svg"
    with app.app_context():
        item_id = db.session.scalar(select(TaskAssignment.id).limit(1))
    result = runner.invoke(args=["workflows", "diagram", "task", "-o", str(out), "--item", str(item_id)])
    assert result.exit_code == 0, result.output
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "动员部署·起草" in svg and "备案" in svg and 'class="node current"' in svg
    assert "mobilization.draft" not in svg and "file_plan" not in svg  # titles only
    mmd = tmp_path / "notice.mmd"
    assert runner.invoke(args=["workflows", "diagram", "notice", "-o", str(mmd)]).exit_code == 0
    assert "review --> issued: issue" in mmd.read_text()
    bad = runner.invoke(args=["workflows", "diagram", "nope", "-o", str(mmd)])
    assert bad.exit_code != 0 and "unknown workflow" in bad.output
