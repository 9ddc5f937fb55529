"""Fixtures of the API tests: a client that signs in through POST /auth/token, and sample files."""
from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import DEMO_PASSWORD
from tests.factories import complete_fields

PREFIX = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17


def office_file(folder: str) -> bytes:
    """A minimal OOXML package: [Content_Types].xml plus a part under word/ or xl/."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr(f"{folder}/document.xml", "<doc/>")
    return buf.getvalue()


class Api:
    """Calls /api/v1 as a demo user, with a token obtained through the documented endpoint."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            r = self.client.post(f"{PREFIX}/auth/token", json={"username": username, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.get_json()
            self.tokens[username] = r.get_json()["token"]
        return self.tokens[username]

    def call(self, method: str, path: str, user: str | None = None, *, headers: dict[str, str] | None = None,
             **kwargs: Any) -> TestResponse:
        headers = dict(headers or {})
        if user is not None:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        return self.client.open(PREFIX + path, method=method, headers=headers, **kwargs)

    def get(self, path: str, user: str | None = None, **kw: Any) -> TestResponse:
        return self.call("GET", path, user, **kw)

    def post(self, path: str, user: str | None = None, **kw: Any) -> TestResponse:
        return self.call("POST", path, user, **kw)

    def patch(self, path: str, user: str | None = None, **kw: Any) -> TestResponse:
        return self.call("PATCH", path, user, **kw)

    def delete(self, path: str, user: str | None = None, **kw: Any) -> TestResponse:
        return self.call("DELETE", path, user, **kw)

    # -- steps of a script
    def create_application(self, user: str = "huoqiu_filer", county: str = "huoqiu",
                           category: str = "provincial_demo_village", site_name: str = "大顾店村",
                           **extra: Any) -> dict[str, Any]:
        extra.setdefault("fields", complete_fields(category))  # complete, so that it may be submitted
        r = self.post("/applications", user, json={"category": category, "county": county, "site_name": site_name,
                                                   **extra})
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def upload(self, item_id: int, user: str = "huoqiu_filer", content: bytes = PDF, name: str = "证明材料.pdf",
               **kw: Any) -> TestResponse:
        return self.post(f"/items/{item_id}/attachments", user, data={"file": (io.BytesIO(content), name)},
                         content_type="multipart/form-data", **kw)

    def fire(self, item_id: int, user: str, trigger: str, version: int, *, headers: dict[str, str] | None = None,
             **body: Any) -> TestResponse:
        return self.post(f"/items/{item_id}/transitions", user, headers=headers,
                         json={"trigger": trigger, "version": version, **body})


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


def error_of(response: TestResponse) -> tuple[int, str]:
    body = response.get_json()
    assert response.mimetype == "application/json", response.data[:200]
    assert set(body) == {"error", "message", "details"}, body
    return response.status_code, body["error"]
