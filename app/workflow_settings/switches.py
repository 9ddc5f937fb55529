"""The switches the office may set, their titles and their defaults (the behaviour without a row)."""
from __future__ import annotations

#: a city acceptance (确定为创建对象) of an application moves it to the office for approval
OFFICE_APPROVES_ACCEPTANCE = "office_approves_acceptance"

#: key → (Chinese title, default)
SWITCHES: dict[str, tuple[str, bool]] = {
    OFFICE_APPROVES_ACCEPTANCE: ("市商务局确定为创建对象后，须经领导小组办公室审批", False),
}
