"""The 审批单 (print view): one A4 sheet with the item's facts under Chinese labels and units, one opinion
block per stage from the audit trail, materials summarised, signature lines, and no internal name."""
from __future__ import annotations

import html
import re
from pathlib import Path

from sqlalchemy import inspect, select

from app.applications.fields import BY_CATEGORY, SITE_NAME
from app.applications.models import Application
from app.attachments.models import Attachment
from app.extensions import db
from app.items.facts import indicator_codes_for
from app.items.models import Item
from app.plans.models import Category, Indicator
from app.reports.models import Report, ReportFigure
from app.tasks.models import TaskAssignment
from tests.dashboards.journeys import open_reports, report_to
from tests.reports.test_reports import COUNTY_FIGURES
from tests.screens.support import attach, fire, make_application, text_of


def internal_names() -> set[str]:
    """Every name the sheet must never print: every category's field keys and the category codes,
    every indicator code (the plan's and the checklists'), and the columns of the printed rows."""
    names = {SITE_NAME[0], *BY_CATEGORY}
    names |= {f.key for fields in BY_CATEGORY.values() for f in fields}
    names |= set(db.session.scalars(select(Indicator.code)))
    for checklist in db.session.scalars(select(Category.checklist)):
        names |= {entry["code"] for entry in checklist or []}
    for model in (Item, Application, TaskAssignment, Report, ReportFigure, Attachment):
        names |= {c.key for c in inspect(model).column_attrs}
    return names


def leaks(page: str, names: set[str]) -> set[str]:
    """Names found in the sheet: anywhere in the HTML for a name with ``_`` (online_sales), as a word
    of the printed text for a plain one (state, version)."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", page.split("<body", 1)[1]))
    found = {n for n in names if "_" in n and n in page}
    found |= {n for n in names if re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", text)}
    return found


def stage_rows(page: str) -> list[str]:
    return [text_of(r) for r in re.findall(r"<tr data-stage>(.*?)</tr>", page, flags=re.S)]


def application_through_a_return() -> int:
    """A village application: returned once at the county, resubmitted, then up to the province's decision."""
    item_id = make_application("huoqiu", "mobilization.county_review", site="宋店村")
    app_row = db.session.get(Application, item_id)
    app_row.fields = {**app_row.fields, "online_sales": 980, "population": 2315}
    db.session.commit()
    fire(item_id, "send_back", "huoqiu_reviewer", comment="缺少村委会盖章的申报表，请补充。")
    attach(item_id, "huoqiu_filer", "申报表（盖章）.pdf")
    fire(item_id, "submit", "huoqiu_filer")
    fire(item_id, "endorse", "huoqiu_reviewer", comment="情况属实，同意上报")
    fire(item_id, "accept", "city_reviewer", comment="同意")
    fire(item_id, "start_self_assessment", "huoqiu_filer")
    attach(item_id, "huoqiu_filer", "自查报告.pdf")
    fire(item_id, "submit", "huoqiu_filer",
         data={"text": "自查情况良好", "figures": {"online_sales": "320", "poor_households": "86"}})
    return item_id


def test_the_application_sheet_prints_labels_units_and_one_block_per_stage(person, inapp) -> None:
    item_id = inapp(application_through_a_return)
    page = person("city_reviewer").get(f"/items/{item_id}/print")
    text = text_of(page)
    assert "示范创建申报审批单" in text and "data-print" in page and "<nav" not in page
    for expected in ("上年网络销售额 980 万元", "户籍人口 2,315 人", "所属乡镇 宋店乡", "联系人 张三",
                     "示范点名称 宋店村", "申报类别 省级电商示范村", "自查评估 自查情况良好"):
        assert expected in text, expected
    figures = text_of(re.search(r"<tr data-figures>(.*?)</tr>", page, flags=re.S).group(1))
    assert "320" in figures and "86" in figures and "万元" in figures

    stages = stage_rows(page)
    assert [s.split(" ")[0] for s in stages] == ["动员部署·起草", "动员部署·县区审核", "动员部署·市级审核", "全面推进",
                                                 "自查评估·起草"], stages  # one block each, in order
    county = next(s for s in stages if s.startswith("动员部署·县区审核"))
    for expected in ("霍邱县", "霍邱县审核人", "退回", "缺少村委会盖章的申报表，请补充。", "审核通过并报市",
                     "情况属实，同意上报", "2018年7月10日"):
        assert expected in county, (expected, county)
    city = next(s for s in stages if s.startswith("动员部署·市级审核"))
    assert "市商务局" in city and "确定为创建对象" in city and "同意" in city

    materials = [text_of(r) for r in re.findall(r"<tr data-material-stage>(.*?)</tr>", page, flags=re.S)]
    assert materials == ["动员部署 2 份 证明材料.pdf、申报表（盖章）.pdf", "自查评估 1 份 自查报告.pdf"]
    assert "上传材料" not in text and "材料上传、删除共 3 次" in text
    assert text.count("（签字）") == 3 and "经办人" in text and "审批人" in text
    assert not leaks(page, inapp(internal_names))


