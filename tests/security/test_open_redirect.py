"""Issue 13, item 1: after sign-in (and after choosing a language) PlanDesk sends the browser only to a
path on its own site. A ``next`` value is read the way a browser reads a URL (tabs and newlines
removed, surrounding controls and spaces trimmed); anything a browser would take to another host,
or that is no path, sends it to ``/`` instead, and never answers 500."""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import DEMO_PASSWORD
from tests.helpers import csrf_token

#: hostile ``next`` values, as the browser sends them in the query string (already percent-encoded)
HOSTILE_QUERY = [
    "/%09/evil.com",            # tab: removed by the browser, leaving //evil.com
    "/%0a/evil.com",            # newline
    "/%0d/evil.com",            # carriage return
    "%0d%0aSet-Cookie:%20x=1",  # header injection
    "//evil.com",
    "///evil.com",
    "////evil.com/x",
    "/%5Cevil.com",             # /\evil.com: a browser reads \ as /
    "/%5C/evil.com",
    "%5C%5Cevil.com",
    "https://evil.com",
    "http:evil.com",
    "javascript:alert(1)",
    "JaVaScRiPt%3Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%09//evil.com",            # leading tab
    "%20//evil.com",            # leading space, trimmed by the browser
    "%00//evil.com",            # leading NUL, trimmed by the browser
    "/%00/evil.com",            # a NUL inside
    "evil.com",
    "%2F%2Fevil.com",           # //evil.com encoded once
    "/%2F%2F",                  # fine as a path?  no: decoded once it is ///
    "/%E3%80%80/%1b[31m",       # an escape character inside
    "/\u0085/evil.com",          # a C1 control
    "%0b//evil.com",            # vertical tab: trimmed at the start by the browser
    "/%E2%80%AE/moc.live",      # a right-to-left override
]

#: same-site paths, kept as the browser reads them (``/%0aX`` was a 500 after a good sign-in)
SAFE = [("/worklists", "/worklists"), ("/items/1?tab=files#x", "/items/1?tab=files#x"),
        ("/%09worklists", "/worklists"), ("/a%2F%2Fb", "/a//b"), ("/%0aX", "/X"), ("/%0d%0aX", "/X")]


def _sign_in(client: FlaskClient, next_query: str):
    token = csrf_token(client, "/login")
    return client.post("/login?next=" + next_query,
                       data={"username": "huoqiu_filer", "password": DEMO_PASSWORD, "csrf_token": token})


def _lands_on_this_site(location: str) -> bool:
    """What a browser would do with the Location header: strip tabs/newlines, resolve against the site."""
    cleaned = location.translate(str.maketrans("", "", "\t\n\r")).strip()
    parts = urlsplit(cleaned)
    return (not parts.scheme and not parts.netloc and cleaned.startswith("/") and not cleaned.startswith("//")
            and "\\" not in cleaned)


@pytest.mark.parametrize("next_query", HOSTILE_QUERY)
def test_hostile_next_after_sign_in_goes_home(sqlite_app: Flask, next_query: str) -> None:
    client = sqlite_app.test_client()
    response = _sign_in(client, next_query)
    if "%00" in next_query.upper():
        # a NUL is text no page accepts: the one input rule refuses the whole request before any view
        # runs (tests/security/test_nul_sweep.py), so it sends nobody anywhere
        assert response.status_code == 400 and "Location" not in response.headers
        assert client.get("/").status_code == 302  # and nobody was signed in
        return
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"] == "/", response.headers["Location"]
    assert client.get("/").status_code == 200  # and the sign-in itself succeeded


def test_at_least_twenty_hostile_values() -> None:
    assert len(set(HOSTILE_QUERY)) >= 20


@pytest.mark.parametrize(("next_query", "location"), SAFE)
def test_a_same_site_path_is_kept(sqlite_app: Flask, next_query: str, location: str) -> None:
    response = _sign_in(sqlite_app.test_client(), quote(location) if "#" in location else next_query)
    assert response.status_code == 302 and response.headers["Location"] == location


@pytest.mark.parametrize("next_value", ["//evil.com", "/\t/evil.com", "/\\evil.com", "https://evil.com",
                                        "/\n/evil.com"])
def test_the_language_switch_has_the_same_rule(sqlite_app: Flask, next_value: str) -> None:
    client = sqlite_app.test_client()
    token = csrf_token(client, "/login")
    response = client.post("/language", data={"locale": "en", "next": next_value, "csrf_token": token})
    assert response.status_code == 302 and _lands_on_this_site(response.headers["Location"])
    assert response.headers["Location"] == "/"


def test_the_rule_itself() -> None:
    """Every hostile value, decoded as the server sees it, is refused; the kept ones are browser-safe."""
    from urllib.parse import unquote

    from app.account.routes import same_site_path

    for raw in HOSTILE_QUERY:
        assert same_site_path(unquote(raw)) is None, raw
    assert same_site_path("/\ud800/x") is None  # a lone surrogate
    for raw, expected in SAFE:
        kept = same_site_path(unquote(raw))
        assert kept == expected and _lands_on_this_site(kept)
