"""Notifications in the app: waiting for you, returned, decided, reminders, deadlines approaching,
notices to acknowledge (签收) with the office seeing who has and has not; mail never breaks an action."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select, update

from app.auth.models import User
from app.clock import today
from app.deadlines.operations import tick
from app.extensions import db
from app.items.models import Item
from app.notifications.models import Notification
from app.notifications.delivery import deliver_pending
from tests.screens.support import attach, fire, flashes, make_application, text_of


def unread(person) -> int:
    return int(re.search(r'data-unread="(\d+)"', person.get("/todo")).group(1))


def kinds(person) -> list[tuple[str, str]]:
    html = person.get("/notifications")
    return re.findall(r'data-notification="\d+" data-kind="([a-z_]+)".*?<td class="message">(?:<a href="/items/\d+">)?(?:<b>)?([^<]+)', html, re.S)


def test_waiting_returned_and_decided_arrive_at_once(person, inapp) -> None:
    item_id = inapp(make_application, "huoqiu")
    inapp(attach, item_id, "huoqiu_filer")
    filer, reviewer = person("huoqiu_filer"), person("huoqiu_reviewer")
    before = unread(reviewer)
    filer.act(item_id, "submit")
    assert unread(reviewer) == before + 1  # delivered right after the filer's request
    waiting = [text for kind, text in kinds(reviewer) if kind == "waiting"]
    assert waiting and "省级电商示范村：大顾店村" in waiting[0]
    assert unread(person("shucheng_reviewer")) == 0  # another county is not told

    # opening the item reads its notifications
    reviewer.get(f"/items/{item_id}")
    assert unread(reviewer) == 0

    reviewer.act(item_id, "send_back", comment="请补充村委会意见")
    returned = [text for kind, text in kinds(filer) if kind == "returned"]
    assert returned and "理由：请补充村委会意见" in returned[0]
    note_id = inapp(lambda: db.session.scalar(select(Notification.id).where(
        Notification.user_id == db.session.scalar(select(User.id).where(User.username == "huoqiu_filer")),
        Notification.kind == "returned")))
    r = filer.post(f"/notifications/{note_id}/open")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/items/{item_id}")
    filer.post("/notifications/read-all")
    assert unread(filer) == 0 and "只看未读" in filer.get("/notifications")


def test_reminders_and_deadlines_approaching(person, inapp) -> None:
    late = inapp(make_application, "huoqiu", "self_assessment.draft", site="迟报村")
    soon = inapp(make_application, "huoqiu", "self_assessment.draft", site="将到期村")

    def set_dues() -> None:
        db.session.execute(update(Item).where(Item.id == late).values(due_on=date(2018, 7, 2)))
        db.session.execute(update(Item).where(Item.id == soon).values(due_on=date(2018, 7, 13)))
    inapp(set_dues)
    city = person("city_reviewer")
    r = city.post(f"/items/{late}/remind", {"comment": "请本周内提交"}, follow=True)
    assert "已催办" in " ".join(flashes(r.get_data(as_text=True)))
    filer = person("huoqiu_filer")
    reminder = [text for kind, text in kinds(filer) if kind == "reminder"]
    assert reminder and "迟报村" in reminder[0] and "请本周内提交" in reminder[0]
    r = city.post(f"/items/{late}/remind", {}, follow=True)
    assert "今天已催办过" in " ".join(flashes(r.get_data(as_text=True)))

    def run_tick() -> None:
        tick(db.session, today())
        db.session.commit()
        deliver_pending(db.session)
    inapp(run_tick)
    found = kinds(filer)
    assert any(kind == "due_soon" and "将到期村" in text for kind, text in found)
    assert "即将到期" in text_of(filer.get("/notifications"))


def test_a_notice_reaches_its_units_who_acknowledge_it(person, inapp) -> None:
    city, office = person("city_reviewer"), person("office_approver")
    r = city.post("/filing/notices/new", {"kind": "commendation", "title": "关于表扬霍邱县农村电商工作的通报",
                                          "addressees": "各县区人民政府", "body": "一、基本情况\n霍邱县工作扎实。",
                                          "subject_units": ["huoqiu"]}, status=302)
    notice_id = int(r.headers["Location"].rsplit("/", 1)[1])
    city.act(notice_id, "submit")
    office.act(notice_id, "issue")
    number = inapp(lambda: db.session.get(Item, notice_id).number)
    assert number and number.startswith("六电商办〔2018〕")

    huoqiu, yeji = person("huoqiu_filer"), person("yeji_reviewer")
    assert any(kind == "notice" and number in text for kind, text in kinds(huoqiu))
    assert any(kind == "notice" for kind, _t in kinds(yeji))  # 各县区 reaches every county
    todo = huoqiu.get("/todo")  # the notice waits in the 待签收 group of the unit's 待办
    assert 'data-group="acknowledge"' in todo and f'data-notice-id="{notice_id}"' in todo
    r = huoqiu.post(f"/items/{notice_id}/acknowledge", follow=True)
    assert "已签收" in " ".join(flashes(r.get_data(as_text=True)))
    assert "本单位已于" in huoqiu.get(f"/items/{notice_id}")
    assert f'data-notice-id="{notice_id}"' not in person("huoqiu_reviewer").get("/todo")  # the unit has acknowledged

    receipts = office.get(f"/items/{notice_id}")
    assert "已签收 1 个单位，未签收 6 个单位。" in text_of(receipts)
    assert re.search(r'data-receipt="huoqiu"><td>霍邱县</td><td><span class="result-ok">', receipts)
    assert re.search(r'data-receipt="yeji"><td>叶集区</td><td><span class="result-no">未签收', receipts)
    with office.client.get(f"/items/{notice_id}/notice.pdf") as pdf:
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_mail_failures_never_break_an_action(person, inapp, app) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)  # nothing listens there
    inapp(lambda: db.session.execute(update(User).where(User.username == "huoqiu_reviewer")
                                     .values(email="reviewer@huoqiu.example")))
    item_id = inapp(make_application, "huoqiu")
    inapp(attach, item_id, "huoqiu_filer")
    r = person("huoqiu_filer").act(item_id, "submit")
    assert "已办理“提交申报”" in " ".join(flashes(r.get_data(as_text=True)))
    assert inapp(lambda: db.session.get(Item, item_id).state) == "mobilization.county_review"
    assert unread(person("huoqiu_reviewer")) >= 1
    assert fire  # the operations helper stays importable for the other notification tests
