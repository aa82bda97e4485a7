"""Payment use cases: one per module."""
