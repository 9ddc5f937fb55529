"""``GET /api/v1/dashboard/scores?period=2018Q4`` (or ``2018``): 绩效考核 as JSON (CONTRACT.md).

Registered on the API blueprint through :func:`app.api.registry.endpoint` (listed in
``app.api.ENDPOINT_MODULES``). The caller sees what the dashboards show them: city-wide roles every
unit, a county's or a department's users their own unit's line only.
"""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf

from app.api.errors import bad_request
from app.api.fields import Text
from app.api.registry import Call, Reply, endpoint
from app.clock import today
from app.extensions import db
from app.plans.scope import current_plan
from app.scores.components import COMPONENTS, PeriodError, period_of
from app.scores.permissions import can_see_unit
from app.scores.queries import ScoreBoard, score_board
from workflows.roles import Actor


class ScoresQuery(Schema):
    period = Text(validate=Length(1, 16), metadata={"description": "考核期间：季度如 2018Q4，年度如 2018；默认本季度"})


class UnitScoreOut(Schema):
    unit = fields.String(required=True, metadata={"description": "单位代码（slug）"})
    name = fields.String(required=True, metadata={"description": "单位名称"})
    kind = fields.String(required=True, validate=OneOf(("county", "department")))
    score = fields.Float(required=True, metadata={"description": "得分 0–100"})
    rank = fields.Integer(required=True, metadata={"description": "名次（县区、部门分别排名；同分同名次）"})
    components = fields.Dict(keys=fields.String(validate=OneOf(COMPONENTS)), values=fields.Float(), required=True,
                             metadata={"description": "各考核指标得分率 0..1（该单位本期无此项事实的不列）"})


class ScoresOut(Schema):
    period = fields.String(required=True)
    weights = fields.Dict(keys=fields.String(validate=OneOf(COMPONENTS)), values=fields.Float(), required=True,
                          metadata={"description": "计入得分的考核指标及其权重（合计为 1）"})
    units = fields.List(fields.Nested(UnitScoreOut), required=True)
    unscored = fields.List(fields.String(), required=True,
                           metadata={"description": "本期无任何考核事实、未计分的单位"})


def scores_json(board: ScoreBoard, actor: Actor) -> dict:
    """The board as CONTRACT.md shapes it, filtered to the units ``actor`` may see."""
    units = [{"unit": board.slugs[u.unit_id], "name": u.unit_name, "kind": u.kind, "score": u.score, "rank": u.rank,
              "components": dict(u.components)}
             for u in board.units if can_see_unit(actor, board.slugs[u.unit_id])]
    return {"period": board.period, "weights": dict(board.weights), "units": units,
            "unscored": [u.slug for u in board.unscored if can_see_unit(actor, u.slug)]}


def board_for(period: str | None, day: date, actor: Actor | None = None) -> ScoreBoard:
    """The caller's current plan's board for ``period`` (default: ``day``'s quarter); PeriodError if
    malformed. Without ``actor``, the signed-in user's plan."""
    return score_board(current_plan(actor), period or period_of(day), day, session=db.session)


@endpoint("GET", "/dashboard/scores", summary="绩效考核：各单位得分、构成与排名", tags=("dashboards",),
          query=ScoresQuery, response=ScoresOut)
def get_scores(call: Call) -> Reply:
    """Each unit's score (0–100) for a quarter or a year, with its components (0..1) and rank; counties and
    departments ranked separately. A county's or a department's users get their own unit's line only."""
    try:
        board = board_for(call.query.get("period"), today(), call.actor)
    except PeriodError as exc:
        raise bad_request(str(exc), period=call.query.get("period")) from None
    return Reply(scores_json(board, call.actor))
