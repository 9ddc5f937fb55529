"""The quota board as JSON and the work ledger as a workbook."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response

from app.api.registry import Call, Reply, endpoint
from app.api.schemas import QuotaOut
from app.clock import today
from app.dashboards.api import ledger_xlsx, quotas_json
from app.extensions import db
from app.ledger.xlsx import ledger_filename
from app.notices.operations import current_plan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@endpoint("GET", "/dashboard/quotas", summary="目标任务完成情况（县区 × 指标）", tags=("dashboards",),
          response=QuotaOut, many=True)
def get_quotas(call: Call) -> Reply:
    """One row per county × indicator with a quota, zeros included; a county's users get their own rows."""
    return Reply(quotas_json(db.session, current_plan().id, today(), call.actor))


@endpoint("GET", "/exports/ledger.xlsx", summary="下载工作台账（Excel）", tags=("dashboards",), produces=XLSX)
def get_ledger(call: Call) -> Response:
    """One row per task assignment the caller may see: the annex's columns plus state, deadline,
    overdue and last action."""
    now = today()
    data = ledger_xlsx(db.session, current_plan().id, now, call.actor)
    headers = {"Content-Disposition": f"attachment; filename=\"ledger-{now.isoformat()}.xlsx\"; "
                                      f"filename*=UTF-8''{quote(ledger_filename(now))}",
               "Cache-Control": "private, no-store"}
    return Response(data, mimetype=XLSX, headers=headers)
