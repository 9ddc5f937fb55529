"""Bulk decisions: a dry run that changes nothing and says why each refusal, then a confirmation
that fires each item on its own (one audit event each); an item changed meanwhile is refused."""
from __future__ import annotations

import json
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


def test_bulk_order_rectification_takes_a_deadline_checked_per_item(person, inapp) -> None:
    from datetime import date

    a = inapp(make_application, "huoqiu", "acceptance.inspection", site="一村")
    b = inapp(make_application, "shucheng", "acceptance.inspection", site="二村")
    c = inapp(make_application, "huoqiu", "implementation", site="三村")  # not at inspection
    office = person("office_approver")
    todo = office.get("/todo")
    assert 'value="order_rectification"' in todo and 'name="deadline"' in todo
    sel = [f"{i}:{inapp(version, i)}" for i in (a, b, c)]
    before = inapp(snapshot, [a, b, c])

    def preview(**fields: str) -> tuple[dict[str, str], str]:
        html = office.post("/bulk/preview", {"trigger": "order_rectification", "sel": sel, **fields},
                           status=200).get_data(as_text=True)
        return dict(re.findall(r'data-bulk-item="(\d+)" data-ok="(\d)"', html)), text_of(html)

    # no deadline, then one in the past: every item refused with the engine's reasons
    results, text = preview(comment="整改问题清单")
    assert results == {str(a): "0", str(b): "0", str(c): "0"}
    assert text.count("必须设定整改期限") == 2 and "不能执行" in text
    results, text = preview(comment="整改问题清单", deadline="2018-07-01")
    assert results == {str(a): "0", str(b): "0", str(c): "0"} and text.count("整改期限必须晚于今天") == 2
    results, text = preview(deadline="2018-09-30")
    assert text.count("责令限期整改必须填写理由") == 2
    # a valid deadline and the list of problems: the two at inspection would go to rectification
    results, text = preview(comment="整改问题清单", deadline="2018-09-30")
    assert results == {str(a): "1", str(b): "1", str(c): "0"}
    assert "整改期限：2018-09-30" in text and "确认办理可以办理的 2 件" in text
    assert inapp(snapshot, [a, b, c]) == before  # the dry run changed nothing

    confirm = office.post("/bulk/confirm", {"trigger": "order_rectification", "sel": sel, "comment": "整改问题清单",
                                            "deadline": "2018-09-30"}, status=200).get_data(as_text=True)
    outcome = dict(re.findall(r'data-bulk-item="(\d+)" data-ok="(\d)"', confirm))
    assert outcome == {str(a): "1", str(b): "1", str(c): "0"}
    for item_id in (a, b):
        item = inapp(lambda i=item_id: (db.session.get(Item, i).state, db.session.get(Item, i).due_on))
        assert item == ("rectification.draft", date(2018, 9, 30))
        last = inapp(lambda i=item_id: events(i)[-1])
        assert (last.trigger, last.comment, json.loads(last.data_json)["deadline"]) == (
            "order_rectification", "整改问题清单", "2018-09-30")
    assert inapp(snapshot, [c]) == before[2:]


def test_bulk_pass_carries_the_inspection_findings(person, inapp) -> None:
    a = inapp(make_application, "huoqiu", "acceptance.inspection", site="一村")
    b = inapp(make_application, "jinzhai", "acceptance.inspection", site="二村")
    office = person("office_approver")
    sel = [f"{i}:{inapp(version, i)}" for i in (a, b)]
    html = office.post("/bulk/preview", {"trigger": "pass", "sel": sel}, status=200).get_data(as_text=True)
    assert dict(re.findall(r'data-bulk-item="(\d+)" data-ok="(\d)"', html)) == {str(a): "0", str(b): "0"}
    assert text_of(html).count("必须填写检查验收意见") == 2
    confirm = office.post("/bulk/confirm", {"trigger": "pass", "sel": sel, "findings": "现场核查属实"},
                          status=200).get_data(as_text=True)
    assert dict(re.findall(r'data-bulk-item="(\d+)" data-ok="(\d)"', confirm)) == {str(a): "1", str(b): "1"}
    for item_id in (a, b):
        last = inapp(lambda i=item_id: events(i)[-1])
        assert (last.trigger, last.to_state, json.loads(last.data_json)["findings"]) == (
            "pass", "acceptance.provincial_review", "现场核查属实")
