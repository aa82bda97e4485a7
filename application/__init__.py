"""Kassa's application layer."""
