"""Every model, imported once so the mapper registry (and Alembic's comparisons) see them all.

``create_app`` and ``migrations/env.py`` import this module; code that uses a model imports it from
its feature's ``models.py``.
"""
from app.applications.models import Application
from app.attachments.models import Attachment
from app.audit.models import AdminEvent, AuditAnchor, AuditEventRow
from app.auth.delegation_models import Delegation
from app.auth.models import LoginAttempt, User
from app.auth.tokens_models import ApiToken, IdempotencyKey
from app.blobs.models import Blob, BlobChunk
from app.deadlines.models import DeadlineMark
from app.extension_requests.models import ExtensionRequest
from app.items.counters import ITEM_COUNTS, ITEM_DUE_COUNTS
from app.items.models import Item
from app.notices.models import Notice, NoticeCounter, NoticeReceipt
from app.opinions.models import OpinionPhrases, OpinionRule
from app.notifications.models import Notification
from app.outbox.models import OutboxMessage
from app.plans.models import AnnexTask, AnnexTaskUnit, Category, Indicator, Plan, PlanPhase, Target
from app.reports.models import Report, ReportFigure
from app.scores.models import ScoreWeight
from app.tasks.models import TaskAssignment
from app.units.models import Unit
from app.workdays.models import CalendarOverride
from app.workflow_settings.models import WorkflowSetting

__all__ = [
    "ITEM_COUNTS", "ITEM_DUE_COUNTS",
    "AdminEvent", "AnnexTask", "AnnexTaskUnit", "ApiToken", "Application", "Attachment", "AuditAnchor",
    "AuditEventRow", "Blob", "BlobChunk", "CalendarOverride", "Category", "Delegation", "DeadlineMark", "ExtensionRequest",
    "IdempotencyKey", "Indicator", "Item", "LoginAttempt", "Notice", "NoticeCounter", "NoticeReceipt",
    "Notification", "OpinionPhrases", "OpinionRule", "OutboxMessage", "Plan", "PlanPhase", "Report", "ReportFigure",
    "ScoreWeight", "Target", "TaskAssignment", "Unit", "User", "WorkflowSetting",
]
