"""待办 / 已办 / 我的申报 / 全部事项: one list screen with filters, deadline sort, paging and lights."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from app.clock import today
from app.extension_requests.listing import with_items
from app.extensions import db
from app.plans.models import Category
from app.plans.scope import current_plan
from app.item_page.bulk import bulk_triggers
from app.web.errors import register_error_pages
from app.web.access import user_actors
from app.units.models import Unit
from app.worklists.groups import GROUPS, extension_requests_for, group_counts, grouped_todo, notices_to_acknowledge
from app.worklists.queries import ALL_STATES, ITEM_GROUPS, PHASES, PER_PAGE_CHOICES, Filters, worklist
from workflows.deadlines import OverdueLevel
from workflows.registry import WORKFLOWS
from workflows.roles import COUNTY_ROLES

bp = Blueprint("worklists", __name__)
register_error_pages(bp)

TITLES = {"todo": _l("待办"), "done": _l("已办"), "mine": _l("我的申报/任务"), "all": _l("全部事项")}


def filter_options() -> dict[str, Any]:
    plan = current_plan()
    plan_id = plan.id
    counties = db.session.execute(select(Unit.slug, Unit.name).where(Unit.kind == "county",
                                                                     Unit.region_code == plan.region_code)
                                  .order_by(Unit.sort_order, Unit.id)).tuples().all()
    if current_user.role_enum in COUNTY_ROLES:  # a county never sees another county
        counties = [c for c in counties if current_user.unit and c[0] == current_user.unit.slug]
    return {
        "types": list(WORKFLOWS), "states": ALL_STATES, "phases": PHASES, "counties": counties,
        "categories": db.session.execute(select(Category.code, Category.title).where(Category.plan_id == plan_id)
                                         .order_by(Category.id)).tuples().all(),
        "levels": [level.value for level in OverdueLevel], "per_page_choices": PER_PAGE_CHOICES,
        "levels_map": {level.value: level for level in OverdueLevel},
        "state_types": {s: " ".join(n for n, wf in WORKFLOWS.items() if s in {x.value for x in wf.states})
                        for s in ALL_STATES},
    }


def todo_extras(actors: list) -> dict[str, Any]:
    """What the grouped 待办 shows beside its item rows: each group's count, notices to sign for,
    extension requests to decide (with their items), the bulk actions."""
    return {"group_counts": group_counts(actors, current_user.id, current_user.unit_id), "groups": GROUPS,
            "item_groups": ITEM_GROUPS, "extension_requests": with_items(extension_requests_for(actors)[:50]),
            "to_acknowledge": notices_to_acknowledge(current_user.unit_id),
            "bulk_triggers": bulk_triggers(user_actors())}


def render_list(kind: str, endpoint: str, template: str = "worklists/list.html") -> str:
    default_sort = "-acted" if kind == "done" else "due"
    f = Filters.from_args(request.args, default_sort=default_sort)
    actors = [a for a, _d in user_actors()]
    unit_slug = current_user.unit.slug if current_user.unit else None
    if kind == "todo":
        page = grouped_todo(actors, current_user.id, unit_slug, f, today())
        extra = todo_extras(actors)
    else:
        page, extra = worklist(kind, actors, current_user.id, unit_slug, f, today()), {}
    return render_template(template, kind=kind, title=TITLES[kind], page=page, f=f,
                           endpoint=endpoint, options=filter_options(), today=today(), **extra)


@bp.route("/todo")
@login_required
def todo() -> str:
    return render_list("todo", "worklists.todo")


@bp.route("/all")
@login_required
def all_items() -> str:
    return render_list("all", "worklists.all_items")


@bp.route("/done")
@login_required
def done() -> str:
    return render_list("done", "worklists.done")


@bp.route("/mine")
@login_required
def mine() -> str:
    return render_list("mine", "worklists.mine")
