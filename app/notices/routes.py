"""The public verification page a printed notice's QR code leads to."""
from __future__ import annotations

from flask import Blueprint, render_template

from app.notices.operations import find_by_code

bp = Blueprint("notices_public", __name__)


@bp.route("/verify/<code>")
def verify(code: str) -> tuple[str, int] | str:
    notice = find_by_code(code)
    if notice is None or notice.state not in ("issued", "revoked"):
        return render_template("notices/verify.html", notice=None, code=code), 404
    return render_template("notices/verify.html", notice=notice, code=code)
