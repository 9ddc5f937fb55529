"""PlanDesk (行动方案督办台)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import ROOT, Config, config_for_env
from app.wrappers import PlanDeskRequest


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` is a Config object, or a mapping applied over the environment's."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"), template_folder=str(ROOT / "templates"),
                static_folder="static")
    app.request_class = PlanDeskRequest
    if isinstance(config, Config):
        app.config.from_object(config)
    else:
        app.config.from_object(config_for_env())
        if config:
            app.config.update(config)

    from app import database, i18n, text_input
    from app.extensions import csrf, db, login_manager, migrate

    database.configure(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    text_input.init_app(app)  # before CSRF: text the database cannot store is refused first
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)

    from app import models  # noqa: F401  (register every mapper)
    from app import security, wiring
    from app.admin.routes import bp as admin_bp
    from app.api import bp as api_bp
    from app.applications.routes import bp as applications_bp
    from app.attachments.routes import bp as attachments_bp
    from app.auth import auth as auth_setup
    from app.account.routes import bp as auth_bp
    from app.dashboards.routes import bp as dashboards_bp
    from app.delegations.routes import bp as delegations_bp
    from app.extension_requests.routes import bp as extension_requests_bp
    from app.home.routes import bp as home_bp
    from app.item_page.bulk import bp as bulk_bp
    from app.item_page.routes import bp as item_page_bp
    from app.ledger.routes import bp as ledger_bp
    from app.notices.routes import bp as notices_bp
    from app.notices.routes import public as notices_public_bp
    from app.notifications import operations as notifications_ops
    from app.notifications.routes import bp as notifications_bp
    from app.opinions.routes import bp as opinions_bp
    from app.reports import auto as reports_auto
    from app.reports.routes import bp as reports_bp
    from app.scores.routes import bp as scores_bp
    from app.web import nav as web_nav
    from app.web import ui as web_ui
    from app.admin.calendar import bp as calendar_bp
    from app.worklists.routes import bp as worklists_bp
    from app.workflow_settings.routes import bp as workflow_settings_bp

    wiring.install_api()  # before the API blueprint is registered
    auth_setup.init_app(app)
    web_ui.init_app(app)
    web_nav.init_app(app)
    wiring.install(app)
    notifications_ops.init_app(app)
    reports_auto.init_app(app)
    for blueprint in (auth_bp, home_bp, notices_public_bp, api_bp, dashboards_bp, reports_bp, ledger_bp,
                      worklists_bp, item_page_bp, applications_bp, attachments_bp, admin_bp, calendar_bp,
                      delegations_bp, extension_requests_bp, notifications_bp, bulk_bp, notices_bp, scores_bp,
                      opinions_bp, workflow_settings_bp):
        app.register_blueprint(blueprint)

    from app.cli import register_cli

    register_cli(app)
    security.init_app(app)
    proxies = int(app.config.get("PLANDESK_TRUSTED_PROXIES") or 0)
    if proxies > 0:  # the client's own address and scheme, as the trusted proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    return app
