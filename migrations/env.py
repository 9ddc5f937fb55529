"""Alembic environment (Flask-Migrate). Revisions themselves import no app code."""
from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_metadata():
    return current_app.extensions["migrate"].db.metadata


def run_migrations_offline() -> None:
    context.configure(url=get_engine().url.render_as_string(hide_password=False), target_metadata=get_metadata(),
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = get_engine()
    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a CHECK constraint by copying the table (batch mode) and dropping the old one;
            # with foreign keys enforced, dropping a table other rows refer to fails. They are switched off
            # for the migration (outside any transaction, where the pragma takes effect) and every
            # reference is checked before they are switched back on.
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        args = {"render_as_batch": True, "compare_type": True, **current_app.extensions["migrate"].configure_args}
        context.configure(connection=connection, target_metadata=get_metadata(), **args)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows whose references are broken: {broken[:5]}")
        if sqlite:
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
