"""Request and response schemas of the JSON API (marshmallow): validation and the OpenAPI document.

Request schemas refuse unknown fields (marshmallow's default, RAISE), so does the document
(``additionalProperties: false``). Response schemas list every field a response carries.
"""
from __future__ import annotations

from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range, Regexp

from app.api.fields import (INT32_MAX, FiniteNumber, StrictInt, Text, TextOrNumber, max_entries,
                            text_or_number_schema)
from workflows.report import TEXT_MAX_CHARS as REPORT_TEXT_MAX
from workflows.application import CATEGORIES
from workflows.deadlines import OverdueLevel
from workflows.notice import TEXT_LIMITS as NOTICE_LIMITS
from workflows.registry import WORKFLOWS

ITEM_TYPES = tuple(WORKFLOWS)
STATES = tuple(sorted({s.value for wf in WORKFLOWS.values() for s in wf.states}))
PHASES = tuple(sorted({s.split(".", 1)[0] for s in STATES if "." in s}))
STATE_FILTERS = tuple(sorted(set(STATES) | set(PHASES)))
SORTS = ("due_at", "-due_at", "updated_at", "-updated_at")
LEVELS = tuple(level.value for level in OverdueLevel)
MAX_TEXT = 20_000


# -- errors -------------------------------------------------------------------------------------

class ErrorOut(Schema):
    error = fields.String(required=True, metadata={"description": "机器可读的错误代码，如 not_found、stale_version"})
    message = fields.String(required=True, metadata={"description": "中文说明"})
    details = fields.Dict(required=True, metadata={"description": "细节：guard_failed 的 reasons、400 的 fields 等"})


# -- tokens and the caller ----------------------------------------------------------------------

class TokenIn(Schema):
    username = Text(required=True, validate=Length(1, 64))
    password = Text(required=True, validate=Length(1, 256))


class TokenOut(Schema):
    token = fields.String(required=True, metadata={"description": "放在 Authorization: Bearer 之后"})
    expires_at = fields.DateTime(required=True)


class RevokedOut(Schema):
    revoked = fields.Integer(required=True, metadata={"description": "撤销的令牌数"})


class MeOut(Schema):
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    unit = fields.String(required=True, allow_none=True)


# -- the plan -----------------------------------------------------------------------------------

class PhaseOut(Schema):
    name = fields.String(required=True, metadata={"description": "阶段代码：mobilization … consolidation"})
    title = fields.String(required=True)
    deadline = fields.Date(required=True, allow_none=True)


class TaskOut(Schema):
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    lead_units = fields.List(fields.String(), required=True)
    cooperating_units = fields.List(fields.String(), required=True)
    deadline = fields.Date(required=True)


class TargetOut(Schema):
    indicator = fields.String(required=True)
    title = fields.String(required=True)
    measure = fields.String(required=True)
    target = fields.Float(required=True)
    per_county = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)


