"""A real gunicorn PlanDesk on loopback, for the reliability tests, plus small HTTP and process helpers.

Everything is bounded: every socket has a timeout, every wait has a deadline, and ``stop`` ends the
whole process group (master and workers) with SIGTERM, then SIGKILL.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import ROOT
from tests.conftest import DEMO_PASSWORD, TODAY

GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"
API = "/api/v1"
#: access log line: "<pid> status "request line""
ACCESS_FORMAT = '%(p)s %(s)s "%(r)s"'
_ACCESS_LINE = re.compile(r'^<(\d+)> (\d{3}) "([^"]*)"')


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    data: bytes

    def json(self) -> Any:
        return json.loads(self.data.decode("utf-8"))

    def error_code(self) -> str | None:
        """The ``error`` code of a JSON error body (None when the body is not one)."""
        try:
            body = self.json()
        except ValueError:
            return None
        return body.get("error") if isinstance(body, dict) else None


def _headers(token: str | None, body: bytes | None) -> dict[str, str]:
    headers = {"Accept": "application/json", "Connection": "close"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    return headers


def read_reply(conn: http.client.HTTPConnection) -> Reply:
    response = conn.getresponse()
    data = response.read()
    return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)


def call(port: int, method: str, path: str, *, token: str | None = None, body: Any = None,
         timeout: float = 20.0) -> Reply:
    """One HTTP request on a fresh connection; the connection is always closed."""
    payload = None if body is None else json.dumps(body).encode("utf-8")
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=payload, headers=_headers(token, payload))
        return read_reply(conn)
    finally:
        conn.close()


class Prepared:
    """A connection opened ahead of time, so many requests can be sent at the same instant."""

    def __init__(self, port: int, method: str, path: str, *, token: str | None = None, body: Any = None,
                 timeout: float = 30.0) -> None:
        self.method, self.path = method, path
        self.payload = None if body is None else json.dumps(body).encode("utf-8")
        self.headers = _headers(token, self.payload)
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        self.conn.connect()

    def send(self) -> Reply:
        try:
            self.conn.request(self.method, self.path, body=self.payload, headers=self.headers)
            return read_reply(self.conn)
        finally:
            self.conn.close()


def simultaneously(requests: list[Prepared], timeout: float = 45.0) -> list[Reply | BaseException]:
    """Send every prepared request at once (released by a barrier); answers in the same order."""
    barrier = threading.Barrier(len(requests))
    results: list[Reply | BaseException | None] = [None] * len(requests)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=15)
            results[index] = requests[index].send()
        except BaseException as exc:  # noqa: BLE001  (reported to the test, which asserts on it)
            results[index] = exc
            requests[index].conn.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(requests))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.1, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "simultaneous requests did not finish in time"
    return [r if r is not None else RuntimeError("no answer") for r in results]


def token_for(port: int, username: str, password: str = DEMO_PASSWORD) -> str:
    reply = call(port, "POST", f"{API}/auth/token", body={"username": username, "password": password})
    assert reply.status == 200, (username, reply.status, reply.data[:300])
    return reply.json()["token"]


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


# -- processes (Linux /proc; the standard library only) -----------------------------------------

def children_of(parent: int) -> set[int]:
    """Live (not zombie) direct children of ``parent``."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[1]) == parent:
            found.add(int(entry.name))
    return found


def is_gone(pid: int) -> bool:
    """True once ``pid`` has exited (missing, or a zombie not yet reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _socket_inodes_on_local_port(port: int) -> set[str]:
    """Inodes of the TCP sockets whose local port is ``port`` (IPv4 and IPv6 tables)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(cols[9])
    return inodes


def pid_owning_local_port(candidates: set[int], port: int) -> int | None:
    """Of ``candidates``, the process holding the TCP socket bound locally to ``port``."""
    inodes = {f"socket:[{i}]" for i in _socket_inodes_on_local_port(port)}
    for pid in candidates:
        fd_dir = Path(f"/proc/{pid}/fd")
        try:
            links = [os.readlink(fd_dir / fd) for fd in os.listdir(fd_dir)]
        except OSError:
            continue
        if inodes & set(links):
            return pid
    return None


