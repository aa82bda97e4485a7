"""Kassa's entrypoints layer."""
