"""Kept for imports: the factories live in tests/factories.py."""
from tests.factories import actor_of, add_evidence  # noqa: F401
