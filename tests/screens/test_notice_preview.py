"""通报预览: a notice's HTML preview shows what its PDF prints (number placeholder until issued, title,
addressees, body with headings, signature, date, copies), linked from the item page; 404 to others."""
from __future__ import annotations

import re

from app.extensions import db
from app.items.models import Item
from tests.screens.support import make_application, text_of

BODY = "一、基本情况。霍邱县工作扎实。\n（一）加强领导。成立专班推进。\n请各县区认真学习。"


def draft(city) -> int:
    r = city.post("/filing/notices/new", {"kind": "criticism", "title": "关于霍邱县农村电商工作推进不力的通报",
                                          "addressees": "各县区人民政府，市直有关部门", "body": BODY,
                                          "copies": "市委办公室，市人大常委会办公室", "subject_units": ["huoqiu"]},
                  status=302)
    return int(r.headers["Location"].rsplit("/", 1)[1])


def test_draft_preview_shows_the_printed_content(person, inapp) -> None:
    city, office = person("city_reviewer"), person("office_approver")
    notice_id = draft(city)
    page = city.get(f"/items/{notice_id}")
    assert f'href="/items/{notice_id}/notice-preview"' in page and "预览通报" in page

    html = city.get(f"/items/{notice_id}/notice-preview")
    sheet = html[html.index('class="notice-sheet'):]
    words = text_of(sheet)
    assert 'data-number=""' in sheet and "（草稿，未编号）" in words
    assert "关于霍邱县农村电商工作推进不力的通报" in words
    assert "各县区人民政府，市直有关部门：" in words  # the closing colon the PDF adds
    assert re.search(r'<p class="h1"><span class="lead">一、基本情况。</span>霍邱县工作扎实。</p>', sheet)
    assert re.search(r'<p class="h2"><span class="lead">（一）加强领导。</span>成立专班推进。</p>', sheet)
    assert '<p class="text">请各县区认真学习。</p>' in sheet
    assert "2018年7月10日" in words  # the date the draft's PDF prints (today)
    assert "抄送：市委办公室，市人大常委会办公室。" in words
    assert re.search(r'class="name">[^<]*办公室</div>', sheet)  # the issuer signs
    assert "草稿预览" in text_of(html)
    assert "<style" not in html  # laid out by the site's stylesheet (the CSP forbids inline styles)

    # once issued, the number it was given replaces the placeholder
    city.act(notice_id, "submit")
    office.act(notice_id, "issue")
    number = inapp(lambda: db.session.get(Item, notice_id).number)
    issued = office.get(f"/items/{notice_id}/notice-preview")
    assert f'data-number="{number}"' in issued and "（草稿，未编号）" not in issued and "草稿预览" not in issued


def test_preview_is_only_for_notices_the_user_may_see(person, inapp) -> None:
    notice_id = draft(person("city_reviewer"))
    application = inapp(make_application, "huoqiu")
    assert person("huoqiu_filer").client.get(f"/items/{application}/notice-preview").status_code == 404
    assert person("shucheng_filer").client.get(f"/items/{application}/notice-preview").status_code == 404
    assert person("huoqiu_filer").client.get(f"/items/{notice_id}/notice-preview").status_code == 404  # a draft
    assert person("office_approver").client.get(f"/items/{notice_id}/notice-preview").status_code == 200
