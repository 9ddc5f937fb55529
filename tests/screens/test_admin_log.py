"""管理日志: every administrator's change to accounts and units leaves one record (who, when, what
changed, never the password or its hash), shown to administrators only; the table is append-only."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from app.audit.models import AdminEvent
from app.auth.models import User
from app.extensions import db
from app.units.models import Unit
from tests.screens.support import text_of


def uid(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def unit_id(slug: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.slug == slug))


def log_rows() -> list[tuple[str, str, str, str, dict]]:
    return [(e.actor, e.action, e.target_type, e.target, json.loads(e.changes_json))
            for e in db.session.scalars(select(AdminEvent).order_by(AdminEvent.id))]


def test_every_admin_change_is_logged_without_passwords(person, inapp) -> None:
    admin = person("admin")
    huoqiu, shucheng = inapp(unit_id, "huoqiu"), inapp(unit_id, "shucheng")
    # a refused change records nothing
    admin.post("/admin/users/new", {"username": "hq_zhang", "display_name": "张经办", "role": "county_filer",
                                    "unit_id": huoqiu, "password": "short"})
    assert inapp(log_rows) == []
    admin.post("/admin/users/new", {"username": "hq_zhang", "display_name": "张经办", "role": "county_filer",
                                    "unit_id": huoqiu, "email": "zhang@huoqiu.example", "password": "Secret-abc12345"},
               status=302)
    user = inapp(uid, "hq_zhang")
    admin.post(f"/admin/users/{user}", {"display_name": "张经办", "role": "county_reviewer", "unit_id": shucheng,
                                        "email": "zhang@huoqiu.example"}, status=302)
    admin.post(f"/admin/users/{user}", {"display_name": "张经办", "role": "county_reviewer", "unit_id": shucheng,
                                        "email": "zhang@huoqiu.example"}, status=302)  # nothing changed: no entry
    admin.post(f"/admin/users/{user}/password", {"password": "Another-pw2018"}, status=302)
    admin.post(f"/admin/users/{user}/active", {"active": "0"}, status=302)
    admin.post(f"/admin/users/{user}/active", {"active": "1"}, status=302)
    admin.post("/admin/units/new", {"slug": "newzone", "name": "新区管委", "kind": "zone", "sort_order": "90",
                                    "is_active": "1"}, status=302)
    zone = inapp(unit_id, "newzone")
    admin.post(f"/admin/units/{zone}", {"name": "六安经济技术开发区管委会", "kind": "zone", "sort_order": "90",
                                        "is_active": ""}, status=302)

    rows = inapp(log_rows)
    assert [(a, action, kind, target) for a, action, kind, target, _c in rows] == [
        ("admin", "create_user", "user", "hq_zhang"),
        ("admin", "update_user", "user", "hq_zhang"),
        ("admin", "reset_password", "user", "hq_zhang"),
        ("admin", "deactivate_user", "user", "hq_zhang"),
        ("admin", "activate_user", "user", "hq_zhang"),
        ("admin", "create_unit", "unit", "newzone"),
        ("admin", "update_unit", "unit", "newzone"),
    ]
    created, updated, reset, deactivated = (r[4] for r in rows[:4])
    assert created["username"] == [None, "hq_zhang"] and created["role"] == [None, "county_filer"]
    assert created["unit"] == [None, "霍邱县（huoqiu）"]
    assert updated == {"role": ["county_filer", "county_reviewer"], "unit": ["霍邱县（huoqiu）", "舒城县（shucheng）"]}
    assert reset == {} and deactivated == {"is_active": [True, False]}
    assert rows[6][4] == {"name": ["新区管委", "六安经济技术开发区管委会"], "is_active": [True, False]}
    # never the password nor its hash, anywhere in the log
    hashes = inapp(lambda: db.session.scalar(select(User.password_hash).where(User.username == "hq_zhang")))
    raw = inapp(lambda: " ".join(db.session.scalars(select(AdminEvent.changes_json))))
    for secret in ("Secret-abc12345", "Another-pw2018", hashes, "argon2", "password"):
        assert secret not in raw

    page = admin.get("/admin/log")
    words = text_of(page)
    assert "管理日志" in words and words.count("hq_zhang") >= 5
    assert "重置密码" in words and "停用账号" in words and "县区审核人" in words and "舒城县（shucheng）" in words
    assert "Secret-abc12345" not in page and "Another-pw2018" not in page
    only = admin.get("/admin/log?action=reset_password")
    assert only.count("data-admin-event=") == 1
    assert 'href="/admin/log"' in admin.get("/admin/users")  # a tab of the admin screens


def test_the_log_is_for_administrators_and_append_only(person, inapp) -> None:
    person("admin").post(f"/admin/users/{inapp(uid, 'yeji_filer')}/password", {"password": "newpass2018"},
                         status=302)
    for username in ("office_approver", "city_reviewer", "huoqiu_filer", "supervisor"):
        assert person(username).client.get("/admin/log").status_code == 403

    def tamper(statement: str) -> None:
        event_id = db.session.scalar(select(AdminEvent.id))
        try:
            db.session.execute(text(statement), {"id": event_id})
            db.session.flush()
        finally:
            db.session.rollback()

    for statement in ("UPDATE admin_events SET actor = 'someone' WHERE id = :id",
                      "DELETE FROM admin_events WHERE id = :id"):
        with pytest.raises(Exception, match="append-only"):
            inapp(tamper, statement)
    assert [r[:2] for r in inapp(log_rows)] == [("admin", "reset_password")]
