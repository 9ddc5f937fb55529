"""Evidence uploads: type by content, safe names, content-addressed storage, permissions, download, delete."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from flask import Flask

from app.attachments.storage import safe_name
from tests.api.conftest import PDF, PNG, Api, error_of, office_file

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 20


@pytest.mark.parametrize("content, name, content_type", [
    (PDF, "a.pdf", "application/pdf"),
    (PNG, "图.png", "image/png"),
    (JPEG, "photo.jpeg", "image/jpeg"),
    (office_file("word"), "方案.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (office_file("xl"), "台账.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("自查情况说明\n第二行".encode(), "说明.txt", "text/plain; charset=utf-8"),
    (PDF, "大写扩展名.PDF", "application/pdf"),
])
def test_accepted_types_are_judged_by_content(api: Api, content: bytes, name: str, content_type: str) -> None:
    item = api.create_application()
    r = api.upload(item["id"], content=content, name=name)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["name"], body["content_type"], body["size"]) == (name, content_type, len(content))
    assert body["sha256"] == hashlib.sha256(content).hexdigest() and body["kind"] == "evidence"


@pytest.mark.parametrize("content, name", [
    (b"MZ\x90\x00\x03" + b"\x00" * 60, "证明.pdf"),  # a Windows program named .pdf
    (b"PK\x03\x04" + b"\x00" * 40, "broken.docx"),
    (b"\x00\x01\x02binary", "data.txt"),
    ("GBK 编码".encode("gbk"), "gbk.txt"),
])
def test_other_content_is_refused_whatever_its_name(api: Api, content: bytes, name: str) -> None:
    item = api.create_application()
    r = api.upload(item["id"], content=content, name=name)
    assert error_of(r) == (422, "invalid_file") and "不支持的文件类型" in r.get_json()["message"]
    assert api.get(f"/items/{item['id']}", "huoqiu_filer").get_json()["attachments"] == []


def test_empty_file_and_missing_file_are_refused(api: Api) -> None:
    item = api.create_application()
    r = api.upload(item["id"], content=b"", name="empty.pdf")
    assert error_of(r) == (422, "invalid_file") and r.get_json()["message"] == "文件为空，请选择有内容的文件"
    r = api.post(f"/items/{item['id']}/attachments", "huoqiu_filer", data={"kind": "evidence"},
                 content_type="multipart/form-data")
    assert error_of(r) == (400, "bad_request") and "file" in r.get_json()["details"]["fields"]
    r = api.post(f"/items/{item['id']}/attachments", "huoqiu_filer", json={"file": "x"})
    assert error_of(r) == (400, "bad_request")
    r = api.post(f"/items/{item['id']}/attachments", "huoqiu_filer", content_type="multipart/form-data",
                 data={"file": (__import__("io").BytesIO(PDF), "a.pdf"), "colour": "red"})
    assert error_of(r) == (400, "bad_request") and "colour" in r.get_json()["details"]["fields"]


def test_stored_content_addressed_outside_static_with_safe_names(app: Flask, api: Api) -> None:
    item = api.create_application()
    first = api.upload(item["id"], name="../../etc/passwd").get_json()
    second = api.upload(item["id"], name="C:/Users/张三/证明 材料（一）.pdf").get_json()
    assert (first["name"], second["name"]) == ("passwd", "证明 材料（一）.pdf")
    storage = Path(app.config["PLANDESK_STORAGE_DIR"])
    sha = hashlib.sha256(PDF).hexdigest()
    assert (storage / sha[:2] / sha).read_bytes() == PDF
    assert [p for p in storage.rglob("*") if p.is_file()] == [storage / sha[:2] / sha]  # one copy, no temp files
    assert not str(storage.resolve()).startswith(str(Path(app.static_folder).resolve()))
    assert safe_name("a\x00b\r\n.pdf") == "ab.pdf" and safe_name("...") == "file" and safe_name(None) == "file"
    assert safe_name("<script>.pdf") == "_script_.pdf"
    assert safe_name("C:\\Users\\张三\\证明.pdf") == "证明.pdf"


def test_who_may_upload(api: Api) -> None:
    item = api.create_application()
    assert error_of(api.upload(item["id"], "huoqiu_reviewer")) == (403, "not_permitted")
    assert error_of(api.upload(item["id"], "city_reviewer")) == (403, "not_permitted")
    assert error_of(api.upload(item["id"], "shucheng_filer")) == (404, "not_found")
    assert api.upload(item["id"]).status_code == 201
    assert api.fire(item["id"], "huoqiu_filer", "submit", 1).status_code == 200
    r = api.upload(item["id"])
    assert error_of(r) == (409, "invalid_transition") and "不能上传" in r.get_json()["message"]


def test_download_and_withdraw(api: Api) -> None:
    item = api.create_application()
    att = api.upload(item["id"], content=PNG, name="现场照片.png").get_json()
    path = f"/items/{item['id']}/attachments/{att['id']}"
    with api.get(path, "huoqiu_reviewer") as r:
        assert r.status_code == 200 and r.data == PNG and r.mimetype == "image/png"
        assert "attachment" in r.headers["Content-Disposition"]
    with api.get(path, "supervisor") as r:
        assert r.status_code == 200
    assert error_of(api.get(path, "shucheng_reviewer")) == (404, "not_found")
    missing = f"/items/{item['id']}/attachments/{att['id'] + 99}"
    assert error_of(api.get(missing, "huoqiu_filer")) == (404, "not_found")
    assert error_of(api.delete(path, "huoqiu_reviewer")) == (403, "not_permitted")
    assert api.delete(path, "huoqiu_filer").status_code == 204
    detail = api.get(f"/items/{item['id']}", "huoqiu_filer").get_json()
    assert detail["attachments"] == [] and detail["version"] == 1
    assert [h["trigger"] for h in detail["history"]] == ["create", "attach", "detach"]
    assert error_of(api.get(path, "huoqiu_filer")) == (404, "not_found")
    assert error_of(api.delete(path, "huoqiu_filer")) == (404, "not_found")
    r = api.fire(item["id"], "huoqiu_filer", "submit", 1)
    assert error_of(r) == (422, "guard_failed")  # the withdrawn file no longer counts as evidence
