"""The HTTP edge's cross-cutting pieces: errors, auth, request ids, idempotency,
redaction, rate limits, OpenAPI."""
