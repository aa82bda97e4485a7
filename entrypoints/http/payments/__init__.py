"""The payment endpoints (§3, §8): creation, actions, queries, statistics, receipts."""
