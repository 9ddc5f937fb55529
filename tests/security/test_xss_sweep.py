"""XSS sweep: every user-writable text field gets a script payload through the real forms and the API,
then every page that can show it is fetched and must carry it escaped, never raw. Notices are also
issued, and the archived PDF must show the payload as literal text and embed no file.

Text fields covered (all written through the screens or /api/v1):
  application: site name, every category field, an API-only field key and value, evidence file names;
  transitions: send_back / order_rectification / revoke comments, self-assessment text, rectification
  report, inspection findings, provincial document number;
  task: extension-request reason, the office's decision comment, the 催办 comment (→ notifications);
  notice: title, addressees, body, copies, attachments note;
  delegation: reason; admin: a user's display name, a unit's name;
  plus query parameters reflected by list pages and the verification page.
"""
from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy import func, select, text

from app.attachments.storage import safe_name
from tests.helpers import in_app
from tests.api.conftest import Api
from tests.screens.support import PDF, Person

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&"
RAW = ("<script>alert", "<img src=x")
SQL = "'; DROP TABLE items; --"
HOSTILE_LINK = "<link rel=attachment href=file:///etc/passwd>"


class Visitor(Person):
    """A signed-in person whose CSRF token is read once (each fresh read would render a whole worklist)."""

    def __init__(self, app: Flask, username: str) -> None:
        self._token: str | None = None
        super().__init__(app, username)
        self._token = super().token("/account/password")

    def token(self, path: str = "/todo") -> str:
        return self._token or super().token(path)


def p(marker: str) -> str:
    """The payload with a marker naming its field (stays within 64 characters)."""
    return f"{marker}{PAYLOAD}"


def file_name(marker: str) -> str:
    """A hostile evidence file name (no slash or quote: multipart itself would cut the name there)."""
    return f"{marker}<script>alert(1)<img src=x onerror=alert(2)>&.pdf"


def shown(marker: str) -> str:
    """How a correctly escaped page shows the field."""
    return str(escape(p(marker)))


def assert_clean(html: str, where: str) -> None:
    low = html.lower()
    for bit in RAW:
        at = low.find(bit)
        assert at < 0, f"unescaped payload ({bit}) on {where}: …{low[max(0, at - 200):at + 80]}…"


def location_id(response) -> int:
    assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:2000])
    return int(re.search(r"/items/(\d+)", response.headers["Location"]).group(1))


def _task_of(county: str) -> int:
    from app.extensions import db
    from app.items.models import Item
    from app.units.models import Unit

    unit = db.session.scalar(select(Unit).where(Unit.slug == county))
    return db.session.scalar(select(Item.id).where(Item.type == "task", Item.unit_id == unit.id,
                                                   Item.state == "mobilization.draft").order_by(Item.id).limit(1))


def _make_overdue(item_id: int) -> None:
    from app.extensions import db
    from app.items.models import Item

    db.session.get(Item, item_id).due_on = date(2018, 7, 1)


def _ids(username: str, unit_slug: str | None = None) -> tuple[int, int | None]:
    from app.auth.models import User
    from app.extensions import db
    from app.units.models import Unit

    user_id = db.session.scalar(select(User.id).where(User.username == username))
    unit_id = db.session.scalar(select(Unit.id).where(Unit.slug == unit_slug)) if unit_slug else None
    return user_id, unit_id


def _extension_request(item_id: int) -> int:
    from app.extension_requests.models import ExtensionRequest
    from app.extensions import db

    return db.session.scalar(select(ExtensionRequest.id).where(ExtensionRequest.item_id == item_id))


def _verification_code(item_id: int) -> str:
    from app.extensions import db
    from app.notices.models import Notice

    return db.session.get(Notice, item_id).verification_code


def _item_count() -> int:
    from app.extensions import db
    from app.items.models import Item

    return db.session.scalar(select(func.count()).select_from(Item))


# -- building the world -------------------------------------------------------------------------

NOTICE_BODY = f"一、{p('NB')}\n{HOSTILE_LINK}\n（一）{SQL}"


def file_notice(city: Visitor, office: Visitor) -> int:
    """A criticism notice filed through the form, every text field hostile, submitted and issued."""
    r = city.post("/filing/notices/new", {"kind": "criticism", "title": p("NT"), "addressees": p("NA"),
                                          "body": NOTICE_BODY, "copies": p("NC"), "attachments_note": p("NN"),
                                          "subject_units": ["huoqiu"]})
    notice_id = location_id(r)
    edit = city.get(f"/notices/{notice_id}/edit")  # the draft's form shows the values inside inputs/textareas
    assert_clean(edit, "notice edit form")
    for marker in ("NT", "NA", "NC", "NN", "NB"):
        assert shown(marker) in edit, marker
    assert city.act(notice_id, "submit").status_code == 200
    assert office.act(notice_id, "issue").status_code == 200
    return notice_id


