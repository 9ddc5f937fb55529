"""Workflow diagrams for the item page: drawn from the definitions by ``workflows.diagram`` (which
lays the graph out in a child process and caches each drawing), in Chinese titles, scaled to the
card, with the current state marked."""
from __future__ import annotations

import logging

from workflows.diagram import render_diagram
from workflows.registry import get_workflow

log = logging.getLogger(__name__)


class DiagramUnavailable(RuntimeError):
    """Graphviz could not draw the diagram; the page shows the item without it."""


def diagram_svg(workflow: str, state: str) -> bytes:
    """The SVG of ``workflow`` with ``state`` marked as current."""
    try:
        return render_diagram(get_workflow(workflow), "svg", current=state)
    except (RuntimeError, OSError, ValueError) as exc:
        log.warning("drawing the %s diagram at %s failed: %s", workflow, state, exc)
        raise DiagramUnavailable(f"{workflow}:{state}") from exc
