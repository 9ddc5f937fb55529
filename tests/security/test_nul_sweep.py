"""NUL sweep, on PostgreSQL (which cannot store NUL or lone surrogates, where SQLite keeps them).

Every form of the screens is found by reading the pages six roles see (item pages in several states,
filing, worklists, dashboards, delegations, extensions, reports, notifications, administration); each
of its fields, and each filter parameter, is sent in turn with a NUL character in it. Every such
request must be refused with the Chinese 400 page before anything runs: no 5xx, and the database
(every table, row by row) unchanged. A POST route of the screens that no page offers a form for
fails the sweep, so a new form cannot escape it. The API refuses the same text with a 400 JSON error.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select, text

from app.extensions import db
from app.items.models import Item
from app.units.models import Unit
from tests.helpers import in_app
from tests.api.conftest import Api
from tests.screens.support import PDF, Person, attach, make_application

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

NUL = "\x00"
#: POST routes whose forms carry no input but the CSRF token (nothing typed can reach the database)
NO_TEXT_INPUT = {"auth.logout", "delegations.revoke", "notifications.open_one", "notifications.read_all",
                 "reports.open_reports", "notices.acknowledge", "attachments.delete_file", "reports.delete_file",
                 "auth.choose_plan"}  # the plan switcher: a select of plan ids, shown with two plans or more
#: filter parameters named in the probe's report, beyond those the pages' own filter forms carry
FILTERS = {
    "/dashboard/items": ("state", "indicator", "unit", "county", "type", "phase", "status", "light", "task"),
    "/dashboard/overdue": ("county", "level", "type", "soon"),
    "/dashboard/quota-hint": ("category", "county"),
    "/dashboard/matrix": ("kind", "type"),
    "/dashboard/trends": ("unit",),
    "/dashboard/trends.json": ("unit",),
    "/dashboard/quotas.json": ("county",),
    "/todo": ("q", "county", "category", "sort", "page", "per_page"),
    "/done": ("q", "county", "category"),
    "/mine": ("q", "county"),
    "/notifications": ("unread", "page"),
    "/reports/": ("year", "quarter", "unit"),
    "/admin/users": ("q", "role", "unit", "inactive", "page"),
    "/ledger.xlsx": ("county",),
}


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, kind, default value)


class Forms(HTMLParser):
    """The forms of a page, with each field's default value (a select's selected or first option)."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page, self.forms = page, []
        self._form: Form | None = None
        self._select: list[Any] | None = None
        self._textarea: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action") or self.page, (a.get("method") or "get").upper(),
                              "multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
        elif self._form is None or "name" not in a or "disabled" in a:
            return
        elif tag == "input" and a.get("type", "text") not in ("submit", "button", "reset", "image"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                if not any(f[0] == a["name"] for f in self._form.fields):
                    self._form.fields.append((a["name"], kind, a.get("value", "on")))
                return
            self._form.fields = [f for f in self._form.fields if f[0] != a["name"] or kind not in ("radio",)]
            self._form.fields.append((a["name"], kind, a.get("value", "")))
        elif tag == "select":
            self._select = [a["name"], None]
        elif tag == "option" and self._select is not None:
            if self._select[1] is None or "selected" in a:
                self._select[1] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = [a["name"], ""]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            self._form.fields.append((self._select[0], "select", self._select[1] or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea[0], "textarea", self._textarea[1] or "说明"))
            self._textarea = None


def forms_of(person: Person, page: str) -> list[Form]:
    response = person.client.get(page)
    assert response.status_code == 200, (person.username, page, response.status_code)
    parser = Forms(page)
    parser.feed(response.get_data(as_text=True))
    return parser.forms


def fingerprint(app: Flask) -> dict[str, str]:
    """Each table's row count and a digest of all its rows."""
    with app.app_context():
        try:
            names = [t.name for t in db.metadata.sorted_tables]
            sql = " UNION ALL ".join(
                f"SELECT '{n}', count(*)::text || ':' || coalesce(md5(string_agg(md5(t::text), ',' "
                f"ORDER BY md5(t::text))), '') FROM \"{n}\" t" for n in names)
            return dict(db.session.execute(text(sql)).tuples().all())
        finally:
            db.session.remove()


def _task_made_overdue(county: str, nth: int = 0) -> int:
    unit = db.session.scalar(select(Unit).where(Unit.slug == county))
    item = db.session.scalars(select(Item).where(Item.type == "task", Item.unit_id == unit.id)
                              .order_by(Item.id)).all()[nth]
    item.due_on = date(2018, 7, 1)
    return item.id


def _user_and_unit_ids() -> tuple[int, int, int]:
    from app.auth.models import User

    reviewer = db.session.scalar(select(User.id).where(User.username == "huoqiu_reviewer"))
    delegate = db.session.scalar(select(User.id).where(User.username == "yeji_reviewer"))
    unit = db.session.scalar(select(Unit.id).where(Unit.slug == "huoqiu"))
    return reviewer, delegate, unit


def _report_of(county: str) -> int | None:
    from app.reports.models import Report

    unit = db.session.scalar(select(Unit.id).where(Unit.slug == county))
    return db.session.scalar(select(Report.id).where(Report.reporter_id == unit))


def build_world(app: Flask) -> dict[str, Person]:
    """Items in the states whose pages carry every kind of form, and the people who see them."""
    people = {u: Person(app, u) for u in ("huoqiu_filer", "huoqiu_reviewer", "city_reviewer", "office_approver",
                                          "supervisor", "admin")}
    filer, reviewer, city, office = (people[u] for u in ("huoqiu_filer", "huoqiu_reviewer", "city_reviewer",
                                                         "office_approver"))
    draft = in_app(app, make_application, "huoqiu")
    in_app(app, attach, draft, "huoqiu_filer")
    review = in_app(app, make_application, "huoqiu", "mobilization.county_review")
    assessing = in_app(app, make_application, "huoqiu", "self_assessment.draft")
    task = in_app(app, _task_made_overdue, "huoqiu")
    filer.post(f"/items/{task}/extension", {"requested_until": "2018-08-15", "reason": "雨季施工"}, status=302)
    # a county reviewer's own request goes straight to the office (the filer's waits for the reviewer)
    second = in_app(app, _task_made_overdue, "huoqiu", 1)
    reviewer.post(f"/items/{second}/extension", {"requested_until": "2018-08-20", "reason": "汛期"}, status=302)
    city.post(f"/items/{task}/remind", {"comment": "请抓紧"}, status=302)
    reviewer_id, delegate_id, unit_id = in_app(app, _user_and_unit_ids)
    reviewer.post("/delegations", {"delegator_id": reviewer_id, "delegate_id": delegate_id,
                                   "starts_on": "2018-07-10", "ends_on": "2018-07-20", "reason": "出差"}, status=302)
    notice = city.post("/filing/notices/new", {"kind": "criticism", "title": "关于进度的通报", "addressees": "各县区人民政府",
                                               "body": "一、总体情况\n进度偏慢。", "subject_units": ["huoqiu"]}, status=302)
    notice_id = int(notice.headers["Location"].rsplit("/", 1)[1])
    office.post("/reports/open", {}, status=302)
    report = in_app(app, _report_of, "huoqiu")
    pages = {
        "huoqiu_filer": ["/todo", "/done", "/mine", "/dashboard", "/dashboard/items", "/notifications",
                         f"/items/{draft}", f"/items/{draft}/edit", f"/items/{assessing}", f"/items/{task}",
                         "/filing/applications/new?category=provincial_demo_village", "/account/password",
                         "/reports/", f"/reports/{report}"],
        "huoqiu_reviewer": [f"/items/{review}", "/delegations", "/todo", "/extensions"],
        "city_reviewer": ["/dashboard/overdue", f"/items/{task}", "/filing/notices/new", f"/items/{notice_id}",
                          f"/notices/{notice_id}/edit", "/dashboard/items", "/dashboard/matrix"],
        "office_approver": ["/extensions", "/reports/", "/dashboard/overdue", f"/items/{notice_id}",
                            "/opinions/settings", "/dashboard/scores/weights", "/account/opinions",
                            "/settings/workflow"],
        "supervisor": ["/dashboard/trends"],
        "admin": ["/admin/users", "/admin/users/new", f"/admin/users/{reviewer_id}", "/admin/units",
                  "/admin/units/new", f"/admin/units/{unit_id}", "/admin/plan-import", "/admin/log",
                  "/admin/calendar", "/admin/issuer"],
    }
    # forms shown only after a step the sweep does not take (a bulk preview, an uploaded plan, a
    # submitted report): their fields, as the routes read them
    later = [("huoqiu_reviewer", Form("/bulk/confirm", "POST", False, [
                 ("sel", "hidden", f"{review}:2"), ("trigger", "hidden", "endorse"), ("comment", "hidden", "同意")])),
             ("admin", Form("/admin/plan-import/confirm", "POST", False, [
                 ("token", "hidden", "0" * 64), ("filename", "hidden", "任务分解表.xlsx")])),
             # a working-day override's delete button (shown once there is an override)
             ("admin", Form("/admin/calendar/delete", "POST", False, [("day", "hidden", "2018-10-08")])),
             ("office_approver", Form(f"/reports/{report}/transition", "POST", False, [
                 ("trigger", "hidden", "accept"), ("version", "hidden", "1"), ("comment", "textarea", "采纳")]))]
    return {"people": people, "pages": pages, "later": later}


def poisoned(value: str) -> str:
    return (value or "x") + NUL + "x"


def send(person: Person, form: Form, name: str, *, csrf: str) -> Any:
    """Submit ``form`` with its defaults and a NUL in field ``name`` (in the file name for a file)."""
    data: dict[str, Any] = {}
    for fname, kind, default in form.fields:
        if kind == "file":
            data[fname] = (io.BytesIO(PDF), poisoned("证明材料") + ".pdf" if fname == name else "证明材料.pdf")
        elif fname == "csrf_token":
            data[fname] = csrf
        else:
            data[fname] = poisoned(default) if fname == name else default
    if form.method == "GET":
        return person.client.get(form.action, query_string=data)
    return person.client.post(form.action, data=data,
                              content_type="multipart/form-data" if form.multipart else None)


def assert_refused(app: Flask, before: dict[str, str], call: Callable[[], Any], where: str,
                   failures: list[str]) -> None:
    try:
        response = call()
    except Exception as exc:  # noqa: BLE001  (the test client re-raises a server error)
        failures.append(f"{where}: 500 {exc.__class__.__name__}: {str(exc)[:120]}")
        return
    body = response.get_data().decode("utf-8", "replace")
    if response.status_code != 400 or 'data-error="400"' not in body or "无法保存的字符" not in body:
        failures.append(f"{where}: {response.status_code}, not the refusal page")
    after = fingerprint(app)
    changed = sorted(name for name in after if after[name] != before[name])
    if changed:
        failures.append(f"{where}: wrote to {changed}")
        before.update(after)


def _endpoint(app: Flask, path: str, method: str) -> str:
    adapter = app.url_map.bind("localhost")
    return adapter.match(urlsplit(path).path, method=method)[0]


def collect_forms(app: Flask, world: dict[str, Any]) -> list[tuple[Person, str, Form, str]]:
    """(person, csrf token, form, endpoint) of every distinct form on the world's pages."""
    found, seen = [], set()
    for username, pages in world["pages"].items():
        person = world["people"][username]
        csrf = person.token("/account/password")
        for page in pages:
            for form in forms_of(person, page):
                key = (form.action, form.method, tuple(sorted(f[0] for f in form.fields)))
                if key not in seen:
                    seen.add(key)
                    found.append((person, csrf, form, _endpoint(app, form.action, form.method)))
    for username, form in world["later"]:
        person = world["people"][username]
        found.append((person, person.token("/account/password"), form, _endpoint(app, form.action, form.method)))
    return found


def test_every_form_field_and_filter_refuses_nul_and_writes_nothing(app: Flask) -> None:
    world = build_world(app)
    forms = collect_forms(app, world)
    failures: list[str] = []
    covered: dict[str, int] = {}
    before = fingerprint(app)  # reading the pages above marked items read; nothing may change from here
    for person, csrf, form, endpoint in forms:
        covered.setdefault(endpoint, 0)
        for name, _kind, _default in form.fields:
            if name == "csrf_token":
                continue
            covered[endpoint] += 1
            assert_refused(app, before, lambda: send(person, form, name, csrf=csrf),
                           f"{person.username} {form.method} {form.action} [{name}]", failures)
    for username, person in world["people"].items():
        for path, params in FILTERS.items():
            if path.startswith(("/admin", "/ledger")) and username != "admin":
                continue
            for param in params:
                assert_refused(app, before, lambda: person.client.get(path, query_string={param: "a" + NUL}),
                               f"{username} GET {path}?{param}=", failures)
    anonymous = app.test_client()
    assert_refused(app, before, lambda: anonymous.get("/verify/ABCD-EF%00H"), "GET /verify/ABCD-EF%00H", failures)
    assert_refused(app, before, lambda: anonymous.get("/login?next=/todo%00"), "GET /login?next=", failures)
    login_csrf = Forms("/login")
    login_csrf.feed(anonymous.get("/login").get_data(as_text=True))
    token = dict((f[0], f[2]) for f in login_csrf.forms[-1].fields)["csrf_token"]
    for name, value in (("username", "huoqiu_filer" + NUL), ("password", "plandesk2018" + NUL)):
        data = {"username": "huoqiu_filer", "password": "plandesk2018", "csrf_token": token, name: value}
        assert_refused(app, before, lambda: anonymous.post("/login", data=data), f"POST /login [{name}]", failures)
    assert failures == [], "\n".join(failures)
    # every POST route of the screens was reached by a form of some page (a new form cannot escape)
    posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods
             and not r.rule.startswith("/api/") and r.endpoint != "static"}
    unreached = sorted(posts - set(covered) - NO_TEXT_INPUT - {"auth.login"})
    assert unreached == [], f"no page of the sweep offers a form for {unreached}"
    without_fields = {e for e, n in covered.items() if n == 0 and e in posts}
    assert without_fields <= NO_TEXT_INPUT, without_fields


