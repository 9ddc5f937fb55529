"""Input limits that hold alike on the screens and through the API.

- one upload limit, ``PLANDESK_MAX_UPLOAD`` (sizes like ``40MB`` accepted), for the screens' request
  size and the API's uploads: a file of exactly the limit is kept on both, one byte more on neither;
- one figure rule for self-assessments and quarterly reports (finite, not negative, at most
  999,999,999,999.99, at most two decimals), enforced by the workflow guard, whose reason names the
  figure by its Chinese title, through the API and on the screens alike;
- one length limit for a notice's title: POST /notices, PATCH /items/{id} and the screen form.
"""
from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app import create_app
from app.attachments.models import Attachment
from app.audit.models import AuditEventRow
from app.extensions import db
from app.items.models import Item
from app.plans.models import Category, Indicator
from app.reports.models import Report
from tests.helpers import in_app
from tests.api.conftest import Api
from tests.conftest import make_config
from tests.dashboards.journeys import open_reports
from tests.screens.support import PDF, Person, flashes, make_application, text_of
from workflows.guards import figure_problems, guard_reasons
from workflows.registry import get_workflow

MB = 1024 * 1024


def _files(item_id: int) -> list[tuple[str, int]]:
    return [(a.name, a.size) for a in db.session.scalars(select(Attachment).where(Attachment.item_id == item_id)
                                                         .order_by(Attachment.id))]


def _events(item_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEventRow).where(AuditEventRow.item_id == item_id))


def pdf_of(size: int) -> bytes:
    return PDF + b"0" * (size - len(PDF))


def multipart(fields: dict[str, Any]) -> dict[str, Any]:
    """A multipart body encoded in memory (the test client would spool a large one to a file it never closes)."""
    boundary, body = encode_multipart({k: FileStorage(io.BytesIO(v[0]), filename=v[1]) if isinstance(v, tuple) else v
                                       for k, v in fields.items()})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def upload_on_screen(person: Person, item_id: int, content: bytes, name: str) -> Any:
    return person.client.post(f"/items/{item_id}/files", **multipart({
        "csrf_token": person.token(f"/items/{item_id}"), "kind": "evidence", "file": (content, name)}))


def upload_through_api(api: Api, item_id: int, content: bytes, name: str) -> Any:
    return api.post(f"/items/{item_id}/attachments", "huoqiu_filer",
                    **multipart({"file": (content, name)}))


# -- one upload limit ---------------------------------------------------------------------------

@pytest.fixture
def app_with_env(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                 ) -> Iterator[Callable[[str], Flask]]:
    """An app built from the environment with ``PLANDESK_MAX_UPLOAD`` set to the given text."""
    made: list[Flask] = []

    def build(limit: str) -> Flask:
        monkeypatch.setenv("PLANDESK_MAX_UPLOAD", limit)
        target = tmp_path / f"db{len(made)}.sqlite3"
        shutil.copyfile(sqlite_template, target)
        made.append(create_app(make_config(f"sqlite:///{target}", tmp_path / "storage")))
        return made[-1]

    yield build
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_a_file_of_exactly_the_upload_limit_is_kept_on_the_screen_and_through_the_api(sqlite_app: Flask) -> None:
    app = sqlite_app
    item_id = in_app(app, make_application, "huoqiu")
    filer, api = Person(app, "huoqiu_filer"), Api(app.test_client())
    limit = app.config["PLANDESK_MAX_UPLOAD"]
    assert limit == 20 * MB  # the documented default
    r = upload_on_screen(filer, item_id, pdf_of(limit), "正好20MB.pdf")
    assert r.status_code == 302, (r.status_code, text_of(r.get_data(as_text=True))[:300])
    assert upload_through_api(api, item_id, pdf_of(limit), "接口20MB.pdf").status_code == 201
    over = pdf_of(limit + 1)
    r = upload_on_screen(filer, item_id, over, "多一字节.pdf")
    assert r.status_code == 302 and "文件不能超过 20 MB" in " ".join(flashes(filer.get(f"/items/{item_id}")))
    r = upload_through_api(api, item_id, over, "多一字节.pdf")
    assert r.status_code == 413 and r.get_json()["error"] == "too_large"
    assert in_app(app, _files, item_id) == [("正好20MB.pdf", limit), ("接口20MB.pdf", limit)]


