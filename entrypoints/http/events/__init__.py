"""Merchant events and webhook endpoints (§14)."""
