"""Drive items through their real workflows (fire_transition with the right actors), for dashboard tests."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.applications.models import Application
from app.extensions import db
from app.items.models import Item
from app.items.operations import create_item, fire_transition
from app.plans.models import AnnexTask, Category, Plan
from app.reports.models import Report
from app.reports.operations import open_quarterly_reports
from app.tasks.models import TaskAssignment
from app.units.models import Unit
from tests.factories import complete_fields
from tests.items.conftest import actor_of, add_evidence

SELF_ASSESSMENT = {"text": "对照标准逐项自查，全部达标。"}
#: a quarterly report's text sections (all three are required to submit)
REPORT_TEXTS = {"progress": "本季度新培训电商人才，新增网商。", "problems": "物流配送成本偏高。",
                "next_steps": "下季度推进县乡村三级物流体系建设。"}


def plan() -> Plan:
    return db.session.scalar(select(Plan).where(Plan.is_current.is_(True)))


def new_application(county: str, category: str, site: str = "示范村") -> int:
    unit = db.session.scalar(select(Unit).where(Unit.slug == county))
    row = Application(plan_id=plan().id, title=f"{unit.name}{site}申报", unit_id=unit.id, county_id=unit.id,
                      category=category, site_name=site, fields=complete_fields(category))
    create_item(row, actor_of(f"{county}_filer"))
    db.session.commit()
    return row.id


def fire(item_id: int, username: str, trigger: str, comment: str | None = None, **data) -> str:
    item = db.session.get(Item, item_id)
    out = fire_transition(item_id, trigger, actor_of(username), version=item.version, comment=comment, data=data)
    db.session.commit()
    return out.to_state


def _checklist_figures(item_id: int) -> dict:
    app_row = db.session.get(Application, item_id)
    cat = db.session.scalar(select(Category).where(Category.plan_id == app_row.plan_id,
                                                   Category.code == app_row.category))
    return {c["code"]: 10 for c in cat.checklist}


def state_of(item_id: int) -> str:
    return db.session.get(Item, item_id).state


def application_to(county: str, category: str, target: str, site: str = "示范村") -> int:
    """A new application of ``county`` moved along the happy path until it is in ``target``."""
    item_id = new_application(county, category, site)
    filer, reviewer = f"{county}_filer", f"{county}_reviewer"
    steps = [
        lambda: (add_evidence(item_id), fire(item_id, filer, "submit")),
        lambda: fire(item_id, reviewer, "endorse"),
        lambda: fire(item_id, "city_reviewer", "accept"),
        lambda: fire(item_id, filer, "start_self_assessment"),
        lambda: (add_evidence(item_id),
                 fire(item_id, filer, "submit", figures=_checklist_figures(item_id), **SELF_ASSESSMENT)),
        lambda: fire(item_id, reviewer, "endorse"),
        lambda: fire(item_id, "office_approver", "pass", findings="现场核查属实"),
        lambda: fire(item_id, "office_approver", "record_provincial_decision", decision="approved",
                     document_number="皖商秘〔2018〕200号"),
    ]
    for step in steps:
        if state_of(item_id) == target:
            return item_id
        step()
    assert state_of(item_id) == target
    return item_id


def task_of(unit: str, number: int) -> TaskAssignment:
    return db.session.scalar(select(TaskAssignment).join(AnnexTask, AnnexTask.id == TaskAssignment.annex_task_id)
                             .join(Unit, Unit.id == TaskAssignment.assignee_id)
                             .where(Unit.slug == unit, AnnexTask.number == number))


def file_task_plan(unit: str, number: int) -> int:
    """A task assignment's implementation plan submitted and filed: mobilization → implementation."""
    task = task_of(unit, number)
    add_evidence(task.id, kind="plan")
    county = db.session.get(Unit, task.unit_id).kind == "county"
    fire(task.id, f"{unit}_filer", "submit")
    if county:
        fire(task.id, f"{unit}_reviewer", "endorse")
    fire(task.id, "city_reviewer", "file_plan")
    return task.id


def open_reports(year: int, quarter: int) -> dict[str, int]:
    open_quarterly_reports(db.session, plan(), year, quarter)
    db.session.commit()
    return {r.unit.slug: r.id for r in db.session.scalars(
        select(Report).where(Report.year == year, Report.quarter == quarter))}


def report_to(report_id: int, target: str, figures: dict) -> None:
    """Submit a report with ``figures`` and review it up to ``target`` (county_review, city_review, accepted)."""
    report = db.session.get(Report, report_id)
    unit = report.unit.slug
    county = report.unit.kind == "county"
    fire(report_id, f"{unit}_filer", "submit", figures=figures, **REPORT_TEXTS)
    if target == ("county_review" if county else "city_review"):
        return
    if county:
        fire(report_id, f"{unit}_reviewer", "endorse")
        if target == "city_review":
            return
    fire(report_id, "city_reviewer", "accept")


def set_today(app, day: date) -> None:
    app.config["PLANDESK_TODAY"] = day
