"""延期申请: the unit asks with a reason, its county reviewer endorses, the office grants or refuses; the deadline shown and the
lights follow a granted extension, the item's own due date (on-time rates) does not change."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import update

from app.extension_requests.models import ExtensionRequest
from app.extensions import db
from app.items.models import Item
from tests.screens.support import flashes, make_application


def due_on(item_id: int) -> date | None:
    return db.session.get(Item, item_id).due_on


def requests(item_id: int) -> list[tuple]:
    return [(r.decision, r.granted_until, r.requested_until, r.original_due_on)
            for r in db.session.query(ExtensionRequest).filter_by(item_id=item_id).order_by(ExtensionRequest.id)]


def endorse(person, item_id: int) -> None:
    """The county reviewer passes the county's pending request on to the office."""
    reviewer = person("huoqiu_reviewer")
    req = int(re.search(r'data-extension="(\d+)"', reviewer.get(f"/items/{item_id}")).group(1))
    reviewer.post(f"/extensions/{req}/endorse", {"decision": "endorse"}, status=302)


def overdue_item(inapp) -> int:
    item_id = inapp(make_application, "huoqiu", "self_assessment.draft")
    inapp(lambda: db.session.execute(update(Item).where(Item.id == item_id).values(due_on=date(2018, 7, 5))))
    return item_id


def test_granted_extension_moves_the_deadline_shown_not_the_original(person, inapp) -> None:
    item_id = overdue_item(inapp)
    filer, office = person("huoqiu_filer"), person("office_approver")
    assert 'data-level="overdue"' in filer.get("/all?type=application")
    r = filer.post(f"/items/{item_id}/extension", {"requested_until": "2018-07-31", "reason": "村两委换届，材料延后"},
                   follow=True)
    assert "延期申请已提交" in " ".join(flashes(r.get_data(as_text=True)))
    assert "延期申请待审批：申请延至 2018年7月31日。" in r.get_data(as_text=True)
    endorse(person, item_id)
    # the office finds it in its 待办 and on its list, and is told
    assert re.search(rf'data-group="extension".*?<a href="/items/{item_id}#extension">', office.get("/todo"), re.S)
    listing = office.get("/extensions")
    assert "村两委换届，材料延后" in listing
    assert re.search(r'data-unread="[1-9]', office.get("/notifications"))
    req_id = int(re.search(r'data-extension="(\d+)"', listing).group(1))
    r = office.post(f"/extensions/{req_id}/decide", {"decision": "granted", "granted_until": "2018-07-25"}, follow=True)
    assert "已批准延期申请" in " ".join(flashes(r.get_data(as_text=True)))
    assert inapp(requests, item_id) == [("granted", date(2018, 7, 25), date(2018, 7, 31), date(2018, 7, 5))]
    assert inapp(due_on, item_id) == date(2018, 7, 5)  # on-time rates keep the original deadline
    page = filer.get(f"/items/{item_id}")
    assert "2018年7月25日" in page and "已批准延期；原期限 2018年7月5日" in page
    row = filer.get("/all?type=application")
    assert re.search(rf'data-item-id="{item_id}".*?2018年7月25日.*?data-level="none"', row, re.S)
    assert f'data-item-id="{item_id}"' not in filer.get("/all?overdue=overdue")
    # a request is decided once
    r = office.post(f"/extensions/{req_id}/decide", {"decision": "refused", "comment": "x"}, follow=True)
    assert "已经审批过了" in " ".join(flashes(r.get_data(as_text=True)))


def test_refusal_needs_a_reason_and_requests_are_checked(person, inapp) -> None:
    item_id = overdue_item(inapp)
    filer, office = person("huoqiu_filer"), person("office_approver")
    for data, message in (({"requested_until": "2018-07-31", "reason": ""}, "必须填写延期理由"),
                          ({"requested_until": "2018-07-01", "reason": "x"}, "必须晚于当前期限"),
                          ({"requested_until": "", "reason": "x"}, "请填写申请延至的日期")):
        r = filer.post(f"/items/{item_id}/extension", data, follow=True)
        assert message in " ".join(flashes(r.get_data(as_text=True)))
    assert inapp(requests, item_id) == []
    filer.post(f"/items/{item_id}/extension", {"requested_until": "2018-07-31", "reason": "理由"})
    r = filer.post(f"/items/{item_id}/extension", {"requested_until": "2018-08-31", "reason": "再申请"}, follow=True)
    assert "已有一份待审批的延期申请" in " ".join(flashes(r.get_data(as_text=True)))
    req_id = inapp(lambda: db.session.query(ExtensionRequest.id).filter_by(item_id=item_id).scalar())
    r = person("city_reviewer").post(f"/extensions/{req_id}/decide", {"decision": "granted"}, follow=True)
    assert "只有领导小组办公室可以审批延期申请" in " ".join(flashes(r.get_data(as_text=True)))
    endorse(person, item_id)
    r = office.post(f"/extensions/{req_id}/decide", {"decision": "refused", "comment": ""}, follow=True)
    assert "不予批准时必须填写理由" in " ".join(flashes(r.get_data(as_text=True)))
    office.post(f"/extensions/{req_id}/decide", {"decision": "refused", "comment": "期限内可完成"})
    assert inapp(requests, item_id)[0][0] == "refused"
    assert 'data-level="overdue"' in filer.get(f"/items/{item_id}")
    # the requester is told the outcome
    assert "延期申请未获批准" in filer.get("/notifications")
    # only the item's own unit may ask; another county cannot even see it
    assert person("shucheng_filer").client.post(
        f"/items/{item_id}/extension", data={"csrf_token": person("shucheng_filer").token(),
                                             "requested_until": "2018-08-31", "reason": "x"}).status_code == 404
    r = person("city_reviewer").post(f"/items/{item_id}/extension", {"requested_until": "2018-08-31", "reason": "x"},
                                     follow=True)
    assert "只有事项所属单位可以申请延期" in " ".join(flashes(r.get_data(as_text=True)))
