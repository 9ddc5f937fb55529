"""The whole life of a demo-site application through the screens (test client), checking at each
step what each person sees: the same journey the browser test drives, fast enough for both databases."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from app.applications.models import Application
from app.extensions import db
from app.items.models import Item
from tests.screens.support import PDF, events, flashes, text_of

VILLAGE = {"category": "provincial_demo_village", "site_name": "大顾店村", "f_town": "宋店乡", "f_population": "2300",
           "f_main_products": "霍邱大米、龙虾", "f_online_sales": "320", "f_highlights": "村级服务站代购代销",
           "f_contact_person": "张三", "f_contact_phone": "0564-6012345"}


def upload(person, item_id: int, name: str) -> None:
    r = person.post(f"/items/{item_id}/files", {"kind": "evidence", "file": (io.BytesIO(PDF), name)},
                    content_type="multipart/form-data", follow=True)
    assert "已上传 1 个文件" in text_of(r.get_data(as_text=True))


def state(inapp, item_id: int) -> str:
    return inapp(lambda: db.session.get(Item, item_id).state)


def test_application_journey_through_the_screens(person, inapp) -> None:
    filer, reviewer = person("huoqiu_filer"), person("huoqiu_reviewer")
    city, office, other = person("city_reviewer"), person("office_approver"), person("shucheng_filer")

    # the county filer files a provincial demo-village application with evidence
    form = filer.get("/filing/applications/new?category=provincial_demo_village")
    assert "所属乡镇" in form and "主要网销产品" in form and "统一社会信用代码" not in form
    r = filer.post("/filing/applications/new", {**VILLAGE, "kind": "evidence",
                                                "file": (io.BytesIO(PDF), "村委会申报表.pdf")},
                   content_type="multipart/form-data", status=302)
    item_id = int(r.headers["Location"].rsplit("/", 1)[1])
    row = inapp(lambda: (lambda a: (a.state, a.site_name, dict(a.fields), a.county.slug))(
        db.session.get(Application, item_id)))
    assert row == ("mobilization.draft", "大顾店村",
                   {"town": "宋店乡", "population": 2300, "main_products": "霍邱大米、龙虾", "online_sales": 320,
                    "highlights": "村级服务站代购代销", "contact_person": "张三", "contact_phone": "0564-6012345"},
                   "huoqiu")
    page = filer.get(f"/items/{item_id}")
    assert "村委会申报表.pdf" in page and 'data-trigger="submit"' in page and "霍邱大米、龙虾" in page
    assert item_id in filer.rows("/todo") and item_id in filer.rows("/mine")
    assert item_id not in reviewer.rows("/todo")  # a draft waits for nobody but its filer

    r = filer.act(item_id, "submit")
    assert "已办理“提交申报”，事项现为“动员部署·县区审核”。" in flashes(r.get_data(as_text=True))
    assert 'data-trigger="withdraw"' in r.get_data(as_text=True)  # 撤回 is offered, submit no more
    assert item_id not in filer.rows("/todo")

    # the county reviewer endorses
    assert item_id in reviewer.rows("/todo")
    page = reviewer.get(f"/items/{item_id}")
    assert 'data-trigger="endorse"' in page and 'data-trigger="send_back"' in page
    reviewer.act(item_id, "endorse")
    assert state(inapp, item_id) == "mobilization.city_review"
    assert item_id in reviewer.rows("/done") and item_id not in reviewer.rows("/todo")

    # the city reviewer returns it with a reason; the filer sees the reason at the top
    assert item_id in city.rows("/todo")
    city.act(item_id, "send_back", comment="缺少村委会盖章的申报表，请补充。")
    page = filer.get(f"/items/{item_id}")
    banner = page.split('id="returned"', 1)[1].split("</section>", 1)[0]
    assert "本事项已被退回" in page and "缺少村委会盖章的申报表，请补充。" in banner and "市商务局审核人" in banner
    assert page.index('id="returned"') < page.index('id="actions"')  # at the top
    todo = filer.get("/todo")
    assert f'data-item-id="{item_id}"' in todo and "被退回" in text_of(todo)

    # the filer edits and resubmits; the county endorses again and the city accepts
    version = str(inapp(lambda: db.session.get(Item, item_id).version))
    filer.post(f"/items/{item_id}/edit", {**VILLAGE, "f_population": "2350", "version": version}, status=302)
    assert inapp(lambda: db.session.get(Application, item_id).fields["population"]) == 2350
    upload(filer, item_id, "盖章申报表.pdf")
    filer.act(item_id, "submit")
    reviewer.act(item_id, "endorse")
    r = city.act(item_id, "accept")
    assert "已办理“确定为创建对象”，事项现为“全面推进”。" in flashes(r.get_data(as_text=True))

    # the self-assessment: drafted, saved, then submitted with figures and evidence of this phase
    filer.act(item_id, "start_self_assessment")
    page = filer.get(f"/items/{item_id}")
    assert "年网络销售额" in page and 'name="fig_online_sales"' in page and "本阶段已上传证明材料 0 份" in page
    filer.act(item_id, "submit", op="save", text="服务站覆盖全村", fig_online_sales="350", fig_service_stations="3")
    page = filer.get(f"/items/{item_id}")
    assert "服务站覆盖全村" in page and 'value="350"' in page  # the draft is kept
    upload(filer, item_id, "自查佐证.pdf")
    filer.act(item_id, "submit", text="服务站覆盖全村，网销额稳步增长", fig_online_sales="350",
              fig_service_stations="3", fig_online_products="12", fig_poor_households="46")
    reviewer.act(item_id, "endorse")
    assert state(inapp, item_id) == "acceptance.inspection"

    # the office orders rectification with a deadline
    assert item_id in office.rows("/todo")
    office.act(item_id, "order_rectification", comment="电商服务站台账不全", deadline="2018-08-31")
    page = filer.get(f"/items/{item_id}")
    assert "限期整改" in page and "电商服务站台账不全" in page and "2018年8月31日" in page
    assert inapp(lambda: db.session.get(Item, item_id).due_on.isoformat()) == "2018-08-31"

    # the rectification is submitted and endorsed; the office passes it and records the province's approval
    upload(filer, item_id, "整改台账.pdf")
    filer.act(item_id, "submit", report="已补齐服务站台账并公示")
    reviewer.act(item_id, "endorse")
    office.act(item_id, "pass", findings="整改到位，同意报省认定")
    r = office.act(item_id, "record_provincial_decision", decision="approved", document_number="皖商办〔2019〕12号")
    assert "事项现为“持续提升”" in " ".join(flashes(r.get_data(as_text=True)))
    app_row = inapp(lambda: (lambda a: (a.state, a.findings, a.rectification_report, a.provincial_decision,
                                        a.provincial_document_number, a.self_assessment["figures"]))(
        db.session.get(Application, item_id)))
    assert app_row == ("consolidation", "整改到位，同意报省认定", "已补齐服务站台账并公示", "approved", "皖商办〔2019〕12号",
                       {"online_sales": "350", "service_stations": "3", "online_products": "12",
                        "poor_households": "46"})

    # the history shows who, from, to and the comments; the 审批单 carries every decision, stage by stage
    page = filer.get(f"/items/{item_id}/print")
    decisions = inapp(lambda: [e for e in events(item_id) if e.trigger not in ("create", "edit", "attach", "detach")])
    assert page.count('<div class="opinion">') == len(decisions)
    for text in ("缺少村委会盖章的申报表，请补充。", "电商服务站台账不全", "整改到位，同意报省认定", "市商务局审核人",
                 "领导小组办公室负责人", "限期整改·起草"):
        assert text in page

    # the quota board counts it
    board = text_of(office.get("/dashboard"))
    assert "省级电商示范村" in board
    achieved = inapp(lambda: db.session.scalar(select(Application.id).where(
        Application.state == "consolidation", Application.county.has(slug="huoqiu"),
        Application.category == "provincial_demo_village")))
    assert achieved == item_id

    # another county's filer can open nothing of it
    assert other.client.get(f"/items/{item_id}").status_code == 404
    assert other.client.get(f"/items/{item_id}/print").status_code == 404
    assert other.client.get(f"/items/{item_id}/diagram.svg").status_code == 404
    assert item_id not in other.rows("/") and item_id not in other.rows("/todo")
    att = inapp(lambda: [e for e in events(item_id) if e.trigger == "attach"][0].data_json)
    att_id = int(re.search(r'"attachment_id":(\d+)', att).group(1))
    assert other.client.get(f"/items/{item_id}/files/{att_id}").status_code == 404
    with filer.client.get(f"/items/{item_id}/files/{att_id}") as r:
        assert r.status_code == 200 and r.data == PDF and "attachment" in r.headers["Content-Disposition"]
