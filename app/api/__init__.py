"""The JSON API under /api/v1 (CONTRACT.md).

This package is the API's kit: the registry, request reading, replies, errors, idempotency and the
document. Each feature keeps its calls in its own ``api.py`` (registered on ``bp`` through
:func:`app.api.registry.endpoint`); ``app.wiring.API_MODULES`` lists them, and ``create_app``
imports that list, so the blueprint is complete before it is registered.
"""
from app.api.registry import ENDPOINTS, Call, Reply, bp, endpoint

__all__ = ["ENDPOINTS", "Call", "Reply", "bp", "endpoint"]
