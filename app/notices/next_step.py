"""The sentence every item screen shows when the current user has nothing to do: who acts next.

A plain function of the workflow and the state, translated for the screen (registered as the template
global ``next_step_text``)."""
from __future__ import annotations

from flask_babel import gettext as _

from app.web.ui import role_label, tr
from workflows.base import Workflow
from workflows.next_step import next_step


def next_step_text(workflow: Workflow, state: str) -> str:
    """"下一步由领导小组办公室负责人办理：退回修改、签发。"; empty in a final state."""
    roles, titles = next_step(workflow, state)
    if not roles:
        return ""
    return _("下一步由%(roles)s办理：%(actions)s。", roles=_("或").join(role_label(r) for r in roles),
             actions=_("、").join(tr(t) for t in titles))
