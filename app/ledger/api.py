"""The work ledger (工作台账) as a workbook, for other systems."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response

from app.api.registry import Call, endpoint
from app.clock import today
from app.extensions import db
from app.ledger.xlsx import ledger_filename, ledger_xlsx
from app.plans.scope import current_plan
from app.uploads import XLSX


@endpoint("GET", "/exports/ledger.xlsx", summary="下载工作台账（Excel）", tags=("dashboards",), produces=XLSX)
def get_ledger(call: Call) -> Response:
    """One row per task assignment the caller may see: the annex's columns plus state, handling deadline
    (办理期限), the plan's date for the phase (阶段期限), overdue and last action."""
    now = today()
    data = ledger_xlsx(db.session, current_plan(call.actor).id, now, call.actor)
    headers = {"Content-Disposition": f"attachment; filename=\"ledger-{now.isoformat()}.xlsx\"; "
                                      f"filename*=UTF-8''{quote(ledger_filename(now))}",
               "Cache-Control": "private, no-store"}
    return Response(data, mimetype=XLSX, headers=headers)
