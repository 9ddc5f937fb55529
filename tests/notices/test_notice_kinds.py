"""Notices an office would sign, read back from the PDF for each kind (criticism, commendation, progress
bulletin, a hand-drafted one): a short body, the detail in attachment tables, set-solid lines.

The notices are drafted from facts shaped as ``app.notices.facts`` freezes them, and rendered by the pure
renderer: no database. Positions come from pdfplumber, text from pdftotext.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.notices.drafting import (Individual, annexes_for, commendation_text, criticism_text, progress_text,
                                  ranking_rows)
from app.notices.fonts import FontsMissing, FontSet, discover_fonts
from app.notices.layout import Run, break_lines, chinese_numeral
from app.notices.pdf import render_notice_pdf, wrap_title

pdfplumber = pytest.importorskip("pdfplumber")

MM = 72 / 25.4
TYPE_W = 156 * MM
CHAR = 156 * MM / 28
TYPE_BOTTOM = 262 * MM
FLUSH = 0.5 * MM
PLAN = ("六安市农村电商全覆盖巩固提升行动实施方案", "六政办秘〔2018〕143号")
ISSUER_MARK, ISSUER = "六安市电商工作领导小组办公室", "市电商工作领导小组办公室"  # the plan's issuer names
PLAN_DATA = Path(__file__).resolve().parents[2] / "app" / "plans" / "data" / "luan-2018-143.yaml"
QUOTE_CUT = re.compile(r"“[^”]*…[^”]*”")
ARABIC_HEADING = re.compile(r"^（\d+）")


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    try:
        return discover_fonts()
    except FontsMissing as error:
        pytest.skip(f"notice fonts not installed: {error}")


@pytest.fixture(scope="module")
def plan_data() -> dict[str, Any]:
    return yaml.safe_load(PLAN_DATA.read_text(encoding="utf-8"))


def city_wide_facts(plan_data: dict[str, Any], count: int = 175) -> dict[str, Any]:
    """``count`` overdue task assignments spread over every county and department, as criticism_facts
    freezes them (full task texts, some seriously overdue), and one county behind on a quota."""
    tasks = plan_data["tasks"]
    units = [u for u in plan_data["units"] if u["kind"] in ("county", "department")]
    entries: dict[str, list[dict[str, Any]]] = {u["slug"]: [] for u in units}
    for k in range(count):
        unit, task = units[k % len(units)], tasks[k % len(tasks)]
        entries[unit["slug"]].append({
            "id": k + 1, "type": "task", "title": f"任务{task['number']}（牵头）：{task['title'][:59]}…",
            "state": "implementation", "deadline": "2018-07-31", "days_late": 46 + k % 30,
            "level": "seriously_overdue" if k % 3 == 0 else "overdue",
            "task_number": task["number"], "task_title": task["title"]})
    out = [{"unit": u["slug"], "unit_name": u["name"], "unit_kind": u["kind"], "overdue_items": entries[u["slug"]],
            "failed_acceptances": [], "overdue_rectifications": [], "behind_quotas": []} for u in units]
    out[0]["behind_quotas"] = [{"indicator": "provincial_demo_village", "indicator_title": "省级电商示范村",
                                "measure": "个", "target": "4", "achieved": "0", "filed": "2", "behind": "filed",
                                "deadline": "2018-07-31"}]
    return {"kind": "criticism", "as_of": "2018-09-15", "county": None, "units": out}


def commendation_facts() -> dict[str, Any]:
    return {"kind": "commendation", "as_of": "2018-12-20", "county": None, "units": [
        {"unit": "jinzhai", "unit_name": "金寨县", "unit_kind": "county",
         "passed_first_time": [{"id": 1, "type": "application", "title": "省级电商示范村：大湾村", "state": "consolidation",
                                "passed_on": "2018-11-10"}],
         "exceeded_quotas": [{"indicator": "provincial_demo_village", "indicator_title": "省级电商示范村", "measure": "个",
                              "target": "3", "achieved": "4"}]},
        {"unit": "huoqiu", "unit_name": "霍邱县", "unit_kind": "county",
         "passed_first_time": [{"id": 2, "type": "task", "title": "任务1（配合）：力争全市农村产品网络销售额达到65亿元…",
                                "state": "consolidation", "passed_on": "2018-12-01", "task_number": 1,
                                "task_title": "力争全市农村产品网络销售额达到65亿元，年网络销售额超1000万元的农村电商经营主体14个以上"}],
         "exceeded_quotas": []},
    ]}


@dataclass(frozen=True)
class Score:
    """The shape of app.scores' UnitScore the bulletin reads (unit_name, kind, score, rank)."""

    unit_name: str
    kind: str
    score: float
    rank: int


