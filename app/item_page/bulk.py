"""Bulk decisions for reviewers: pick items in the 待办 list, see a dry run, confirm.

The dry run asks the engine's own predicates (visible, valid here, role and unit, version, guard) for
each item without changing anything; confirming fires each item through ``fire_transition`` at the
version shown in the list, one transaction (and one audit event) per item, so one refusal never
undoes the others and an item changed since the list was drawn is refused as stale.

A decision that needs inputs (a rectification deadline, inspection findings) takes them once for the
whole selection; the dry run checks them with the engine's guards item by item, as the firing will.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.clock import today
from app.extensions import db
from app.items.facts import subject_for
from app.items.models import Item
from app.items.operations import fire_transition
from app.web.ui import error_message
from app.web.errors import register_error_pages
from app.web.access import user_actors
from workflows.base import INPUT_REQUIREMENTS
from workflows.errors import (GuardFailed, InvalidTransition, NotFound, NotPermitted, StaleVersion,
                              WorkflowError)
from workflows.guards import guard_reasons
from workflows.permissions import can_fire, can_see
from workflows.registry import WORKFLOWS
from workflows.roles import Actor, Role
from app.web.actions import each_action
from app.auth.delegation import current_actor

bp = Blueprint("bulk", __name__)
register_error_pages(bp)
MAX_ITEMS = 100
#: a short name per trigger for the bulk menu (the item page shows each workflow's own title)
BULK_TITLES = {"endorse": _l("审核通过（报上一级）"), "send_back": _l("退回"), "accept": _l("采纳 / 确定为创建对象"),
               "file_plan": _l("备案"), "schedule_inspection": _l("安排检查验收"), "reject": _l("不予通过"),
               "withdraw": _l("撤回"), "revoke": _l("撤销"), "issue": _l("签发"),
               "pass": _l("检查验收通过"), "order_rectification": _l("责令限期整改")}
#: what a bulk decision may ask for, typed once and applied to every selected item
BULK_INPUTS = frozenset({"comment", "deadline", "findings"})
#: the inputs other than the comment, as the engine's guards read them from ``data``
DATA_INPUTS = ("deadline", "findings")
#: who decides in bulk: reviewers and approvers (filers file one item at a time)
BULK_ROLES = frozenset({Role.county_reviewer, Role.city_reviewer, Role.office_approver})


@dataclass
class Check:
    item: Item | None
    item_id: int
    version: int | None
    ok: bool
    message: str
    dest: str | None = None
    delegation_id: int | None = None


def bulk_triggers(actors: list[tuple[Actor, int | None]]) -> list[tuple[str, str]]:
    """Triggers the user may fire in bulk: those needing at most a comment, a deadline and findings
    (the same for every selected item: a rectification deadline, say)."""
    out: dict[str, str] = {}
    for actor, _d in actors:
        if actor.role not in BULK_ROLES:
            continue
        for wf in WORKFLOWS.values():
            for sp in wf.specs:
                inputs = {r for r in sp.requires if r in INPUT_REQUIREMENTS}
                if actor.role in sp.roles and inputs <= BULK_INPUTS and sp.trigger in BULK_TITLES:
                    out.setdefault(sp.trigger, str(BULK_TITLES[sp.trigger]))
    return sorted(out.items(), key=lambda kv: list(BULK_TITLES).index(kv[0]))


def dry_run_one(item: Item, trigger: str, actor: Actor, version: int | None, comment: str | None,
                data: dict[str, Any]) -> tuple[bool, str | None, WorkflowError | None]:
    """The engine's checks in its order, with nothing changed: (would succeed, destination, refusal)."""
    subject = subject_for(item)
    if not can_see(actor, subject):
        return False, None, NotFound()
    wf = subject.workflow
    variants = wf.variants(item.state, trigger, subject.facts)
    if not variants:
        if version != item.version and any(sp.trigger == trigger for sp in wf.specs):
            return False, None, StaleVersion()
        return False, None, InvalidTransition()
    allowed = [sp for sp in variants if can_fire(actor, sp, subject)]
    if not allowed:
        return False, None, NotPermitted()
    if version != item.version:
        return False, None, StaleVersion()
    reasons = guard_reasons(allowed[0], facts=subject.facts, comment=comment, data=data, today=today())
    if reasons:
        return False, None, GuardFailed(reasons)
    dest = next((sp.dest for sp in allowed if sp.routes(data)), allowed[0].dest)
    return True, dest, None


