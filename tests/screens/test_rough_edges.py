"""Small things a first week would hit: numbers with their units on the item page, unit names and the
delete button that do not wrap, the category page's hint that says where the targets are."""
from __future__ import annotations

import re

from app.applications.models import Application
from app.extensions import db
from tests.screens.support import attach, make_application, text_of


def with_sales(item_id: int) -> int:
    row = db.session.get(Application, item_id)
    row.fields = {**row.fields, "online_sales": 980, "internal_extra": "x"}
    db.session.commit()
    return item_id


def test_item_page_numbers_carry_units_and_tables_do_not_wrap(person, inapp) -> None:
    item_id = inapp(with_sales, inapp(make_application, "huoqiu"))
    inapp(attach, item_id, "huoqiu_filer", "一个名字很长的证明材料文件（村委会盖章）.pdf")
    filer = person("huoqiu_filer")
    page = filer.get(f"/items/{item_id}")
    fields = text_of(re.search(r'<dl class="fields">(.*?)</dl>', page, flags=re.S).group(1))
    assert "上年网络销售额 980 万元" in fields and "internal_extra" not in page
    delete = re.search(r'<td class="([^"]*)"><form method="post" action="[^"]*/delete', page)
    assert delete and "nowrap" in delete.group(1).split()
    todo = filer.get("/mine")
    units = re.findall(r'<td class="unit nowrap">([^<]+)</td>', todo)
    assert units and "霍邱县" in units


def test_the_category_page_says_where_the_targets_are(person) -> None:
    page = person("huoqiu_filer").get("/filing/applications/new")
    assert "括号内" not in page and "各类别下方为本县区的完成情况和目标数" in page
    assert "data-quota-hint" in page
