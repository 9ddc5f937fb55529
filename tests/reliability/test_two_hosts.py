"""Two app hosts behind one PostgreSQL (issue #18, part 1): two gunicorn instances on different ports,
each with its own local directory, the same SECRET_KEY and ``PLANDESK_STORAGE=database``.

What one host stores the other serves (evidence, an issued notice's PDF, its verification page);
``deadlines tick`` run on both at the same moment does its work once; a host killed (SIGKILL) in the
middle of an upload leaves nothing half-stored: no blob without its attachment, no chunk without its
blob. Skipped, with the reason, when no PostgreSQL server is reachable.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import psycopg
import pytest
from flask import Flask

from app.config import ROOT
from tests.conftest import pg_url
from tests.reliability.arrange import notices_in_review
from tests.reliability.conftest import dsn
from tests.reliability.server import API, GUNICORN, HOST, Reply, Server, free_port, is_gone, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WORKERS = 2
#: two hosts to start (and one to start again) on a machine of two shared cores
TEST_SECONDS = 150
FLASK = ROOT / ".venv" / "bin" / "flask"
BIG = 12 * 1024 * 1024
GATE_KEY = 724_218
#: holds the transaction storing a blob once it has written 3 chunks, until the test lets it go
GATE = f"""
CREATE FUNCTION two_hosts_gate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM blob_chunks WHERE xmin = pg_current_xact_id()::xid) >= 3 THEN
        PERFORM pg_advisory_xact_lock_shared({GATE_KEY});
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER two_hosts_gate AFTER INSERT ON blob_chunks FOR EACH ROW EXECUTE FUNCTION two_hosts_gate();
"""
UNGATE = "DROP TRIGGER two_hosts_gate ON blob_chunks; DROP FUNCTION two_hosts_gate();"
#: holds a tick at its first deadline mark (or at the tick's own lock, when the other holds it)
TICK_GATE = f"""
CREATE FUNCTION two_hosts_tick_gate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared({GATE_KEY});
    RETURN NULL;
END $$;
CREATE TRIGGER two_hosts_tick_gate BEFORE INSERT ON deadline_marks FOR EACH STATEMENT
    EXECUTE FUNCTION two_hosts_tick_gate();