def progress_facts() -> dict[str, Any]:
    scores = [Score("金寨县", "county", 91.5, 1), Score("霍山县", "county", 88.0, 2), Score("霍邱县", "county", 80.25, 3),
              Score("叶集区", "county", 61.0, 4), Score("市商务局", "department", 95.0, 1),
              Score("市农委", "department", 72.5, 2), Score("市财政局", "department", 60.0, 3)]
    return {"kind": "progress", "as_of": "2018-12-31", "period": "2018Q4", "county": None,
            "targets": [{"indicator": "online_sales", "indicator_title": "农村产品网络销售额", "measure": "亿元",
                         "target": "65", "achieved": "41.3"},
                        {"indicator": "provincial_demo_village", "indicator_title": "省级电商示范村", "measure": "个",
                         "target": "21", "achieved": "21"},
                        {"indicator": "rural_roads_km", "indicator_title": "农村道路畅通工程和扩面延伸工程建设里程",
                         "measure": "公里", "target": "4451", "achieved": "0"}],
            "ranking": ranking_rows(scores, {"金寨县": "jinzhai"})}


def notice_data(kind: str, text: dict[str, Any], facts: dict[str, Any] | None, *, number: str | None = "六电商办〔2018〕12号"
                ) -> dict[str, Any]:
    return {"format": "general", "issuer_mark": f"{ISSUER_MARK}文件", "number": number, "title": text["title"],
            "addressees": text["addressees"], "body": text["body"],
            "attachments": (text.get("attachments_note") or "").splitlines(), "annexes": annexes_for(kind, facts),
            "signature": ISSUER, "date": "2018-12-31", "sealed": True, "copies": "市委办公室，市政府办公室",
            "printed_by": ISSUER_MARK, "printed_on": "2018-12-31", "verification_code": "ABCD-EFGH",
            "verification_url": "https://plandesk.example.gov.cn/verify/ABCD-EFGH"}


LONG_URL = ("https://plandesk.example.gov.cn/notices/2018/very-long-path-segment-without-any-break-opportunity"
            "-at-all-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ")
HAND_BODY = f"""\
为推动方案落实，现将有关事项通报如下。
一、总体情况
各县区按照方案要求推进工作，整体进展顺利。请访问{LONG_URL} 查看。
""" + "\n".join(f"（{chinese_numeral(i)}）第{i}项要求。请各单位对照方案逐项落实，按时报送进展情况。" for i in range(1, 13)) + """
特此通报。"""


@pytest.fixture(scope="module")
def kinds(fonts, plan_data) -> dict[str, tuple[dict[str, Any], Any, bytes]]:
    """kind -> (data, pdfplumber document, pdf bytes) for each kind, rendered once."""
    crit = city_wide_facts(plan_data)
    comm = commendation_facts()
    prog = progress_facts()
    texts = {
        "criticism": (criticism_text(crit, *PLAN, None, ISSUER, date(2018, 9, 29)), crit),
        "commendation": (commendation_text(comm, *PLAN, None, ISSUER,
                                           [Individual("张明", "金寨县商务局", "带头推进大湾村电商服务站点建设")]), comm),
        "progress": (progress_text(prog, *PLAN, ISSUER, date(2019, 1, 15)), prog),
        "hand": ({"title": "关于进一步加强农村电商工作的通报", "addressees": "各县区人民政府", "body": HAND_BODY,
                  "attachments_note": ""}, None),
    }
    out = {}
    for kind, (text, facts) in texts.items():
        data = notice_data(kind, text, facts)
        pdf = render_notice_pdf(data, fonts=fonts)
        out[kind] = (data, pdfplumber.open(io.BytesIO(pdf)), pdf)
    yield out
    for _, doc, _ in out.values():
        doc.close()


