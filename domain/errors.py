"""Domain errors, each named for the rule it enforces."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused an operation. `code` is the stable machine-readable name."""

    code = "domain_error"
    param: str | None = None

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if param is not None:
            self.param = param


class InvalidAmountError(DomainError):
    code = "invalid_amount"
    param = "amount"


class UnknownCurrencyError(DomainError):
    code = "unknown_currency"
    param = "currency"


class CurrencyMismatchError(DomainError):
    code = "currency_mismatch"
    param = "currency"


class AmountTooSmallError(DomainError):
    code = "amount_too_small"
    param = "amount"


class InvalidStateTransitionError(DomainError):
    """The payment's status does not allow the operation (maps to 409)."""

    code = "payment_unexpected_state"


class CaptureExceedsAuthorizedError(DomainError):
    code = "amount_too_large"
    param = "amount"


class RefundExceedsCapturedError(DomainError):
    code = "refund_exceeds_captured"
    param = "amount"


class RefundWindowClosedError(DomainError):
    code = "refund_window_closed"


class InvalidReasonError(DomainError):
    code = "invalid_reason"


class InvalidFeeError(DomainError):
    code = "invalid_fee"


class RefundNotFoundError(DomainError):
    code = "refund_not_found"
