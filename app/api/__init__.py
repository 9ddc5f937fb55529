"""The JSON API under /api/v1 (CONTRACT.md).

``bp`` is complete once this package is imported: each module below registers its calls on it
through :func:`app.api.registry.endpoint`. A feature adds a call by writing one decorated function
in a module and listing the module here.
"""
from importlib import import_module

from app.api.registry import ENDPOINTS, Call, Reply, bp, endpoint

ENDPOINT_MODULES = (
    "app.api.routes_auth",
    "app.api.routes_plans",
    "app.api.routes_items",
    "app.api.routes_applications",
    "app.api.routes_attachments",
    "app.api.routes_notices",
    "app.api.routes_dashboards",
    "app.api.routes_docs",
    "app.scores.api",
)

for _module in ENDPOINT_MODULES:
    import_module(_module)

__all__ = ["ENDPOINTS", "Call", "Reply", "bp", "endpoint"]
