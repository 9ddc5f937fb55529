"""Annex-style task tables: round trip, the layouts and date forms people type, and refusals by row."""
import dataclasses
import functools
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from app.plans.schema import PlanData, PlanDataError, TaskData, read_plan_file
from app.plans.xlsx import parse_deadline, read_annex_xlsx, write_annex_xlsx

PLAN_FILE = Path(__file__).resolve().parents[2] / "app" / "plans" / "data" / "luan-2018-143.yaml"
HEADER = ["序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"]
COUNTIES = ("huoqiu", "shucheng", "jinzhai", "huoshan", "jinan", "yuan", "yeji")


@functools.cache
def shipped_plan() -> PlanData:
    return read_plan_file(PLAN_FILE)


@pytest.fixture
def plan() -> PlanData:
    return shipped_plan()


def workbook(*rows: list[Any]) -> io.BytesIO:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def refusal(plan: PlanData, data: io.BytesIO) -> list[str]:
    with pytest.raises(PlanDataError) as refused:
        read_annex_xlsx(data, list(plan.units))
    return refused.value.errors


def test_round_trip_of_the_shipped_tasks(plan: PlanData, tmp_path: Path) -> None:
    path = tmp_path / "annex.xlsx"
    write_annex_xlsx(plan.tasks, plan.units, path)
    # the annex layout has no indicator column
    expected = [dataclasses.replace(t, indicators=()) for t in plan.tasks]
    assert read_annex_xlsx(path, list(plan.units)) == expected
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[2]] == HEADER  # under a title row
    assert [c.value for c in sheet[3]] == [1, "力争全市农村产品网络销售额达到65亿元。", "市商务局、各县区人民政府",
                                           "市农委、市旅游委、市经信委", "2018年12月31日前"]


def test_a_table_typed_like_the_annex(plan: PlanData) -> None:
    data = workbook(
        ["附件"],
        ["六安市农村电商全覆盖巩固提升行动实施方案具体任务分解表"],
        ["时限要求", "配 合 单 位", "序 号", "工作任务", "牵头责任单位"],  # any order, spaced headers
        ["2018年 12月 31日前", "市发展改革委、市邮\n政管理局，市邮政公司;各县\n区人民政府", 5, "科学规划\n引导", "市规划局、市国土局"],
        [datetime(2018, 7, 31), "各县区人民政府", "15.", "专项资金", "市财政局\n市商务局"],
        [None, None, None, None, None],
        ["2019-02-28", "市电商工作领导小组\n成员单位", 18.0, "组织开展检查验收", "市商务局"],
        ["2018年7月底前", "市农委、市旅游委、市供销社、团市委、市邮政公司等", 16, "典型示范", "市发改委"],
    )
    tasks = read_annex_xlsx(data, list(plan.units), plan.groups)
    assert tasks == [
        TaskData(5, "科学规划引导", ("planning", "land"),
                 ("development", "postal_admin", "post_company", *COUNTIES), date(2018, 12, 31)),
        TaskData(15, "专项资金", ("finance", "commerce"), COUNTIES, date(2018, 7, 31)),
        TaskData(18, "组织开展检查验收", ("commerce",), plan.groups["市电商工作领导小组成员单位"],
                 date(2019, 2, 28)),
        TaskData(16, "典型示范", ("development",),
                 ("agriculture", "tourism", "supply_coop", "youth_league", "post_company"),
                 date(2018, 7, 31)),
    ]


def test_merged_cells_apply_to_every_row_they_cover(plan: PlanData) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([1, "甲", "市商务局", None, "2018年12月31日前"])
    sheet.append([2, "乙", None, None, None])
    sheet.merge_cells("C2:C3")
    sheet.merge_cells("E2:E3")
    data = io.BytesIO()
    book.save(data)
    tasks = read_annex_xlsx(io.BytesIO(data.getvalue()), list(plan.units))
    expected = (("commerce",), (), date(2018, 12, 31))
    assert [(t.lead, t.cooperating, t.deadline) for t in tasks] == [expected] * 2