# -- the server ----------------------------------------------------------------------------------

@dataclass
class Server:
    """A running ``gunicorn wsgi:app`` with the production configuration on a test database."""

    port: int
    workers: int
    dbname: str
    storage: Path
    access_log: Path
    error_log: Path
    proc: subprocess.Popen[bytes] | None = None
    #: the environment gunicorn was started with (also for running ``flask`` commands as this host)
    env: dict[str, str] = field(default_factory=dict)
    _out: Any = field(default=None, repr=False)

    @property
    def master(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def call(self, method: str, path: str, **kw: Any) -> Reply:
        return call(self.port, method, path, **kw)

    def prepare(self, method: str, path: str, **kw: Any) -> Prepared:
        return Prepared(self.port, method, path, **kw)

    def token(self, username: str) -> str:
        return token_for(self.port, username)

    def worker_pids(self) -> set[int]:
        return children_of(self.master)

    def served(self, path_part: str = "") -> list[tuple[int, int, str]]:
        """(worker pid, status, request line) of every logged request whose line contains ``path_part``."""
        rows: list[tuple[int, int, str]] = []
        if not self.access_log.exists():
            return rows
        for line in self.access_log.read_text(errors="replace").splitlines():
            m = _ACCESS_LINE.match(line)
            if m and path_part in m.group(3):
                rows.append((int(m.group(1)), int(m.group(2)), m.group(3)))
        return rows

    def log_tail(self, lines: int = 40) -> str:
        if not self.error_log.exists():
            return ""
        return "\n".join(self.error_log.read_text(errors="replace").splitlines()[-lines:])

    def start(self, database_url: str, timeout: float = 40.0, extra_env: dict[str, str] | None = None) -> None:
        """Start ``gunicorn wsgi:app`` as the README does, plus ``--preload``: the app is imported once
        in the master and forked, which keeps start-up and respawns short on a loaded machine (and a
        connection opened at import would be shared by every worker, which the tests would notice)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "PLANDESK_", "REDIS_"))}
        env.update({
            "PLANDESK_ENV": "production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_hex(32),
            "PLANDESK_STORAGE_DIR": str(self.storage),
            "PLANDESK_TODAY": TODAY.isoformat(),
            "PLANDESK_BASE_URL": f"http://{HOST}:{self.port}",
            "PYTHONUNBUFFERED": "1",
        })
        env.update(extra_env or {})
        self.env = env
        cmd = [str(GUNICORN), "--workers", str(self.workers), "--worker-class", "sync",
               "--bind", f"{HOST}:{self.port}", "--timeout", "30", "--graceful-timeout", "5",
               "--no-control-socket", "--preload", "--chdir", str(ROOT),
               "--access-logfile", str(self.access_log), "--access-logformat", ACCESS_FORMAT,
               "--error-logfile", str(self.error_log), "wsgi:app"]
        self._out = self.error_log.with_suffix(".out").open("wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 40.0) -> None:
        """Wait until every worker answers: N connections opened at once are each held by a
        different sync worker, so N distinct pids in the access log means all N are serving."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            pids: set[int] = set()
            try:
                batch = [self.prepare("GET", f"{API}/me", timeout=5) for _ in range(self.workers)]
                answers = simultaneously(batch, timeout=10)
                if all(isinstance(a, Reply) and a.status == 401 for a in answers):
                    pids = {pid for pid, _, line in self.served(f"{API}/me")} & self.worker_pids()
            except (OSError, AssertionError):
                pass
            if len(pids) >= self.workers:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"gunicorn not ready after {timeout:.0f} s (workers seen: {sorted(pids)}):\n"
                                     f"{self.log_tail()}")
            time.sleep(0.3)

    def stop(self) -> None:
        """End master and workers: SIGTERM to the master, then SIGKILL to the whole process group."""
        proc = self.proc
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # workers still exiting, or left behind by the master
            except (ProcessLookupError, PermissionError):
                pass
            if proc.poll() is None:
                proc.wait(timeout=10)
        if self._out is not None:
            self._out.close()
            self._out = None