def build_world(app: Flask) -> dict[str, Any]:
    users = ("huoqiu_filer", "huoqiu_reviewer", "city_reviewer", "office_approver", "supervisor", "admin")
    people = {u: Visitor(app, u) for u in users}
    filer, reviewer = people["huoqiu_filer"], people["huoqiu_reviewer"]
    city, office, admin = people["city_reviewer"], people["office_approver"], people["admin"]

    # an application through the filing form, every text input hostile, with a hostile file name
    form = {"category": "provincial_demo_village", "site_name": p("S1"), "f_town": p("F1"), "f_population": "12",
            "f_main_products": p("F2"), "f_service_station": p("F3"), "f_online_sales": "5",
            "f_highlights": p("F4"), "f_contact_person": p("F5"), "f_contact_phone": p("F6"), "kind": "evidence",
            "file": (io.BytesIO(PDF), file_name("N1"))}
    app_id = location_id(filer.post("/filing/applications/new", form, content_type="multipart/form-data"))
    new_form = filer.client.post("/filing/applications/new", data={
        "category": "provincial_demo_village", "site_name": p("S9"), "csrf_token": filer.token()})
    assert_clean(new_form.get_data(as_text=True), "application form re-shown with errors")

    # every comment / input of the main path, through the buttons of the item page
    assert filer.act(app_id, "submit").status_code == 200
    assert reviewer.act(app_id, "send_back", comment=p("C1")).status_code == 200
    assert filer.act(app_id, "submit").status_code == 200
    assert reviewer.act(app_id, "endorse").status_code == 200
    assert city.act(app_id, "accept").status_code == 200
    assert filer.act(app_id, "start_self_assessment").status_code == 200
    filer.post(f"/items/{app_id}/files", {"kind": "evidence", "file": (io.BytesIO(PDF), file_name("N2"))},
               content_type="multipart/form-data", status=302)
    assert filer.act(app_id, "submit", text=p("T1"), fig_online_sales="320").status_code == 200
    assert reviewer.act(app_id, "endorse").status_code == 200
    assert office.act(app_id, "order_rectification", comment=p("C2"), deadline="2018-08-31").status_code == 200
    filer.post(f"/items/{app_id}/files", {"kind": "evidence", "file": (io.BytesIO(PDF), "整改.pdf")},
               content_type="multipart/form-data", status=302)
    assert filer.act(app_id, "submit", report=p("R1")).status_code == 200
    assert reviewer.act(app_id, "endorse").status_code == 200
    assert office.act(app_id, "pass", findings=p("FD")).status_code == 200
    assert office.act(app_id, "record_provincial_decision", decision="approved",
                      document_number=p("D1")).status_code == 200
    assert office.act(app_id, "revoke", comment=p("C3")).status_code == 200
    state = Api(app.test_client()).get(f"/items/{app_id}", "office_approver").get_json()["state"]
    assert state == "revoked"

    # a second application through the API: free field keys are shown as labels; SQL-looking text
    api = Api(app.test_client())
    created = api.create_application(site_name=p("S2"), fields={"town": p("F7"), p("K1"): p("V1"),
                                                                "contact_person": SQL})
    draft_id = created["id"]

    # a task: extension request (reason), the office's refusal (comment), 催办 (comment → notifications)
    task_id = in_app(app, _task_of, "huoqiu")
    in_app(app, _make_overdue, task_id)
    filer.post(f"/items/{task_id}/extension", {"requested_until": "2018-08-15", "reason": p("E1")}, status=302)
    request_id = in_app(app, _extension_request, task_id)
    assert request_id, "the extension request was not stored"
    reviewer.post(f"/extensions/{request_id}/endorse", {"decision": "endorse", "comment": p("E3")}, status=302)
    pending = office.get("/extensions")
    assert_clean(pending, "/extensions (pending)")
    assert shown("E1") in pending
    office.post(f"/extensions/{request_id}/decide", {"decision": "refused", "comment": p("E2")}, status=302)
    city.post(f"/items/{task_id}/remind", {"comment": p("M1")}, status=302)

    # a delegation with a hostile reason
    reviewer_id, _ = in_app(app, _ids, "huoqiu_reviewer")
    delegate_id, _ = in_app(app, _ids, "yeji_reviewer")
    reviewer.post("/delegations", {"delegator_id": reviewer_id, "delegate_id": delegate_id,
                                   "starts_on": "2018-07-10", "ends_on": "2018-07-20", "reason": p("G1")}, status=302)

    # the administrator renames a user and a unit
    _, unit_id = in_app(app, _ids, "huoqiu_reviewer", "huoqiu")
    admin.post(f"/admin/users/{reviewer_id}", {"display_name": p("U1"), "role": "county_reviewer",
                                               "unit_id": unit_id, "email": ""}, status=302)
    admin.post(f"/admin/units/{unit_id}", {"slug": "huoqiu", "name": p("U2"), "kind": "county", "code": "341522",
                                           "sort_order": "1", "is_active": "1"}, status=302)

    notice_id = file_notice(city, office)
    return {"people": people, "app_id": app_id, "draft_id": draft_id, "task_id": task_id, "notice_id": notice_id,
            "code": in_app(app, _verification_code, notice_id)}