"""
TICK_UNGATE = "DROP TRIGGER two_hosts_tick_gate ON deadline_marks; DROP FUNCTION two_hosts_tick_gate();"


@pytest.fixture(autouse=True)
def _time_limit() -> Iterator[None]:
    """As the other reliability tests, with more time: these start two or three servers."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"two-host test exceeded {TEST_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TEST_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


class Hosts:
    """Host A and host B of one deployment: same database, same keys, different local directories."""

    def __init__(self, rel_db: str, tmp_path: Path) -> None:
        self.rel_db, self.tmp_path = rel_db, tmp_path
        self.shared = {"SECRET_KEY": secrets.token_hex(32), "PLANDESK_STORAGE": "database",
                       "PLANDESK_BASE_URL": "https://plandesk.example.gov.cn"}
        self.started: list[Server] = []

    def start(self, name: str) -> Server:
        for attempt in (1, 2):  # the free port may be taken between choosing it and gunicorn binding it
            srv = Server(port=free_port(), workers=WORKERS, dbname=self.rel_db, storage=self.tmp_path / f"host-{name}",
                         access_log=self.tmp_path / f"{name}-access-{attempt}.log",
                         error_log=self.tmp_path / f"{name}-error-{attempt}.log")
            self.started.append(srv)
            try:
                srv.start(pg_url(self.rel_db), timeout=60, extra_env=self.shared)
            except AssertionError as exc:
                srv.stop()
                if attempt == 1 and "Address already in use" in str(exc):
                    continue
                raise
            return srv
        raise AssertionError("unreachable")

    def stop(self) -> None:
        for srv in self.started:
            srv.stop()


@pytest.fixture
def hosts(rel_db: str, tmp_path: Path) -> Iterator[tuple[Hosts, Server, Server]]:
    if not sys.platform.startswith("linux"):
        pytest.skip("the reliability tests read /proc to find gunicorn workers (Linux only)")
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed in the virtualenv ({GUNICORN})")
    deployment = Hosts(rel_db, tmp_path)
    try:
        yield deployment, deployment.start("a"), deployment.start("b")
    finally:
        deployment.stop()


def pdf_of(size: int, seed: bytes) -> bytes:
    body = b"".join(hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(size // 32 + 1))
    return (b"%PDF-1.4\n" + body)[:size]


def multipart(name: str, content: bytes) -> tuple[bytes, bytes, str]:
    """(head, tail, content type) of a one-file multipart body around ``content``."""
    boundary = "plandesk-two-hosts"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode()
    return head, f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(port: int, token: str, item_id: int, content: bytes, name: str = "服务站照片.pdf") -> Reply:
    head, tail, ctype = multipart(name, content)
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("POST", f"{API}/items/{item_id}/attachments", body=head + content + tail,
                     headers={"Authorization": f"Bearer {token}", "Content-Type": ctype, "Accept": "application/json"})
        response = conn.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()


def draft_task(sql: psycopg.Connection) -> int:
    """A huoqiu task still in its draft: its own filer may add evidence to it."""
    return sql.execute("SELECT i.id FROM items i JOIN units u ON u.id = i.unit_id WHERE i.type = 'task' "
                       "AND u.slug = 'huoqiu' AND i.state LIKE '%%draft' ORDER BY i.id LIMIT 1").fetchone()[0]


def stored(sql: psycopg.Connection) -> tuple[int, int, int]:
    """(blobs, chunks, attachments) as committed."""
    return sql.execute("SELECT (SELECT count(*) FROM blobs), (SELECT count(*) FROM blob_chunks), "
                       "(SELECT count(*) FROM attachments)").fetchone()


def no_orphans(sql: psycopg.Connection) -> None:
    """Every blob is referred to by an attachment or an issued notice, and has all its chunks."""
    unreferred = sql.execute(
        "SELECT b.sha256 FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = b.sha256) "
        "AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.pdf_sha256 = b.sha256)").fetchall()
    incomplete = sql.execute(
        "SELECT b.sha256 FROM blobs b "
        "WHERE b.chunks <> (SELECT count(*) FROM blob_chunks c WHERE c.sha256 = b.sha256) "
        "OR b.size <> (SELECT coalesce(sum(length(c.data)), 0) FROM blob_chunks c WHERE c.sha256 = b.sha256)"
    ).fetchall()
    orphan_chunks = sql.execute("SELECT count(*) FROM blob_chunks c WHERE NOT EXISTS "
                                "(SELECT 1 FROM blobs b WHERE b.sha256 = c.sha256)").fetchone()[0]
    assert (unreferred, incomplete, orphan_chunks) == ([], [], 0)


def local_files(srv: Server) -> list[Path]:
    return [p for p in srv.storage.glob("??/*") if p.is_file()]


def test_a_file_uploaded_on_one_host_is_served_by_the_other(hosts, sql: psycopg.Connection) -> None:
    _, a, b = hosts
    task_id = draft_task(sql)
    content = pdf_of(3 * 1024 * 1024 + 17, b"two hosts")
    token = a.token("huoqiu_filer")  # API tokens live in the database: valid on every host
    reply = upload(a.port, token, task_id, content)
    assert reply.status == 201, reply.data[:300]
    attachment = reply.json()
    assert attachment["sha256"] == hashlib.sha256(content).hexdigest()
    download = b.call("GET", f"{API}/items/{task_id}/attachments/{attachment['id']}", token=b.token("huoqiu_reviewer"))
    assert download.status == 200 and download.data == content
    assert download.headers["content-length"] == str(len(content))
    assert local_files(a) == [] and local_files(b) == []  # nothing lives on one host
    assert stored(sql)[:2] == (1, 4)
    no_orphans(sql)


def test_a_notice_issued_on_one_host_verifies_and_downloads_on_the_other(
        hosts, setup_app: Flask, sql: psycopg.Connection) -> None:
    _, a, b = hosts
    (notice_id,) = notices_in_review(setup_app, 1)
    issued = a.call("POST", f"{API}/items/{notice_id}/transitions", token=a.token("office_approver"),
                    body={"trigger": "issue", "version": 2})
    assert issued.status == 200 and issued.json()["state"] == "issued", issued.data[:300]
    number, code, sha = sql.execute("SELECT number, verification_code, pdf_sha256 FROM notices WHERE id = %s",
                                    (notice_id,)).fetchone()
    page = b.call("GET", f"/verify/{code}")
    assert page.status == 200 and number in page.data.decode("utf-8")
    pdf = b.call("GET", f"{API}/notices/{notice_id}/pdf", token=b.token("huoqiu_filer"))
    assert pdf.status == 200 and pdf.data.startswith(b"%PDF")
    assert hashlib.sha256(pdf.data).hexdigest() == sha
    assert a.call("GET", f"{API}/notices/{notice_id}/pdf", token=a.token("city_reviewer")).data == pdf.data
    assert local_files(a) == [] and local_files(b) == []
    no_orphans(sql)


def _tick(srv: Server, today: str) -> subprocess.Popen[str]:
    # e-mail configured (nothing listens on port 9: sending fails, best effort), so reminders are queued
    env = {**srv.env, "PLANDESK_TODAY": today, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": "9"}
    return subprocess.Popen([str(FLASK), "--app", "wsgi", "deadlines", "tick"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


TICK_LINE = re.compile(r"deadline marks: (\d+); reports opened: (\d+); messages delivered: (\d+); "
                       r"anchor: (#\d+|unchanged);")


def test_deadlines_tick_on_both_hosts_at_once_does_its_work_once(hosts, rel_db: str, sql: psycopg.Connection) -> None:
    _, a, b = hosts
    today = "2018-10-15"  # tasks overdue, the third quarter's reports due: work for the tick
    anchors_before, reports_before = sql.execute(
        "SELECT (SELECT count(*) FROM audit_anchors), (SELECT count(*) FROM reports)").fetchone()
    # both ticks are held at their first write until both are inside their transaction: "at once"
    # whatever the start-up time of each process (without this, one usually finishes first)
    sql.execute(TICK_GATE)
    with psycopg.connect(dsn(rel_db), autocommit=True, connect_timeout=5) as gatekeeper:
        gatekeeper.execute("SELECT pg_advisory_lock(%s)", (GATE_KEY,))
        try:
            runs = [_tick(a, today), _tick(b, today)]
            wait_until(lambda: sql.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' "
                "AND wait_event = 'advisory'", (rel_db,)).fetchone()[0] == 2, 60, "both ticks to be running")
        finally:
            gatekeeper.execute("SELECT pg_advisory_unlock(%s)", (GATE_KEY,))
        outputs = [run.communicate(timeout=100)[0] for run in runs]
    sql.execute(TICK_UNGATE)
    assert [run.returncode for run in runs] == [0, 0], outputs
    figures = [TICK_LINE.search(out) for out in outputs]
    assert all(figures), outputs
    marks, opened, delivered = (sum(int(f.group(i)) for f in figures) for i in (1, 2, 3))
    assert marks > 0 and delivered > 0, outputs
    assert marks == sql.execute("SELECT count(*) FROM deadline_marks").fetchone()[0]  # each mark made once
    assert sql.execute("SELECT count(*) FROM outbox WHERE kind = 'reminder'").fetchone()[0] == marks
    assert opened > 0 and reports_before + opened == sql.execute("SELECT count(*) FROM reports").fetchone()[0]
    assert sql.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL OR attempts <> 1").fetchone()[0] == 0
    twice = sql.execute("SELECT count(*) FROM (SELECT user_id, item_id, kind, message FROM notifications "
                        "GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) t").fetchone()[0]
    assert twice == 0
    assert sorted(f.group(4) == "unchanged" for f in figures) == [False, True]  # one anchor, not two forks
    assert sql.execute("SELECT count(*) FROM audit_anchors").fetchone()[0] == anchors_before + 1
    logs = [(srv.storage / "audit-anchors.log").read_text().splitlines() for srv in (a, b)]
    assert logs[0] == logs[1] and len(logs[0]) == anchors_before + 1  # both hosts hold every anchor
    again = _tick(b, today)
    out = again.communicate(timeout=60)[0]
    assert again.returncode == 0 and "deadline marks: 0; reports opened: 0; messages delivered: 0; " \
        "anchor: unchanged;" in out, out
    for srv in (a, b):
        verify = subprocess.run([str(FLASK), "--app", "wsgi", "audit", "verify"], cwd=ROOT, env=srv.env, text=True,
                                capture_output=True, timeout=60)
        assert verify.returncode == 0 and "audit trail intact" in verify.stdout, verify.stdout + verify.stderr


def _kill_host(srv: Server) -> None:
    assert srv.proc is not None
    os.killpg(srv.proc.pid, signal.SIGKILL)
    srv.proc.wait(timeout=10)
    wait_until(lambda: not srv.worker_pids() or all(is_gone(p) for p in srv.worker_pids()), 10, "workers to die")


def test_a_host_killed_mid_upload_leaves_nothing_half_stored(hosts, rel_db: str, sql: psycopg.Connection) -> None:
    deployment, a, b = hosts
    task_id = draft_task(sql)
    content = pdf_of(BIG, b"killed")
    token = a.token("huoqiu_filer")
    head, tail, ctype = multipart("大文件.pdf", content)

    # 1. host A dies while the body is still arriving (half of it sent)
    raw = socket.create_connection((HOST, a.port), timeout=10)
    request = (f"POST {API}/items/{task_id}/attachments HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {token}\r\n"
               f"Content-Type: {ctype}\r\nContent-Length: {len(head) + len(content) + len(tail)}\r\n"
               f"Accept: application/json\r\nConnection: close\r\n\r\n").encode()
    raw.sendall(request + head + content[:BIG // 2])
    time.sleep(0.5)
    _kill_host(a)
    raw.close()
    assert stored(sql) == (0, 0, 0)

    # 2. host B dies while it writes the blob's chunks into the database (3 of 12 written)
    sql.execute(GATE)
    outcome: list[Reply | BaseException] = []
    with psycopg.connect(dsn(rel_db), autocommit=True, connect_timeout=5) as gatekeeper:
        gatekeeper.execute("SELECT pg_advisory_lock(%s)", (GATE_KEY,))
        try:
            def send() -> None:
                try:
                    outcome.append(upload(b.port, token, task_id, content))
                except BaseException as exc:  # noqa: BLE001  (the host dies under it: expected)
                    outcome.append(exc)

            sender = threading.Thread(target=send, daemon=True)
            sender.start()
            waiting = wait_until(lambda: sql.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' "
                "AND wait_event = 'advisory'", (rel_db,)).fetchone(), 40, "the upload to reach its 3rd chunk")
            assert stored(sql) == (0, 0, 0)  # written but not committed: seen by nobody else
            _kill_host(b)
        finally:
            gatekeeper.execute("SELECT pg_advisory_unlock(%s)", (GATE_KEY,))
        sender.join(timeout=30)
    assert outcome and not isinstance(outcome[0], Reply), outcome  # no answer: the host died
    wait_until(lambda: sql.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s",
                                   (waiting[0],)).fetchone()[0] == 0, 30, "the dead host's backend to end")
    sql.execute(UNGATE)
    assert stored(sql) == (0, 0, 0)  # nothing half-stored: no blob, no chunk, no attachment
    assert sql.execute("SELECT count(*) FROM audit_events WHERE trigger = 'attach'").fetchone()[0] == 0

    # 3. host A comes back: the same file is stored whole, once
    again = deployment.start("a2")
    reply = upload(again.port, token, task_id, content)
    assert reply.status == 201, reply.data[:300]
    assert stored(sql) == (1, 12, 1)
    no_orphans(sql)
    download = again.call("GET", f"{API}/items/{task_id}/attachments/{reply.json()['id']}", token=token, timeout=60)
    assert download.status == 200 and download.data == content
