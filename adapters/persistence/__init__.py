"""Persistence adapters: SQL (SQLAlchemy) and in-memory."""
