"""系统管理: accounts bound to a role and a unit, password resets, deactivation, units; administrators only."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.units.models import Unit
from tests.screens.support import Person, flashes, make_application, text_of


def uid(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def unit_id(slug: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.slug == slug))


def test_only_administrators_open_the_admin_screens(person) -> None:
    for path in ("/admin/users", "/admin/users/new", "/admin/units", "/admin/units/new"):
        assert person("admin").client.get(path).status_code == 200, path
        for username in ("office_approver", "huoqiu_filer", "supervisor"):
            assert person(username).client.get(path).status_code == 403, (path, username)
    assert "系统管理" in person("admin").get("/todo") and "系统管理" not in person("city_reviewer").get("/todo")


def test_create_a_county_user_who_sees_only_their_county(person, inapp, app) -> None:
    admin = person("admin")
    r = admin.post("/admin/users/new", {"username": "hq_zhang", "display_name": "张经办", "role": "county_filer",
                                        "unit_id": inapp(unit_id, "commerce"), "password": "abc12345"}, follow=True)
    assert "县区经办人、县区审核人必须属于某个县区" in " ".join(flashes(r.get_data(as_text=True)))
    r = admin.post("/admin/users/new", {"username": "hq_zhang", "display_name": "张经办", "role": "county_filer",
                                        "unit_id": inapp(unit_id, "huoqiu"), "password": "short"}, follow=True)
    assert "密码至少需要 8 个字符" in " ".join(flashes(r.get_data(as_text=True)))
    admin.post("/admin/users/new", {"username": "hq_zhang", "display_name": "张经办", "role": "county_filer",
                                    "unit_id": inapp(unit_id, "huoqiu"), "email": "zhang@huoqiu.example",
                                    "password": "abc12345"}, status=302)
    assert 'data-user="hq_zhang"' in admin.get("/admin/users?q=hq_")
    item_id = inapp(make_application, "huoqiu")
    other = inapp(make_application, "shucheng", site="晓天村")
    zhang = Person(app, "hq_zhang", "abc12345")
    shown = {int(i) for i in re.findall(r'data-item-id="(\d+)"', zhang.get("/all?type=application"))}
    assert item_id in shown and other not in shown
    r = admin.post("/admin/users/new", {"username": "hq_zhang", "display_name": "x", "role": "county_filer",
                                        "unit_id": inapp(unit_id, "huoqiu"), "password": "abc12345"}, follow=True)
    assert "该用户名已被使用" in " ".join(flashes(r.get_data(as_text=True)))


def test_reset_password_role_change_and_deactivation_end_sessions(person, inapp, app) -> None:
    admin, victim = person("admin"), person("yeji_filer")
    assert victim.client.get("/todo").status_code == 200
    user = inapp(uid, "yeji_filer")
    r = admin.post(f"/admin/users/{user}/password", {"password": "newpass2018"}, follow=True)
    assert "其已登录的会话和访问令牌全部失效" in " ".join(flashes(r.get_data(as_text=True)))
    assert victim.client.get("/todo").status_code == 302  # signed out everywhere
    Person(app, "yeji_filer", "newpass2018")  # the new password works

    admin.post(f"/admin/users/{user}", {"display_name": "叶集区审核", "role": "county_reviewer",
                                        "unit_id": inapp(unit_id, "yeji"), "email": ""}, status=302)
    assert inapp(lambda: db.session.get(User, user).role) == "county_reviewer"

    admin.post(f"/admin/users/{user}/active", {"active": "0"}, status=302)
    login = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login.get("/login").get_data(as_text=True)).group(1)
    r = login.post("/login", data={"username": "yeji_filer", "password": "newpass2018", "csrf_token": token})
    assert r.status_code == 200 and "用户名或密码错误" in r.get_data(as_text=True)
    r = admin.post(f"/admin/users/{inapp(uid, 'admin')}/active", {"active": "0"}, follow=True)
    assert "不能停用本人的账号" in " ".join(flashes(r.get_data(as_text=True)))
    admin.post(f"/admin/users/{user}/active", {"active": "1"}, status=302)
    assert inapp(lambda: db.session.get(User, user).is_active_user) is True


def test_manage_units(person, inapp) -> None:
    admin = person("admin")
    admin.post("/admin/units/new", {"slug": "shuili", "name": "市水利局", "kind": "department", "sort_order": "90",
                                    "is_active": "1"}, status=302)
    assert 'data-unit="shuili"' in admin.get("/admin/units")
    unit = inapp(unit_id, "shuili")
    admin.post(f"/admin/units/{unit}", {"name": "六安市水利局", "code": "", "sort_order": "91"}, status=302)
    row = inapp(lambda: (lambda u: (u.name, u.kind, u.is_active))(db.session.get(Unit, unit)))
    assert row == ("六安市水利局", "department", False)
    r = admin.post("/admin/units/new", {"slug": "Bad Slug", "name": "x", "kind": "department"}, follow=True)
    assert "单位代码须以小写字母开头" in text_of(r.get_data(as_text=True))
