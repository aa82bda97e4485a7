"""Whether a payment's authorization is captured at once or later, on request (Stripe's names)."""

from __future__ import annotations

from enum import StrEnum


class CaptureMethod(StrEnum):
    # No docstring: it would become the enum's description in the OpenAPI document.
    # automatic: captured when authorized; manual: held until captured or canceled.
    AUTOMATIC = "automatic"
    MANUAL = "manual"
