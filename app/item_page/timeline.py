"""The item page's 办理记录: newest first, with runs of uploads and deletions folded into one entry
(材料变动 N 条) so the decisions stand out. Plain data for ``item_page/_history.html``."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.item_page.views import HistoryRow

#: the events folded together: filing and removing materials
MATERIAL_TRIGGERS = frozenset({"attach", "detach"})


@dataclass
class Entry:
    """One line of the timeline: an event, or a run of material changes (``rows`` newest first)."""
    row: HistoryRow | None = None
    materials: list[HistoryRow] = field(default_factory=list)

    @property
    def folded(self) -> bool:
        return self.row is None


def entries(rows: Sequence[HistoryRow]) -> list[Entry]:
    """``rows`` (oldest first, as the audit trail holds them) newest first, consecutive uploads and
    deletions folded into one entry."""
    out: list[Entry] = []
    for row in reversed(rows):
        if row.event.trigger in MATERIAL_TRIGGERS:
            if out and out[-1].folded:
                out[-1].materials.append(row)
            else:
                out.append(Entry(materials=[row]))
        else:
            out.append(Entry(row=row))
    return out
