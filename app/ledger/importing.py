"""Preview of a task breakdown table (annex layout) before it is imported: parse only, write nothing.

The import itself is the foundation's ``import_annex_xlsx`` (the same as ``plan import-xlsx``); the
preview shows what it would create or change, and every row error, in Chinese.
"""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.tasks.loading import plan_groups
from app.plans.models import AnnexTask, Plan
from app.plans.schema import PlanDataError, UnitData, unit_text
from app.plans.scope import plan_or_none
from app.plans.xlsx import read_annex_xlsx
from app.web.terms import N_
from app.tasks.models import TaskAssignment
from app.units.models import Unit

TOKEN = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class PreviewTask:
    number: int
    title: str
    lead: str
    cooperating: str
    deadline: date
    status: str  # new | changed | same
    changes: list[str] = field(default_factory=list)
    new_assignments: list[tuple[str, str]] = field(default_factory=list)  # (unit name, 牵头/配合)


@dataclass
class Preview:
    plan: Plan | None
    tasks: list[PreviewTask] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.tasks)

    @property
    def new_tasks(self) -> int:
        return sum(t.status == "new" for t in self.tasks)

    @property
    def changed_tasks(self) -> int:
        return sum(t.status == "changed" for t in self.tasks)

    @property
    def new_assignments(self) -> int:
        return sum(len(t.new_assignments) for t in self.tasks)


def unit_data(session: Session, plan: Plan) -> list[UnitData]:
    """The units of ``plan``'s region, as a plan file would list them."""
    return [UnitData(slug=u.slug, name=u.name, kind=u.kind, code=u.code, aliases=tuple(u.aliases or ()))
            for u in session.scalars(select(Unit).where(Unit.region_code == plan.region_code)
                                     .order_by(Unit.sort_order, Unit.id))]


def preview_annex_xlsx(session: Session, file: Path | IO[bytes]) -> Preview:
    """What importing ``file`` into the current plan would do, or why it would be refused."""
    plan = plan_or_none()
    if plan is None:
        return Preview(None, errors=["尚未导入任何方案，请先运行 plan load"])
    units = unit_data(session, plan)
    groups = plan_groups(plan, units)
    try:
        tasks = read_annex_xlsx(file, units, groups)
    except PlanDataError as exc:
        return Preview(plan, errors=list(exc.errors))
    names = {u.slug: u.name for u in units}
    ids = {u.slug: u.id for u in session.scalars(select(Unit))}
    existing = {t.number: t for t in session.scalars(select(AnnexTask).where(AnnexTask.plan_id == plan.id))}
    assigned = set(session.execute(select(TaskAssignment.annex_task_id, TaskAssignment.assignee_id)).tuples())
    preview = Preview(plan)
    for td in tasks:
        lead, cooperating = unit_text(td.lead, units, groups), unit_text(td.cooperating, units, groups)
        current = existing.get(td.number)
        changes: list[str] = []
        if current is not None:
            for label, old, new in ((N_("工作任务"), current.title, td.title),
                                    (N_("牵头责任单位"), current.lead_text, lead),
                                    (N_("配合单位"), current.cooperating_text, cooperating),
                                    (N_("时限要求"), current.deadline, td.deadline)):
                if old != new:
                    changes.append(label)
        status = "new" if current is None else "changed" if changes else "same"
        new_assignments = [(names[slug], role) for slugs, role in ((td.lead, N_("牵头")), (td.cooperating, N_("配合")))
                           for slug in slugs
                           if current is None or (current.id, ids[slug]) not in assigned]
        preview.tasks.append(PreviewTask(td.number, td.title, lead, cooperating, td.deadline, status, changes,
                                         new_assignments))
    return preview


#: a previewed upload nobody confirmed is deleted after this long (confirming deletes it at once)
STASH_KEEP_SECONDS = 24 * 3600


def stash_upload(storage_dir: str, data: bytes) -> str:
    """Keep an uploaded file between preview and confirmation; its SHA-256 is the token.

    Uploads previewed but never confirmed are deleted here once older than ``STASH_KEEP_SECONDS``."""
    token = hashlib.sha256(data).hexdigest()
    folder = Path(storage_dir) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - STASH_KEEP_SECONDS
    for old in folder.glob("*.xlsx"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    (folder / f"{token}.xlsx").write_bytes(data)
    return token


def stashed_path(storage_dir: str, token: str) -> Path | None:
    if not TOKEN.match(token or ""):
        return None
    path = Path(storage_dir) / "imports" / f"{token}.xlsx"
    return path if path.is_file() else None
