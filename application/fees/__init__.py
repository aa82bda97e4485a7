"""Fee use cases: the terms in force for a payment, tiers and overrides."""
