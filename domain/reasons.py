"""Why a payment is canceled or refunded: the reasons a merchant may give, and Kassa's own."""

from __future__ import annotations

CANCELLATION_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer", "abandoned"})
AUTOMATIC_CANCELLATION = "automatic"  # Kassa canceled it itself (reconciliation)
REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})
