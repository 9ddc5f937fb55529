"""A small JSON API client on the standard library's http.client: one connection, reused while the
server keeps it open and reopened when it closes it (gunicorn's sync workers close after each reply),
so the load generator adds as little as possible to what is measured."""
from __future__ import annotations

import http.client
import json
import uuid
from typing import Any


class ApiClient:
    def __init__(self, port: int, token: str | None = None, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port
        self.headers = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.conn = http.client.HTTPConnection(host, port, timeout=60)

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers={**self.headers, **headers})
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    self.conn.close()
                return resp.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # the server closed an idle kept-alive connection: retry once on a new one
                self.conn.close()
                if attempt == 2:
                    raise
            except (OSError, http.client.HTTPException):
                self.conn.close()  # leaves the connection ready for the next request
                raise
        raise AssertionError("unreachable")

    def call(self, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
        """(status, decoded JSON body or None)."""
        body = None if payload is None else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        status, data = self._send(method, path, body, headers)
        return status, json.loads(data) if data else None

    def upload(self, path: str, filename: str, content: bytes, field: str = "file") -> tuple[int, Any]:
        """A multipart/form-data POST of one file."""
        boundary = uuid.uuid4().hex
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n")
        body = head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
        status, data = self._send("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return status, json.loads(data) if data else None

    def close(self) -> None:
        self.conn.close()
