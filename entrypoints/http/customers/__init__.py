"""Customers and invoices (§8)."""
