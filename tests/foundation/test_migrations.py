"""Migrations: one head, upgrade from empty gives exactly the models' schema, audit triggers exist."""
from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from app.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ScriptDirectory:
    cfg = AlembicConfig(str(ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(cfg)


def test_single_head_and_dated_names() -> None:
    script = _script()
    assert len(script.get_heads()) == 1
    for rev in script.walk_revisions():
        name = Path(rev.path).name
        assert name[:8].isdigit() and name[8] == "_", f"{name}: revision files are dated YYYYMMDD_HHMM_rev_slug"
        source = Path(rev.path).read_text()
        assert "def downgrade" in source
        assert "from app" not in source and "import app" not in source, f"{name} imports app code"


def test_upgrade_from_empty_matches_models(ctx) -> None:
    """The template database was upgraded from empty: its schema is exactly the models'."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []
    with db.engine.connect() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert head == _script().get_current_head()


def test_audit_tables_are_append_only_at_head(ctx) -> None:
    """The triggers exist at head (SQLite batch migrations drop them silently) and refuse changes."""
    if db.engine.dialect.name == "sqlite":
        names = set(db.session.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'")).scalars())
        assert {"audit_events_no_update", "audit_events_no_delete",
                "audit_anchors_no_update", "audit_anchors_no_delete"} <= names
    else:
        names = set(db.session.execute(text(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
        assert {"audit_events_append_only", "audit_anchors_append_only"} <= names
    event_id = db.session.execute(text("SELECT min(id) FROM audit_events")).scalar()
    assert event_id is not None
    for statement in ("UPDATE audit_events SET comment = 'x' WHERE id = :id",
                      "DELETE FROM audit_events WHERE id = :id"):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement), {"id": event_id})
        db.session.rollback()
    comment = db.session.execute(text("SELECT comment FROM audit_events WHERE id = :id"), {"id": event_id}).scalar()
    assert comment is None


def test_state_columns_are_constrained(ctx) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {"items", "applications", "task_assignments", "reports", "notices", "audit_events"} <= tables
    with pytest.raises(Exception):
        db.session.execute(text("UPDATE items SET state = 'no_such_state' WHERE id = (SELECT min(id) FROM items)"))
        db.session.flush()
    db.session.rollback()


def test_admin_log_is_append_only_at_head(ctx) -> None:
    """管理日志 (admin_events) is append-only like the audit trail: its triggers exist at head."""
    if db.engine.dialect.name == "sqlite":
        names = set(db.session.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'")).scalars())
        assert {"admin_events_no_update", "admin_events_no_delete"} <= names
    else:
        names = set(db.session.execute(text(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
        assert "admin_events_append_only" in names
    for statement in ("UPDATE admin_events SET actor = 'x'", "DELETE FROM admin_events"):
        db.session.execute(text("INSERT INTO admin_events (at, actor, action, target_type, target, changes_json) "
                                "VALUES (CURRENT_TIMESTAMP, 'admin', 'update_unit', 'unit', 'huoqiu', '{}')"))
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
