"""marshmallow fields that refuse what JSON allows but the database cannot keep.

Text refuses NUL characters and lone surrogates (the one input rule of ``app.text_input``); integers refuse
booleans and strings; numbers must be finite. Each documents itself to apispec.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError, fields

from app.text_input import text_problem

INT32_MAX = 2**31 - 1


class Text(fields.String):
    """A JSON string the database can store."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        result = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(result)
        if problem:
            raise ValidationError(problem)
        return result


class StrictInt(fields.Integer):
    """A JSON integer: not a string, not a float, not a boolean."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("必须是整数")
        return super()._deserialize(value, attr, data, **kwargs)


class FiniteNumber(fields.Field):
    """A JSON number (integer or decimal), finite, not a boolean; kept as given."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError("必须是数字")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError("必须是有限数字")
        return value


class TextOrNumber(fields.Field):
    """A string or a finite number (the value of a category-specific input)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | int | float:
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                raise ValidationError(problem)
            if len(value) > 2000:
                raise ValidationError("最多 2000 个字符")
            return value
        return FiniteNumber()._deserialize(value, attr, data, **kwargs)


def max_entries(limit: int) -> Callable[[Any], None]:
    """A Dict validator (apispec would document ``Length`` on an object as maxLength)."""
    def validate(value: Any) -> None:
        if len(value) > limit:
            raise ValidationError(f"最多 {limit} 项")
    return validate


def register_openapi_types(ma_plugin: Any) -> None:
    """Teach apispec's marshmallow plugin the custom fields."""
    ma_plugin.map_to_openapi_type(Text, "string", None)
    ma_plugin.map_to_openapi_type(StrictInt, "integer", None)
    ma_plugin.map_to_openapi_type(FiniteNumber, "number", None)


def text_or_number_schema() -> dict[str, Any]:
    return {"oneOf": [{"type": "string", "maxLength": 2000}, {"type": "number"}]}
