"""Kassa's domain layer."""
