"""The 绩效考核 components, their default weights, and the score periods (pure: no database).

A score is the weighted mean of the components a unit has in the period, times 100:

    score = 100 × Σ weight(c) × value(c) / Σ weight(c)    over the enabled components c the unit has

Each component is a share between 0 and 1. A component with no fact for a unit in the period (no
handling deadline fell due, no decision on its filings, no report due) is left out for that unit,
so the weights of the components it has are scaled to sum 1; quota attainment is for counties only.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from workflows.deadlines import quarter_end


def N_(text: str) -> str:  # noqa: N802  (the conventional marker: extracted for translation, shown translated)
    return text


#: the components, in the order they are shown and summed
COMPONENTS: tuple[str, ...] = ("on_time", "quota", "first_pass", "reports")
#: their titles (Chinese msgids, translated on the screens)
COMPONENT_TITLES: dict[str, str] = {
    "on_time": "办理时限按时率",
    "quota": "目标任务完成率",
    "first_pass": "一次通过率",
    "reports": "季度报告及时率",
}
#: marked for extraction (the screens show them through ``tr``)
_TITLE_MSGIDS = (N_("办理时限按时率"), N_("目标任务完成率"), N_("一次通过率"), N_("季度报告及时率"))
#: default weights (points out of 100) when the office has set none
DEFAULT_WEIGHTS: dict[str, float] = {"on_time": 30.0, "quota": 30.0, "first_pass": 20.0, "reports": 20.0}
#: components that only counties have (the quota board holds county quotas)
COUNTY_ONLY: frozenset[str] = frozenset({"quota"})
#: a report submitted after its deadline earns this share of an on-time one (迟报); a missing one none (漏报)
LATE_REPORT_CREDIT = 0.5
SCORE_PLACES = 2
COMPONENT_PLACES = 4

PERIOD_PATTERN = re.compile(r"^(?P<year>\d{4})(?:Q(?P<quarter>[1-4]))?$")


class PeriodError(ValueError):
    """A period that is neither ``YYYY`` nor ``YYYYQn``."""


@dataclass(frozen=True)
class Period:
    code: str
    year: int
    quarter: int | None
    start: date
    end: date

    @property
    def quarters(self) -> list[tuple[int, int]]:
        return [(self.year, self.quarter)] if self.quarter else [(self.year, q) for q in (1, 2, 3, 4)]

    def contains(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def parse_period(text: str | None) -> Period:
    """``2018Q4`` (a quarter) or ``2018`` (a year); anything else raises :class:`PeriodError`."""
    match = PERIOD_PATTERN.match((text or "").strip())
    if match is None or not 2000 <= int(match["year"]) <= 2100:
        raise PeriodError(f"考核期间“{text or ''}”无效：应为年度（如 2018）或季度（如 2018Q4）")
    year = int(match["year"])
    if match["quarter"]:
        quarter = int(match["quarter"])
        return Period(f"{year}Q{quarter}", year, quarter, date(year, 3 * quarter - 2, 1), quarter_end(year, quarter))
    return Period(str(year), year, None, date(year, 1, 1), date(year, 12, 31))


def period_of(day: date) -> str:
    """The quarter ``day`` falls in, as a period code."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def dec(value: float | int | Decimal) -> Decimal:
    """A figure as an exact Decimal (a float through its shortest text: 0.8333, not its binary value)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def rounded(value: Decimal, places: int) -> float:
    """Rounded half up (0.5 → 1, as a person rounds), as a float."""
    return float(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def share(numerator: float | int | Decimal, denominator: int) -> float | None:
    """numerator / denominator to four places (half up); None when nothing was counted."""
    return rounded(dec(numerator) / dec(denominator), COMPONENT_PLACES) if denominator else None


def normalised(weights: Mapping[str, float]) -> dict[str, float]:
    """The enabled weights scaled to sum 1 (four places, half up), in component order."""
    total = sum(dec(w) for w in weights.values())
    if total <= 0:
        return {}
    return {c: rounded(dec(weights[c]) / total, COMPONENT_PLACES) for c in COMPONENTS if c in weights}


def weighted_score(weights: Mapping[str, float], values: Mapping[str, float]) -> float | None:
    """100 × the weighted mean of ``values`` over the components that have one and a positive weight,
    in exact decimal arithmetic, rounded half up to two places.

    ``weights`` holds the enabled components only. None when the unit has no such component."""
    used = [c for c in COMPONENTS if c in values and weights.get(c, 0) > 0]
    total = sum(dec(weights[c]) for c in used)
    if not used or total <= 0:
        return None
    return rounded(100 * sum(dec(weights[c]) * dec(values[c]) for c in used) / total, SCORE_PLACES)


def competition_ranks(scores: list[float]) -> list[int]:
    """Ranks of ``scores`` (already sorted best first): equal scores share a rank, the next rank skips
    (1, 2, 2, 4): standard competition ranking."""
    ranks: list[int] = []
    for i, score in enumerate(scores):
        ranks.append(ranks[-1] if i and score == scores[i - 1] else i + 1)
    return ranks
