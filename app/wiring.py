"""What the features plug into the shared parts, in one place: the transition effects (one list, in
the order they run), the facts features add to an item's guards, and the header's counters. ``create_app`` calls :func:`install`; nothing is
registered by importing a module."""
from __future__ import annotations

import sys
from importlib import import_module
from types import FunctionType
from collections.abc import Iterator

from flask import Flask

from app.applications.fields import required_field_facts
from app.attachments.operations import evidence_facts
from app.items import counters as item_counters
from app.items import effects as item_effects
from app.items.facts import install_facts
from app.items.store import EFFECTS, Effect, install_effect
from app.notices.operations import number_and_archive
from app.notices.recheck import recheck_facts
from app.notifications.delivery import write_in_app
from app.notifications.operations import tell_addressees, unread_count
from app.opinions.rules import opinion_facts
from app.outbox.operations import install_in_app
from app.reports.operations import store_submitted_figures
from app.scores.board import late_report_rows
from app.dashboards.board import county_quota_hints
from app.web import nav
from app.web.providers import provide
from app.worklists.groups import todo_total
from app.workflow_settings.operations import acceptance_facts
from workflows.registry import get_workflow

#: every effect, in the order it runs (a ``first=True`` effect still runs before the others)
TRANSITION_EFFECTS: tuple[Effect, ...] = (
    item_effects.set_rectification_deadline,
    item_effects.keep_findings,
    item_effects.keep_filing,
    item_effects.keep_provincial_decision,
    item_effects.keep_plan_filed,
    recheck_facts,            # 签发: refused when the facts a notice was drafted from changed, unless confirmed
    number_and_archive,       # 签发: the notice's number and its archived PDF
    tell_addressees,          # 签发: in-app notice to every addressee unit
    store_submitted_figures,  # a quarterly report's figures, kept when it is submitted
)


#: the JSON API's calls, each feature's ``api.py`` (in the order the API document lists them)
API_MODULES = (
    "app.account.api",
    "app.plans.api",
    "app.item_page.api",
    "app.applications.api",
    "app.attachments.api",
    "app.notices.api",
    "app.dashboards.api",
    "app.ledger.api",
    "app.scores.api",
    "app.api.routes_docs",
)


class WiringError(RuntimeError):
    """An effect declared but not installed, or installed for a transition no workflow has."""


def _declared() -> Iterator[Effect]:
    for name, module in list(sys.modules.items()):
        if name == "app" or name.startswith("app."):
            for value in vars(module).values():
                if isinstance(value, FunctionType) and hasattr(value, "__effect__"):
                    yield value


def check_effects() -> None:
    """Every declared effect is installed, and names a trigger its workflow has."""
    installed = {fn for fns in EFFECTS.values() for fn in fns}
    missing = sorted({f"{fn.__module__}.{fn.__qualname__}" for fn in _declared()} -
                     {f"{fn.__module__}.{fn.__qualname__}" for fn in installed})
    if missing:
        raise WiringError(f"effects declared but not in app.wiring.TRANSITION_EFFECTS: {missing}")
    for (workflow, trigger) in EFFECTS:
        if trigger not in {sp.trigger for sp in get_workflow(workflow).specs}:
            raise WiringError(f"an effect is installed for {workflow}.{trigger}, which the definitions do not have")


def install_api() -> None:
    """Import every module of ``API_MODULES``: their ``@endpoint`` calls register on the API blueprint."""
    for name in API_MODULES:
        import_module(name)


def install(app: Flask) -> None:
    for fn in TRANSITION_EFFECTS:
        install_effect(fn)
    check_effects()
    install_in_app(write_in_app)  # every message's in-app notifications, in the transaction that sends it
    item_counters.install()  # the dashboards' counters follow every ORM flush of an item
    for item_type in ("application", "task"):
        install_facts(item_type, evidence_facts)
    install_facts("application", required_field_facts)
    for item_type in ("application", "task", "report"):  # the office's 审批意见 rule (not notices)
        install_facts(item_type, opinion_facts)
    install_facts("application", acceptance_facts)  # the office's switch: does a city acceptance need it?
    provide(app, "quota_hints", county_quota_hints)
    provide(app, "late_reports", late_report_rows)
    nav.register_counter(app, "unread", lambda user, actors: unread_count(user.id))
    nav.register_counter(app, "todo", todo_total)
