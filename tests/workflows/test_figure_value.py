"""figure_value at its edges: the largest figure, the longest runs of digits refused before any
conversion, and which reason each refusal gives (负数 or 超过)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from workflows.guards import figure_value

NEGATIVE = "“销售额”不能为负数"
TOO_BIG = "“销售额”不能超过 999,999,999,999.99"
PLACES = "“销售额”最多保留两位小数"


@pytest.mark.parametrize("value, expected", [
    ("999999999999.99", (Decimal("999999999999.99"), None)),  # the largest figure itself
    (Decimal("999999999999.99"), (Decimal("999999999999.99"), None)),
    ("999999999999", (Decimal("999999999999.00"), None)),  # twelve digits before the point
    (999999999999, (Decimal("999999999999.00"), None)),
    ("0." + "0" * 64, (Decimal("0.00"), None)),  # 64 places of zeros: still a number
    ("-0", (Decimal("0.00"), None)),
])
def test_the_largest_figures_are_accepted(value: object, expected: tuple) -> None:
    assert figure_value("销售额", value) == expected


@pytest.mark.parametrize("value, reason", [
    ("999999999999.991", TOO_BIG),
    (Decimal("1000000000000"), TOO_BIG),
    (1000000000000, TOO_BIG),  # an int past the largest figure: 超过, not 负数
    (10 ** 40, TOO_BIG),
    (-1, NEGATIVE),
    (-(10 ** 40), NEGATIVE),
    ("9" * 13, TOO_BIG),  # thirteen digits: refused before conversion
    ("-" + "9" * 13, NEGATIVE),
    ("+" + "9" * 13, TOO_BIG),
    ("-" + "9" * 5000, NEGATIVE),
    ("0." + "0" * 65, TOO_BIG),  # 65 places: refused before conversion
    ("1.005", PLACES),
    ("0.001", PLACES),
])
def test_refusals_name_the_right_reason(value: object, reason: str) -> None:
    assert figure_value("销售额", value) == (None, reason)