KINDS = ("criticism", "commendation", "progress", "hand")


def left_edge(page_number: int) -> float:
    return (28 if page_number % 2 else 26) * MM


def lines_of(page, size: float = 16.0) -> list[list[dict[str, Any]]]:
    rows: dict[float, list[dict[str, Any]]] = {}
    for c in page.chars:
        if abs(c["size"] - size) < 0.6 and c["text"].strip():
            rows.setdefault(round(c["bottom"], 1), []).append(c)
    return [sorted(v, key=lambda c: c["x0"]) for _, v in sorted(rows.items())]


def text_of(line: list[dict[str, Any]]) -> str:
    return "".join(c["text"] for c in line)


def annex_start(doc) -> int:
    """Index of the first attachment page (its first line is 附件 or 附件N in 黑体), or the page count."""
    for index, page in enumerate(doc.pages):
        lines = lines_of(page)
        if lines and re.fullmatch(r"附件\d*", text_of(lines[0])) and "Hei" in lines[0][0]["fontname"]:
            return index
    return len(doc.pages)


def body_lines(doc) -> list[tuple[int, list[dict[str, Any]]]]:
    """(page number, line) of the body: 16pt lines after the addressees, up to the attachments."""
    out, started = [], False
    for index, page in enumerate(doc.pages[:annex_start(doc)]):
        for line in lines_of(page):
            if not started:
                started = text_of(line).endswith("：")
                continue
            out.append((index + 1, line))
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_every_line_but_a_paragraphs_last_is_flush_with_the_type_area(kinds, kind):
    data, doc, _ = kinds[kind]
    lines = body_lines(doc)
    checked = 0
    for (page, line), (next_page, following) in zip(lines, lines[1:]):
        continues = abs(following[0]["x0"] - left_edge(next_page)) < 1  # the next line is no new paragraph
        if continues and not text_of(following).startswith(("附件", "2.")):
            right = left_edge(page) + TYPE_W
            assert abs(line[-1]["x1"] - right) <= FLUSH, (page, text_of(line), (right - line[-1]["x1"]) / MM)
            checked += 1
    assert checked >= 8


def test_city_wide_criticism_over_175_items_has_a_short_body_and_the_detail_attached(kinds):
    data, doc, _ = kinds["criticism"]
    start = annex_start(doc)
    assert start <= 4, f"body of {start} pages"
    # every item is in the attachment: one row per plan task, the units late on it and their days
    rows = [r for a in data["annexes"] for r in a["rows"]]
    # (units late by the same days share one figure: "霍邱县、舒城县（均73天）")
    assert sum(len(re.split(r"[、；]", re.sub(r"（均?\d+天）", "", row[3]))) for row in data["annexes"][0]["rows"]) == 175
    assert len(rows) < 175
    body = data["body"]
    assert body.startswith("为推动《") and "现将有关情况通报如下。" in body and "经研究，决定对" in body
    assert re.search(r"请被通报单位.*于\d+月\d+日前将整改情况书面报送市电商工作领导小组办公室。", body)
    assert "175项工作事项超过方案规定时限仍未完成" in body


@pytest.mark.parametrize("kind", ["criticism", "commendation", "progress"])
def test_attachments_follow_the_body_listed_under_it_with_headers_on_every_page(kinds, kind):
    data, doc, _ = kinds[kind]
    titles = [a["title"] for a in data["annexes"]]
    assert titles
    full = "".join(text_of(line) for _, line in body_lines(doc))
    if len(titles) == 1:
        assert f"附件：{titles[0]}" in full
    else:
        listing = "".join(f"{'附件：' if i == 1 else ''}{i}.{t}" for i, t in enumerate(titles, 1))
        assert listing in full
    start = annex_start(doc)
    seen = []
    header = data["annexes"][0]["columns"]
    for index, page in enumerate(doc.pages[start:], start):
        lines = lines_of(page)
        first = text_of(lines[0]) if lines else ""
        if re.fullmatch(r"附件\d*", first):
            # label top-left in 3号黑体, title centred on the third line
            assert abs(lines[0][0]["x0"] - left_edge(index + 1)) < 1 * MM
            assert "Hei" in lines[0][0]["fontname"] and lines[0][0]["size"] == pytest.approx(16, abs=0.1)
            title_line = lines_of(page, 22.0)[0]
            seen.append(text_of(title_line))
            centre = (title_line[0]["x0"] + title_line[-1]["x1"]) / 2
            assert centre == pytest.approx(left_edge(index + 1) + TYPE_W / 2, abs=1 * MM)
            header = data["annexes"][len(seen) - 1]["columns"]
        # the header row on every page of the table, in 黑体
        small = "".join(c["text"] for c in page.chars if c["size"] == pytest.approx(12, abs=0.1)
                        and "Hei" in c["fontname"])
        assert "".join(header) in small, (index, small[:40])
    assert seen == titles
    if kind == "criticism":
        assert len(doc.pages) - start > len(titles)  # a table ran over more than one page: headers repeated