def test_the_configured_upload_limit_is_the_screens_limit_too(app_with_env: Callable[[str], Flask]) -> None:
    app = app_with_env("24MB")
    assert app.config["PLANDESK_MAX_UPLOAD"] == 24 * MB
    item_id = in_app(app, make_application, "huoqiu")
    filer = Person(app, "huoqiu_filer")
    r = upload_on_screen(filer, item_id, pdf_of(22 * MB), "22MB.pdf")  # above the old fixed 20 MB
    assert r.status_code == 302, r.status_code
    assert in_app(app, _files, item_id) == [("22MB.pdf", 22 * MB)]
    # a request far above the limit is cut off before it is read, with the configured size named
    r = filer.client.post(f"/items/{item_id}/files", **multipart({
        "csrf_token": filer.token(), "kind": "evidence", "file": (pdf_of(25 * MB), "25MB.pdf")}))
    assert r.status_code == 413 and "24 MB" in text_of(r.get_data(as_text=True))
    assert len(in_app(app, _files, item_id)) == 1


@pytest.mark.parametrize("text, size", [("40MB", 40 * MB), ("512kb", 512 * 1024), ("1048576", MB), ("1G", 1024 * MB)])
def test_upload_limit_sizes_are_read_with_units(app_with_env: Callable[[str], Flask], text: str, size: int) -> None:
    app = app_with_env(text)
    assert app.config["PLANDESK_MAX_UPLOAD"] == size
    with app.test_request_context("/items/1/files", method="POST"):
        from flask import request

        assert request.max_content_length == size + 64 * 1024


# -- one figure rule ----------------------------------------------------------------------------

HUGE = 10 ** 4000
ABSURD = [(1e308, "不能超过 999,999,999,999.99"), (HUGE, "不能超过 999,999,999,999.99"),
          ("1" * 4000, "不能超过 999,999,999,999.99"), (1_000_000_000_000, "不能超过 999,999,999,999.99"),
          (0.001, "最多保留两位小数"), ("12.345", "最多保留两位小数"), (-1, "不能为负数"), ("-0.5", "不能为负数"),
          ("1e3", "应填写数字"), (True, "应填写数字"), (float("nan"), "应填写有限的数字")]


ABSURD_IDS = ["1e308", "10**4000", "4000 digits", "10**12", "0.001", "12.345", "-1", "-0.5", "1e3 as text", "true",
              "nan"]


@pytest.mark.parametrize("value, reason", ABSURD, ids=ABSURD_IDS)
def test_the_guard_refuses_absurd_figures_naming_them_by_title(value: Any, reason: str) -> None:
    labels = {"online_sales": "年网络销售额"}
    assert figure_problems({"online_sales": value}, ["online_sales"], labels) == [f"“年网络销售额”{reason}"]
    for workflow, state in (("application", "self_assessment.draft"), ("report", "draft")):
        spec = next(sp for sp in get_workflow(workflow).specs if sp.trigger == "submit" and state in sp.sources)
        reasons = guard_reasons(spec, facts={"indicator_codes": ["online_sales"], "indicator_labels": labels,
                                             "evidence_in_phase": 1},
                                comment=None, data={"text": "自查", "figures": {"online_sales": value}}, today=None)
        assert reasons == [f"“年网络销售额”{reason}"], (workflow, reasons)


@pytest.mark.parametrize("value", [0, 12, "12.50", 999_999_999_999.99, "999999999999.99", Decimal("0.01")])
def test_the_guard_accepts_sensible_figures(value: Any) -> None:
    assert figure_problems({"online_sales": value}, ["online_sales"], {"online_sales": "年网络销售额"}) == []


def _assessing_application() -> tuple[int, int, str]:
    from tests.screens.support import attach

    item_id = make_application("huoqiu", "self_assessment.draft")
    attach(item_id, "huoqiu_filer")
    item = db.session.get(Item, item_id)
    checklist = db.session.scalar(select(Category.checklist).where(Category.plan_id == item.plan_id,
                                                                   Category.code == item.category))
    title = next(c["title"] for c in checklist if c["code"] == "online_sales")
    return item_id, item.version, title


def _state(item_id: int) -> tuple[str, int, int, Any]:
    item = db.session.get(Item, item_id)
    return item.state, item.version, _events(item_id), getattr(item, "self_assessment", None)