@pytest.mark.parametrize("body", [
    {"site_name": "大顾店村" + NUL},
    {"site_name": "大顾店村\ud800"},
    {"fields": {"town" + NUL: "宋店乡"}},
    {"fields": {"town": ["宋店乡" + NUL]}},
])
def test_the_api_refuses_the_same_text_with_400_json(app: Flask, body: dict[str, Any]) -> None:
    api = Api(app.test_client())
    before = fingerprint(app)
    payload = {"category": "municipal_demo_village", "county": "huoqiu", "site_name": "大顾店村", **body}
    r = api.post("/applications", "huoqiu_filer", json=payload)
    assert r.status_code == 400 and r.get_json()["error"] == "bad_request", r.get_json()
    assert "空字符" in r.get_json()["message"] or "代理字符" in r.get_json()["message"]
    created = api.create_application(site_name="合法名称")
    r = api.call("PATCH", f"/items/{created['id']}", "huoqiu_filer", json={"version": created["version"], **body})
    assert r.status_code == 400 and r.get_json()["error"] == "bad_request", r.get_json()
    assert api.get(f"/items/{created['id']}", "huoqiu_filer").get_json()["site_name"] == "合法名称"
    assert fingerprint(app)["applications"].split(":")[0] == str(int(before["applications"].split(":")[0]) + 1)
