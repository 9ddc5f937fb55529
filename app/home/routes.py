"""The home page: 待办 (what waits for the user, grouped), where every role lands after signing in;
全部事项 is one tab away (``/all``)."""
from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

from app.worklists.routes import render_list

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index() -> str:
    return render_list("todo", "home.index", "home/index.html")
