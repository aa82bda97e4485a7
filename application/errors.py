"""Errors raised by use cases and ports (the HTTP edge maps each to one §9 envelope)."""

from __future__ import annotations

from typing import TypeVar

from domain.errors import DomainError

T = TypeVar("T")


class NotFoundError(DomainError):
    code = "resource_missing"


def existing(found: T | None, kind: str, key: str, *, param: str) -> T:
    """`found`, or, when a store found nothing, NotFoundError "No such {kind}: {key}."."""
    if found is None:
        raise NotFoundError(f"No such {kind}: {key}.", param=param)
    return found


class UnknownCursorError(DomainError):
    """A list's `starting_after` or `ending_before` names nothing the caller can see.

    A bad parameter (400), as Stripe answers, never an empty page: a client paging through
    would take that for the end of the list."""

    code = "resource_missing"

    def __init__(self, param: str, cursor: str) -> None:
        super().__init__(f"No such object for {param}: {cursor!r}.", param=param)


class UnknownFeeTierError(DomainError):
    """A tier named in a request does not exist (a bad value, not a missing resource)."""

    code = "resource_missing"
    param = "fee_tier"


class ConflictError(DomainError):
    code = "conflict"


class StaleAggregateError(ConflictError):
    """Another writer saved the aggregate first; the use case reloads and retries."""

    code = "concurrent_update"


class DuplicatePaymentError(ConflictError):
    code = "duplicate_payment"
    param = "order_id"

    @classmethod
    def order_claimed(cls, order_id: str) -> DuplicatePaymentError:
        """What every store says when a second payment would claim the same order."""
        return cls(
            f"Order {order_id} already has a payment in progress or paid; "
            "send allow_additional: true to take another."
        )


class CardKeptAlreadyError(ConflictError):
    """The customer keeps this card already: one active saved method per card (gateway
    payment method) and customer, held by the store against simultaneous keeps."""

    code = "card_kept_already"

    @classmethod
    def card(cls, customer_id: str, gateway_payment_method_id: str) -> CardKeptAlreadyError:
        """What every store says when a second active method would keep the same card."""
        return cls(f"Customer {customer_id} keeps card {gateway_payment_method_id} already.")


class PermissionDeniedError(DomainError):
    code = "forbidden"


class IdempotencyKeyReusedError(DomainError):
    code = "idempotency_key_reused"
    param = "Idempotency-Key"


class IdempotencyKeyInUseError(ConflictError):
    code = "idempotency_key_in_use"


class GatewayError(DomainError):
    """The gateway failed and did not act (unreachable before sending, or refused)."""

    code = "gateway_error"


class GatewayRejectedError(DomainError):
    """The gateway refused the request as invalid: nothing happened there."""

    code = "gateway_invalid_request"


class GatewayOutcomeUnknownError(DomainError):
    """The request may have reached the gateway; only asking it again tells."""

    code = "gateway_outcome_unknown"


class SignatureError(Exception):
    """A webhook delivery is not proven to come from its gateway; store nothing."""
