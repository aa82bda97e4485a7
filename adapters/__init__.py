"""Kassa's adapters layer."""
