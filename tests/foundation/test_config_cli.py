"""Configuration and the CLI of CONTRACT.md."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.auth.models import User
from app.config import ConfigError, ProductionConfig
from app.extensions import db
from app.plans.models import AnnexTask
from app.plans.schema import TaskData, UnitData
from app.plans.xlsx import write_annex_xlsx
from app.tasks.models import TaskAssignment
from app.units.models import Unit


def test_production_refuses_to_start_without_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANDESK_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://x@127.0.0.1/x")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        ProductionConfig()


def test_bad_today_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANDESK_TODAY", "2018-02-30")
    with pytest.raises(ConfigError, match="PLANDESK_TODAY"):
        create_app()


def test_demo_accounts(ctx) -> None:
    users = {u.username: u for u in db.session.scalars(select(User))}
    for county in ("huoqiu", "shucheng", "jinzhai", "huoshan", "jinan", "yuan", "yeji"):
        assert users[f"{county}_filer"].role == "county_filer" and users[f"{county}_filer"].unit.slug == county
        assert users[f"{county}_reviewer"].role == "county_reviewer"
    assert users["city_reviewer"].role == "city_reviewer"
    assert users["office_approver"].role == "office_approver"
    assert users["supervisor"].role == "supervisor"
    assert users["admin"].role == "admin"
    departments = db.session.scalars(select(Unit.slug).where(Unit.kind == "department")).all()
    assert {f"{d}_filer" for d in departments} <= set(users)
    assert all(u.password_hash.startswith("$argon2id$") for u in users.values())
    assert len({u.password_hash for u in users.values()}) == len(users)  # salted per account


def _annex_units(app) -> list[UnitData]:
    with app.app_context():
        return [UnitData(slug=u.slug, name=u.name, kind=u.kind, code=u.code, aliases=tuple(u.aliases or ()))
                for u in db.session.scalars(select(Unit))]


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(AnnexTask)),
                db.session.scalar(select(func.count()).select_from(TaskAssignment)))


def test_import_xlsx_adds_tasks_and_assignments(app, tmp_path: Path) -> None:
    units = _annex_units(app)
    counties = tuple(u.slug for u in units if u.kind == "county")
    from datetime import date
    path = tmp_path / "annex.xlsx"
    write_annex_xlsx([TaskData(number=19, title="建设县级电商公共服务中心", lead=counties, cooperating=("commerce",),
                               deadline=date(2018, 11, 30))], units, path)
    before = _counts(app)
    result = app.test_cli_runner().invoke(args=["plan", "import-xlsx", str(path)])
    assert result.exit_code == 0, result.output
    assert _counts(app) == (before[0] + 1, before[1] + 8)
    again = app.test_cli_runner().invoke(args=["plan", "import-xlsx", str(path)])
    assert again.exit_code == 0 and _counts(app) == (before[0] + 1, before[1] + 8)


def test_bad_xlsx_is_refused_whole(app, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"])
    ws.append([19, "好任务", "市商务局", "", "2018年12月31日前"])
    ws.append([20, "坏任务", "市不存在局", "", "2018年12月31日前"])
    ws.append([21, "坏日期", "市商务局", "", "明年"])
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    before = _counts(app)
    result = app.test_cli_runner().invoke(args=["plan", "import-xlsx", str(path)])
    assert result.exit_code == 1
    assert "第3行" in result.output and "市不存在局" in result.output and "第4行" in result.output
    assert _counts(app) == before  # the good row 19 was not loaded either


def test_plan_load_cli_is_idempotent(app) -> None:
    before = _counts(app)
    result = app.test_cli_runner().invoke(args=["plan", "load"])
    assert result.exit_code == 0 and "created 0 units, 0 tasks, 0 assignments" in result.output
    assert _counts(app) == before
