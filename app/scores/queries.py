"""绩效考核: each unit's score for a quarter or a year, with its components and rank.

Components (each a share 0..1, computed from :mod:`app.scores.facts`):

- ``on_time`` 办理时限按时率: of the handling deadlines of the unit's own steps that fell in the period
  (and have passed, or were met), the share the unit acted on by the deadline;
- ``quota`` 目标任务完成率 (counties only): the mean over the county's quotas of min(achieved / target, 1),
  on the quota board as of the earlier of today and the period's last day (the board's 综合完成率);
- ``first_pass`` 一次通过率: of the unit's applications and task assignments accepted (验收通过) or refused
  in the period, the share accepted with no return by the city or office and no rectification order;
- ``reports`` 季度报告及时率: of the unit's quarterly reports for the period's quarters that were due by
  today or submitted, on time 1, late (迟报) ½, missing (漏报) 0.

Ranking: counties and departments are ranked separately, best score first. Scores are compared at
two decimals; equal scores share a rank and the next rank skips (1, 2, 2, 4); tied units are listed
in plan order. A unit with no fact for any enabled component is not scored (listed as unscored).
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.dashboards.board import QuotaRow, quota_board
from app.plans.models import Plan
from app.scores.components import (COMPONENT_PLACES, COMPONENTS, COUNTY_ONLY, DEFAULT_WEIGHTS, LATE_REPORT_CREDIT,
                                   Period, competition_ranks, normalised, parse_period, share, weighted_score)
from app.scores.facts import DecisionFact, PlanFacts, ReportFact, ScoredUnit, StepFact, plan_facts, quarters_until
from app.scores.models import ScoreWeight
from app.extensions import db

Kind = Literal["county", "department"]
KINDS: tuple[Kind, ...] = ("county", "department")


@dataclass(frozen=True)
class UnitScore:
    unit_id: int
    unit_name: str
    kind: Kind
    score: float
    rank: int
    components: dict[str, float]


@dataclass(frozen=True)
class UnitFacts:
    """What a unit's components were computed from (the breakdown a supervisor reads)."""

    unit: ScoredUnit
    steps: list[StepFact] = field(default_factory=list)
    decisions: list[DecisionFact] = field(default_factory=list)
    reports: list[ReportFact] = field(default_factory=list)
    quotas: list[QuotaRow] = field(default_factory=list)

    @property
    def steps_on_time(self) -> int:
        return sum(s.on_time() for s in self.steps)

    @property
    def first_passes(self) -> int:
        return sum(d.first_pass for d in self.decisions)

    def reports_with(self, status: str) -> list[ReportFact]:
        return [r for r in self.reports if r.status == status]

    @property
    def quotas_met(self) -> int:
        return sum(q.is_met for q in self.quotas)


@dataclass(frozen=True)
class ScoreBoard:
    period: str
    weights: dict[str, float]
    units: list[UnitScore]
    #: units scored neither way this period (no fact for any enabled component), in plan order
    unscored: list[ScoredUnit] = field(default_factory=list)
    #: each unit's facts, by unit id (scored and unscored)
    facts: dict[int, UnitFacts] = field(default_factory=dict)
    #: the slugs of the units, by unit id
    slugs: dict[int, str] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[UnitScore]:
        return [u for u in self.units if u.kind == kind]


def office_weights(session: Session, plan_id: int) -> dict[str, tuple[float, bool]]:
    """Each component's weight and whether it counts: the office's setting, else the default."""
    stored = {w.component: (float(w.weight), bool(w.enabled))
              for w in session.scalars(select(ScoreWeight).where(ScoreWeight.plan_id == plan_id))}
    return {c: stored.get(c, (DEFAULT_WEIGHTS[c], True)) for c in COMPONENTS}


def enabled_weights(session: Session, plan_id: int) -> dict[str, float]:
    return {c: w for c, (w, on) in office_weights(session, plan_id).items() if on and w > 0}


def _components(unit: ScoredUnit, facts: UnitFacts) -> dict[str, float]:
    values: dict[str, float | None] = {
        "on_time": share(facts.steps_on_time, len(facts.steps)),
        "quota": (share(sum(min(q.achieved / q.target, Decimal(1)) for q in facts.quotas), len(facts.quotas))
                  if unit.kind == "county" else None),
        "first_pass": share(facts.first_passes, len(facts.decisions)),
        "reports": share(len(facts.reports_with("on_time")) + LATE_REPORT_CREDIT * len(facts.reports_with("late")),
                         len(facts.reports)),
    }
    return {c: v for c, v in values.items() if v is not None and (c not in COUNTY_ONLY or unit.kind == "county")}


