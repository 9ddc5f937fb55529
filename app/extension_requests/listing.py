"""Extension requests as lists show them: each with the item it is for (named by title, linked)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from app.extension_requests.models import ExtensionRequest
from app.extensions import db
from app.items.models import Item


@dataclass(frozen=True)
class RequestRow:
    request: ExtensionRequest
    item: Item

    def __getattr__(self, name: str):  # the request's own fields read through (r.requested_until …)
        return getattr(self.request, name)


def with_items(rows: Sequence[ExtensionRequest]) -> list[RequestRow]:
    """The requests with their items, loaded in one query (a request whose item is gone is left out)."""
    ids = {r.item_id for r in rows}
    items = {it.id: it for it in db.session.scalars(select(Item).where(Item.id.in_(ids)))} if ids else {}
    return [RequestRow(r, items[r.item_id]) for r in rows if r.item_id in items]
