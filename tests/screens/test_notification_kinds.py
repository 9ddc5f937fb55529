"""An intermediate approval is progress (审批进展), not a decision: 已办结/已决定 only when no review follows."""
from __future__ import annotations

from app.extensions import db
from app.notifications.delivery import deliver_pending
from tests.screens.support import fire, make_application
from tests.screens.test_notifications import kinds


def test_the_filer_hears_progress_then_the_decision(person, inapp) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.county_review", site="进展村")
    filer = person("huoqiu_filer")
    seen = len(kinds(filer))
    inapp(fire, item_id, "endorse", "huoqiu_reviewer")  # on to the city: progress
    inapp(fire, item_id, "accept", "city_reviewer")  # 确定为创建对象: decided
    inapp(lambda: (deliver_pending(db.session), db.session.commit()))
    new = [(kind, text.strip()) for kind, text in kinds(filer)][: len(kinds(filer)) - seen]
    assert [kind for kind, _text in new] == ["decided", "progressed"], new  # newest first
    assert "审核通过并报市" in new[1][1] and "确定为创建对象" in new[0][1]
    page = filer.get("/notifications")
    assert "审批进展" in page and page.count("已办结/已决定") == sum(1 for k, _t in kinds(filer) if k == "decided")
