"""Every model, imported once so the mapper registry (and Alembic comparisons) see them all."""
from app.api_tokens.models import ApiToken, IdempotencyKey
from app.applications.models import Application
from app.attachments.models import Attachment
from app.audit.models import AuditAnchor, AuditEventRow
from app.auth.models import LoginAttempt, User
from app.deadlines.models import DeadlineMark
from app.items.models import Item
from app.notices.models import Notice, NoticeCounter, NoticeReceipt
from app.outbox.models import Notification, OutboxMessage
from app.plans.models import AnnexTask, AnnexTaskUnit, Category, Indicator, Plan, PlanPhase, Target
from app.reports.models import Report, ReportFigure
from app.tasks.models import TaskAssignment
from app.units.models import Unit

__all__ = [
    "Application", "Attachment", "AuditAnchor", "AuditEventRow", "LoginAttempt", "User", "DeadlineMark",
    "Item", "Notice", "NoticeCounter", "NoticeReceipt", "Notification", "OutboxMessage", "AnnexTask",
    "AnnexTaskUnit", "Category", "Indicator", "Plan", "PlanPhase", "Target", "Report", "ReportFigure",
    "TaskAssignment", "Unit",
]

__all__ += ["ApiToken", "IdempotencyKey"]

from app.delegations.models import Delegation  # noqa: E402
from app.extension_requests.models import ExtensionRequest  # noqa: E402

__all__ += ["Delegation", "ExtensionRequest"]

from app.admin.models import AdminEvent  # noqa: E402

__all__ += ["AdminEvent"]

from app.workdays.models import CalendarOverride  # noqa: E402

__all__ += ["CalendarOverride"]

from app.blobs.models import Blob, BlobChunk  # noqa: E402

__all__ += ["Blob", "BlobChunk"]