def check_all(selection: list[tuple[int, int | None]], trigger: str, comment: str | None,
              data: dict[str, Any] | None = None) -> list[Check]:
    checks: list[Check] = []
    actors = user_actors()
    for item_id, version in selection:
        item = db.session.get(Item, item_id)
        if item is None:
            checks.append(Check(None, item_id, version, False, error_message(NotFound())))
            continue
        first_refusal: WorkflowError | None = None
        done = False
        for actor, delegation_id in actors:
            ok, dest, refusal = dry_run_one(item, trigger, actor, version, comment, dict(data or {}))
            if ok:
                checks.append(Check(item, item_id, version, True, "", dest, delegation_id))
                done = True
                break
            first_refusal = first_refusal or refusal
        if not done:
            visible = any(can_see(a, subject_for(item)) for a, _d in actors)
            checks.append(Check(item if visible else None, item_id, version, False,
                                error_message(first_refusal or NotPermitted())))
    return checks


def parse_selection(values: list[str]) -> list[tuple[int, int | None]]:
    """``id:version`` pairs from the list's checkboxes (the version the reviewer saw)."""
    out: list[tuple[int, int | None]] = []
    for value in values[:MAX_ITEMS]:
        left, _sep, right = value.partition(":")
        if left.isdigit():
            out.append((int(left), int(right) if right.isdigit() else None))
    return list(dict.fromkeys(out))


def _inputs() -> tuple[list[tuple[int, int | None]], str, str | None, dict[str, Any]]:
    selection = parse_selection(request.form.getlist("sel"))
    trigger = request.form.get("trigger", "")
    comment = (request.form.get("comment") or "").strip()[:2000] or None
    data = {key: value for key in DATA_INPUTS
            if (value := (request.form.get(key) or "").strip()[:2000]) and key in trigger_inputs(trigger)}
    return selection, trigger, comment, data


def trigger_inputs(trigger: str) -> frozenset[str]:
    """The inputs some definition of ``trigger`` asks for (deadline, findings, comment)."""
    return frozenset(r.value for wf in WORKFLOWS.values() for sp in wf.specs if sp.trigger == trigger
                     for r in sp.requires if r.value in BULK_INPUTS)


@bp.route("/bulk/preview", methods=["POST"])
@login_required
def bulk_preview() -> Any:
    selection, trigger, comment, data = _inputs()
    allowed = dict(bulk_triggers(user_actors()))
    if not selection or trigger not in allowed:
        flash(_("请先勾选事项，并选择要批量执行的操作。"), "error")
        return redirect(request.referrer if _same_site(request.referrer) else url_for("worklists.todo"))
    checks = check_all(selection, trigger, comment, data)
    return render_template("item_page/bulk.html", checks=checks, trigger=trigger, trigger_title=allowed[trigger],
                           comment=comment, data=data, confirmed=False,
                           ok_count=sum(c.ok for c in checks))


@bp.route("/bulk/confirm", methods=["POST"])
@login_required
def bulk_confirm() -> Any:
    selection, trigger, comment, data = _inputs()
    allowed = dict(bulk_triggers(user_actors()))
    if not selection or trigger not in allowed:
        flash(_("请先勾选事项，并选择要批量执行的操作。"), "error")
        return redirect(url_for("worklists.todo"))
    results = run_checked(check_all(selection, trigger, comment, data), trigger, comment, data)
    done = sum(r.ok for r in results)
    flash(_("批量办理完成：成功 %(ok)s 件，未执行 %(no)s 件。", ok=done, no=len(results) - done),
          "success" if done else "error")
    return render_template("item_page/bulk.html", checks=results, trigger=trigger, trigger_title=allowed[trigger],
                           comment=comment, data=data, confirmed=True, ok_count=done)


def _same_site(url: str | None) -> bool:
    from urllib.parse import urlparse

    if not url:
        return False
    parsed = urlparse(url)
    return parsed.netloc in ("", request.host)


def run_checked(checks: list[Check], trigger: str, comment: str | None, data: dict[str, Any]) -> list[Check]:
    """Fire ``trigger`` on every item that passed its check, each in its own transaction."""
    def fire(check: Check) -> Check:
        actor = current_actor(current_user, check.item.unit.slug, delegation_id=check.delegation_id)
        outcome = fire_transition(check.item_id, trigger, actor, version=check.version, comment=comment,
                                  data=dict(data))
        return Check(db.session.get(Item, check.item_id), check.item_id, outcome.version, True, "",
                     outcome.to_state, check.delegation_id)
    fired = {id(check): result for check, result in each_action([c for c in checks if c.ok], fire)}
    results = []
    for check in checks:  # in the order the user saw them
        result = fired.get(id(check), check)
        results.append(result if isinstance(result, Check) else Check(
            db.session.get(Item, check.item_id), check.item_id, check.version, False, error_message(result)))
    return results
