"""The role-aware home page: the caller's items."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app.clock import today
from app.extensions import db
from app.items.models import Item
from app.items.queries import visible_items
from workflows.base import state_title
from workflows.deadlines import overdue_level

bp = Blueprint("home", __name__)
PER_PAGE = 50


@bp.route("/")
@login_required
def index() -> str:
    actor = current_user.actor()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    q = visible_items(actor).order_by(Item.due_on.is_(None), Item.due_on, Item.id)
    items = db.session.scalars(q.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    now = today()
    rows = [{"item": it, "state_title": state_title(it.state), "level": overdue_level(it.due_on, now)}
            for it in items]
    return render_template("home/index.html", rows=rows, page=page, per_page=PER_PAGE, today=now)