@pytest.mark.parametrize("value, expected", [
    ("2018年12月31日前", date(2018, 12, 31)),
    ("2018年 7月 31日前", date(2018, 7, 31)),
    ("2018年7月底前", date(2018, 7, 31)),
    ("2019年2月底", date(2019, 2, 28)),
    ("2020年2月末之前", date(2020, 2, 29)),
    ("2018年底前", date(2018, 12, 31)),
    ("2018-12-31", date(2018, 12, 31)),
    ("2018/7/1", date(2018, 7, 1)),
    (datetime(2018, 12, 31, 0, 0), date(2018, 12, 31)),
    (date(2018, 12, 31), date(2018, 12, 31)),
    ("2018年2月30日前", None),
    ("2018年13月底前", None),
    ("年底前", None),
    ("2018年12月31日后", None),
    ("尽快", None),
    (43465, None),
    (None, None),
])
def test_parse_deadline(value: Any, expected: date | None) -> None:
    assert parse_deadline(value) == expected


def test_every_bad_row_is_listed(plan: PlanData) -> None:
    errors = refusal(plan, workbook(
        ["任务分解表"],
        HEADER,
        [1, "甲", "市商务局", "市XX局", "2018年12月31日前"],
        [2, "乙", "市商务局", "", "下半年"],
        [2, "丙", "市商务局", "", "2018-12-31"],
        ["三", "丁", "市商务局", "", "2018-12-31"],
        [4, "  ", "", "市商务局", None],
        [5.5, "戊", "市财政局", "市财政局", "2018-12-31"],
        [6, "己", "市商务局", "", "2018-12-31"],  # a good row does not hide the others
    ))
    assert errors == [
        "第3行：配合单位：未知单位“市XX局”",
        "第4行：时限要求“下半年”不是可识别的日期",
        "第5行：序号2与第4行重复",
        "第6行：序号“三”不是正整数",
        "第7行：工作任务为空",
        "第7行：牵头责任单位为空",
        "第7行：时限要求为空",
        "第8行：序号“5.5”不是正整数",
        "第8行：单位“市财政局”既是牵头责任单位又是配合单位",
    ]


def test_missing_column_is_refused(plan: PlanData) -> None:
    errors = refusal(plan, workbook(["标题"], ["序号", "工作任务", "牵头责任单位", "时限要求"],
                                    [1, "甲", "市商务局", "2018-12-31"]))
    assert errors == ["第2行（表头）：缺少列：配合单位"]


def test_no_header_is_refused(plan: PlanData) -> None:
    assert refusal(plan, workbook(["甲", "乙"], [1, 2])) == [
        "未找到表头行（应含序号、工作任务、牵头责任单位、配合单位、时限要求列）"]


def test_header_without_rows_is_refused(plan: PlanData) -> None:
    assert refusal(plan, workbook(HEADER)) == ["第1行表头下没有任务"]


def test_not_an_xlsx_file_is_refused(plan: PlanData) -> None:
    assert refusal(plan, io.BytesIO(b"not a workbook"))[0].startswith("无法读取Excel文件")


def test_text_that_looks_like_a_formula_is_written_as_text(plan: PlanData) -> None:
    task = TaskData(1, "=HYPERLINK(\"http://example.com\")", ("commerce",), (), date(2018, 12, 31))
    data = io.BytesIO()
    write_annex_xlsx([task], plan.units, data)
    data.seek(0)
    assert read_annex_xlsx(data, list(plan.units)) == [task]


# Titles survive a round trip when they have no line breaks and no surrounding blanks.
_titles = st.text(st.characters(whitelist_categories=("Lo", "Nd", "Lu", "Ll"),
                                whitelist_characters="，。；、“”（）=-"), min_size=1, max_size=80)


@st.composite
def task_lists(draw: st.DrawFn) -> list[TaskData]:
    slugs = [u.slug for u in shipped_plan().units]
    numbers = draw(st.lists(st.integers(1, 10_000), min_size=1, max_size=8, unique=True))
    tasks = []
    for number in numbers:
        chosen = draw(st.lists(st.sampled_from(slugs), min_size=1, max_size=12, unique=True))
        split = draw(st.integers(1, len(chosen)))
        tasks.append(TaskData(number, draw(_titles), tuple(chosen[:split]), tuple(chosen[split:]),
                              draw(st.dates(date(2000, 1, 1), date(2099, 12, 31)))))
    return tasks


@settings(max_examples=40, deadline=None)
@given(tasks=task_lists())
def test_round_trip_property(tasks: list[TaskData]) -> None:
    units = shipped_plan().units
    data = io.BytesIO()
    write_annex_xlsx(tasks, units, data)
    data.seek(0)
    assert read_annex_xlsx(data, list(units)) == tasks