# -- the sweep ----------------------------------------------------------------------------------

COMMON_PAGES = ("/", "/todo", "/mine", "/done", "/dashboard/items", "/dashboard/overdue", "/dashboard/matrix",
                "/dashboard/trends", "/extensions", "/delegations", "/notifications", "/reports/",
                "/dashboard/items?county=huoqiu", "/dashboard/items?type=application&county=huoqiu",
                "/dashboard/overdue?county=huoqiu", "/todo?q=S1", "/done?q=S1")
COUNTY_ONLY_PAGES = ("/dashboard",)
#: pages known to answer 500 (none today; the access matrix checks every status)
KNOWN_BROKEN: set[str] = set()


def test_every_text_field_is_escaped_on_every_page(sqlite_app: Flask) -> None:
    app = sqlite_app
    w = build_world(app)
    people = w["people"]
    app_id, draft_id, task_id, notice_id = w["app_id"], w["draft_id"], w["task_id"], w["notice_id"]
    item_pages = [f"/items/{i}" for i in (app_id, draft_id, task_id, notice_id)]
    item_pages += [f"/items/{i}/print" for i in (app_id, draft_id, task_id, notice_id)]
    if "notices.notice_preview" in {r.endpoint for r in app.url_map.iter_rules()}:
        item_pages.append(f"/items/{notice_id}/notice-preview")
    seen: dict[str, str] = {}
    for username, person in people.items():
        pages = list(COMMON_PAGES) + item_pages
        if username.startswith("huoqiu"):
            pages += list(COUNTY_ONLY_PAGES)
        if username == "huoqiu_filer":
            pages.append(f"/items/{draft_id}/edit")
        if username == "admin":
            reviewer_id, unit_id = in_app(app, _ids, "huoqiu_reviewer", "huoqiu")
            pages += ["/admin/users", "/admin/units", f"/admin/users/{reviewer_id}", f"/admin/units/{unit_id}",
                      "/admin/users?q=" + "U1"]
        for path in pages:
            try:
                response = person.client.get(path)
            except Exception:  # noqa: BLE001  (a server error, re-raised by the test client)
                assert path in KNOWN_BROKEN, (username, path, "500")
                continue
            if response.status_code == 404 and path.startswith("/items/"):
                continue  # not visible to this role (checked by the access matrix)
            assert response.status_code == 200, (username, path, response.status_code)
            html = response.get_data(as_text=True)
            assert_clean(html, f"{path} as {username}")
            seen[f"{username} {path}"] = html
    # the delegation reason is not listed; a refused form shows it back inside its input
    refused = people["huoqiu_reviewer"].post("/delegations", {"delegate_id": "0", "starts_on": "2018-07-20",
                                                              "ends_on": "2018-07-10", "reason": p("G1")}, status=200)
    seen["huoqiu_reviewer /delegations (refused form)"] = refused.get_data(as_text=True)
    assert_clean(seen["huoqiu_reviewer /delegations (refused form)"], "/delegations refused form")
    verify = app.test_client().get(f"/verify/{w['code']}")
    assert verify.status_code == 200
    assert_clean(verify.get_data(as_text=True), "/verify")
    seen["public /verify"] = verify.get_data(as_text=True)

    item, prt = f"/items/{app_id}", f"/items/{app_id}/print"
    expected = {
        # field marker: pages (username path) that must show it escaped
        "S1": [f"office_approver {item}", f"office_approver {prt}", "huoqiu_filer /done?q=S1",
               "huoqiu_reviewer /done"],
        **{m: [f"huoqiu_filer {item}", f"supervisor {prt}"] for m in ("F1", "F2", "F3", "F4", "F5", "F6")},
        "C1": [f"huoqiu_filer {item}", f"city_reviewer {prt}"],
        "T1": [f"huoqiu_filer {item}"], "C2": [f"huoqiu_filer {item}"], "R1": [f"huoqiu_filer {item}"],
        "FD": [f"supervisor {item}"], "D1": [f"supervisor {item}"], "C3": [f"huoqiu_filer {item}"],
        "S2": [f"huoqiu_filer /items/{draft_id}", f"huoqiu_filer /items/{draft_id}/edit", "huoqiu_filer /todo",
               "city_reviewer /dashboard/items?type=application&county=huoqiu"],
        "F7": [f"huoqiu_filer /items/{draft_id}", f"huoqiu_filer /items/{draft_id}/edit"],
        # K1/V1, a field no form defines, is kept (the API returns it) but shown on no screen: the item page
        # prints the category's own fields only, by their labels
        "E1": [f"huoqiu_filer /items/{task_id}"], "E2": [f"office_approver /items/{task_id}"],
        "E3": [f"office_approver /items/{task_id}"],
        "M1": ["huoqiu_filer /notifications"],
        "G1": ["huoqiu_reviewer /delegations (refused form)"],
        "U1": ["admin /admin/users", f"huoqiu_filer {item}"],
        "U2": ["admin /admin/units", f"city_reviewer {item}", "huoqiu_filer /dashboard"],
        "NT": [f"city_reviewer /items/{notice_id}", "public /verify", "huoqiu_filer /todo"],
        "NA": [f"city_reviewer /items/{notice_id}"], "NB": [f"huoqiu_filer /items/{notice_id}"],
        "NC": [f"huoqiu_reviewer /items/{notice_id}"],
    }
    preview = f"city_reviewer /items/{notice_id}/notice-preview"
    if preview in seen:  # the notice laid out as a page, every printed field
        for marker in ("NT", "NA", "NB", "NC", "NN"):
            expected.setdefault(marker, []).append(preview)
    missing = [(marker, page) for marker, pages in expected.items() for page in pages
               if page not in seen or shown(marker) not in seen[page]]
    assert missing == [], f"escaped payload not shown where its field is: {missing}"
    # file names are shown after the stored name's own cleaning, escaped
    for marker in ("N1", "N2"):
        name = str(escape(safe_name(file_name(marker))))
        links = re.findall(r'<td><a href="/items/\d+/files/\d+">(.*?)</a>', seen[f"huoqiu_filer {item}"])
        assert name in links, (marker, links)
    # SQL-looking text is stored and shown as text
    assert str(escape(SQL)) in seen[f"huoqiu_filer /items/{draft_id}"]
    assert str(escape(SQL)) in seen[f"city_reviewer /items/{notice_id}"]
    assert in_app(app, _item_count) > 0
    # the API returns the same text as data (JSON, never sniffed as HTML)
    api = Api(app.test_client())
    detail = api.get(f"/items/{draft_id}", "huoqiu_filer")
    assert detail.mimetype == "application/json" and detail.headers.get("X-Content-Type-Options") == "nosniff"
    body = detail.get_json()
    assert body["site_name"] == p("S2") and body["fields"][p("K1")] == p("V1")
    assert body["fields"]["contact_person"] == SQL


