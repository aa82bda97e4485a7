"""Tenant use cases."""
