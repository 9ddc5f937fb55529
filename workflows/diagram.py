"""Draw a workflow from its definition (transitions' diagram support), optionally marking a state.

Diagram machines are built on demand with one throwaway model, never on live rows.
"""
from __future__ import annotations

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


def render_diagram(wf: Workflow, fmt: str, current: str | None = None) -> bytes:
    """``fmt`` is ``mmd`` (Mermaid stateDiagram-v2 text) or ``svg`` (Graphviz via pygraphviz)."""
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
        svg = graph.draw(format="svg", prog="dot")
        return svg if isinstance(svg, bytes) else svg.encode("utf-8")
    raise ValueError("diagram format must be mmd or svg")
