"""Concurrency across real gunicorn workers (separate processes, separate connection pools) on PostgreSQL.

The in-process race tests use threads in one interpreter; here every request may land in another
process, so only the database (row locks, versioned UPDATE, the numbering register) can keep order.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
import pytest
from flask import Flask

from tests.reliability.arrange import AT_CITY_REVIEW, application_in, extra_users, notices_in_review
from tests.reliability.server import API, Reply, Server, simultaneously

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

APPROVERS = 8
NOTICES = 8


def test_simultaneous_approvers_across_workers_one_winner(server: Server, setup_app: Flask,
                                                          sql: psycopg.Connection) -> None:
    """Eight city reviewers accept the same application at the same version, at the same instant,
    through four workers: exactly one 200, seven 409 with a JSON error code, one audit event."""
    item_id, version = application_in(setup_app, AT_CITY_REVIEW)
    assert version == 3
    reviewers = ["city_reviewer", *extra_users(setup_app, "city_reviewer_rel", "city_reviewer", "commerce",
                                               APPROVERS - 1)]
    tokens = [server.token(name) for name in reviewers]

    path = f"{API}/items/{item_id}/transitions"
    batch = [server.prepare("POST", path, token=t, body={"trigger": "accept", "version": version, "comment": "同意"}) for t in tokens]
    answers = simultaneously(batch)
    assert all(isinstance(a, Reply) for a in answers), answers
    replies = [a for a in answers if isinstance(a, Reply)]
    winners = [r for r in replies if r.status in (200, 201)]
    losers = [r for r in replies if r not in winners]
    assert len(winners) == 1, [(r.status, r.data[:200]) for r in replies]
    assert winners[0].json() == {"state": "implementation", "version": version + 1}
    assert all(r.status == 409 and r.headers.get("content-type", "").startswith("application/json")
               for r in losers), [(r.status, r.data[:200]) for r in losers]
    assert {r.error_code() for r in losers} <= {"stale_version", "invalid_transition"}

    accepts = sql.execute("SELECT count(*) FROM audit_events WHERE item_id = %s AND trigger = 'accept'",
                          (item_id,)).fetchone()
    assert accepts == (1,)
    state = sql.execute("SELECT state, version FROM items WHERE id = %s", (item_id,)).fetchone()
    assert state == ("implementation", version + 1)
    chain = sql.execute("SELECT seq, trigger FROM audit_events WHERE item_id = %s ORDER BY seq", (item_id,)).fetchall()
    assert chain == [(1, "create"), (2, "submit"), (3, "endorse"), (4, "accept")]

    pids = {pid for pid, _, _ in server.served(path)}
    assert len(pids) > 1, f"all transitions were served by one worker: {pids}"


def test_simultaneous_notice_issues_across_workers_number_without_gaps(server: Server, setup_app: Flask,
                                                                       sql: psycopg.Connection) -> None:
    """Eight notices issued at once by the office through four workers: every issue succeeds, the
    numbers of (issuer, year) run on with no gap and no repeat, and each has its archived PDF."""
    ids = notices_in_review(setup_app, NOTICES)
    before = sql.execute("SELECT coalesce(max(last_seq), 0) FROM notice_counters WHERE year = 2018").fetchone()[0]
    token = server.token("office_approver")

    batch = [server.prepare("POST", f"{API}/items/{notice_id}/transitions", token=token,
                            body={"trigger": "issue", "version": 2}) for notice_id in ids]
    answers = simultaneously(batch)
    assert all(isinstance(a, Reply) and a.status == 200 for a in answers), \
        [(a.status, a.data[:200]) if isinstance(a, Reply) else repr(a) for a in answers]
    assert all(a.json() == {"state": "issued", "version": 3} for a in answers if isinstance(a, Reply))

    rows = sql.execute("SELECT n.id, n.issuer_code, n.year, n.seq, n.number, n.pdf_sha256, i.state "
                       "FROM notices n JOIN items i ON i.id = n.id WHERE n.id = ANY(%s) ORDER BY n.seq",
                       (ids,)).fetchall()
    assert len(rows) == NOTICES and {r[6] for r in rows} == {"issued"}
    assert len({(r[1], r[2]) for r in rows}) == 1 and rows[0][2] == 2018
    assert [r[3] for r in rows] == list(range(before + 1, before + NOTICES + 1))
    assert len({r[4] for r in rows}) == NOTICES
    issuer = rows[0][1]
    assert [r[4] for r in rows] == [f"{issuer}〔2018〕{seq}号" for seq in range(before + 1, before + NOTICES + 1)]
    counter = sql.execute("SELECT last_seq FROM notice_counters WHERE issuer_code = %s AND year = 2018",
                          (issuer,)).fetchone()
    assert counter == (before + NOTICES,)
    issues = sql.execute("SELECT item_id, count(*) FROM audit_events WHERE item_id = ANY(%s) AND trigger = 'issue' "
                         "GROUP BY item_id", (ids,)).fetchall()
    assert sorted(issues) == sorted((i, 1) for i in ids)

    for notice_id, _, _, _, _, sha, _ in rows:
        assert sha and len(sha) == 64
        stored = Path(server.storage) / sha[:2] / sha
        assert stored.is_file(), f"archived PDF of notice {notice_id} missing at {stored}"
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
        pdf = server.call("GET", f"{API}/notices/{notice_id}/pdf", token=token)
        assert pdf.status == 200 and pdf.data.startswith(b"%PDF-")
        assert hashlib.sha256(pdf.data).hexdigest() == sha

    pids = {pid for pid, _, _ in server.served("/transitions")}
    assert len(pids) > 1, f"all issues were served by one worker: {pids}"
