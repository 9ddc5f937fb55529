"""Revision 0013: events written before it get their business date from the instant in China and keep
their version-1 hash (so their chains still verify); the append-only trigger is back afterwards."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db
from workflows.audit import canonical_json, check_chain, china_date, event_hash

BEFORE = "0012_score_weights"
#: 2018-09-14 16:30 UTC is 2018-09-15 00:30 in China: the UTC date would be a day early
LATE_EVENING_UTC = datetime(2018, 9, 14, 16, 30, tzinfo=UTC)


def _old_event(item_id: int) -> dict:
    """An event as written before business dates: no business date, hash over the version-1 fields."""
    fields = dict(item_id=item_id, item_type="task", seq=1, from_state=None, to_state="implementation",
                  trigger="create", actor="system", actor_id=None, on_behalf_of=None, role="admin", unit=None,
                  at=LATE_EVENING_UTC, comment=None, data_json=canonical_json({}), prev_hash=None)
    return {**fields, "hash": event_hash(fields)}


def test_upgrade_fills_business_dates_in_china_and_old_chains_still_verify(ctx) -> None:
    db.session.remove()
    downgrade(revision=BEFORE)
    assert "business_date" not in {c["name"] for c in inspect(db.engine).get_columns("audit_events")}
    with db.engine.begin() as conn:
        columns = [c["name"] for c in inspect(conn).get_columns("items") if c["name"] != "id"]
        source = conn.execute(text("SELECT min(id) FROM items WHERE type = 'task'")).scalar()
        new_id = conn.execute(text("SELECT max(id) + 1000 FROM items")).scalar()
        names = ", ".join(columns)
        conn.execute(text(f"INSERT INTO items (id, {names}) SELECT :new_id, {names} FROM items WHERE id = :source"),
                     {"new_id": new_id, "source": source})
        conn.execute(text("UPDATE items SET state = 'implementation', version = 1 WHERE id = :id"), {"id": new_id})
        event = _old_event(new_id)
        placeholders = ", ".join(":" + k for k in event)
        conn.execute(text(f"INSERT INTO audit_events ({', '.join(event)}) VALUES ({placeholders})"), event)
    upgrade()

    rows = db.session.execute(text("SELECT * FROM audit_events WHERE item_id = :id ORDER BY seq"),
                              {"id": new_id}).mappings().all()
    assert len(rows) == 1
    row = dict(rows[0])
    business_date = row["business_date"]
    assert (date.fromisoformat(business_date) if isinstance(business_date, str) else business_date) == date(2018, 9, 15)
    assert row["hash_version"] == 1
    row["at"] = datetime.fromisoformat(row["at"]) if isinstance(row["at"], str) else row["at"]
    # the filled-in date is not covered by the old event's hash: its chain verifies unchanged
    assert check_chain([row]) is None
    # every other event got the date of its own instant in China
    for at, day in db.session.execute(text("SELECT at, business_date FROM audit_events")):
        at = datetime.fromisoformat(at) if isinstance(at, str) else at
        day = date.fromisoformat(day) if isinstance(day, str) else day
        assert day == china_date(at)
    # and the table is append-only again
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE audit_events SET business_date = '2018-01-01' WHERE item_id = :id"),
                           {"id": new_id})
    db.session.rollback()
