"""The item page's 办理记录: newest first, uploads and deletions folded (材料变动 N 条), the system named
as 系统, no role repeated after a name that is the role's title (top bar included)."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.tasks.models import TaskAssignment
from app.extensions import db
from tests.screens.support import attach, fire, make_application, text_of


def timeline(page: str) -> str:
    return re.search(r'<ol class="timeline"[^>]*>(.*)</ol>', page, flags=re.S).group(1)


def top_level(page: str) -> list[str]:
    """The data-trigger of each entry of the timeline, in page order (folded entries' inner ones skipped)."""
    body = re.sub(r"<details>.*?</details>", "", timeline(page), flags=re.S)
    return re.findall(r'<li class="[^"]*" data-trigger="([^"]+)"', body)


def returned_and_resubmitted() -> int:
    item_id = make_application("huoqiu", "mobilization.county_review", site="宋店村")
    fire(item_id, "send_back", "huoqiu_reviewer", comment="缺少盖章申报表")
    attach(item_id, "huoqiu_filer", "申报表.pdf")
    attach(item_id, "huoqiu_filer", "照片.png", content=b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17)
    fire(item_id, "submit", "huoqiu_filer")
    return item_id


def test_newest_first_with_material_changes_folded(person, inapp) -> None:
    item_id = inapp(returned_and_resubmitted)
    page = person("huoqiu_reviewer").get(f"/items/{item_id}")
    assert top_level(page) == ["submit", "materials", "send_back", "submit", "materials", "create"]
    folded = re.findall(r'data-trigger="materials" data-count="(\d+)">\s*<details><summary>(.*?)</summary>',
                        timeline(page))
    assert folded == [("2", "材料变动 2 条"), ("1", "材料变动 1 条")]
    inner = text_of(re.search(r"<details>(.*?)</details>", timeline(page), flags=re.S).group(1))
    assert "上传材料：照片.png" in inner and "上传材料：申报表.pdf" in inner
    assert inner.index("照片.png") < inner.index("申报表.pdf")  # newest first inside the fold too
    assert "<b>提交申报</b><span class=\"small\">：" in page  # no stray space before the colon


def test_the_system_is_named_once_and_roles_are_not_repeated(person, inapp) -> None:
    task_id = inapp(lambda: db.session.scalar(select(TaskAssignment.id).where(
        TaskAssignment.unit.has(slug="commerce")).order_by(TaskAssignment.id)))
    page = person("city_reviewer").get(f"/items/{task_id}")
    created = text_of(re.search(r'<li class="" data-trigger="create">(.*?)</li>', timeline(page), flags=re.S).group(1))
    assert created.startswith("系统 ") and "system" not in created and "系统管理员" not in created
    who = text_of(re.search(r'<span class="who">(.*?)</span>', page).group(1))
    assert who == "市商务局审核人（市商务局）"  # the name is the role's title: said once
