"""Workflow diagrams for the item page: drawn from the definitions by ``workflows.diagram`` (which
lays the graph out in a child process and caches each drawing), with the current state marked."""
from __future__ import annotations

import logging
import re

from workflows.diagram import render_diagram
from workflows.registry import get_workflow

log = logging.getLogger(__name__)
_VIEWBOX = re.compile(rb'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) [\d.]+"')


class DiagramUnavailable(RuntimeError):
    """Graphviz could not draw the diagram; the page shows the item without it."""


def diagram_svg(workflow: str, state: str) -> bytes:
    """The SVG of ``workflow`` with ``state`` marked as current."""
    try:
        return render_diagram(get_workflow(workflow), "svg", current=state)
    except (RuntimeError, OSError, ValueError) as exc:
        log.warning("drawing the %s diagram at %s failed: %s", workflow, state, exc)
        raise DiagramUnavailable(f"{workflow}:{state}") from exc


def diagram_focus(workflow: str, state: str) -> float:
    """Where the current state sits across the drawing (0 left … 1 right), so the page can scroll the
    wide diagram to it; 0 when there is no drawing."""
    try:
        svg = diagram_svg(workflow, state)
    except DiagramUnavailable:
        return 0.0
    width = _VIEWBOX.search(svg)
    node = re.search(rb"<title>" + re.escape(state.encode()) + rb"</title>\s*<[^>]*?(?:d=\"M|points=\")([-\d.]+)", svg)
    if not width or not node:
        return 0.0
    return max(0.0, min(1.0, float(node.group(1)) / float(width.group(1))))
