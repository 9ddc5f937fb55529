"""Load a plan (PlanData) into the database, idempotently, and create its task assignments.

It lives with the tasks because loading a plan creates work: one assignment per task and responsible
unit. The plan's own definitions (models, the file schema, the annex table reader) are ``app.plans``.

Everything happens in the caller's transaction: a bad file raises PlanDataError before anything
is written, so nothing is half-loaded.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.items.operations import create_item, recompute_deadlines
from app.plans.models import AnnexTask, AnnexTaskUnit, Category, Indicator, Plan, PlanPhase, Target
from app.plans.schema import (PlanData, PlanDataError, RegionData, TaskData, UnitData, default_groups,
                              read_plan_file, unit_text)
from app.plans.scope import forget_scope, plan_by_code
from app.plans.xlsx import read_annex_xlsx
from app.tasks.models import TaskAssignment
from app.units.models import Unit
from app.units.regions import region_from_counties, region_name
from workflows.errors import NotFound
from workflows.roles import Actor, Role

DEFAULT_PLAN_FILE = Path(__file__).parents[1] / "plans" / "data" / "luan-2018-143.yaml"
SYSTEM = Actor(None, "system", Role.admin, None)


def _set(obj: Any, **values: Any) -> bool:
    """Assign only what differs, so a second load issues no UPDATE at all."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def load_plan_file(path: Path) -> str:
    data = read_plan_file(path)
    return load_plan(data, hashlib.sha256(path.read_bytes()).hexdigest())


def load_plan(data: PlanData, source_sha256: str | None = None) -> str:
    """Upsert everything of ``data``; returns a one-line summary of what was created."""
    counts = {"units": 0, "tasks": 0, "assignments": 0}
    region = plan_region(data)
    units = _upsert_units(data.units, counts, region)
    plan = db.session.scalar(select(Plan).where(Plan.code == data.code))
    if plan is None:
        plan = Plan(code=data.code)
        db.session.add(plan)
    _set(plan, region_code=region.code, region_name=region.name, title=data.title, issuer=data.issuer, document_number=data.document_number,
         issued_on=data.issued_on, is_current=True, notice_issuer_unit_id=units[data.notice_issuer.unit].id,
         notice_issuer_name=data.notice_issuer.name, notice_issuer_code=data.notice_issuer.code,
         notice_issuer_short_name=data.notice_issuer.short_name or data.notice_issuer.name,
         review_working_days=data.review_working_days,
         draft_working_days=data.draft_working_days,
         unit_groups={name: list(members) for name, members in _groups_of(data).items()})
    if plan.source_sha256 != source_sha256:
        plan.source_sha256, plan.loaded_at = source_sha256, utcnow()
    db.session.flush()
    for other in db.session.scalars(select(Plan).where(Plan.id != plan.id, Plan.is_current.is_(True),
                                                       Plan.region_code == region.code)):
        other.is_current = False  # one current plan per region; other regions' plans are not touched
    _upsert_phases(plan, data)
    indicators = _upsert_indicators(plan, data)
    _upsert_targets(plan, data, indicators, units)
    _upsert_categories(plan, data)
    groups = _groups_of(data)
    upsert_tasks(plan, data.tasks, units, data.units, groups, counts)
    db.session.flush()
    moved = recompute_deadlines(plan.id)
    forget_scope()
    return (f"plan {data.code}: {len(data.tasks)} tasks, {len(data.targets)} targets; created "
            f"{counts['units']} units, {counts['tasks']} tasks, {counts['assignments']} assignments"
            + (f"; deadlines recomputed on {moved} items" if moved else ""))


def plan_groups(plan: Plan, unit_data: Sequence[UnitData]) -> dict[str, tuple[str, ...]]:
    """The groups of units a loaded plan names (各县区人民政府 = the counties, unless the plan says otherwise)."""
    return {**default_groups(unit_data), **{name: tuple(members) for name, members in (plan.unit_groups or {}).items()}}


def _groups_of(data: PlanData) -> dict[str, tuple[str, ...]]:
    return dict(data.groups) or default_groups(data.units)


def plan_region(data: PlanData) -> RegionData:
    """The region the file names, else the city its counties' division codes share."""
    if data.region is not None:
        return data.region
    code = region_from_counties(u.code for u in data.counties)
    return RegionData(code, region_name(code))


def _upsert_units(unit_data: Sequence[UnitData], counts: dict[str, int], region: RegionData) -> dict[str, Unit]:
    """Create or update the file's units, all of ``region``; a unit of another region is refused."""
    existing = {u.slug: u for u in db.session.scalars(select(Unit))}
    foreign = [ud.slug for ud in unit_data
               if ud.slug in existing and existing[ud.slug].region_code not in (None, region.code)]
    if foreign:
        raise PlanDataError([f"单位“{slug}”属于另一地区（{existing[slug].region_code}）的方案，不能列入"
                             f"{region.name or region.code}的方案" for slug in foreign])
    for order, ud in enumerate(unit_data):
        unit = existing.get(ud.slug)
        if unit is None:
            unit = existing[ud.slug] = Unit(slug=ud.slug, is_active=True)
            db.session.add(unit)
            counts["units"] += 1
        _set(unit, name=ud.name, kind=ud.kind, code=ud.code, aliases=list(ud.aliases), sort_order=order,
             region_code=region.code)
    db.session.flush()
    return existing


