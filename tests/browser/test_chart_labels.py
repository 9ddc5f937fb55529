"""The quota board's chart labels in Chromium: an indicator's title wraps into balanced lines (never a
lone "业" on a line of its own), English titles break between words, and the labels leave the bars most
of the canvas, at 1366 px and on a 390 px phone."""
from __future__ import annotations

import re

import pytest

from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u3400-\u9fff]")
READ_LABELS = """() => Array.from(document.querySelectorAll('canvas[data-chart]')).map(canvas => {
    const chart = Chart.getChart(canvas);
    const axis = chart.options.indexAxis === 'y' ? chart.scales.y : chart.scales.x;
    return {kind: canvas.dataset.chart, width: chart.width, axis: axis.width, height: axis.height,
            labels: chart.data.labels.map(l => Array.isArray(l) ? l : [l])};
})"""


def board_labels(browser, base_url: str, width: int, english: bool = False) -> list[dict]:
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900}, base_url=base_url)
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", "office_approver")
    page.fill("#password", DEMO_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(lambda url: not url.endswith("/login"))
    if english:
        page.click("button[value=en]")
    page.goto("/dashboard")
    page.wait_for_selector("html[data-charts=ready]")
    charts = page.evaluate(READ_LABELS)
    titles = page.evaluate("""async () => (await (await fetch(
        document.getElementById('dashboard-data').dataset.src)).json()).indicators.map(i => i.title)""")
    context.close()
    for chart in charts:
        chart["titles"] = titles
    return charts


@pytest.mark.parametrize("width", [1366, 390])
def test_no_label_line_is_a_lone_character(module_browser, module_server, width: int) -> None:
    charts = board_labels(module_browser, module_server, width)
    city = next(c for c in charts if c["kind"] == "city")
    titles = ["".join(lines) for lines in city["labels"]]
    assert "开展网销的涉农省级以上商标品牌企业" in titles  # 17 characters: once cut 16 + "业"
    if width < 500:  # at 1366 px every Chinese title fits on one line
        assert any(len(lines) > 1 for lines in city["labels"])
    for chart in charts:
        for lines in chart["labels"]:
            for line in lines:
                assert not (len(line) == 1 and CJK.match(line)), (width, chart["kind"], lines)
            if len(lines) > 1:  # balanced: no line under half of the longest
                sizes = [len(line) for line in lines]
                assert min(sizes) * 2 >= max(sizes), (width, lines)
    assert city["axis"] <= 0.45 * city["width"], (width, city["axis"], city["width"])
    assert not overlapping(city), width


def overlapping(chart: dict) -> bool:
    """Whether a row is lower than its label's lines (12px type, line height 1.2)."""
    row = chart["height"] / len(chart["labels"])
    return any(len(lines) * 12 * 1.2 > row for lines in chart["labels"])


@pytest.mark.parametrize("width", [1366, 390])
def test_english_labels_break_between_words(module_browser, module_server, width: int) -> None:
    charts = board_labels(module_browser, module_server, width, english=True)
    city = next(c for c in charts if c["kind"] == "city")
    wrapped = [lines for lines in city["labels"] if len(lines) > 1]
    assert wrapped
    for lines in wrapped:  # the lines joined by a space give back the title: no word was cut
        assert " ".join(lines) in city["titles"], lines
        assert all(line == line.strip() for line in lines), lines
    assert "Rural e-commerce businesses with annual online sales over 10 million yuan" in [
        " ".join(lines) for lines in city["labels"]]
    assert not overlapping(city), width
