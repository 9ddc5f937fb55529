"""Arranging items and users in-process (the app's own models and operations), before the server acts."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from app.applications.models import Application
from app.auth.models import User
from app.auth.passwords import hash_password
from app.extensions import db
from app.items.operations import create_item, fire_transition
from app.notices.operations import create_notice
from app.plans.models import Plan
from app.units.models import Unit
from tests.conftest import DEMO_PASSWORD
from tests.factories import actor_of, add_evidence, complete_fields

NOTICE_BODY = "一、基本情况\n部分县区未按期报送实施方案。\n二、下一步要求\n请于7月31日前完成整改。"


def extra_users(app: Flask, prefix: str, role: str, unit_slug: str, count: int) -> list[str]:
    """``count`` more active users with ``role`` in ``unit_slug``, all with the demo password."""
    names = [f"{prefix}{i}" for i in range(1, count + 1)]
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.slug == unit_slug))
        password_hash = hash_password(DEMO_PASSWORD)
        for name in names:
            db.session.add(User(username=name, display_name=name, role=role, unit_id=unit.id,
                                password_hash=password_hash, is_active_user=True, session_version=1))
        db.session.commit()
    return names


def application_in(app: Flask, steps: tuple[tuple[str, str], ...], site: str = "大顾店村") -> tuple[int, int]:
    """A huoqiu village application with evidence, moved through ``steps`` ((username, trigger), …).

    Returns (item id, current version)."""
    with app.app_context():
        plan = db.session.scalar(select(Plan).where(Plan.is_current.is_(True)))
        unit = db.session.scalar(select(Unit).where(Unit.slug == "huoqiu"))
        row = Application(plan_id=plan.id, title=f"{unit.name}{site}申报", unit_id=unit.id, county_id=unit.id,
                          category="provincial_demo_village", site_name=site,
                          fields=complete_fields("provincial_demo_village"))
        create_item(row, actor_of("huoqiu_filer"))
        add_evidence(row.id)
        db.session.commit()
        version = 1
        for username, trigger in steps:
            version = fire_transition(row.id, trigger, actor_of(username), version=version).version
            db.session.commit()
        return row.id, version


SUBMITTED = (("huoqiu_filer", "submit"),)
AT_CITY_REVIEW = (("huoqiu_filer", "submit"), ("huoqiu_reviewer", "endorse"))


def notices_in_review(app: Flask, count: int) -> list[int]:
    """``count`` criticism notices drafted and submitted by the city reviewer (state ``review``, v2)."""
    ids: list[int] = []
    with app.app_context():
        for i in range(count):
            notice = create_notice(actor_of("city_reviewer"), "criticism", {
                "title": f"关于部分县区推进不力的通报（{i + 1}）", "addressees": "各县区人民政府，市直有关部门",
                "body": NOTICE_BODY, "subject_units": ["huoqiu", "yeji"]})
            db.session.commit()
            fire_transition(notice.id, "submit", actor_of("city_reviewer"), version=1)
            db.session.commit()
            ids.append(notice.id)
    return ids
