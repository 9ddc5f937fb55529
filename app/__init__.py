"""PlanDesk (行动方案督办台)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from app.config import ROOT, Config, config_for_env


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` is a Config object, or a mapping applied over the environment's."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"), template_folder=str(ROOT / "templates"),
                static_folder="static")
    if isinstance(config, Config):
        app.config.from_object(config)
    else:
        app.config.from_object(config_for_env())
        if config:
            app.config.update(config)

    from app import database, i18n
    from app.extensions import csrf, db, login_manager, migrate

    database.configure(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)

    from app import models  # noqa: F401  (register every mapper)
    from app.auth import auth as auth_setup
    from app.auth.routes import bp as auth_bp
    from app.home.routes import bp as home_bp

    auth_setup.init_app(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)

    from app.cli import register_cli

    register_cli(app)
    from app import security

    security.init_app(app)
    return app