REFLECTED = {
    "/todo": ("q", "county", "category", "sort", "page", "per_page"),
    "/done": ("q", "county", "category"),
    "/mine": ("q", "county"),
    "/dashboard/items": ("county", "unit", "type", "phase", "state", "indicator", "status", "light", "task"),
    "/dashboard/overdue": ("county", "level", "type", "soon"),
    "/dashboard/matrix": ("kind", "type"),
    "/dashboard/trends": ("unit",),
    "/notifications": ("unread", "page"),
    "/reports/": ("year", "quarter", "unit"),
    "/admin/users": ("q", "role", "unit", "inactive", "page"),
}


@pytest.mark.parametrize("username", ["huoqiu_filer", "admin"])
def test_query_parameters_are_not_reflected_raw(sqlite_app: Flask, username: str) -> None:
    person = Visitor(sqlite_app, username)
    for path, names in REFLECTED.items():
        if path.startswith("/admin") and username != "admin":
            continue
        for name in names:
            response = person.client.get(path, query_string={name: p(name)})
            assert response.status_code in (200, 302, 400, 404), (path, name, response.status_code)
            assert_clean(response.get_data(as_text=True), f"{path}?{name}=… as {username}")
        response = person.client.get(path, query_string={n: SQL for n in names})
        assert response.status_code in (200, 302, 400, 404), (path, "sql", response.status_code)
    anonymous = sqlite_app.test_client()
    code = PAYLOAD.replace("</script>", "")  # a path segment holds no slash
    for path in ("/verify/" + code, "/login?next=" + PAYLOAD, "/verify/" + SQL):
        response = anonymous.get(path)
        assert response.status_code in (200, 302, 404), (path, response.status_code)
        assert_clean(response.get_data(as_text=True), path)
    assert str(escape(code)) in anonymous.get("/verify/" + code).get_data(as_text=True)


