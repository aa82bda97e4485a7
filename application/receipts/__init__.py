"""Receipts: issued in the transaction that records a success, read and rendered later."""
