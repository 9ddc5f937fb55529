"""Database connections killed under the server (a PostgreSQL restart, a failover, an idle-timeout
proxy) must not turn into failed requests once the connections are gone: pooled connections are
pinged before use and replaced."""
from __future__ import annotations

import threading
import time

import psycopg
import pytest
from flask import Flask

from tests.reliability.arrange import SUBMITTED, application_in
from tests.reliability.server import API, Reply, Server, pid_owning_local_port, simultaneously, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TERMINATE = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE datname = %s AND pid <> pg_backend_pid()")
BACKENDS = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
PORTS = "SELECT client_port FROM pg_stat_activity WHERE datname = %s AND client_port IS NOT NULL"


def _round(server: Server, tokens: list[str], per_worker: int = 2) -> list[Reply | BaseException]:
    """As many simultaneous authenticated reads as keep every worker busy (so every pool is used)."""
    batch = [server.prepare("GET", f"{API}/items?per_page=5", token=tokens[i % len(tokens)])
             for i in range(server.workers * per_worker)]
    return simultaneously(batch)


def _statuses(answers: list[Reply | BaseException]) -> list[int | str]:
    return [a.status if isinstance(a, Reply) else repr(a) for a in answers]


def test_requests_succeed_after_every_backend_is_terminated(server: Server, setup_app: Flask,
                                                            pg_available: str) -> None:
    """Every worker holds a pooled connection of its own (none inherited from the master); all of them
    are terminated, then again under load; afterwards every read and a write answer normally, from
    every worker (the pool pings a connection before handing it out and replaces a dead one)."""
    item_id, version = application_in(setup_app, SUBMITTED)
    tokens = [server.token(u) for u in ("huoqiu_reviewer", "city_reviewer", "office_approver", "supervisor")]
    assert all(s == 200 for s in _statuses(_round(server, tokens)))

    with psycopg.connect(pg_available, autocommit=True, connect_timeout=5) as admin:
        admin.execute("SET statement_timeout = '10s'")
        # every worker has opened a connection to this database, now idle in its pool
        pooled = admin.execute(BACKENDS, (server.dbname,)).fetchone()[0]
        assert pooled >= server.workers, f"expected a pooled connection per worker, saw {pooled}"
        ports = [port for (port,) in admin.execute(PORTS, (server.dbname,)).fetchall()]
        owners = {pid_owning_local_port(server.worker_pids() | {server.master}, port) for port in ports}
        assert server.worker_pids() <= owners and server.master not in owners, (owners, server.master)
        killed = admin.execute(TERMINATE, (server.dbname,)).fetchall()
        assert len(killed) >= server.workers and all(ok for (ok,) in killed)
        wait_until(lambda: admin.execute(BACKENDS, (server.dbname,)).fetchone()[0] == 0, 10,
                   "the terminated backends to go away")

        # the first requests on the dead pooled connections: every one answers normally
        after = _round(server, tokens)
        assert _statuses(after) == [200] * len(after), f"{_statuses(after)}\n{server.log_tail(15)}"

        # again while under load: requests caught mid-query may fail, the ones after must not
        stop = threading.Event()
        during: list[int | str] = []

        def load() -> None:
            while not stop.is_set():
                during.extend(_statuses(_round(server, tokens, per_worker=1)))

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        try:
            time.sleep(0.5)
            for _ in range(3):
                admin.execute(TERMINATE, (server.dbname,))
                time.sleep(0.3)
        finally:
            stop.set()
            loader.join(timeout=30)
        assert not loader.is_alive()
        assert during, "no request ran during the terminations"
        admin.execute(TERMINATE, (server.dbname,))

    seen = len(server.served(f"{API}/items?"))
    for _ in range(2):
        answers = _round(server, tokens)
        assert _statuses(answers) == [200] * len(answers), f"{_statuses(answers)}\n{server.log_tail(15)}"
    pids = {pid for pid, status, _ in server.served(f"{API}/items?")[seen:] if status == 200}
    assert len(pids & server.worker_pids()) == server.workers, "not every worker answered after the terminations"

    fired = server.call("POST", f"{API}/items/{item_id}/transitions", token=tokens[0],
                        body={"trigger": "endorse", "version": version})
    assert fired.status == 200, (fired.status, fired.data[:300])
    assert fired.json() == {"state": "mobilization.city_review", "version": version + 1}