class PlanSummaryOut(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    title = fields.String(required=True)
    document_number = fields.String(required=True)
    region = fields.String(required=True, metadata={"description": "方案所属地区（市）名称，如 六安市"})
    region_code = fields.String(required=True, metadata={"description": "地区代码（GB/T 2260），如 341500"})
    current = fields.Boolean(required=True, metadata={"description": "是否为调用者当前的方案（/plans/current）"})
    region_current = fields.Boolean(required=True, metadata={"description": "是否为该地区的现行方案"})


class PlanOut(Schema):
    id = fields.Integer(required=True)
    region = fields.String(required=True)
    code = fields.String(required=True)
    title = fields.String(required=True)
    document_number = fields.String(required=True)
    phases = fields.List(fields.Nested(PhaseOut), required=True)
    tasks = fields.List(fields.Nested(TaskOut), required=True)
    targets = fields.List(fields.Nested(TargetOut), required=True)


# -- items --------------------------------------------------------------------------------------

class ItemListQuery(Schema):
    type = Text(validate=OneOf(ITEM_TYPES))
    state = Text(validate=OneOf(STATE_FILTERS), metadata={"description": "状态全名，或阶段名（匹配该阶段的所有状态）"})
    county = Text(validate=Length(1, 64), metadata={"description": "县区代码（slug），如 huoqiu"})
    overdue = Text(validate=OneOf(LEVELS))
    sort = Text(validate=OneOf(SORTS), load_default="due_at")
    page = fields.Integer(validate=Range(1, 100_000), metadata={"description": "页码，与 after 二选一"})
    per_page = fields.Integer(validate=Range(1, 100), load_default=20)
    after = Text(validate=Length(1, 512), metadata={"description": "上一页返回的 next 游标（深翻页）"})
    plan = Text(validate=Length(1, 64), metadata={
        "description": "方案代码（见 GET /plans）；缺省为调用者当前的方案（The plan's code; default: the caller's current plan）"})


class ItemSummaryOut(Schema):
    id = fields.Integer(required=True)
    type = fields.String(required=True, validate=OneOf(ITEM_TYPES))
    title = fields.String(required=True)
    county = fields.String(required=True, allow_none=True)
    state = fields.String(required=True)
    version = fields.Integer(required=True)
    due_at = fields.Date(required=True, allow_none=True)
    overdue = fields.String(required=True, validate=OneOf(LEVELS))


class ItemListOut(Schema):
    items = fields.List(fields.Nested(ItemSummaryOut), required=True)
    total = fields.Integer(required=True, metadata={
        "description": "符合条件的事项数：不超过 1000 时为精确值；超过 1000 时为 1000，且 total_capped 为 true"
                       "（The number of matching items, exact up to 1,000; beyond it 1000 with total_capped true）"})
    total_capped = fields.Boolean(required=True, metadata={
        "description": "符合条件的事项超过 1000 项时为 true（界面显示“1000+”）；翻页不受影响，用 next 游标继续"
                       "（true when more than 1,000 items match: screens show \"1000+\"; paging goes on with next）"})
    page = fields.Integer(required=True, allow_none=True, metadata={"description": "用 after 翻页时为 null"})
    per_page = fields.Integer(required=True)
    next = fields.String(required=True, allow_none=True, metadata={"description": "下一页的 after 游标；没有下一页时为 null"})


class AttachmentOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    phase = fields.String(required=True)
    uploaded_at = fields.DateTime(required=True)


class ActionOut(Schema):
    trigger = fields.String(required=True)
    title = fields.String(required=True)
    requires = fields.List(fields.String(), required=True, metadata={"description": "需要调用方提供的输入"})


class EventOut(Schema):
    at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    on_behalf_of = fields.String(required=True, allow_none=True)
    role = fields.String(required=True)
    trigger = fields.String(required=True)
    from_state = fields.String(required=True, allow_none=True)
    to_state = fields.String(required=True)
    comment = fields.String(required=True, allow_none=True)
    business_date = fields.Date(required=True, metadata={"description": "业务日期：办理时督办台运行的“今天”"})


class ItemDetailOut(Schema):
    id = fields.Integer(required=True)
    type = fields.String(required=True, validate=OneOf(ITEM_TYPES))
    title = fields.String(required=True)
    state = fields.String(required=True)
    state_title = fields.String(required=True)
    version = fields.Integer(required=True)
    unit = fields.String(required=True)
    county = fields.String(required=True, allow_none=True)
    due_at = fields.Date(required=True, allow_none=True,
                         metadata={"description": "当前环节的办理期限（已批准延期的，为延期后的日期）"})
    phase_deadline = fields.Date(required=True, allow_none=True,
                                 metadata={"description": "方案为该事项所处阶段规定的时限"})
    filed_late = fields.Boolean(required=True,
                                metadata={"description": "申报晚于方案规定的申报时限（单位的事实，不是逾期）"})
    overdue = fields.String(required=True, validate=OneOf(LEVELS))
    category = fields.String(validate=OneOf(CATEGORIES), metadata={"description": "仅示范创建申报"})
    site_name = fields.String(metadata={"description": "仅示范创建申报"})
    fields_ = fields.Dict(data_key="fields", metadata={"description": "仅示范创建申报：类别专项内容"})
    year = fields.Integer(metadata={"description": "仅季度报告：年度"})
    quarter = fields.Integer(metadata={"description": "仅季度报告：季度"})
    progress = fields.String(allow_none=True, metadata={"description": "仅季度报告：工作进展"})
    problems = fields.String(allow_none=True, metadata={"description": "仅季度报告：存在问题"})
    next_steps = fields.String(allow_none=True, metadata={"description": "仅季度报告：下步计划"})
    attachments = fields.List(fields.Nested(AttachmentOut), required=True)
    actions = fields.List(fields.Nested(ActionOut), required=True)
    history = fields.List(fields.Nested(EventOut), required=True)


def _fields_dict(**kwargs: object) -> fields.Dict:
    metadata = {"maxProperties": 50, **dict(kwargs.pop("metadata", None) or {})}  # type: ignore[arg-type]
    return fields.Dict(keys=Text(validate=Length(1, 64)), values=TextOrNumber(metadata=text_or_number_schema()),
                       validate=max_entries(50), metadata=metadata, **kwargs)


class IndividualIn(Schema):
    name = Text(required=True, validate=Length(1, 20), metadata={"description": "姓名"})
    unit_name = Text(required=True, validate=Length(1, 60), metadata={"description": "单位"})
    deed = Text(required=True, validate=Length(1, 300), metadata={"description": "主要事迹"})


class ItemPatchIn(Schema):
    version = StrictInt(required=True, validate=Range(1, INT32_MAX))
    title = Text(validate=Length(1, 500))
    site_name = Text(validate=Length(1, 200))
    fields_ = _fields_dict(data_key="fields")
    addressees = Text(validate=Length(1, 1000))
    body = Text(validate=Length(1, MAX_TEXT))
    copies = Text(allow_none=True, validate=Length(max=1000))
    attachments_note = Text(allow_none=True, validate=Length(max=1000))
    subject_units = fields.List(Text(validate=Length(1, 64)), validate=Length(max=100))
    individuals = fields.List(fields.Nested(IndividualIn), validate=Length(max=30),
                              metadata={"description": "通报表扬：先进个人（整体替换；正文与标题随之改写）"})
    progress = Text(allow_none=True, validate=Length(max=REPORT_TEXT_MAX), metadata={"description": "季度报告：工作进展"})
    problems = Text(allow_none=True, validate=Length(max=REPORT_TEXT_MAX), metadata={"description": "季度报告：存在问题"})
    next_steps = Text(allow_none=True, validate=Length(max=REPORT_TEXT_MAX),
                      metadata={"description": "季度报告：下步计划"})


class ApplicationIn(Schema):
    category = Text(required=True, validate=OneOf(CATEGORIES))
    county = Text(required=True, validate=Length(1, 64), metadata={"description": "县区代码（slug）"})
    site_name = Text(required=True, validate=Length(1, 200))
    fields_ = _fields_dict(data_key="fields", metadata={"description": "类别专项内容：键为字符串，值为字符串或数字"})


class CreatedOut(Schema):
    id = fields.Integer(required=True)
    type = fields.String(required=True)
    state = fields.String(required=True)
    version = fields.Integer(required=True)


class TransitionData(Schema):
    deadline = Text(validate=Length(max=32), metadata={"description": "order_rectification：整改期限 YYYY-MM-DD"})
    findings = Text(validate=Length(max=MAX_TEXT), metadata={"description": "pass：检查验收意见"})
    decision = Text(validate=Length(max=32), metadata={"description": "record_provincial_decision：approved 或 rejected"})
    document_number = Text(validate=Length(max=64), metadata={"description": "record_provincial_decision：文号"})
    text = Text(validate=Length(max=MAX_TEXT), metadata={"description": "自查评估报告"})
    figures = fields.Dict(keys=Text(validate=Length(1, 64)), values=FiniteNumber(), validate=max_entries(100),
                          metadata={"description": "指标代码 → 数值", "maxProperties": 100})
    report = Text(validate=Length(max=MAX_TEXT), metadata={"description": "整改报告"})
    confirm_facts = Text(validate=Length(max=64), metadata={
        "description": "通报 issue：确认起草后事实的变化（409 facts_changed 返回的 details.confirm_facts），按起草时的事实签发"})
    progress = Text(allow_none=True, validate=Length(max=REPORT_TEXT_MAX),
                    metadata={"description": "季度报告 submit：工作进展（提交时必填）"})
    problems = Text(allow_none=True, validate=Length(max=REPORT_TEXT_MAX),
                    metadata={"description": "季度报告 submit：存在问题（提交时必填）"})
    next_steps = Text(allow_none=True, validate=Length(max=REPORT_TEXT_MAX),
                      metadata={"description": "季度报告 submit：下步计划（提交时必填）"})


class TransitionIn(Schema):
    trigger = Text(required=True, validate=Length(1, 40))
    version = StrictInt(required=True, validate=Range(1, INT32_MAX), metadata={"description": "调用方看到的版本"})
    comment = Text(allow_none=True, validate=Length(max=MAX_TEXT))
    data = fields.Nested(TransitionData, allow_none=True)
    confirm_facts = Text(validate=Length(max=64), metadata={"description": "同 data.confirm_facts"})


class TransitionOut(Schema):
    state = fields.String(required=True)
    version = fields.Integer(required=True)


# -- notices ------------------------------------------------------------------------------------

NOTICE_KINDS = ("criticism", "commendation", "approval_reply")
FACT_KINDS = ("criticism", "commendation", "progress")


class NoticeIn(Schema):
    kind = Text(required=True, validate=OneOf(NOTICE_KINDS),
                metadata={"description": "criticism、commendation 或 approval_reply"})
    title = Text(required=True, validate=Length(1, NOTICE_LIMITS["title"]))
    addressees = Text(required=True, validate=Length(1, NOTICE_LIMITS["addressees"]),
                      metadata={"description": "主送机关，如 各县区人民政府，市直有关部门"})
    body = Text(required=True, validate=Length(1, NOTICE_LIMITS["body"]),
                metadata={"description": "正文：一行一段，以“一、”或“（一）”开头的行为标题"})
    subject_units = fields.List(Text(validate=Length(1, 64)), required=True, validate=Length(max=100),
                                metadata={"description": "涉及单位代码（slug）"})
    copies = Text(allow_none=True, validate=Length(max=NOTICE_LIMITS["copies"]), metadata={"description": "抄送"})
    attachments_note = Text(allow_none=True, validate=Length(max=NOTICE_LIMITS["attachments_note"]),
                            metadata={"description": "附件说明，一行一件"})


class DraftFromFactsIn(Schema):
    kind = Text(required=True, validate=OneOf(FACT_KINDS),
                metadata={"description": "criticism、commendation 或 progress（工作进展情况通报）"})
    county = Text(allow_none=True, validate=Length(1, 64), metadata={"description": "只就该县区（slug）生成"})
    period = Text(allow_none=True, validate=Regexp(r"^\d{4}(Q[1-4])?$"),
                  metadata={"description": "工作进展情况通报的考核期间，如 2018Q4（季度）或 2018（年度）；缺省为当前季度"})


# -- dashboards ---------------------------------------------------------------------------------

class QuotaOut(Schema):
    county = fields.String(required=True, metadata={"description": "县区代码（slug）"})
    indicator = fields.String(required=True, metadata={"description": "指标代码"})
    target = fields.Float(required=True)
    achieved = fields.Float(required=True)
    pending = fields.Float(required=True, metadata={"description": "审核中的数量"})
