"""An effect declared for two workflows (stacked ``@effect`` lines) is installed for both: a task's
self-assessment, findings and rectification order are kept as an application's are."""
from __future__ import annotations

from app.items import effects
from app.items.store import EFFECTS


def test_every_stacked_declaration_is_installed(app) -> None:
    for workflow, trigger, fn in (("application", "submit", effects.keep_filing),
                                  ("task", "submit", effects.keep_filing),
                                  ("task", "submit_self_assessment", effects.keep_filing),
                                  ("application", "pass", effects.keep_findings),
                                  ("task", "pass", effects.keep_findings)):
        assert fn in EFFECTS.get((workflow, trigger), []), (workflow, trigger, fn.__name__)
    assert [spec.workflow for spec in effects.keep_filing.__effect__] == ["task", "application"]
