"""Customer and invoice use cases (merchant side)."""
