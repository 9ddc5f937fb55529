"""Named sets of states the layers above ask about, so no state name is spelled out of the enums."""
from __future__ import annotations

from enum import StrEnum

from workflows.application import ApplicationState as A
from workflows.notice import NoticeState as N


class StateSet:
    """Questions about an item's state, answered with the workflows' own enum values."""

    #: ended without success: 未通过 or 已撤销 (any workflow that has them)
    CLOSED: frozenset[str] = frozenset({A.rejected.value, A.revoked.value})
    #: an application recognised (已认定), a task carried out: the plan's last phase
    ACHIEVED: str = A.consolidation.value
    #: at or after a pass of acceptance: awaiting the province's 认定, recognised, or recognised and since
    #: revoked (an application's or a task's; a task has no provincial step)
    PASSED_ACCEPTANCE: frozenset[str] = frozenset({A.acceptance_provincial_review.value, A.consolidation.value,
                                                   A.revoked.value})
    #: ordered to rectify and not yet back at inspection: the rectification report's draft or its county review
    RECTIFYING: frozenset[str] = frozenset({A.rectification_draft.value, A.rectification_county_review.value})
    #: waiting for (re-)inspection by the office
    INSPECTION: str = A.acceptance_inspection.value
    #: refused for good (at inspection, by the office, or by the province)
    REJECTED: str = A.rejected.value
    #: a filer's draft before anything is filed (an application's or a notice's)
    DRAFTS: frozenset[str] = frozenset({A.mobilization_draft.value, N.draft.value})
    #: not waiting on anyone's review: a draft, recognised, or ended
    NOT_PENDING: tuple[str, ...] = (A.mobilization_draft.value, A.consolidation.value, A.rejected.value,
                                    A.revoked.value)
    #: a notice that has been issued (and may since have been revoked): it has a number and a PDF
    PUBLISHED: frozenset[str] = frozenset({N.issued.value, N.revoked.value})


class Phase(StrEnum):
    """The plan's six phases (the part of a state name before the dot)."""

    mobilization = "mobilization"
    implementation = "implementation"
    self_assessment = "self_assessment"
    acceptance = "acceptance"
    rectification = "rectification"
    consolidation = "consolidation"


class Step(StrEnum):
    """The steps inside a phase (the part after the dot), and a notice's review."""

    draft = "draft"
    county_review = "county_review"
    city_review = "city_review"
    office_review = "office_review"
    inspection = "inspection"
    provincial_review = "provincial_review"
    review = "review"
