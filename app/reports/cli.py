"""``flask --app wsgi reports …``: open each quarter's progress reports (cron-safe, idempotent)."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.extensions import db

reports_cli = AppGroup("reports", help="Quarterly progress reports (季度进展报告).")


@reports_cli.command("open")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, help="Year (default: today's).")
@click.option("--quarter", type=click.IntRange(1, 4), default=None, help="Quarter 1-4 (default: today's).")
@click.option("--plan", "plan_code", default=None, help="Plan code (default: every region's current plan).")
def reports_open(year: int | None, quarter: int | None, plan_code: str | None) -> None:
    """Open the quarter's report of every unit with figures to report; running it twice creates nothing."""
    from app.clock import today
    from app.clock import quarter_of
    from app.plans.scope import current_plans, plan_by_code
    from app.reports.operations import open_quarterly_reports
    from workflows.errors import NotFound

    this_year, this_quarter = quarter_of(today())
    if (year is None) != (quarter is None) and quarter is None:
        raise click.UsageError("--year needs --quarter")
    year, quarter = year or this_year, quarter or this_quarter
    try:
        plans = [plan_by_code(plan_code)] if plan_code else current_plans()
    except NotFound as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    if not plans:
        click.echo("尚未导入行动方案，请先运行 plan load", err=True)
        sys.exit(1)
    results = [(plan, open_quarterly_reports(db.session, plan, year, quarter)) for plan in plans]
    db.session.commit()
    for plan, result in results:
        where = f"{plan.code}：" if len(plans) > 1 else ""
        click.echo(f"{where}{year}年第{quarter}季度：新开 {len(result.created)} 份季度报告，已存在 {result.existing} 份")
