"""GET /plans: the plans the caller may see; GET /plans/current: phases, tasks and targets of theirs."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api.registry import Call, Reply, endpoint
from app.api.schemas import PlanOut, PlanSummaryOut
from app.api.reply import iso_date
from app.extensions import db
from app.plans.models import AnnexTask, AnnexTaskUnit, Indicator, Plan, PlanPhase, Target
from app.plans.scope import plan_for, visible_plans


def number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _targets(plan: Plan) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(Target).join(Indicator, Target.indicator_id == Indicator.id)
                              .where(Target.plan_id == plan.id).order_by(Indicator.sort_order, Target.id)).all()
    by_indicator: dict[str, dict[str, Any]] = {}
    quotas: dict[str, dict[str, int | float]] = defaultdict(dict)
    for t in rows:
        code = t.indicator.code
        if t.unit is None:
            by_indicator[code] = {"indicator": code, "title": t.indicator.title, "measure": t.indicator.measure,
                                  "target": number(t.figure)}
        else:
            quotas[code][t.unit.slug] = number(t.figure)
    return [{**entry, "per_county": quotas.get(code, {})} for code, entry in by_indicator.items()]


@endpoint("GET", "/plans", summary="调用者可见的方案（本地区的方案；管理员可见全部）", tags=("plan",),
          response=PlanSummaryOut, many=True)
def list_plans(call: Call) -> Reply:
    """Newest first, the region's current plan at the top; ``current`` marks the caller's own current plan."""
    plans = visible_plans(call.actor.unit)
    mine = plan_for(call.actor).id if plans else None
    return Reply([{"id": p.id, "code": p.code, "title": p.title, "document_number": p.document_number,
                   "region": p.region_name, "region_code": p.region_code, "current": p.id == mine,
                   "region_current": p.is_current} for p in plans])


@endpoint("GET", "/plans/current", summary="调用者当前的行动方案：阶段、任务分解、目标指标", tags=("plan",),
          response=PlanOut, errors=(404,))
def current_plan(call: Call) -> Reply:
    """Counties' shared tasks (各县区人民政府) come expanded to one slug per county."""
    plan = plan_for(call.actor)
    phases = db.session.scalars(select(PlanPhase).where(PlanPhase.plan_id == plan.id)
                                .order_by(PlanPhase.sort_order)).all()
    tasks = db.session.scalars(select(AnnexTask).where(AnnexTask.plan_id == plan.id).order_by(AnnexTask.number)
                               .options(selectinload(AnnexTask.units).joinedload(AnnexTaskUnit.unit))).all()
    return Reply({
        "id": plan.id, "region": plan.region_name, "code": plan.code, "title": plan.title,
        "document_number": plan.document_number,
        "phases": [{"name": p.code, "title": p.title, "deadline": iso_date(p.deadline)} for p in phases],
        "tasks": [{"number": t.number, "title": t.title, "deadline": iso_date(t.deadline),
                   "lead_units": [tu.unit.slug for tu in t.units if tu.is_lead],
                   "cooperating_units": [tu.unit.slug for tu in t.units if not tu.is_lead]} for t in tasks],
        "targets": _targets(plan),
    })
