"""Draw a workflow from its definition (transitions' diagram support), optionally marking a state.

Diagram machines are built on demand with one throwaway model, never on live rows.
"""
from __future__ import annotations

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


@lru_cache(maxsize=256)
def render_diagram(wf: Workflow, fmt: str, current: str | None = None) -> bytes:
    """``fmt`` is ``mmd`` (Mermaid stateDiagram-v2 text) or ``svg`` (Graphviz via pygraphviz).

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
        model = _graph_machine(wf, "pygraphviz", current)
        graph = model.get_graph(force_new=True)
        for state in wf.states:
            node = graph.get_node(state.value)
            node.attr["label"] = f"{state.value}\\n{state_title(state.value)}"
            node.attr["fontname"] = "Noto Sans CJK SC"
            if current is None:
                node.attr["color"] = "black"
                node.attr["fillcolor"] = "white"
        return _layout_svg(graph.string())
    raise ValueError("diagram format must be mmd or svg")