def test_the_sheet_is_one_a4_page() -> None:
    css = (Path(__file__).parents[2] / "app" / "static" / "css" / "plandesk.css").read_text(encoding="utf-8")
    assert re.search(r"@page\s*{\s*size:\s*A4", css)
    assert re.search(r"\.approval-sheet\s*{[^}]*max-width:\s*210mm", css)


def task_with_self_assessment() -> int:
    task_id = db.session.scalar(select(TaskAssignment.id).where(TaskAssignment.unit.has(slug="commerce"))
                                .order_by(TaskAssignment.id))
    attach(task_id, "commerce_filer", "实施方案.pdf", kind="plan")
    fire(task_id, "submit", "commerce_filer")
    fire(task_id, "file_plan", "city_reviewer", comment="同意备案")
    attach(task_id, "commerce_filer", "自查材料.pdf")
    codes = indicator_codes_for(db.session.get(Item, task_id))
    fire(task_id, "submit_self_assessment", "commerce_filer",
         data={"text": "完成年度任务", "figures": {c: "7" for c in codes}})
    return task_id


def test_the_task_sheet_names_indicators_by_title_and_measure(person, inapp) -> None:
    task_id = inapp(task_with_self_assessment)
    codes = inapp(lambda: indicator_codes_for(db.session.get(Item, task_id)))
    titles = inapp(lambda: dict(db.session.execute(select(Indicator.code, Indicator.title)
                                                   .where(Indicator.code.in_(codes))).tuples().all()))
    page = person("city_reviewer").get(f"/items/{task_id}/print")
    text = text_of(page)
    assert "任务落实" in text or "审批单" in text
    assert "牵头单位" in text and "自查评估 完成年度任务" in text, text
    for code in codes:
        assert titles[code] in text and code not in page
    stages = stage_rows(page)
    assert any(s.startswith("动员部署·市级审核") and "市商务局审核人" in s and "同意备案" in s for s in stages), stages
    assert not leaks(page, inapp(internal_names))


def county_report() -> int:
    rid = open_reports(2018, 3)["huoqiu"]
    report_to(rid, "accepted", COUNTY_FIGURES)
    return rid


def test_the_report_sheet_prints_sections_and_figures_with_measures(person, inapp) -> None:
    rid = inapp(county_report)
    page = person("city_reviewer").get(f"/items/{rid}/print")
    text = text_of(page)
    assert "报告期 2018年第3季度" in text and "物流配送成本偏高。" in text
    figures = text_of(re.search(r"<tr data-figures>(.*?)</tr>", page, flags=re.S).group(1))
    assert "600" in figures and "人次" in figures and "目标数" in figures
    stages = stage_rows(page)
    assert [s.split(" ")[0] for s in stages] == ["起草", "县区审核", "市级审核"], stages
    assert not leaks(page, inapp(internal_names))


def test_the_leak_check_finds_an_internal_name() -> None:
    """The check itself: a key in an attribute, a plain column name as a printed word."""
    page = '<html><body><td data-x="online_sales">1</td><p>state 2</p><p>statement</p></body></html>'
    assert leaks(page, {"online_sales", "state", "version"}) == {"online_sales", "state"}
