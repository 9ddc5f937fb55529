"""How a workflow is defined: states, transition specs with roles and guards, one shared Machine.

A :class:`Workflow` keeps application metadata (roles, requirements, Chinese titles) beside the
``transitions`` definition, and builds exactly one ``Machine(model=None)`` through which every
persisted row is dispatched (no Machine per row, no ``add_model``).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from transitions import EventData, Machine

from workflows.roles import Role


class Requirement(StrEnum):
    """An input or precondition a trigger needs; shown to screens and API as ``requires``."""

    comment = "comment"
    deadline = "deadline"
    findings = "findings"
    decision = "decision"
    document_number = "document_number"
    text = "text"
    figures = "figures"
    report = "report"
    evidence = "evidence"
    fields = "fields"
    plan_document = "plan_document"
    notice_fields = "notice_fields"


#: Which requirements the caller supplies as input (the rest are checked against the item's facts).
INPUT_REQUIREMENTS = frozenset({
    Requirement.comment, Requirement.deadline, Requirement.findings, Requirement.decision,
    Requirement.document_number, Requirement.text, Requirement.figures, Requirement.report,
})

Facts = Mapping[str, Any]
Data = Mapping[str, Any]

#: Routing predicates on the item's facts: decide which variant of a trigger applies to an item.
FACT_PREDICATES: dict[str, Callable[[Facts], bool]] = {
    "county_item": lambda f: not f.get("is_department", False),
    "department_item": lambda f: bool(f.get("is_department", False)),
    "provincial": lambda f: f.get("level") == "provincial",
    "municipal": lambda f: f.get("level") == "municipal",
    # the office's setting: a city acceptance of an application goes to the office for approval
    "office_approves": lambda f: bool(f.get("office_approves_acceptance", False)),
    "city_decides": lambda f: not f.get("office_approves_acceptance", False),
}
#: Routing predicates on the caller's input: pick the destination when the input decides it.
DATA_PREDICATES: dict[str, Callable[[Data], bool]] = {
    "approved": lambda d: d.get("decision") == "approved",
    "declined": lambda d: d.get("decision") == "rejected",
}


@dataclass(frozen=True)
class Spec:
    """One row of a workflow's transition table."""

    sources: tuple[str, ...]
    trigger: str
    dest: str
    roles: frozenset[Role]
    title: str
    own: bool = True
    requires: tuple[Requirement, ...] = ()
    when: tuple[str, ...] = ()

    def applies_to(self, facts: Facts) -> bool:
        return all(FACT_PREDICATES[w](facts) for w in self.when if w in FACT_PREDICATES)

    def routes(self, data: Data) -> bool:
        return all(DATA_PREDICATES[w](data) for w in self.when if w in DATA_PREDICATES)


def spec(source: str | Iterable[str], trigger: str, dest: str, roles: Iterable[Role], title: str, *,
         own: bool = True, requires: Iterable[Requirement] = (), when: Iterable[str] = ()) -> Spec:
    """Shorthand used by the workflow modules to write their tables."""
    # plain strings: transitions names Enum states by their member name, not their value
    sources = tuple(_plain(s) for s in ((source,) if isinstance(source, str) else source))
    return Spec(sources, trigger, _plain(dest), frozenset(roles), title, own, tuple(requires), tuple(when))


def _plain(state: str) -> str:
    return state.value if isinstance(state, StrEnum) else str(state)


class StateEnum(StrEnum):
    """A workflow's states: the value is the public name (``phase.step``), ``title`` is Chinese."""

    @property
    def phase(self) -> str:
        return self.value.split(".", 1)[0]

    @property
    def label(self) -> str:
        return state_title(self.value)


