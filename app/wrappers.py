"""PlanDesk's request class: one size limit, from configuration, for the screens and the API."""
from __future__ import annotations

from flask import Request, current_app

from app.uploads import request_limit


class PlanDeskRequest(Request):
    """A request whose body may be one upload of ``PLANDESK_MAX_UPLOAD`` bytes and its multipart
    envelope (the API narrows JSON calls to ``PLANDESK_API_MAX_JSON`` per request)."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None:
            return self._max_content_length
        if not current_app:
            return super().max_content_length
        return request_limit()

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value
