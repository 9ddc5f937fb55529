"""The item page's diagram speaks the plan's words: Chinese state and action titles, never the
definitions' internal names, scaled to its box, the current state marked once."""
from __future__ import annotations

import re

import pytest

from workflows.base import state_title
from workflows.diagram import render_diagram
from workflows.registry import WORKFLOWS


def internal_names() -> set[str]:
    """Every state name and trigger of every workflow (mobilization.draft, send_back, endorse…)."""
    names: set[str] = set()
    for wf in WORKFLOWS.values():
        names |= {s.value for s in wf.states} | {sp.trigger for sp in wf.specs} | {wf.name}
    return names


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_no_internal_name_in_any_drawing(name: str) -> None:
    wf = WORKFLOWS[name]
    names = internal_names()
    assert {"mobilization.draft", "send_back", "endorse"} <= names
    for state in wf.states:
        svg = render_diagram(wf, "svg", current=state.value).decode()
        text = re.sub(r"<[^>]+>", " ", svg)  # what is written, and separately every attribute below
        attributes = " ".join(re.findall(r'="([^"]*)"', svg))
        found = {n for n in names if re.search(rf"(?<![\w.]){re.escape(n)}(?![\w.])", text + " " + attributes)}
        assert not found, (name, state.value, found)


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_titles_drawn_fitted_and_current_marked(name: str) -> None:
    wf = WORKFLOWS[name]
    for state in wf.states:
        svg = render_diagram(wf, "svg", current=state.value).decode()
        head = re.search(r"<svg[^>]*>", svg).group(0)
        assert 'width="100%"' in head and "viewBox=" in head and "height=" not in head
        current = re.findall(r'<g id="s\d+" class="node current">.*?</text>', svg, flags=re.S)
        assert len(current) == 1, (name, state.value)
        title = state_title(state.value)
        assert title.split("·")[0] in current[0] and 'stroke="#c0392b"' in current[0]
        for sp in wf.specs:
            assert sp.title in svg, (name, sp.trigger)
    unmarked = render_diagram(wf, "svg").decode()
    assert "current" not in unmarked


def test_a_step_named_as_its_phase_reads_once() -> None:
    svg = render_diagram(WORKFLOWS["application"], "svg", current="acceptance.inspection").decode()
    assert ">检查验收<" in svg and "检查验收·检查验收" not in svg
