"""``flask --app wsgi …`` commands of CONTRACT.md."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app.extensions import db
from app.items import counters

plan_cli = AppGroup("plan", help="Load plans (方案数据).")
demo_cli = AppGroup("demo", help="Demo accounts.")
deadlines_cli = AppGroup("deadlines", help="Due dates and reminders (催办).")
audit_cli = AppGroup("audit", help="The tamper-evident audit trail.")
workflows_cli = AppGroup("workflows", help="Workflow definitions.")
outbox_cli = AppGroup("outbox", help="E-mail queued by transitions, reminders and notices.")
counters_cli = AppGroup("counters", help="The dashboards' exact item counters.")


@plan_cli.command("load")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def plan_load(file: Path | None) -> None:
    """Load a plan data file (default: the shipped Lu'an plan). Running it twice changes nothing."""
    from app.tasks.loading import DEFAULT_PLAN_FILE, load_plan_file
    from app.plans.schema import PlanDataError

    try:
        summary = load_plan_file(file or DEFAULT_PLAN_FILE)
        db.session.commit()
    except PlanDataError as exc:
        db.session.rollback()
        click.echo("方案数据有误，未导入任何内容：", err=True)
        for err in exc.errors:
            click.echo(f"  - {err}", err=True)
        sys.exit(1)
    click.echo(summary)


@plan_cli.command("import-xlsx")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--plan", "plan_code", default=None, help="Plan code (default: the current plan).")
def plan_import_xlsx(file: Path, plan_code: str | None) -> None:
    """Load a task breakdown table laid out like the plan's annex (序号, 工作任务, 牵头责任单位, 配合单位, 时限要求)."""
    from app.tasks.loading import import_annex_xlsx
    from app.plans.schema import PlanDataError

    try:
        summary = import_annex_xlsx(file, plan_code)
        db.session.commit()
    except PlanDataError as exc:
        db.session.rollback()
        click.echo("任务分解表有误，未导入任何内容：", err=True)
        for err in exc.errors:
            click.echo(f"  - {err}", err=True)
        sys.exit(1)
    click.echo(summary)


@demo_cli.command("seed")
@click.option("--password", required=True, help="Password of every demo account.")
def demo_seed(password: str) -> None:
    """Create the demo accounts of CONTRACT.md (idempotent; existing accounts get this password)."""
    from app.auth.operations import seed_demo_accounts

    created, updated = seed_demo_accounts(password)
    db.session.commit()
    click.echo(f"demo accounts: {created} created, {updated} updated")


@deadlines_cli.command("tick")
def deadlines_tick() -> None:
    """Note changes of overdue level, queue reminders, open the period's quarterly reports, deliver
    messages, anchor the audit trail, forget expired idempotency keys and old sign-in attempts."""
    from datetime import timedelta

    from flask import current_app

    from app.api.idempotency import purge_expired
    from app.audit.operations import record_anchor
    from app.auth.throttle import prune
    from app.clock import today, utcnow
    from app.deadlines.operations import tick
    from app.notifications.delivery import deliver_pending
    from app.reports.operations import open_due_reports

    marks = tick(db.session, today())
    db.session.commit()
    opened = open_due_reports(db.session, today())
    db.session.commit()
    delivered = deliver_pending(db.session)
    db.session.commit()
    anchor = record_anchor(db.session)
    purged = purge_expired(db.session, utcnow())
    db.session.commit()
    attempts = prune(timedelta(hours=current_app.config["LOGIN_ATTEMPTS_KEEP_HOURS"]))
    db.session.commit()
    click.echo(f"deadline marks: {marks}; reports opened: {opened}; messages delivered: {delivered}; "
               f"anchor: {'#' + str(anchor.id) if anchor else 'unchanged'}; expired idempotency keys: {purged}; "
               f"old sign-in attempts: {attempts}")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check every item's chain, its state against its last event, and the latest anchor."""
    from app.audit.operations import verify

    result = verify(db.session)
    if result.ok:
        log = "no anchor log" if result.logged is None else f"{result.logged} in the anchor log"
        click.echo(f"audit trail intact: {result.items} items, {result.events} events, "
                   f"{result.anchors} anchors ({log})")
        return
    click.echo(f"audit trail BROKEN: {result.problem}", err=True)
    sys.exit(1)


@audit_cli.command("anchor")
def audit_anchor() -> None:
    """Write a signed anchor over all chain heads, in the database and the anchor log."""
    from app.audit.operations import record_anchor

    anchor = record_anchor(db.session)
    click.echo(f"anchor #{anchor.id}: {anchor.hash}" if anchor else "nothing new to anchor")


@workflows_cli.command("diagram")
@click.argument("name")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--item", "item_id", type=int, default=None, help="Highlight this item's current state.")
def workflows_diagram(name: str, output: Path, item_id: int | None) -> None:
    """Draw a workflow from its definition (.mmd Mermaid text or .svg)."""
    from workflows.diagram import render_diagram
    from workflows.registry import WORKFLOWS

    if name not in WORKFLOWS:
        raise click.BadParameter(f"unknown workflow {name!r}; one of {', '.join(WORKFLOWS)}")
    current = None
    if item_id is not None:
        from app.items.models import Item

        item = db.session.get(Item, item_id)
        if item is None or item.type != name:
            raise click.BadParameter(f"no {name} item {item_id}")
        current = item.state
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("mmd", "svg"):
        raise click.BadParameter("output must end in .mmd or .svg")
    output.write_bytes(render_diagram(WORKFLOWS[name], fmt, current=current))
    click.echo(f"wrote {output}")


@outbox_cli.command("deliver")
def outbox_deliver() -> None:
    """Send the queued e-mail (in-app notifications are written with the action). Safe on several
    hosts at once: each batch is claimed with FOR UPDATE SKIP LOCKED on PostgreSQL."""
    from app.notifications.delivery import deliver_pending

    total = 0
    while n := deliver_pending(db.session):
        db.session.commit()
        total += n
    db.session.commit()
    click.echo(f"delivered {total} messages")


@click.command("backup")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(output: Path) -> None:
    """A consistent copy of the database and the stored files, taken while serving."""
    from app.backup import backup

    manifest = backup(output)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(f"backup written to {output}: {rows} rows in {len(manifest['tables'])} tables, "
               f"{len(manifest['files'])} files")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(archive: Path) -> None:
    """Restore a backup into an instance whose database is missing or empty (creates the schema)."""
    from app.backup import BackupError, restore

    try:
        manifest = restore(archive)
        db.session.commit()
    except BackupError as exc:
        db.session.rollback()
        click.echo(f"restore refused: {exc}", err=True)
        sys.exit(1)
    click.echo(f"restored {sum(t['rows'] for t in manifest['tables'].values())} rows and "
               f"{len(manifest['files'])} files; run `flask --app wsgi audit verify` to check the trail")


@counters_cli.command("rebuild")
def counters_rebuild() -> None:
    """Recount the dashboards' counters from the items (repair; the transitions keep them exact)."""
    rows = counters.rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"counters rebuilt: {rows[0]} item_counts rows, {rows[1]} item_due_counts rows")


def register_cli(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from app.notices.cli import notices_cli
    from app.reports.cli import reports_cli
    from app.workdays.cli import calendar_cli

    for group in (plan_cli, demo_cli, deadlines_cli, audit_cli, workflows_cli, outbox_cli, counters_cli, notices_cli,
                  reports_cli, calendar_cli):
        app.cli.add_command(group)
