"""API bearer tokens and idempotency keys of the JSON API."""
