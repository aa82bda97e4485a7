"""The gateway ports: taking and giving back money, and the gateway's customers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from domain.capture_method import CaptureMethod
from domain.gateway_events import EventKind, GatewayEvent
from domain.gateway_results import GatewayIntent, GatewayPaymentMethod, GatewayRefund
from domain.money import Money


@dataclass(frozen=True, slots=True)
class IntentRequest:
    amount: Money
    capture_method: CaptureMethod
    confirm: bool
    payment_method: str | None = None
    gateway_customer_id: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    application_fee: Money | None = None
    connected_account: str | None = None


@dataclass(frozen=True, slots=True)
class CaptureRequest:
    """`amount` taken of what the intent holds; a destination charge's capture also says
    the platform's `application_fee`."""

    gateway_payment_id: str
    amount: Money
    application_fee: Money | None = None


@dataclass(frozen=True, slots=True)
class RefundRequest:
    """A refund asked of the gateway, once per `idempotency_key`. `refund_id`, Kassa's id of
    the refund, goes into the gateway's metadata (`kassa_refund_id`), so `find_refund`
    finds it when the answer was lost. `refund_application_fee`: a destination charge's
    refund takes the money back from the merchant and gives back the platform fee."""

    gateway_payment_id: str
    amount: Money
    reason: str | None
    idempotency_key: str
    refund_application_fee: bool = False
    refund_id: str | None = None


class PaymentGateway(Protocol):
    """A card gateway (Stripe, or the fake). Declines are results, not exceptions.

    Raises GatewayRejectedError when the gateway refused the request and did nothing,
    GatewayOutcomeUnknownError when it may have acted, GatewayError when it is unreachable.
    Every mutating call carries an idempotency key derived from the payment and operation.
    """

    name: str

    async def create_intent(
        self, request: IntentRequest, idempotency_key: str
    ) -> GatewayIntent: ...

    async def confirm_intent(
        self, gateway_payment_id: str, payment_method: str, idempotency_key: str
    ) -> GatewayIntent: ...

    async def capture_intent(
        self, request: CaptureRequest, idempotency_key: str
    ) -> GatewayIntent: ...

    async def cancel_intent(
        self, gateway_payment_id: str, reason: str | None, idempotency_key: str
    ) -> GatewayIntent: ...

    async def retrieve_intent(self, gateway_payment_id: str) -> GatewayIntent: ...

    async def find_intent(self, payment_id: str) -> GatewayIntent | None:
        """The intent Kassa created for its payment `payment_id` (by the metadata every
        intent carries), for when the answer to the creating call was lost."""
        ...

    async def create_refund(self, request: RefundRequest) -> GatewayRefund: ...

    async def retrieve_refund(self, gateway_refund_id: str) -> GatewayRefund: ...

    async def find_refund(self, gateway_payment_id: str, refund_id: str) -> GatewayRefund | None:
        """The intent's refund made for Kassa's refund `refund_id`, or None if none was."""
        ...

    async def retrieve_charge_fee(self, charge_id: str) -> Money | None:
        """The actual fee of a charge (its balance transaction), None while unknown."""
        ...

    async def ping(self) -> None:
        """Raise GatewayError unless the gateway answers."""
        ...


class CustomerGateway(Protocol):
    """The gateway's customers, their saved cards and its billing portal (Stripe's
    Customer, PaymentMethod and billing_portal.Session), for the customer portal.

    Raises as PaymentGateway does."""

    async def create_customer(self, email: str, name: str | None, idempotency_key: str) -> str:
        """The gateway's id of a new customer."""
        ...

    async def attach_payment_method(
        self, gateway_customer_id: str, payment_method: str, idempotency_key: str
    ) -> GatewayPaymentMethod: ...

    async def detach_payment_method(self, gateway_payment_method_id: str) -> None: ...

    async def list_payment_methods(
        self, gateway_customer_id: str
    ) -> Sequence[GatewayPaymentMethod]: ...

    async def set_default_payment_method(
        self, gateway_customer_id: str, gateway_payment_method_id: str
    ) -> None:
        """The customer's invoice_settings.default_payment_method."""
        ...

    async def create_portal_session(self, gateway_customer_id: str, return_url: str) -> str:
        """The URL of a Billing Portal session for the customer."""
        ...


class PayloadSigner(Protocol):
    def sign(self, payload: bytes, secret: str, timestamp: int) -> str:
        """The signature header a sender of `payload` computes (`t=…,v1=…`)."""
        ...


class GatewayEventFormat(PayloadSigner, Protocol):
    """How a gateway signs and shapes its webhook events (Stripe's scheme and event JSON;
    the fake gateway speaks the same, and Kassa signs its merchant events the same way)."""

    def verify(self, payload: bytes, header: str | None, secret: str, now: datetime) -> None:
        """Raise SignatureError unless `header` proves `payload` came from `secret`'s holder."""
        ...

    def envelope(self, payload: bytes) -> tuple[str, str]:
        """(event id, event type); ValueError when the body is not an event."""
        ...

    def read(self, event_type: str, payload: bytes) -> GatewayEvent | None:
        """What the event says happened; None for types Kassa does not act on."""
        ...

    def kind(self, event_type: str) -> EventKind:
        """What events of this type can do, from the type alone: `read` returns None for
        UNHANDLED ones and Acknowledged for INFORMATIONAL ones."""
        ...
