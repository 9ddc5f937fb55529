"""The quota board as JSON."""
from __future__ import annotations



from app.api.registry import Call, Reply, endpoint
from app.api.schemas import QuotaOut
from app.clock import today
from app.dashboards.board import quotas_json
from app.extensions import db
from app.plans.scope import current_plan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@endpoint("GET", "/dashboard/quotas", summary="目标任务完成情况（县区 × 指标）", tags=("dashboards",),
          response=QuotaOut, many=True)
def get_quotas(call: Call) -> Reply:
    """One row per county × indicator with a quota, zeros included; a county's users get their own rows."""
    return Reply(quotas_json(db.session, current_plan(call.actor).id, today(), call.actor))
