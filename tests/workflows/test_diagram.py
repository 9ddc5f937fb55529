"""Diagrams drawn from the definitions, with the current state marked for an item."""
from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.tasks.models import TaskAssignment
from workflows.base import Workflow, spec, state_title
from workflows.diagram import _layout_svg, render_diagram
from workflows.registry import WORKFLOWS
from workflows.report import ReportState as S
from workflows.roles import Role


@pytest.fixture(autouse=True)
def fresh_drawings() -> Iterator[None]:
    """render_diagram caches per process: draw anew in every test, not what an earlier test drew."""
    render_diagram.cache_clear()
    yield
    render_diagram.cache_clear()


def svg_colours(svg: str) -> set[str]:
    return set(re.findall(r'(?:fill|stroke)="([^"]+)"', svg))


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


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_svg_has_every_state_with_its_chinese_title_and_every_transition(name: str) -> None:
    wf = WORKFLOWS[name]
    svg = render_diagram(wf, "svg").decode()
    assert svg.lstrip().startswith("<?xml") and svg.rstrip().endswith("</svg>")
    assert 'font-family="Noto Sans CJK SC"' in svg
    for state in wf.states:
        parts = state_title(state.value).split("·")
        title = parts[0] if len(set(parts)) == 1 else "·".join(parts)  # 检查验收·检查验收 reads 检查验收
        assert f'xlink:title="{title}"' in svg, title
        assert f">{state.value}</text>" not in svg  # Chinese titles only, never the internal name
    pairs = {(src, sp.dest) for sp in wf.specs for src in sp.sources}
    assert svg.count('class="edge"') == len(pairs)
    labels = re.findall(r'font-size="10.00">([^<]+)</text>', svg)
    for sp in wf.specs:
        assert sp.title in " ".join(labels), sp.title
        assert sp.trigger not in labels
    # nothing marked without an item: no node carries the current state's frame
    assert 'class="node current"' not in svg and "#c0392b" not in svg_colours(svg)


def test_svg_marks_the_current_state_only() -> None:
    wf = WORKFLOWS["notice"]
    svg = render_diagram(wf, "svg", current="review").decode()
    assert {"#c0392b", "#fdecea"} <= svg_colours(svg)
    marked = re.findall(r'<g id="(s\d+)" class="node current">.*?</g>\s*</g>', svg, re.S)
    assert len(marked) == 1
    node = re.search(rf'<g id="{marked[0]}" class="node current">.*?</g>\s*</g>', svg, re.S).group(0)
    assert 'xlink:title="待签发"' in node and 'fill="#fdecea"' in node
    others = re.findall(r'<g id="s\d+" class="node">.*?</g>\s*</g>', svg, re.S)
    assert others and all("#fdecea" not in n for n in others)


def test_mermaid_without_an_item_marks_every_state_as_default() -> None:
    wf = WORKFLOWS["notice"]
    text = render_diagram(wf, "mmd").decode()
    assert text.startswith("---\n通报 (notice)\n---\n")
    assert [line.strip() for line in text.splitlines() if line.strip().startswith("Class ")] == [
        f"Class {s.value} s_default" for s in wf.states]
    assert "[*] --> draft" in text
    # each (trigger, source, destination) once, though two specs may share it
    assert text.count("review --> issued: issue") == 1


def test_unknown_states_and_formats_are_refused() -> None:
    with pytest.raises(ValueError, match="'nowhere' is not a state of notice"):
        render_diagram(WORKFLOWS["notice"], "mmd", current="nowhere")
    with pytest.raises(ValueError, match="diagram format must be mmd or svg"):
        render_diagram(WORKFLOWS["notice"], "png")


def test_a_layout_that_fails_says_so() -> None:
    with pytest.raises(RuntimeError, match="(?s)graph layout failed: .*Invalid Input"):
        _layout_svg("digraph {{{")
    assert _layout_svg("digraph { a -> b }").lstrip().startswith(b"<?xml")


def test_two_rows_with_the_same_edge_draw_it_once() -> None:
    """A county's and a department's filing of the same step: two table rows, one arrow."""
    wf = Workflow(name="twice", title="两行一线", states=S, initial=S.draft.value, finals=frozenset({"accepted"}),
                  specs=(spec(S.draft, "submit", S.city_review, [Role.county_filer], "提交", when=["county_item"]),
                         spec(S.draft, "submit", S.city_review, [Role.dept_filer], "提交", when=["department_item"]),
                         spec(S.city_review, "accept", S.accepted, [Role.city_reviewer], "认定", own=False)))
    text = render_diagram(wf, "mmd").decode()
    assert text.count("draft --> city_review: submit") == 1
    assert "submit | submit" not in text
    svg = render_diagram(wf, "svg").decode()
    assert svg.count('class="edge"') == 2


def _completed(returncode: int, stdout: bytes, stderr: bytes) -> Callable[..., subprocess.CompletedProcess]:
    def run(args: Any, **kwargs: Any) -> subprocess.CompletedProcess:
        return subprocess.CompletedProcess(args, returncode, stdout, stderr)
    return run


@pytest.mark.parametrize("returncode, stdout", [(1, b"<svg>half</svg>"), (0, b"")])
def test_a_layout_that_fails_or_draws_nothing_is_refused(monkeypatch: pytest.MonkeyPatch, returncode: int,
                                                         stdout: bytes) -> None:
    monkeypatch.setattr(subprocess, "run", _completed(returncode, stdout, b"dot: out of memory"))
    with pytest.raises(RuntimeError, match="^graph layout failed: dot: out of memory$"):
        _layout_svg("digraph { a -> b }")


def test_a_layout_failure_quotes_the_end_of_its_error_output(monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = b"x" * 600 + "布局失败".encode("utf-8") + b"\xff" + b"y" * 500
    monkeypatch.setattr(subprocess, "run", _completed(1, b"", stderr))
    with pytest.raises(RuntimeError) as caught:
        _layout_svg("digraph { a -> b }")
    assert str(caught.value) == "graph layout failed: " + "y" * 500
    stderr = b"x" * 600 + b"\xff" + "布局失败".encode("utf-8")
    monkeypatch.setattr(subprocess, "run", _completed(1, b"", stderr))
    with pytest.raises(RuntimeError) as caught:
        _layout_svg("digraph { a -> b }")
    assert str(caught.value) == "graph layout failed: " + "x" * 495 + "\ufffd布局失败"