def unit_facts(session: Session, plan: Plan, period: Period, today: datetime.date,
               facts: PlanFacts) -> dict[int, UnitFacts]:
    """Each unit's facts that count in ``period``, as of ``today``."""
    steps: dict[int, list[StepFact]] = defaultdict(list)
    for s in facts.steps:
        if period.contains(s.due_on) and (s.acted_on is not None or s.due_on < today):
            steps[s.unit_id].append(s)
    decisions: dict[int, list[DecisionFact]] = defaultdict(list)
    for d in facts.decisions:
        if period.contains(d.decided_on) and d.decided_on <= today:
            decisions[d.unit_id].append(d)
    reports: dict[int, list[ReportFact]] = defaultdict(list)
    for r in facts.reports:
        if r.status != "pending":
            reports[r.unit_id].append(r)
    as_of = min(today, period.end)
    quotas: dict[str, list[QuotaRow]] = defaultdict(list)
    for row in quota_board(session, plan.id, as_of):
        if row.county is not None and row.target > 0:
            quotas[row.county].append(row)
    return {u.id: UnitFacts(u, steps[u.id], decisions[u.id], reports[u.id],
                            quotas[u.slug] if u.kind == "county" else [])
            for u in facts.units}


def score_board(plan: Plan, period: str, today: datetime.date, session: Session | None = None) -> ScoreBoard:
    """Every scored unit's score for ``period`` (``2018Q4`` or ``2018``) as of ``today``, ranked.

    Raises :class:`app.scores.components.PeriodError` for a period that is neither. The same facts
    and weights always give the same figures."""
    if session is None:
        session = db.session
    parsed = parse_period(period)
    weights = enabled_weights(session, plan.id)
    facts = plan_facts(session, plan, today, parsed.quarters)
    by_unit = unit_facts(session, plan, parsed, today, facts)
    scored: list[tuple[ScoredUnit, float, dict[str, float]]] = []
    unscored: list[ScoredUnit] = []
    for unit in facts.units:
        components = _components(unit, by_unit[unit.id])
        shown = {c: v for c, v in components.items() if c in weights}
        score = weighted_score(weights, shown)
        if score is None:
            unscored.append(unit)
        else:
            scored.append((unit, score, shown))
    units: list[UnitScore] = []
    for kind in KINDS:
        ordered = sorted((s for s in scored if s[0].kind == kind), key=lambda s: (-s[1], s[0].sort_order, s[0].id))
        ranks = competition_ranks([s[1] for s in ordered])
        units.extend(UnitScore(u.id, u.name, kind, score, rank, components)
                     for (u, score, components), rank in zip(ordered, ranks))
    return ScoreBoard(parsed.code, normalised(weights), units, unscored, by_unit,
                      {u.id: u.slug for u in facts.units})


def late_and_missing_reports(session: Session, plan: Plan, today: datetime.date,
                             units: Sequence[ScoredUnit] | None = None) -> list[ReportFact]:
    """Quarterly reports submitted late (迟报) or missing (漏报) since the plan was issued, newest quarter
    first, each quarter's in plan order (``units``: the scored units, when already read)."""
    facts = plan_facts(session, plan, today, quarters_until(plan, today), reports_only=True, units=units)
    order = {u.id: i for i, u in enumerate(facts.units)}
    rows = [r for r in facts.reports if r.status in ("late", "missing")]
    return sorted(rows, key=lambda r: (-r.year, -r.quarter, order.get(r.unit_id, 0)))


@dataclass(frozen=True)
class Part:
    """One component of a unit's score: its share, its weight among the unit's components, its points."""

    component: str
    value: float | None
    weight: float | None
    points: float | None


def breakdown(board: ScoreBoard, unit: UnitScore) -> list[Part]:
    """How ``unit``'s score is made up: each component's share × its weight among the components the
    unit has (scaled to sum 1) × 100 = its points; the points add up to the score (up to rounding)."""
    used = sum(board.weights.get(c, 0.0) for c in unit.components)
    parts = []
    for c in COMPONENTS:
        value = unit.components.get(c)
        if value is None or c not in board.weights or used <= 0:
            parts.append(Part(c, value, None, None))
            continue
        weight = board.weights[c] / used
        parts.append(Part(c, value, round(weight, COMPONENT_PLACES), round(100 * weight * value, 2)))
    return parts


__all__ = ["UnitScore", "ScoreBoard", "UnitFacts", "Part", "score_board", "breakdown", "office_weights",
           "enabled_weights", "late_and_missing_reports"]
