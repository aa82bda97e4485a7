"""What a gateway's webhook event says happened, in domain terms, whatever the gateway's
own format: to which intent, charge, refund or dispute. Read by an adapter; applied by
application/webhooks/effects.py."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.gateway_results import GatewayIntent, GatewayRefund
from domain.money import Money
from domain.statuses import DisputeStatus


@dataclass(frozen=True, slots=True)
class IntentChanged:
    """The intent as the gateway now holds it (authorized, succeeded, failed, …)."""

    intent: GatewayIntent

    @property
    def gateway_payment_id(self) -> str:
        return self.intent.gateway_payment_id


@dataclass(frozen=True, slots=True)
class ChargeSucceeded:
    gateway_payment_id: str
    charge_id: str
    fee: Money | None  # the actual fee, when the gateway says it


@dataclass(frozen=True, slots=True)
class RefundsReported:
    gateway_payment_id: str
    refunds: tuple[GatewayRefund, ...]


@dataclass(frozen=True, slots=True)
class DisputeOpened:
    gateway_payment_id: str
    amount: Money
    status: DisputeStatus


@dataclass(frozen=True, slots=True)
class DisputeClosed:
    gateway_payment_id: str
    won: bool


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """An event about a payment that changes nothing (the intent was created, say)."""


GatewayEvent = (
    IntentChanged | ChargeSucceeded | RefundsReported | DisputeOpened | DisputeClosed | Acknowledged
)


class EventKind(StrEnum):
    """What an event type can do, known from the type alone (at receipt, before parsing)."""

    ACTIONABLE = "actionable"  # may change a payment: the consumer applies it
    INFORMATIONAL = "informational"  # about a payment, changes nothing (Acknowledged)
    UNHANDLED = "unhandled"  # not a type Kassa acts on: stored and ignored
