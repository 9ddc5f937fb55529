"""The ledger's 示范创建台账 sheet: one row per demo-site application the exporter may see, beside the
task rows of 工作台账; and the exporter named as a person of a unit (导出人), never by username."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.applications.models import Application
from app.auth.models import User
from app.clock import china_wall_time
from app.extension_requests.operations import effective_due_of, granted_extensions, granted_join_condition
from app.items.models import Item
from app.items.queries import visible_items
from app.plans.models import Category
from app.units.models import Unit
from workflows.base import state_title
from workflows.deadlines import overdue_level
from workflows.roles import Actor

APPLICATIONS_SHEET = "示范创建台账"
APPLICATION_HEADERS = ("县区", "申报类别", "示范点名称", "当前状态", "办理期限", "阶段期限", "督办等级", "逾期天数", "最近操作",
                       "操作人", "操作日期", "操作时间", "事项编号")


def application_rows(session: Session, plan_id: int, today: date, actor: Actor | None,
                     last: Any) -> list[list[Any]]:
    """One row per application ``actor`` may see (every one without an actor), by county, category and
    site; ``last`` gives each item's latest action (``xlsx.last_actions``)."""
    county = aliased(Unit)
    apps = Application.__table__  # the table, not the entity: Item is already in the FROM list
    granted = granted_extensions()
    due = effective_due_of(granted)
    base = visible_items(actor, plan_id) if actor is not None else select(Item)
    q = (base.where(Item.plan_id == plan_id, Item.type == "application")
         .with_only_columns(Item.id, county.name, Category.title, apps.c.site_name, Item.state, due,
                            Item.phase_due_on)
         .select_from(Item)
         .outerjoin(granted, granted_join_condition(granted))
         .join(apps, apps.c.id == Item.id)
         .join(county, county.id == Item.unit_id)
         .outerjoin(Category, (Category.plan_id == Item.plan_id) & (Category.code == apps.c.category))
         .order_by(county.sort_order, county.id, Category.id, apps.c.site_name, Item.id))
    rows = session.execute(q).all()
    actions = last(session, [r[0] for r in rows])
    out = []
    for item_id, county_name, category, site, state, due_on, phase_due in rows:
        level = overdue_level(due_on, today)
        days_late = (today - due_on).days if due_on is not None and due_on < today else None
        action = actions.get(item_id)
        out.append([county_name, category or "", site, state_title(state), due_on, phase_due, level.label, days_late,
                    action[0] if action else None, action[1] if action else None,
                    action[3] if action else None, china_wall_time(action[2]) if action else None, item_id])
    return out


def exporter(session: Session, actor: Actor | None) -> str:
    """导出人: 张三（霍邱县商务局）; 系统 when the workbook is made without a person."""
    if actor is None:
        return "系统"
    name = session.scalar(select(User.display_name).where(User.id == actor.user_id)) if actor.user_id else None
    unit = session.scalar(select(Unit.name).where(Unit.slug == actor.unit)) if actor.unit else None
    name = name or actor.username
    return f"{name}（{unit}）" if unit and unit != name else name