@pytest.mark.parametrize("kind", KINDS)
def test_date_four_characters_in_and_page_numbers_in_song(kinds, kind):
    data, doc, _ = kinds[kind]
    for index, page in enumerate(doc.pages[:annex_start(doc)]):
        for line in lines_of(page):
            if text_of(line) == "2018年12月31日":
                right = left_edge(index + 1) + TYPE_W
                assert right - line[-1]["x1"] == pytest.approx(4 * CHAR, abs=1 * MM)
                name = next(li for li in lines_of(page) if text_of(li) == ISSUER)
                assert (name[0]["x0"] + name[-1]["x1"]) / 2 == pytest.approx(
                    (line[0]["x0"] + line[-1]["x1"]) / 2, abs=1 * MM)
                break
        else:
            continue
        break
    else:
        pytest.fail("no 成文日期")
    for page in doc.pages:
        numbers = [c for c in page.chars if c["top"] > TYPE_BOTTOM and c["text"].strip()]
        assert numbers and all("Song" in c["fontname"] and "XBS" not in c["fontname"] for c in numbers)
        assert all(c["size"] == pytest.approx(14, abs=0.1) for c in numbers)


def pdftotext(pdf: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_prose_a_clerk_would_sign_and_every_character_printed(kinds, kind):
    data, doc, pdf = kinds[kind]
    body = data["body"]
    assert not QUOTE_CUT.search(body) and "," not in body
    assert not any(ARABIC_HEADING.match(line) for line in body.splitlines())
    printed = "".join(text_of(line) for _, line in body_lines(doc))
    assert "," not in printed and not QUOTE_CUT.search(printed)
    text = re.sub(r"\s+", "", pdftotext(pdf))
    text = re.sub(r"—\d+—", "", text)  # page numbers between two pages of a paragraph
    for paragraph in body.splitlines():
        assert re.sub(r"\s+", "", paragraph) in text, paragraph[:30]


def test_headings_past_ten_in_chinese_and_kai(kinds):
    data, doc, _ = kinds["hand"]
    heads = [line for _, line in body_lines(doc) if text_of(line).startswith("（十")]
    assert [text_of(h)[:4] for h in heads] == ["（十）第", "（十一）", "（十二）"]
    for line in heads:
        lead = [c for c in line if c["text"] not in "第"][:4]
        assert all("Kai" in c["fontname"] for c in lead[:3])


def test_commendation_names_units_and_individuals_never_a_city_wide_target(kinds):
    data, _, _ = kinds["commendation"]
    body = data["body"]
    assert "二、先进集体" in body and "三、先进个人" in body and "金寨县商务局张明同志" in body
    assert "力争全市" not in body and "65亿元" not in body
    assert "经研究，决定对金寨县、霍邱县等2个单位和张明同志予以通报表扬。" in body


def test_progress_bulletin_ranks_counties_and_departments_from_score_rows(kinds):
    data, _, _ = kinds["progress"]
    body = data["body"]
    assert data["title"] == "关于2018年第四季度全市农村电商工作进展情况的通报"
    assert "按绩效考核得分，各县区排名依次为：金寨县（91.5分）、霍山县（88.0分）、霍邱县（80.2分）、叶集区（61.0分）。" in body
    assert "市商务局（95.0分）" in body
    assert "金寨县、霍山县、市商务局、市农委工作推进有力" in body and "霍邱县、叶集区、市财政局工作进展相对滞后" in body
    assert "3项全市目标任务中，已完成1项" in body
    assert "请霍邱县、叶集区、市财政局于2019年1月15日前将整改措施书面报送市电商工作领导小组办公室。" in body
    ranking = data["annexes"][1]["rows"]
    assert ranking[0] == ["1", "金寨县", "县区", "91.5"] and ranking[-1] == ["3", "市财政局", "市直部门", "60.0"]


def test_draft_preview_says_draft_on_every_page(fonts, plan_data):
    facts = city_wide_facts(plan_data, 60)
    data = notice_data("criticism", criticism_text(facts, *PLAN, None, ISSUER, date(2018, 9, 29)), facts, number=None)
    with pdfplumber.open(io.BytesIO(render_notice_pdf(data, fonts=fonts))) as doc:
        assert len(doc.pages) >= 3
        for page in doc.pages:
            big = "".join(c["text"] for c in page.chars if c["size"] > 60)
            assert "草稿" in big
    issued = notice_data("criticism", criticism_text(facts, *PLAN, None, ISSUER, date(2018, 9, 29)), facts)
    with pdfplumber.open(io.BytesIO(render_notice_pdf(issued, fonts=fonts))) as doc:
        assert not any(c["size"] > 60 for page in doc.pages for c in page.chars)


def test_rerender_is_byte_identical(fonts, kinds):
    data, _, pdf = kinds["criticism"]
    assert render_notice_pdf(data, fonts=fonts) == pdf


def test_long_latin_runs_wrap_without_losing_characters(fonts):
    url = "https://example.gov.cn/" + "a1b2c3d4e5" * 12
    lines = break_lines([Run("fang", "请访问" + url + "，按要求填报。")], fonts)
    assert "".join(line.text for line in lines) == "请访问" + url + "，按要求填报。"
    assert len(lines) >= 3 and not any(line.text.startswith(("，", "。")) for line in lines)


def test_titles_break_into_balanced_lines(fonts):
    for title in ("关于2018年第四季度全市农村电商工作进展情况的通报", "关于2018年霍邱县农村电商工作推进不力单位的通报",
                  "关于对工作推进不力的县区予以通报批评的通报"):
        lines = wrap_title(title, fonts)
        assert "".join(lines) == title and len(lines) == 2
        assert min(len(line) for line in lines) >= 6, lines
        assert abs(len(lines[0]) - len(lines[1])) <= 5, lines


@pytest.mark.parametrize("kind", KINDS)
def test_a_page_is_filled_before_the_next_begins_and_the_signature_page_carries_text(kinds, kind):
    data, doc, _ = kinds[kind]
    body_pages = doc.pages[:annex_start(doc)]
    pitch = 225 * MM / 22
    for page in body_pages[:-1]:
        lowest = max(c["bottom"] for c in page.chars if abs(c["size"] - 16) < 0.6)
        assert lowest >= TYPE_BOTTOM - 1.5 * pitch, (page.page_number, (TYPE_BOTTOM - lowest) / MM)
    last = lines_of(body_pages[-1])
    signature = next(i for i, line in enumerate(last) if text_of(line) == ISSUER)
    text_lines = [line for line in last[:signature] if not text_of(line).startswith(("附件：", "2.", "3.", "4."))
                  and abs(line[0]["x0"] - left_edge(len(body_pages))) < 3 * CHAR]
    assert text_lines, "the signature page carries text"


def test_progress_names_nobody_best_or_lagging_when_every_score_is_the_same():
    tied = [Score(name, "county", 0.0, 1) for name in ("金寨县", "霍山县", "叶集区")]
    facts = {**progress_facts(), "ranking": ranking_rows(tied)}
    body = progress_text(facts, *PLAN, ISSUER, date(2019, 1, 15))["body"]
    assert "工作推进有力" not in body and "相对滞后" not in body
    assert "请各单位于2019年1月15日前将下一步工作措施书面报送市电商工作领导小组办公室。" in body
    assert "本期各单位考核得分相同，不分先进与后进。" in body
