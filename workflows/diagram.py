"""Draw a workflow from its definition (transitions' diagram support), optionally marking a state.

Diagram machines are built on demand with one throwaway model, never on live rows.
"""
from __future__ import annotations

import re
import subprocess
import sys
from functools import lru_cache
from typing import Any

from workflows.base import Workflow, state_title


class _Model:
    state: str


def _graph_machine(wf: Workflow, engine: str, current: str | None) -> Any:
    from transitions.extensions import GraphMachine

    model = _Model()
    transitions = []
    seen: set[tuple[str, str, str]] = set()
    for sp in wf.specs:
        for src in sp.sources:
            key = (sp.trigger, src, sp.dest)
            if key not in seen:
                seen.add(key)
                transitions.append({"trigger": sp.trigger, "source": src, "dest": sp.dest})
    machine = GraphMachine(model=model, states=[s.value for s in wf.states], transitions=transitions,
                           initial=wf.initial, auto_transitions=False, graph_engine=engine,
                           title=f"{wf.title} ({wf.name})", show_state_attributes=False)
    if current is not None:
        machine.set_state(current, model)
    return model


_LAYOUT = (
    "import sys, pygraphviz\n"
    "graph = pygraphviz.AGraph(string=sys.stdin.read())\n"
    "sys.stdout.buffer.write(graph.draw(format='svg', prog='dot'))\n"
)


def _layout_svg(dot_source: str) -> bytes:
    """Lay out in a child process: pygraphviz's wheel bundles its own fontconfig and cairo, and
    running them in a process that already uses the system's copies (WeasyPrint) can deadlock."""
    done = subprocess.run([sys.executable, "-c", _LAYOUT], input=dot_source.encode("utf-8"),
                          capture_output=True, timeout=60, check=False)
    if done.returncode != 0 or not done.stdout:
        raise RuntimeError(f"graph layout failed: {done.stderr.decode(errors='replace')[-500:]}")
    return done.stdout


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _title(state: str) -> str:
    """动员部署·起草; a step named as its phase reads once (检查验收, not 检查验收·检查验收)."""
    title = state_title(state)
    head, sep, tail = title.partition("·")
    return head if sep and head == tail else title


def node_id(wf: Workflow, state: str) -> str:
    """The id a state's node carries in the SVG (``s3``): positions, never internal names."""
    return f"s{[s.value for s in wf.states].index(state)}"


def _edge_labels(wf: Workflow) -> dict[tuple[str, str], list[str]]:
    """Each drawn arrow (source, destination) with the titles of the transitions along it."""
    edges: dict[tuple[str, str], list[str]] = {}
    for sp in wf.specs:
        for src in sp.sources:
            titles = edges.setdefault((src, sp.dest), [])
            if sp.title not in titles:
                titles.append(sp.title)
    return edges


def dot_source(wf: Workflow, current: str | None = None) -> str:
    """Graphviz source of ``wf`` with Chinese state and action titles only (node ids ``s0``, ``s1``…;
    the internal names stay out of the drawing, its ids and its tooltips)."""
    font = "Noto Sans CJK SC"
    lines = ["digraph workflow {", "  rankdir=TB; nodesep=0.35; ranksep=0.45; pad=0.15;",
             f"  graph [fontname={_quote(font)}]; edge [fontname={_quote(font)}, fontsize=10, color=\"#607080\"];",
             f"  node [fontname={_quote(font)}, fontsize=12, shape=box, style=\"rounded,filled\", "
             "fillcolor=white, color=\"#8090a0\"];"]
    for state in wf.states:
        nid = node_id(wf, state.value)
        title = _title(state.value)
        attrs = [f"label={_quote(title)}", f"id={_quote(nid)}", f"tooltip={_quote(title)}"]
        if state.value == current:
            attrs += ["color=\"#c0392b\"", "penwidth=2.5", "fillcolor=\"#fdecea\"", "fontcolor=\"#a01d10\"",
                      "class=\"current\""]
        lines.append(f"  {nid} [{', '.join(attrs)}];")
    for (src, dest), titles in _edge_labels(wf).items():
        label = " / ".join(titles)
        lines.append(f"  {node_id(wf, src)} -> {node_id(wf, dest)} [label={_quote(label)}, tooltip={_quote(label)}];")
    lines.append("}")
    return "\n".join(lines)


_SIZE = re.compile(rb'<svg width="[\d.]+pt" height="[\d.]+pt"')


def fit_to_box(svg: bytes) -> bytes:
    """The drawing scales to its box: the width follows the container, the viewBox keeps the shape."""
    svg = _SIZE.sub(b'<svg width="100%" preserveAspectRatio="xMidYMin meet"', svg, count=1)
    return re.sub(rb"<!--.*?-->\n?", b"", svg, flags=re.S)  # Graphviz's comments name the node ids


@lru_cache(maxsize=256)
def render_diagram(wf: Workflow, fmt: str, current: str | None = None) -> bytes:
    """``fmt`` is ``mmd`` (Mermaid stateDiagram-v2 text, internal names for developers) or ``svg``
    (Graphviz via pygraphviz, Chinese titles only, scaled to its box).

    Cached: a workflow has few states, so each (workflow, format, state) is drawn once per process.
    """
    if current is not None and current not in {s.value for s in wf.states}:
        raise ValueError(f"{current!r} is not a state of {wf.name}")
    if fmt == "mmd":
        model = _graph_machine(wf, "mermaid", current)
        text: str = model.get_graph(force_new=True).draw(None)
        if current is None:  # without an item, mark no state as current
            text = text.replace(" s_active\n", " s_default\n")
        return text.encode("utf-8")
    if fmt == "svg":
        return fit_to_box(_layout_svg(dot_source(wf, current)))
    raise ValueError("diagram format must be mmd or svg")
