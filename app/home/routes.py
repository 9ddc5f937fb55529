"""The home page: every item the user may see (全部事项), with the worklists one click away."""
from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

from app.worklists.routes import render_list

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index() -> str:
    return render_list("all", "home.index", "home/index.html")
