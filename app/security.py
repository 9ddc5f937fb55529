"""Security headers on every response; no caching of anything but the static files."""
from __future__ import annotations

from flask import Flask, request
from werkzeug.wrappers import Response

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            # nothing shown behind sign-in may stay in a shared computer's cache or a proxy: the back
            # button after sign-out shows nothing (public pages are cheap to serve again)
            response.headers["Cache-Control"] = _no_store(response.headers.get("Cache-Control"))
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def _no_store(value: str | None) -> str:
    """``value`` with ``no-store`` added (a view's own ``private`` and the like are kept)."""
    directives = [d.strip() for d in (value or "").split(",") if d.strip()]
    if not any(d.lower() == "no-store" for d in directives):
        directives.append("no-store")
    return ", ".join(d for d in directives if not d.lower().startswith(("public", "max-age", "s-maxage")))
