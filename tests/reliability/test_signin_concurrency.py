"""Issue 13, items 8 and 10 across real gunicorn workers on PostgreSQL: the sign-in limits are counted
in the database in one locked step, so guesses spread over four processes are counted one by one."""
from __future__ import annotations

from collections import Counter

import psycopg
import pytest

from tests.conftest import DEMO_PASSWORD
from tests.reliability.server import API, Reply, Server, simultaneously

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

GUESSES = 40
ACCOUNT_LIMIT = 10  # LOGIN_MAX_FAILURES
ADDRESS_LIMIT = 50  # LOGIN_MAX_FAILURES_PER_ADDRESS
SPRAY = 20
EARLIER = ADDRESS_LIMIT - 5  # failures from this address already recorded before the spray


def _statuses(answers: list[Reply | BaseException]) -> Counter[int]:
    assert all(isinstance(a, Reply) for a in answers), [a for a in answers if not isinstance(a, Reply)][:3]
    return Counter(a.status for a in answers if isinstance(a, Reply))


def test_forty_concurrent_wrong_passwords_for_one_account(server: Server, sql: psycopg.Connection) -> None:
    """40 wrong passwords for one account at the same instant through four workers: exactly ten are
    evaluated (401) and recorded; thirty are refused (429, Retry-After) without being checked."""
    batch = [server.prepare("POST", f"{API}/auth/token", body={"username": "huoqiu_reviewer",
                                                               "password": f"wrong-{n}"}, timeout=45)
             for n in range(GUESSES)]
    answers = simultaneously(batch, timeout=50)
    assert _statuses(answers) == {401: ACCOUNT_LIMIT, 429: GUESSES - ACCOUNT_LIMIT}, server.log_tail()
    assert all(int(a.headers["retry-after"]) > 0 for a in answers if isinstance(a, Reply) and a.status == 429)
    recorded = sql.execute("SELECT count(*) FROM login_attempts WHERE username = 'huoqiu_reviewer'").fetchone()
    assert recorded == (ACCOUNT_LIMIT,)
    assert len({pid for pid, _, _ in server.served("/auth/token")}) > 1, "all answered by one worker"


def test_a_concurrent_spray_over_many_names_from_one_address(server: Server, sql: psycopg.Connection) -> None:
    """An address 5 failures short of its limit (50) sprays 20 names at once through four workers:
    exactly 5 are evaluated, 15 refused, and the address is then refused for a real account too."""
    sql.execute("INSERT INTO login_attempts (username, at, remote_addr) "
                "SELECT 'earlier_' || n, now() - interval '1 minute', '127.0.0.1' FROM generate_series(1, %s) n",
                (EARLIER,))
    batch = [server.prepare("POST", f"{API}/auth/token", body={"username": f"sprayed_{n}", "password": "Spring2018"},
                            timeout=45)
             for n in range(SPRAY)]
    answers = simultaneously(batch, timeout=50)
    assert _statuses(answers) == {401: ADDRESS_LIMIT - EARLIER, 429: SPRAY - ADDRESS_LIMIT + EARLIER}, \
        server.log_tail()
    assert sql.execute("SELECT count(*) FROM login_attempts").fetchone() == (ADDRESS_LIMIT,)
    # the address is refused for a real account too, the right password included
    assert server.call("POST", f"{API}/auth/token", body={"username": "admin", "password": DEMO_PASSWORD}).status == 429