def test_absurd_self_assessment_figures_are_refused_through_the_api_and_the_screens(app: Flask) -> None:
    item_id, version, title = in_app(app, _assessing_application)
    before = in_app(app, _state, item_id)
    api = Api(app.test_client())
    for raw in ('1e308', "9" * 4000):  # as a JSON client sends them
        r = api.post(f"/items/{item_id}/transitions", "huoqiu_filer", data=(
            '{"trigger": "submit", "version": %d, "data": {"text": "自查", "figures": {"online_sales": %s}}}'
            % (version, raw)), content_type="application/json")
        body = r.get_json()
        assert r.status_code == 422 and body["error"] == "guard_failed", body
        assert f"“{title}”不能超过 999,999,999,999.99" in body["details"]["reasons"], body
    r = api.fire(item_id, "huoqiu_filer", "submit", version, data={"text": "自查", "figures": {"online_sales": 0.125}})
    assert f"“{title}”最多保留两位小数" in r.get_json()["details"]["reasons"]
    filer = Person(app, "huoqiu_filer")
    r = filer.act(item_id, "submit", text="自查", fig_online_sales="1" + "0" * 40)
    assert f"“{title}”不能超过 999,999,999,999.99" in text_of(r.get_data(as_text=True))
    assert in_app(app, _state, item_id) == before
    r = filer.act(item_id, "submit", text="自查", fig_online_sales="320.5")
    assert in_app(app, _state, item_id)[0] == "self_assessment.county_review"


def _report_and_titles() -> tuple[int, dict[str, str]]:
    rid = open_reports(2018, 3)["huoqiu"]
    report = db.session.get(Report, rid)
    from app.items.facts import indicator_codes_for

    codes = indicator_codes_for(report)
    titles = dict(db.session.execute(select(Indicator.code, Indicator.title).where(
        Indicator.plan_id == report.plan_id, Indicator.code.in_(codes))).tuples().all())
    return rid, titles


def test_absurd_report_figures_are_refused_by_the_guard_with_the_indicator_title(app: Flask) -> None:
    rid, titles = in_app(app, _report_and_titles)
    api = Api(app.test_client())
    figures = {"entities_over_10m": 1, "brands_over_1m": 1, "new_ecommerce_entities": 25,
               "training_person_times": 600, "sanpin_yibiao_online": 2, "trademark_enterprises_online": 1}
    body = json.dumps({"trigger": "submit", "version": 1, "data": {"figures": figures}})
    body = body.replace('"training_person_times": 600', '"training_person_times": 1e308')
    r = api.post(f"/items/{rid}/transitions", "huoqiu_filer", data=body, content_type="application/json")
    assert r.status_code == 422, r.get_json()
    title = titles["training_person_times"]
    assert r.get_json()["details"]["reasons"] == [f"“{title}”不能超过 999,999,999,999.99"]
    # saving a draft's figures on the report screen keeps the same rule and names the same title
    filer = Person(app, "huoqiu_filer")
    r = filer.post(f"/reports/{rid}/figures", {"version": "1", "fig-training_person_times": "1" + "0" * 30})
    assert f"“{title}”不能超过 999,999,999,999.99" in text_of(r.get_data(as_text=True))
    assert in_app(app, lambda: (db.session.get(Report, rid).version, db.session.get(Report, rid).figures)) == (1, [])


# -- one notice title limit ---------------------------------------------------------------------

NOTICE = {"kind": "criticism", "addressees": "各县区人民政府", "body": "一、总体情况\n进度偏慢。", "subject_units": ["huoqiu"]}


def _notice(item_id: int) -> tuple[str, int]:
    item = db.session.get(Item, item_id)
    return item.title, item.version


def test_one_title_limit_for_post_patch_and_the_screen_form(app: Flask) -> None:
    api = Api(app.test_client())
    assert api.post("/notices", "city_reviewer", json={**NOTICE, "title": "标" * 201}).status_code == 400
    r = api.post("/notices", "city_reviewer", json={**NOTICE, "title": "标" * 200})
    assert r.status_code == 201
    notice_id = r.get_json()["id"]
    r = api.patch(f"/items/{notice_id}", "city_reviewer", json={"version": 1, "title": "题" * 201})
    assert r.status_code == 400 and r.get_json()["error"] == "bad_request", r.get_json()
    assert "“标题”不能超过 200 个字符" in r.get_json()["message"]
    assert in_app(app, _notice, notice_id) == ("标" * 200, 1)
    city = Person(app, "city_reviewer")
    form = city.get(f"/notices/{notice_id}/edit")
    assert 'maxlength="200"' in form
    r = city.post(f"/notices/{notice_id}/edit", {**NOTICE, "title": "题" * 201, "version": "1"}, follow=True)
    assert "“标题”不能超过 200 个字符" in " ".join(flashes(r.get_data(as_text=True)))
    assert in_app(app, _notice, notice_id) == ("标" * 200, 1)
    r = api.patch(f"/items/{notice_id}", "city_reviewer", json={"version": 1, "title": "题" * 200})
    assert r.status_code == 200 and in_app(app, _notice, notice_id) == ("题" * 200, 2)