# -- notices as PDF -----------------------------------------------------------------------------

def _pdf_text(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages)


def _assert_no_embedded_files(data: bytes) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    names = reader.trailer["/Root"].get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object(), "the PDF embeds a file"
    assert dict(reader.attachments) == {}, reader.attachments
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            assert annot.get_object().get("/Subtype") != "/FileAttachment", "the PDF carries a file attachment"
    assert b"root:x:0:0" not in data and b"/EmbeddedFile" not in data


def _squash(value: str) -> str:
    return re.sub(r"\s+", "", value)


def test_issued_notice_pdf_shows_the_payload_as_text_and_embeds_nothing(sqlite_app: Flask) -> None:
    city, office = Visitor(sqlite_app, "city_reviewer"), Visitor(sqlite_app, "office_approver")
    notice_id = file_notice(city, office)
    response = office.client.get(f"/items/{notice_id}/notice.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.data
    _assert_no_embedded_files(data)
    text = _squash(_pdf_text(data))
    for marker in ("NT", "NA", "NB", "NC", "NN"):
        assert _squash(p(marker)) in text, (marker, text[:2000])
    assert _squash(HOSTILE_LINK) in text  # the hostile tag is printed as a line of text
    assert _squash(SQL) in text
    # the API's copy is the same archived file
    api_pdf = Api(sqlite_app.test_client()).get(f"/notices/{notice_id}/pdf", "huoqiu_filer")
    assert api_pdf.status_code == 200 and api_pdf.data == data


def test_draft_notice_preview_through_the_api_embeds_nothing(sqlite_app: Flask) -> None:
    api = Api(sqlite_app.test_client())
    r = api.post("/notices", "city_reviewer", json={
        "kind": "commendation", "title": p("AT"), "addressees": p("AA"), "subject_units": ["yeji"],
        "body": f"{HOSTILE_LINK}\n{p('AB')}\n<object data=file:///etc/passwd></object>", "copies": p("AC"),
        "attachments_note": f"{p('AN')}\n{HOSTILE_LINK}"})
    assert r.status_code == 201, r.get_json()
    preview = api.get(f"/notices/{r.get_json()['id']}/pdf", "office_approver")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    _assert_no_embedded_files(preview.data)
    text = _squash(_pdf_text(preview.data))
    for marker in ("AT", "AA", "AB", "AC", "AN"):
        assert _squash(p(marker)) in text, (marker, text[:2000])


# -- both backends ------------------------------------------------------------------------------

def test_comment_and_site_name_are_escaped_on_both_backends(app: Flask) -> None:
    api = Api(app.test_client())
    created = api.create_application(site_name=p("B1") + SQL)
    assert api.upload(created["id"]).status_code == 201
    assert api.fire(created["id"], "huoqiu_filer", "submit", 1).status_code == 200
    r = api.fire(created["id"], "huoqiu_reviewer", "send_back", 2, comment=p("B2") + SQL)
    assert r.status_code == 200, r.get_json()
    reviewer = Visitor(app, "huoqiu_reviewer")
    for path in (f"/items/{created['id']}", f"/items/{created['id']}/print", "/done", "/todo?q=B1"):
        html = reviewer.get(path)
        assert_clean(html, path)
    page = reviewer.get(f"/items/{created['id']}")
    assert str(escape(p("B1") + SQL)) in page and str(escape(p("B2") + SQL)) in page
    filer_list = Visitor(app, "huoqiu_filer").get("/todo")
    assert str(escape(p("B1") + SQL)) in filer_list
    with app.app_context():
        from app.extensions import db

        assert db.session.execute(text("SELECT count(*) FROM items")).scalar() > 0
        db.session.remove()
    assert api.get(f"/items/{created['id']}", "huoqiu_filer").get_json()["history"][-1]["comment"] == p("B2") + SQL