def _upsert_phases(plan: Plan, data: PlanData) -> None:
    existing = {p.code: p for p in db.session.scalars(select(PlanPhase).where(PlanPhase.plan_id == plan.id))}
    for order, pd in enumerate(data.phases):
        phase = existing.get(pd.code) or PlanPhase(plan_id=plan.id, code=pd.code)
        if phase.id is None:
            db.session.add(phase)
        _set(phase, title=pd.title, deadline=pd.deadline, step=pd.step, sort_order=order)


def _upsert_indicators(plan: Plan, data: PlanData) -> dict[str, Indicator]:
    existing = {i.code: i for i in db.session.scalars(select(Indicator).where(Indicator.plan_id == plan.id))}
    for order, ind in enumerate(data.indicators):
        row = existing.get(ind.code)
        if row is None:
            row = existing[ind.code] = Indicator(plan_id=plan.id, code=ind.code)
            db.session.add(row)
        _set(row, title=ind.title, measure=ind.measure, title_en=ind.title_en or None,
             measure_en=ind.measure_en or None, sort_order=order)
    db.session.flush()
    return existing


def _upsert_targets(plan: Plan, data: PlanData, indicators: dict[str, Indicator], units: dict[str, Unit]) -> None:
    existing = {(t.indicator_id, t.unit_id): t for t in
                db.session.scalars(select(Target).where(Target.plan_id == plan.id))}
    for td in data.targets:
        ind = indicators[td.indicator]
        wanted = [(None, td.target)] + [(units[slug].id, fig) for slug, fig in td.per_county.items()]
        for unit_id, figure in wanted:
            row = existing.get((ind.id, unit_id))
            if row is None:
                db.session.add(Target(plan_id=plan.id, indicator_id=ind.id, unit_id=unit_id, figure=figure))
            elif row.figure != figure:
                row.figure = figure


def _upsert_categories(plan: Plan, data: PlanData) -> None:
    existing = {c.code: c for c in db.session.scalars(select(Category).where(Category.plan_id == plan.id))}
    for cd in data.categories:
        row = existing.get(cd.code)
        if row is None:
            row = Category(plan_id=plan.id, code=cd.code)
            db.session.add(row)
        checklist = [{"code": c.code, "title": c.title, "measure": c.measure} for c in cd.checklist]
        _set(row, title=cd.title, level=cd.level, indicator_code=cd.indicator, site_label=cd.site_label,
             checklist=checklist)


def upsert_tasks(plan: Plan, tasks: Sequence[TaskData], units: dict[str, Unit], unit_data: Sequence[UnitData],
                 groups: dict[str, tuple[str, ...]], counts: dict[str, int]) -> None:
    """Upsert annex tasks and create one assignment per (task, responsible unit) that lacks one.

    Assignments of units dropped from a task are kept: they may hold work already done.
    """
    existing = {t.number: t for t in db.session.scalars(select(AnnexTask).where(AnnexTask.plan_id == plan.id))}
    for td in tasks:
        task = existing.get(td.number)
        if task is None:
            task = AnnexTask(plan_id=plan.id, number=td.number, indicator_codes=[])
            db.session.add(task)
            counts["tasks"] += 1
        _set(task, title=td.title, deadline=td.deadline, indicator_codes=list(td.indicators),
             lead_text=unit_text(td.lead, unit_data, groups),
             cooperating_text=unit_text(td.cooperating, unit_data, groups))
        db.session.flush()
        linked = {tu.unit_id: tu for tu in task.units}
        assigned = set(db.session.scalars(select(TaskAssignment.assignee_id)
                                          .where(TaskAssignment.annex_task_id == task.id)))
        for slug, is_lead in [(s, True) for s in td.lead] + [(s, False) for s in td.cooperating]:
            unit = units[slug]
            link = linked.get(unit.id)
            if link is None:
                db.session.add(AnnexTaskUnit(annex_task_id=task.id, unit_id=unit.id, is_lead=is_lead))
            else:
                _set(link, is_lead=is_lead)
            if unit.id not in assigned:
                role = "牵头" if is_lead else "配合"
                create_item(TaskAssignment(
                    plan_id=plan.id, title=f"任务{td.number}（{role}）：{_short(td.title)}", unit_id=unit.id,
                    county_id=unit.id if unit.kind == "county" else None, annex_task_id=task.id,
                    assignee_id=unit.id, is_lead=is_lead), SYSTEM)
                counts["assignments"] += 1


def _short(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[:limit - 1] + "…"


def import_annex_xlsx(file: Path | IO[bytes], plan_code: str | None = None) -> str:
    """Load a task breakdown table (annex layout) into a plan; refuses the whole file on any error."""
    try:
        plan = plan_by_code(plan_code)
    except NotFound as exc:
        raise PlanDataError([f"方案“{plan_code}”不存在" if plan_code else exc.message]) from exc
    unit_rows = db.session.scalars(select(Unit).where(Unit.region_code == plan.region_code)
                                   .order_by(Unit.sort_order, Unit.id)).all()
    unit_data = [UnitData(slug=u.slug, name=u.name, kind=u.kind, code=u.code, aliases=tuple(u.aliases or ()))
                 for u in unit_rows]
    groups = plan_groups(plan, unit_data)
    tasks = read_annex_xlsx(file, unit_data, groups)
    counts = {"units": 0, "tasks": 0, "assignments": 0}
    upsert_tasks(plan, tasks, {u.slug: u for u in unit_rows}, unit_data, groups, counts)
    db.session.flush()
    return (f"plan {plan.code}: {len(tasks)} rows read; "
            f"created {counts['tasks']} tasks, {counts['assignments']} assignments")
