"""Configuration read from the environment (CONTRACT.md); production fails loudly when incomplete."""
from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """Missing or invalid configuration."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


class Config:
    PLANDESK_ENV = "development"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    REVIEW_WORKING_DAYS = 10
    LOGIN_MAX_FAILURES = 10
    LOGIN_WINDOW_MINUTES = 15
    #: failures from one client address (any accounts) within the window before it is refused
    LOGIN_MAX_FAILURES_PER_ADDRESS = 50
    #: sign-in attempts older than this are forgotten by ``deadlines tick``
    LOGIN_ATTEMPTS_KEEP_HOURS = 24
    TESTING = False

    def __init__(self) -> None:
        self.SECRET_KEY = _env("SECRET_KEY")
        # signs the audit anchors; derived from SECRET_KEY when unset (app/audit/operations.py)
        self.PLANDESK_AUDIT_KEY = _env("PLANDESK_AUDIT_KEY")
        self.SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL")
        self.PLANDESK_BASE_URL = _env("PLANDESK_BASE_URL", "")  # unset: the address of the request
        self.PLANDESK_STORAGE_DIR = _env("PLANDESK_STORAGE_DIR", str(INSTANCE / "storage"))
        # where uploaded evidence and archived notice PDFs live: "local" (PLANDESK_STORAGE_DIR, one
        # host) or "database" (the blobs tables: every host behind a balancer sees every file)
        self.PLANDESK_STORAGE = _storage_kind(_env("PLANDESK_STORAGE", "local") or "local")
        self.PLANDESK_FONT_DIR = _env("PLANDESK_FONT_DIR")
        self.PLANDESK_TODAY = _parse_today(_env("PLANDESK_TODAY"))
        self.MAIL_SERVER = _env("MAIL_SERVER")
        self.MAIL_PORT = int(_env("MAIL_PORT", "25") or 25)
        self.MAIL_USERNAME = _env("MAIL_USERNAME")
        self.MAIL_PASSWORD = _env("MAIL_PASSWORD")
        self.MAIL_FROM = _env("MAIL_FROM", "plandesk@localhost")
        self.REDIS_URL = _env("REDIS_URL")
        self.PLANDESK_TOKEN_HOURS = int(_env("PLANDESK_TOKEN_HOURS", "12") or 12)
        # one file's limit; every request (screens and API uploads) may carry one such file and its
        # multipart envelope (app.wrappers.PlanDeskRequest), so MAX_CONTENT_LENGTH is not set here
        self.PLANDESK_MAX_UPLOAD = parse_size("PLANDESK_MAX_UPLOAD", _env("PLANDESK_MAX_UPLOAD", "20MB"))
        self.PLANDESK_API_MAX_JSON = parse_size("PLANDESK_API_MAX_JSON", _env("PLANDESK_API_MAX_JSON", "1MB"))
        # quarterly reports open by themselves on the first request of a quarter (and at deadlines tick)
        self.PLANDESK_AUTO_OPEN_REPORTS = True
        #: reverse proxies in front of PlanDesk whose X-Forwarded-For/-Proto are trusted (0: none, so
        #: the client address of sign-in throttling is the connection's and cannot be forged)
        self.PLANDESK_TRUSTED_PROXIES = int(_env("PLANDESK_TRUSTED_PROXIES", "0") or 0)


class DevelopmentConfig(Config):
    def __init__(self) -> None:
        super().__init__()
        if not self.SECRET_KEY:
            # development only: a per-instance key kept under instance/, never a hard-coded one
            self.SECRET_KEY = _instance_secret()
        if not self.SQLALCHEMY_DATABASE_URI:
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE / 'plandesk.sqlite3'}"


class ProductionConfig(Config):
    PLANDESK_ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    def __init__(self) -> None:
        super().__init__()
        missing = [n for n, v in (("SECRET_KEY", self.SECRET_KEY), ("DATABASE_URL", self.SQLALCHEMY_DATABASE_URI))
                   if not v]
        if missing:
            raise ConfigError("production needs " + " and ".join(missing) + " in the environment")


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = "test-secret-key-not-for-production"
        # tests count items: the reports of a period open only where a test asks for it
        self.PLANDESK_AUTO_OPEN_REPORTS = False
        # the suite's journeys decide without an opinion: tests of the 审批意见 rule set the default
        # (app.opinions.rules.DEFAULT_ROLES: the city and the office) or the office's setting themselves
        self.PLANDESK_OPINION_DEFAULT: tuple[str, ...] | None = ()


SIZE = re.compile(r"\s*(\d+)\s*(B|K|KB|KIB|M|MB|MIB|G|GB|GIB)?\s*", re.IGNORECASE)
SIZE_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def parse_size(name: str, value: str) -> int:
    """A byte count: ``20971520``, ``512KB``, ``40MB``, ``1G`` (binary units, case ignored); above zero."""
    match = SIZE.fullmatch(value)
    if not match or int(match.group(1)) <= 0:
        raise ConfigError(f"{name} must be a size in bytes, KB, MB or GB (e.g. 40MB), not {value!r}")
    return int(match.group(1)) * SIZE_UNITS[(match.group(2) or "")[:1].upper()]


def _storage_kind(value: str) -> str:
    kind = value.strip().lower()
    if kind not in ("local", "database"):
        raise ConfigError(f"PLANDESK_STORAGE must be local or database, not {value!r}")
    return kind


def _parse_today(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"PLANDESK_TODAY must be an ISO date (YYYY-MM-DD), not {value!r}") from exc


def _instance_secret() -> str:
    import secrets

    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def config_for_env() -> Config:
    env = _env("PLANDESK_ENV", "development")
    if env == "production":
        return ProductionConfig()
    if env == "development":
        return DevelopmentConfig()
    raise ConfigError(f"PLANDESK_ENV must be development or production, not {env!r}")
