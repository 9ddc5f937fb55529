"""Create demo-site applications 示范创建申报. Flush, never commit."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from app.applications.fields import fields_for
from app.applications.models import Application
from app.attachments.operations import add_attachment
from app.extensions import db
from app.items.operations import create_item, edit_draft
from app.plans.models import Category
from app.plans.scope import plan_for, visible_plans
from app.units.models import Unit, UnitKind
from workflows.application import CATEGORIES
from workflows.errors import NotPermitted, WorkflowError
from workflows.roles import Actor, Role

MAX_FIELDS = 50
MAX_FIELD_KEY = 64
MAX_FIELD_TEXT = 2000
MAX_SITE_NAME = 200


class InvalidApplication(WorkflowError):
    """The application's inputs are refused; ``details.fields`` names each problem."""

    code = "bad_request"
    http_status = 400
    default_message = "申报内容不符合要求"

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("；".join(problems.values()) or self.default_message, details={"fields": dict(problems)})


def field_problems(fields: Any) -> dict[str, str]:
    """Category-specific inputs must be a JSON object of short keys to strings or numbers."""
    if not isinstance(fields, Mapping):
        return {"fields": "fields 必须是对象（键为字符串，值为字符串或数字）"}
    if len(fields) > MAX_FIELDS:
        return {"fields": f"fields 最多 {MAX_FIELDS} 项"}
    for key, value in fields.items():
        if not isinstance(key, str) or not key.strip() or len(key) > MAX_FIELD_KEY:
            return {"fields": f"fields 的键必须是 1 至 {MAX_FIELD_KEY} 个字符的字符串"}
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return {"fields": f"fields 中“{key}”的值必须是字符串或数字"}
        if isinstance(value, str) and len(value) > MAX_FIELD_TEXT:
            return {"fields": f"fields 中“{key}”的值最多 {MAX_FIELD_TEXT} 个字符"}
        if isinstance(value, float) and not math.isfinite(value):
            return {"fields": f"fields 中“{key}”的值必须是有限数字"}
    return {}


def site_name_problem(site_name: Any) -> str | None:
    if not isinstance(site_name, str) or not site_name.strip():
        return "必须填写示范点名称"
    if len(site_name.strip()) > MAX_SITE_NAME:
        return f"示范点名称最多 {MAX_SITE_NAME} 个字符"
    return None


def create_application(actor: Actor, *, category: str, county: str, site_name: str,
                       fields: Mapping[str, Any] | None = None) -> Application:
    """A new draft application of ``county`` for ``category``, filed by that county's filer.

    Only a county filer may create one, and only for their own county (another county is 403: a
    create reveals nothing that is not already the caller's). Inputs are validated here too, so the
    screens and scripts get the same refusals as the API.
    """
    if actor.role is not Role.county_filer:
        raise NotPermitted("只有县区经办人可以创建示范创建申报")
    unit = db.session.scalar(select(Unit).where(Unit.slug == county)) if isinstance(county, str) else None
    if unit is None or unit.kind != UnitKind.county:
        if actor.unit != county:
            raise NotPermitted("只能为本县区创建示范创建申报")
        raise InvalidApplication({"county": f"“{county}”不是县区"})
    if actor.unit != unit.slug:
        raise NotPermitted("只能为本县区创建示范创建申报")
    problems: dict[str, str] = {}
    if category not in CATEGORIES:
        problems["category"] = "申报类别必须是：" + "、".join(CATEGORIES)
    if (problem := site_name_problem(site_name)) is not None:
        problems["site_name"] = problem
    problems.update(field_problems(fields if fields is not None else {}))
    if problems:
        raise InvalidApplication(problems)
    if not visible_plans(actor.unit):
        raise InvalidApplication({"plan": "尚未导入行动方案"})
    plan = plan_for(actor)
    cat = db.session.scalar(select(Category).where(Category.plan_id == plan.id, Category.code == category))
    title = f"{cat.title if cat else category}：{site_name.strip()}"
    item = Application(plan_id=plan.id, title=title, unit_id=unit.id, county_id=unit.id, category=category,
                       site_name=site_name.strip(), fields=dict(fields or {}), created_by_id=actor.user_id)
    return create_item(item, actor, data={"category": category, "site_name": item.site_name})


def file_application(actor: Actor, category: str, site_name: str, fields: Mapping[str, Any],
                     files: Sequence[Any], kind: str = "evidence") -> Application:
    """A new draft application in the actor's county, with its evidence files (all or nothing)."""
    item = create_application(actor, category=category, county=actor.unit, site_name=site_name, fields=dict(fields))
    for f in files:
        add_attachment(item.id, actor, f.filename, f.stream, kind)
    return item


def change_application(item: Application, actor: Actor, version: int | None, category: Category | None,
                       site_name: str, fields: Mapping[str, Any]) -> Any:
    """A draft's site and fields changed at the version the user saw (fields of other forms kept)."""
    merged = {**{k: v for k, v in (item.fields or {}).items() if k not in {f.key for f in fields_for(item.category)}},
              **fields}
    title = f"{category.title if category else item.category}：{site_name}"
    return edit_draft(item.id, actor, version=version, changes={"title": title, "site_name": site_name,
                                                                "fields": merged})
