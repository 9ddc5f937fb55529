"""Bulk decisions: a dry run that changes nothing and says why each refusal, then a confirmation
that fires each item on its own (one audit event each); an item changed meanwhile is refused."""
from __future__ import annotations

import re

from app.extensions import db
from app.items.models import Item
from tests.screens.support import event_count, events, fire, make_application, text_of


def snapshot(ids: list[int]) -> list[tuple[str, int, int]]:
    return [(db.session.get(Item, i).state, db.session.get(Item, i).version, event_count(i)) for i in ids]


def version(item_id: int) -> int:
    return db.session.get(Item, item_id).version


def test_dry_run_then_confirm(person, inapp) -> None:
    a = inapp(make_application, "huoqiu", "mobilization.county_review", site="一村")
    b = inapp(make_application, "huoqiu", "mobilization.county_review", site="二村")
    c = inapp(make_application, "huoqiu", "mobilization.county_review", site="三村")
    d = inapp(make_application, "huoqiu", "mobilization.city_review", site="四村")  # not at this step
    e = inapp(make_application, "shucheng", "mobilization.county_review", site="五村")  # another county
    reviewer = person("huoqiu_reviewer")
    todo = reviewer.get("/todo")
    assert 'name="sel"' in todo and "预览（试运行）" in todo and 'value="endorse"' in todo
    seen = {i: inapp(version, i) for i in (a, b, c, d, e)}
    sel = [f"{i}:{seen[i]}" for i in (a, b, c, d, e)]
    before = inapp(snapshot, [a, b, c, d, e])

    preview = reviewer.post("/bulk/preview", {"trigger": "endorse", "sel": sel}, status=200).get_data(as_text=True)
    results = dict(re.findall(r'data-bulk-item="(\d+)" data-ok="(\d)"', preview))
    assert results == {str(a): "1", str(b): "1", str(c): "1", str(d): "0", str(e): "0"}
    text = text_of(preview)
    assert "尚未执行任何操作" in text and "确认办理可以办理的 3 件" in text
    assert "事项不存在或无权查看" in text  # the other county's item, never shown
    assert "动员部署·市级审核" in text  # where the good ones would go
    assert inapp(snapshot, [a, b, c, d, e]) == before  # a dry run changes nothing

    # someone acts on c between the preview and the confirmation
    inapp(fire, c, "send_back", "huoqiu_reviewer", comment="先退回")
    confirm = reviewer.post("/bulk/confirm", {"trigger": "endorse", "sel": [f"{i}:{seen[i]}" for i in (a, b, c)],
                                              "comment": "同意报市"}, status=200).get_data(as_text=True)
    outcome = dict(re.findall(r'data-bulk-item="(\d+)" data-ok="(\d)"', confirm))
    assert outcome == {str(a): "1", str(b): "1", str(c): "0"}
    assert "批量办理完成：成功 2 件，未执行 1 件。" in confirm
    for item_id in (a, b):
        last = inapp(lambda i=item_id: events(i)[-1])
        assert (last.trigger, last.actor, last.comment, last.to_state) == (
            "endorse", "huoqiu_reviewer", "同意报市", "mobilization.city_review")
        assert inapp(event_count, item_id) == before[[a, b].index(item_id)][2] + 1  # one event per item
    assert inapp(lambda: db.session.get(Item, c).state) == "mobilization.draft"


def test_bulk_send_back_needs_the_comment(person, inapp) -> None:
    a = inapp(make_application, "huoqiu", "mobilization.county_review", site="一村")
    reviewer = person("huoqiu_reviewer")
    preview = reviewer.post("/bulk/preview", {"trigger": "send_back", "sel": [f"{a}:{inapp(version, a)}"]},
                            status=200).get_data(as_text=True)
    assert 'data-ok="0"' in preview and "退回必须填写理由" in preview
    r = reviewer.post("/bulk/preview", {"trigger": "accept", "sel": [f"{a}:1"]}, follow=True)
    assert "请先勾选事项，并选择要批量执行的操作" in r.get_data(as_text=True)  # not a trigger of this role
    assert "预览（试运行）" not in person("huoqiu_filer").get("/todo")  # filers file one by one
