"""A gunicorn worker killed (OOM killer, kill -9, a host losing power under it) in the middle of a
transition, after its writes but before its commit, leaves nothing behind, and the server goes on.

A transition writes the item's versioned UPDATE, its audit event and its in-app notifications (the
order of the flush is SQLAlchemy's to choose); the next statement is COMMIT. To stop a worker exactly
there, the test database gets a gate: a statement trigger on those three tables that, once all three
have been written in the current transaction, takes a shared advisory lock the test holds
exclusively. The worker then waits inside its last write, everything written but nothing committed.
"""
from __future__ import annotations

import http.client
import os
import signal
import threading

import psycopg
import pytest
from flask import Flask

from tests.reliability.arrange import SUBMITTED, application_in
from tests.reliability.conftest import dsn
from tests.reliability.server import (API, Reply, Server, children_of, is_gone, pid_owning_local_port,
                                      wait_until)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

GATE_KEY = 724_201
GATE = f"""
CREATE FUNCTION reliability_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    me xid := pg_current_xact_id()::xid;
BEGIN
    IF EXISTS (SELECT 1 FROM items WHERE xmin = me)
       AND EXISTS (SELECT 1 FROM audit_events WHERE xmin = me)
       AND EXISTS (SELECT 1 FROM notifications WHERE xmin = me) THEN
        PERFORM pg_advisory_xact_lock_shared({GATE_KEY});
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER reliability_gate AFTER UPDATE ON items FOR EACH STATEMENT EXECUTE FUNCTION reliability_gate();
CREATE TRIGGER reliability_gate AFTER INSERT ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION reliability_gate();
CREATE TRIGGER reliability_gate AFTER INSERT ON notifications FOR EACH STATEMENT EXECUTE FUNCTION reliability_gate();
"""
UNGATE = ("DROP TRIGGER reliability_gate ON items; DROP TRIGGER reliability_gate ON audit_events; "
          "DROP TRIGGER reliability_gate ON notifications; DROP FUNCTION reliability_gate();")
WAITING = ("SELECT pid, client_port, query FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' "
           "AND wait_event = 'advisory'")
HELD = ("SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.pid = %s AND l.granted AND c.relname IN ('items', 'audit_events', 'notifications')")


def _snapshot(conn: psycopg.Connection, item_id: int) -> tuple[object, ...]:
    """(state, version, audit events, notifications) of the item, as committed."""
    return conn.execute(
        "SELECT i.state, i.version, (SELECT count(*) FROM audit_events a WHERE a.item_id = i.id), "
        "(SELECT count(*) FROM notifications n WHERE n.item_id = i.id) FROM items i WHERE i.id = %s",
        (item_id,)).fetchone()


def test_worker_killed_before_commit_leaves_no_half_written_item(server: Server, setup_app: Flask, rel_db: str,
                                                                 sql: psycopg.Connection) -> None:
    """SIGKILL of the worker blocked between its writes and its COMMIT: the item keeps its state and
    version, no audit event or message is left, a new worker takes over, and the same transition
    then succeeds exactly once."""
    item_id, version = application_in(setup_app, SUBMITTED)
    before = _snapshot(sql, item_id)
    assert before[:3] == ("mobilization.county_review", version, 2)
    token = server.token("huoqiu_reviewer")
    body = {"trigger": "endorse", "version": version}
    path = f"{API}/items/{item_id}/transitions"
    workers_before = server.worker_pids()
    assert len(workers_before) == server.workers

    sql.execute(GATE)
    outcome: list[Reply | BaseException] = []
    with psycopg.connect(dsn(rel_db), autocommit=True, connect_timeout=5) as gatekeeper:
        gatekeeper.execute("SELECT pg_advisory_lock(%s)", (GATE_KEY,))
        try:
            def fire() -> None:
                try:
                    outcome.append(server.call("POST", path, token=token, body=body, timeout=30))
                except (http.client.HTTPException, OSError) as exc:
                    outcome.append(exc)

            request = threading.Thread(target=fire, daemon=True)
            request.start()
            pid, client_port, query = wait_until(lambda: sql.execute(WAITING, (rel_db,)).fetchone(), 20,
                                                 "the worker's transaction to wait at the gate")
            # it waits inside its last write: the item UPDATE, the audit event and the messages are written
            assert query.lstrip().upper().startswith(("UPDATE ITEMS", "INSERT INTO AUDIT_EVENTS",
                                                      "INSERT INTO NOTIFICATIONS")), query
            held = set(sql.execute(HELD, (pid,)).fetchall())
            assert {("items", "RowExclusiveLock"), ("audit_events", "RowExclusiveLock"),
                    ("notifications", "RowExclusiveLock")} <= held, held

            worker = pid_owning_local_port(server.worker_pids(), client_port)
            victims = {worker} if worker is not None else server.worker_pids()
            for victim in victims:
                os.kill(victim, signal.SIGKILL)
            wait_until(lambda: all(is_gone(v) for v in victims), 10, "the killed worker to exit")
            request.join(timeout=15)
            assert not request.is_alive()
            assert len(outcome) == 1 and isinstance(outcome[0], (http.client.HTTPException, OSError)), outcome
        finally:
            gatekeeper.execute("SELECT pg_advisory_unlock(%s)", (GATE_KEY,))

    # released, the orphaned backend finds its client gone and rolls back
    wait_until(lambda: sql.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0] == 0,
               15, "the killed worker's backend to end")
    sql.execute(UNGATE)
    assert _snapshot(sql, item_id) == before
    assert sql.execute("SELECT count(*) FROM audit_events WHERE item_id = %s AND trigger = 'endorse'",
                       (item_id,)).fetchone() == (0,)

    # the master has replaced the killed worker(s); the server answers and the transition goes through once
    wait_until(lambda: len(children_of(server.master)) == server.workers, 30, "gunicorn to respawn its workers")
    assert server.worker_pids().isdisjoint(victims)
    server.wait_ready(timeout=30)
    done = server.call("POST", path, token=token, body=body)
    assert done.status == 200, (done.status, done.data[:300], server.log_tail())
    assert done.json() == {"state": "mobilization.city_review", "version": version + 1}
    again = server.call("POST", path, token=token, body=body)
    assert again.status == 409 and again.error_code() == "stale_version", (again.status, again.data[:300])
    after = _snapshot(sql, item_id)
    assert after[:3] == ("mobilization.city_review", version + 1, 3)
    assert after[3] > before[3]  # the endorsement's notifications, committed with it
    assert sql.execute("SELECT count(*) FROM audit_events WHERE item_id = %s AND trigger = 'endorse'",
                       (item_id,)).fetchone() == (1,)
