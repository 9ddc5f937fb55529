"""``flask --app wsgi notices …``: render one notice, or many on several processes."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db

notices_cli = AppGroup("notices", help="Notices (通报).")


@notices_cli.command("render")
@click.argument("notice_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def render(notice_id: int, output: Path) -> None:
    """Write a notice's PDF: the archived bytes once issued, a fresh render of a draft."""
    from app.notices.models import Notice
    from app.notices.operations import notice_pdf

    notice = db.session.get(Notice, notice_id)
    if notice is None:
        click.echo(f"no notice {notice_id}", err=True)
        sys.exit(1)
    output.write_bytes(notice_pdf(notice))
    click.echo(f"wrote {output} ({'archived' if notice.pdf_sha256 else 'preview'})")


@notices_cli.command("render-batch")
@click.option("-d", "--directory", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--processes", type=int, default=min(2, os.cpu_count() or 1), show_default=True)
@click.argument("notice_ids", nargs=-1, type=int)
def render_batch(directory: Path, processes: int, notice_ids: tuple[int, ...]) -> None:
    """Render many notices (default: every notice) into DIRECTORY, with a progress bar."""
    from app.notices.models import Notice
    from app.notices.operations import archived_pdf, notice_fonts, plan_of, render_data
    from app.notices.pdf import render_many

    query = select(Notice).order_by(Notice.id)
    if notice_ids:
        query = query.where(Notice.id.in_(notice_ids))
    notices = db.session.scalars(query).all()
    directory.mkdir(parents=True, exist_ok=True)
    archived = [n for n in notices if n.pdf_sha256]
    drafts = [n for n in notices if not n.pdf_sha256]
    for n in archived:
        (directory / f"notice-{n.id}.pdf").write_bytes(archived_pdf(n))
    with click.progressbar(length=len(drafts), label="rendering notices") as bar:
        last = [0]

        def progress(done: int, total: int) -> None:
            bar.update(done - last[0])
            last[0] = done

        pdfs = render_many([render_data(n, plan_of(n)) for n in drafts], processes=processes, progress=progress,
                           fonts=notice_fonts())
    for n, pdf in zip(drafts, pdfs, strict=True):
        (directory / f"notice-{n.id}.pdf").write_bytes(pdf)
    click.echo(f"{len(archived)} archived and {len(drafts)} rendered notices in {directory}")
