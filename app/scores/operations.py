"""The office sets the 绩效考核 weights and which components count. Flush, never commit."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.scores.components import COMPONENT_TITLES, COMPONENTS
from app.scores.models import ScoreWeight
from app.scores.permissions import can_set_weights
from workflows.errors import GuardFailed, NotPermitted
from workflows.roles import Actor

MAX_WEIGHT = Decimal(100)


def parse_weight(component: str, value: object) -> Decimal:
    """A weight typed in: a number from 0 to 100 with at most two decimals."""
    try:
        weight = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise GuardFailed([_("%(c)s的权重应为 0 到 100 之间的数", c=_(COMPONENT_TITLES[component]))]) from None
    if not weight.is_finite() or weight < 0 or weight > MAX_WEIGHT or weight != weight.quantize(Decimal("0.01")):
        raise GuardFailed([_("%(c)s的权重应为 0 到 100 之间的数", c=_(COMPONENT_TITLES[component]))])
    return weight


def save_weights(session: Session, plan_id: int, actor: Actor,
                 settings: Mapping[str, tuple[object, bool]]) -> list[ScoreWeight]:
    """Store each component's weight and whether it counts (component → (weight, enabled)).

    Refused unless the actor is the office or the administrator; every component must be given,
    and at least one must count with a positive weight."""
    if not can_set_weights(actor):
        raise NotPermitted(_("只有领导小组办公室或系统管理员可以设置考核权重"))
    unknown = sorted(set(settings) - set(COMPONENTS))
    missing = [c for c in COMPONENTS if c not in settings]
    if unknown or missing:
        raise GuardFailed([_("考核指标不完整或未知：%(names)s", names="、".join(unknown + missing))])
    parsed = {c: (parse_weight(c, settings[c][0]), bool(settings[c][1])) for c in COMPONENTS}
    if not any(on and weight > 0 for weight, on in parsed.values()):
        raise GuardFailed([_("至少要有一项考核指标计入得分且权重大于 0")])
    stored = {w.component: w for w in session.scalars(select(ScoreWeight).where(ScoreWeight.plan_id == plan_id))}
    now, out = utcnow(), []
    for component in COMPONENTS:
        weight, enabled = parsed[component]
        row = stored.get(component)
        if row is None:
            row = ScoreWeight(plan_id=plan_id, component=component)
            session.add(row)
        row.weight, row.enabled, row.updated_at, row.updated_by = weight, enabled, now, actor.username
        out.append(row)
    session.flush()
    return out
