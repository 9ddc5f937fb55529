"""Concurrent appends to one item's audit chain across real gunicorn workers on PostgreSQL.

签收 (acknowledge), 催办 (remind), evidence uploads and deletions write an event into the item's
chain without a transition. Each takes the item's row lock before it reads anything, so concurrent
requests queue: every one is answered (2xx, a redirect with its message, or a clean refusal), the chain
has no gap or repeat and verifies, and nothing deadlocks.
"""
from __future__ import annotations

import http.client
import json
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import psycopg
import pytest
from flask import Flask

from app.audit.operations import verify
from app.extensions import db
from app.items.operations import fire_transition
from tests.conftest import DEMO_PASSWORD
from tests.factories import actor_of
from tests.reliability.arrange import extra_users, notices_in_review
from tests.reliability.server import API, HOST, Reply, Server, simultaneously

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

COUNTIES = ("huoqiu", "shucheng", "jinzhai", "huoshan", "jinan", "yuan", "yeji")
ACKS_PER_COUNTY = 5
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _cookies_of(response: http.client.HTTPResponse) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in response.msg.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


class FormPost:
    """A screen form POST on a connection opened ahead of time (for :func:`simultaneously`)."""

    def __init__(self, port: int, path: str, cookies: dict[str, str], fields: dict[str, str]) -> None:
        self.path = path
        self.payload = urlencode(fields).encode("ascii")
        self.headers = {"Connection": "close", "Content-Type": "application/x-www-form-urlencoded",
                        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        self.cookies = dict(cookies)
        self.conn = http.client.HTTPConnection(HOST, port, timeout=40)
        self.conn.connect()

    def send(self) -> Reply:
        try:
            self.conn.request("POST", self.path, body=self.payload, headers=self.headers)
            response = self.conn.getresponse()
            data = response.read()
            self.cookies.update(_cookies_of(response))  # the flashed message travels in the session cookie
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        finally:
            self.conn.close()


class Browser:
    """A signed-in screen session (cookies kept by hand: the production cookie is marked Secure)."""

    def __init__(self, port: int, username: str) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        token = self.csrf("/login")
        reply = self.request("POST", "/login", {"username": username, "password": DEMO_PASSWORD,
                                                "csrf_token": token})
        assert reply.status == 302, (username, reply.status, reply.data[:300])

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> Reply:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        headers = {"Connection": "close", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if fields is not None:
            body = urlencode(fields).encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            self.cookies.update(_cookies_of(response))
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        finally:
            conn.close()

    def csrf(self, path: str) -> str:
        page = self.request("GET", path)
        match = _CSRF.search(page.data.decode("utf-8"))
        assert page.status == 200 and match, (path, page.status)
        return match.group(1)

    def form_post(self, path: str, fields: dict[str, str]) -> FormPost:
        return FormPost(self.port, path, self.cookies, fields)

    def messages_after(self, post: FormPost, reply: Reply) -> str:
        """The page the redirect leads to, seen with the cookies the POST answered with."""
        self.cookies = post.cookies
        location = reply.headers["location"]
        page = self.request("GET", location[location.index("/", len("http://")):] if "://" in location else location)
        assert page.status == 200, page.status
        return page.data.decode("utf-8")


def sign_in_all(port: int, usernames: list[str]) -> dict[str, Browser]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(usernames, pool.map(lambda name: Browser(port, name), usernames)))


def chain_of(sql: psycopg.Connection, item_id: int) -> list[tuple[int, str]]:
    return sql.execute("SELECT seq, trigger FROM audit_events WHERE item_id = %s ORDER BY seq", (item_id,)).fetchall()


def assert_chain_intact(app: Flask, sql: psycopg.Connection, item_id: int) -> list[tuple[int, str]]:
    chain = chain_of(sql, item_id)
    assert [seq for seq, _ in chain] == list(range(1, len(chain) + 1)), chain
    with app.app_context():
        result = verify(db.session)
        assert result.ok, result.problem
    return chain


def assert_no_server_error(server: Server) -> None:
    failed = [(status, line) for _, status, line in server.served() if status >= 500]
    assert not failed, (failed, server.log_tail())
    assert "Deadlock" not in server.log_tail(200) and "UniqueViolation" not in server.log_tail(200)


def issued_notice(app: Flask) -> int:
    """A criticism notice issued to every county (addressees: 各县区人民政府)."""
    [notice_id] = notices_in_review(app, 1)
    with app.app_context():
        fire_transition(notice_id, "issue", actor_of("office_approver"), version=2)
        db.session.commit()
    return notice_id


def test_seven_counties_acknowledge_one_notice_at_once(server: Server, setup_app: Flask,
                                                       sql: psycopg.Connection) -> None:
    """Each of the seven counties' filers signs for (签收) the same notice five times at the same
    instant through four workers: 35 redirects, no 500, one acknowledgement per county (the receipt
    and one chain event each), the chain contiguous and verified."""
    notice_id = issued_notice(setup_app)
    browsers = sign_in_all(server.port, [f"{county}_filer" for county in COUNTIES])
    path = f"/items/{notice_id}/acknowledge"
    # every page is read before any connection is opened ahead: an idle opened connection holds a sync worker
    tokens = {name: b.csrf(f"/items/{notice_id}") for name, b in browsers.items()}
    posts = [b.form_post(path, {"csrf_token": tokens[name]})
             for name, b in browsers.items() for _ in range(ACKS_PER_COUNTY)]

    answers = simultaneously(posts, timeout=50)
    statuses = [(a.status, a.headers.get("location")) if isinstance(a, Reply) else repr(a) for a in answers]
    assert all(isinstance(a, Reply) and a.status == 302 and a.headers["location"].endswith(f"/items/{notice_id}")
               for a in answers), statuses
    assert_no_server_error(server)

    acks = sql.execute("SELECT data_json FROM audit_events WHERE item_id = %s AND trigger = 'acknowledge'",
                       (notice_id,)).fetchall()
    assert sorted(json.loads(data)["unit"] for data, in acks) == sorted(COUNTIES)
    receipts = sql.execute("SELECT u.slug, r.acknowledged_at IS NOT NULL FROM notice_receipts r "
                           "JOIN units u ON u.id = r.unit_id WHERE r.notice_id = %s AND u.kind = 'county'",
                           (notice_id,)).fetchall()
    assert sorted(receipts) == sorted((c, True) for c in COUNTIES)
    chain = assert_chain_intact(setup_app, sql, notice_id)
    assert [t for _, t in chain] == ["create", "submit", "issue", *["acknowledge"] * len(COUNTIES)]
    assert len({pid for pid, _, _ in server.served("/acknowledge")}) > 1


def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "plandesk-chain-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/plain\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class Upload:
    """An API evidence upload on a connection opened ahead of time."""

    def __init__(self, port: int, item_id: int, token: str, index: int) -> None:
        self.payload, ctype = _multipart(f"evidence-{index}.txt", f"证明材料 {index}\n".encode())
        self.headers = {"Connection": "close", "Authorization": f"Bearer {token}", "Content-Type": ctype,
                        "Accept": "application/json"}
        self.path = f"{API}/items/{item_id}/attachments"
        self.conn = http.client.HTTPConnection(HOST, port, timeout=40)
        self.conn.connect()

    def send(self) -> Reply:
        try:
            self.conn.request("POST", self.path, body=self.payload, headers=self.headers)
            response = self.conn.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            self.conn.close()


def test_reminders_uploads_and_deletions_on_one_item_at_once(server: Server, setup_app: Flask,
                                                             sql: psycopg.Connection) -> None:
    """An overdue task draft: six reminders (催办) by five city users and the county's reviewer, four
    evidence uploads and two deletions, all at the same instant through four workers.
    Every upload is 201 and every deletion 204; every reminder is a redirect, exactly one was sent and
    the others say it was sent today already; the chain holds every event once, contiguous, verified."""
    task_id = sql.execute("SELECT i.id FROM items i JOIN units u ON u.id = i.unit_id WHERE i.type = 'task' "
                          "AND u.slug = 'huoqiu' AND i.state LIKE '%%draft' ORDER BY i.id LIMIT 1").fetchone()[0]
    sql.execute("UPDATE items SET due_on = DATE '2018-07-05' WHERE id = %s", (task_id,))  # 5 days late
    token = server.token("huoqiu_filer")
    existing = []
    for i in range(2):
        body, ctype = _multipart(f"old-{i}.txt", f"旧材料 {i}\n".encode())
        conn = http.client.HTTPConnection(HOST, server.port, timeout=20)
        conn.request("POST", f"{API}/items/{task_id}/attachments", body=body,
                     headers={"Authorization": f"Bearer {token}", "Content-Type": ctype, "Accept": "application/json"})
        response = conn.getresponse()
        reply = Reply(response.status, {}, response.read())
        conn.close()
        assert reply.status == 201, reply.data[:300]
        existing.append(reply.json()["id"])
    before = len(chain_of(sql, task_id))

    reminders = ["city_reviewer", "office_approver", "huoqiu_reviewer",
                 *extra_users(setup_app, "city_reviewer_chain", "city_reviewer", "commerce", 3)]
    browsers = sign_in_all(server.port, reminders)
    tokens = {name: b.csrf(f"/items/{task_id}") for name, b in browsers.items()}
    posts = [b.form_post(f"/items/{task_id}/remind", {"csrf_token": tokens[name], "comment": f"请尽快报送（{name}）"})
             for name, b in browsers.items()]
    uploads = [Upload(server.port, task_id, token, i) for i in range(4)]
    deletions = [server.prepare("DELETE", f"{API}/items/{task_id}/attachments/{a}", token=token) for a in existing]

    answers = simultaneously([*posts, *uploads, *deletions], timeout=50)
    shown = [(a.status, a.data[:200]) if isinstance(a, Reply) else repr(a) for a in answers]
    assert all(isinstance(a, Reply) for a in answers), shown
    replies = [a for a in answers if isinstance(a, Reply)]
    remind_replies, upload_replies = replies[:len(posts)], replies[len(posts):len(posts) + len(uploads)]
    delete_replies = replies[len(posts) + len(uploads):]
    assert [r.status for r in upload_replies] == [201] * len(uploads), shown
    assert [r.status for r in delete_replies] == [204] * len(deletions), shown
    assert all(r.status == 302 and r.headers["location"].endswith(f"/items/{task_id}") for r in remind_replies), shown
    assert_no_server_error(server)

    pages = [browsers[name].messages_after(post, reply) for name, post, reply in zip(reminders, posts, remind_replies)]
    sent = [p for p in pages if "已催办，事项所属单位将收到提醒" in p]
    refused = [p for p in pages if "该事项今天已催办过" in p]
    assert (len(sent), len(refused)) == (1, len(reminders) - 1)

    chain = assert_chain_intact(setup_app, sql, task_id)
    added = [t for _, t in chain[before:]]
    assert sorted(added) == sorted(["remind"] + ["attach"] * len(uploads) + ["detach"] * len(deletions)), added
    live = sql.execute("SELECT count(*) FROM attachments WHERE item_id = %s AND deleted_at IS NULL",
                       (task_id,)).fetchone()[0]
    assert live == len(uploads)
    # the one reminder told each of the unit's users once, in its own transaction
    told, people = sql.execute("SELECT count(*), count(DISTINCT user_id) FROM notifications "
                               "WHERE item_id = %s AND kind = 'reminder'", (task_id,)).fetchone()
    assert told == people > 0
    assert len({pid for pid, _, _ in server.served(f"/items/{task_id}/")}) > 1
