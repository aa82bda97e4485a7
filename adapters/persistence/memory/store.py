"""The committed state an in-memory unit of work reads from and writes to."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field

from domain.audit import AuditEntry
from domain.customer import Customer, SavedPaymentMethod
from domain.event_delivery import DeliveryAttempt, EventDelivery
from domain.fees import SEED_TIERS, FeeTier
from domain.idempotency import IdempotencyRecord
from domain.invoice import Invoice
from domain.mail import OutboxMail
from domain.merchant_event import MerchantEvent
from domain.payment import Payment
from domain.portal_token import PortalToken
from domain.receipt import Receipt
from domain.tenant import Tenant
from domain.webhook_endpoint import WebhookEndpoint
from domain.webhook_event import WebhookEvent, WebhookEventKey


@dataclass
class InMemoryStore:
    payments: dict[str, Payment] = field(default_factory=dict)
    tenants: dict[str, Tenant] = field(default_factory=dict)
    fee_tiers: dict[str, FeeTier] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    audit: dict[str, AuditEntry] = field(default_factory=dict)
    webhooks: dict[WebhookEventKey, WebhookEvent] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    invoices: dict[str, Invoice] = field(default_factory=dict)
    payment_methods: dict[str, SavedPaymentMethod] = field(default_factory=dict)
    portal_tokens: dict[str, PortalToken] = field(default_factory=dict)
    receipts: dict[str, Receipt] = field(default_factory=dict)
    receipt_counters: dict[tuple[str, int], int] = field(default_factory=dict)
    mail_outbox: dict[str, OutboxMail] = field(default_factory=dict)
    merchant_events: dict[str, MerchantEvent] = field(default_factory=dict)
    undispatched_events: dict[str, None] = field(default_factory=dict)  # ordered set
    webhook_endpoints: dict[str, WebhookEndpoint] = field(default_factory=dict)
    event_deliveries: dict[str, EventDelivery] = field(default_factory=dict)
    delivery_attempts: dict[str, list[DeliveryAttempt]] = field(default_factory=dict)
    # A payment read `for_update` (or a receipt counter) is held until its unit of work
    # ends, as a row lock.
    payment_locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    @classmethod
    def with_seed_data(cls) -> InMemoryStore:
        """A store holding what the first migration seeds: the three fee tiers."""
        store = cls()
        for tier in SEED_TIERS:
            store.fee_tiers[tier.code] = copy.deepcopy(tier)
        return store