PHASE_TITLES: dict[str, str] = {
    "mobilization": "动员部署",
    "implementation": "全面推进",
    "self_assessment": "自查评估",
    "acceptance": "检查验收",
    "rectification": "限期整改",
    "consolidation": "持续提升",
}
STEP_TITLES: dict[str, str] = {
    "draft": "起草",
    "county_review": "县区审核",
    "city_review": "市级审核",
    "office_review": "办公室审批",
    "inspection": "检查验收",
    "provincial_review": "省级认定",
}
STATE_TITLES: dict[str, str] = {
    "rejected": "未通过",
    "revoked": "已撤销",
    "draft": "起草",
    "county_review": "县区审核",
    "city_review": "市级审核",
    "accepted": "已采纳",
    "review": "待签发",
    "issued": "已印发",
}


def state_title(state: str) -> str:
    """Chinese title of any state name, e.g. ``mobilization.draft`` → 动员部署·起草."""
    if state in STATE_TITLES:
        return STATE_TITLES[state]
    phase, _, step = state.partition(".")
    title = PHASE_TITLES.get(phase, phase)
    return f"{title}·{STEP_TITLES.get(step, step)}" if step else title


@dataclass(eq=False)  # identity: one object per workflow, usable as a cache key
class Workflow:
    """A workflow definition and its single shared Machine."""

    name: str
    title: str
    states: type[StateEnum]
    initial: str
    finals: frozenset[str]
    specs: tuple[Spec, ...]
    #: draft states whose fields may be edited, and by which roles (own unit, except notices)
    editable: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    #: working days a new or returned draft has to be submitted (the plan may set another figure)
    draft_working_days: int = 10
    #: drafts the plan itself creates (task assignments) are due on the plan's phase date, not sooner
    #: than ``draft_working_days``; drafts a unit creates are due ``draft_working_days`` after creation
    drafts_follow_plan: bool = False
    machine: Machine = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.validate()
        self.machine = self._build_machine()

    # -- definition checks (run at import, so a typo fails at start-up, not at the first click)
    def validate(self) -> None:
        names = {s.value for s in self.states}
        problems: list[str] = []
        if self.initial not in names:
            problems.append(f"initial state {self.initial!r} unknown")
        for sp in self.specs:
            for st in (*sp.sources, sp.dest):
                if st not in names:
                    problems.append(f"{sp.trigger}: unknown state {st!r}")
            for w in sp.when:
                if w not in FACT_PREDICATES and w not in DATA_PREDICATES:
                    problems.append(f"{sp.trigger}: unknown predicate {w!r}")
            if sp.trigger.startswith("to_") or sp.trigger in {"state", "version", "trigger"}:
                problems.append(f"{sp.trigger}: reserved trigger name")
            if set(sp.sources) & self.finals:
                problems.append(f"{sp.trigger}: leaves a final state")
        problems += [f"editable state {st!r} unknown" for st in self.editable if st not in names]
        if problems:
            raise ValueError(f"workflow {self.name}: " + "; ".join(problems))

    def _build_machine(self) -> Machine:
        machine = Machine(
            model=None,
            states=[s.value for s in self.states],
            initial=self.initial,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )
        for sp in self.specs:
            machine.add_transition(sp.trigger, list(sp.sources), sp.dest, conditions=[_router(sp)])
        return machine

    # -- queries on the table
    def triggers_from(self, state: str) -> list[str]:
        seen: dict[str, None] = {}
        for sp in self.specs:
            if state in sp.sources:
                seen.setdefault(sp.trigger)
        return list(seen)

    def variants(self, state: str, trigger: str, facts: Facts) -> list[Spec]:
        """The specs of ``trigger`` from ``state`` that apply to an item with these facts."""
        return [sp for sp in self.specs if state in sp.sources and sp.trigger == trigger and sp.applies_to(facts)]

    def phase_of(self, state: str) -> str:
        return state.split(".", 1)[0]


def _router(sp: Spec) -> Callable[[EventData], bool]:
    def condition(event: EventData) -> bool:
        facts = event.kwargs.get("facts") or {}
        data = event.kwargs.get("data") or {}
        return sp.applies_to(facts) and sp.routes(data)

    condition.__name__ = f"route_{sp.trigger}_to_{sp.dest.replace('.', '_')}"
    return condition
