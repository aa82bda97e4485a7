"""The composition root: one dependency-injector container wires every adapter."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers

from adapters.documents.receipts import FpdfReceiptRenderer
from adapters.events.counting_publisher import CountingEventPublisher
from adapters.events.httpx_sender import HttpxWebhookSender
from adapters.events.logging_publisher import LoggingEventPublisher
from adapters.events.url_guard import ResolvingUrlGuard
from adapters.gateways.fake import FakePaymentGateway, MemoryFakeGatewayState
from adapters.gateways.fake_sql import SqlFakeGatewayState, fake_gateway_engine
from adapters.gateways.stripe_events import StripeEventFormat
from adapters.gateways.stripe_gateway import StripePaymentGateway
from adapters.mail.logging_mailer import mailer_for
from adapters.observability.measured_gateway import MeasuredGateway
from adapters.observability.measured_mailer import MeasuredMailer
from adapters.persistence.inbox_wakeup import inbox_wakeup_for
from adapters.persistence.memory.store import InMemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.persistence.memory.webhook_queue import UnitOfWorkWebhookQueue
from adapters.persistence.sql.engine import create_engine
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from adapters.persistence.sql.webhook_queue import SqlWebhookQueue
from adapters.persistence.tenant_config_cache import tenant_config_cache_for
from adapters.security.bcrypt_hasher import BcryptTokenHasher
from adapters.security.jwt_tokens import JwtAccessTokens
from adapters.system.clock import SystemClock
from adapters.system.ids import UlidIdFactory
from application.audit import AuditTrail, ListAuditEntries
from application.customers.customers import CreateCustomer, ListCustomers
from application.customers.invoices import CreateInvoice, GetInvoice, ListInvoices
from application.events.deliver import DeliverEvents
from application.events.endpoints import WebhookEndpoints
from application.events.outbox import RecordMerchantEvents
from application.events.queries import MerchantEventQueries, RedeliverEvent
from application.fees.simulate import SimulateFees
from application.fees.terms import FeeTermsResolver
from application.fees.tiers import ListFeeTiers, UpdateFeeTier
from application.idempotency import IdempotencyService
from application.mail.queries import ListMail
from application.mail.send import SendOutboxMail
from application.payments.cancel_payment import CancelPayment
from application.payments.capture_payment import CapturePayment
from application.payments.confirm_payment import ConfirmPayment
from application.payments.create_payment import CreatePayment
from application.payments.queries import GetPayment, ListOrderPayments, ListPayments
from application.payments.reconcile import ReconcilePayments
from application.payments.refund_payment import RefundPayment
from application.payments.stats import PaymentStatistics
from application.portal.authenticate import PortalAuthenticator
from application.portal.methods import SavedMethods
from application.portal.pay import ConfirmPortalPayment, CreatePortalIntent
from application.portal.pay_by_card import PayByCard
from application.portal.payments import PortalPayments
from application.portal.tokens import IssuePortalToken, ListPortalTokens, RevokePortalToken
from application.portal.view import ViewPortalInvoice
from application.receipts.issue import IssueReceiptOnCapture
from application.receipts.queries import GetReceipt
from application.tenants.create_tenant import CreateTenant
from application.tenants.queries import GetTenant, ListTenants
from application.tenants.update_tenant import SetFeeOverride, UpdateTenant
from application.webhooks.consumer import WebhookConsumer
from application.webhooks.queries import GetInboxHealth, GetWebhookEvent, ListWebhookEvents
from application.webhooks.receive import ReceiveWebhook
from application.webhooks.replay import ReplayWebhookEvents
from domain.event_delivery import RetrySchedule
from domain.fees import STRIPE_STANDARD_PRICING
from entrypoints.http.events.resources import ApiResourceRenderer
from entrypoints.settings import Settings


def webhook_secrets(settings: Settings) -> dict[str, str]:
    """The secret each gateway's events are verified with. The fake gateway has one only
    while it is the configured gateway: otherwise its events could move real payments."""
    secrets = {"stripe": settings.stripe_webhook_secret or ""}
    if settings.gateway == "fake":
        secrets["fake"] = settings.fake_webhook_secret
    return secrets


class Container(containers.DeclarativeContainer):
    """Built from `Settings`, its one configuration: `build_container(settings)`. Tests
    replace a provider with `container.<provider>.override(...)`."""

    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)
    # Where `kassa serve` listens, once it says so (tests building an app leave it empty).
    fake_webhook_target = providers.Object("")

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(UlidIdFactory)
    publisher = providers.Singleton(
        CountingEventPublisher, providers.Singleton(LoggingEventPublisher)
    )

    engine = providers.Singleton(
        create_engine,
        settings.provided.database_url,
        pool_size=settings.provided.database_pool_size,
    )
    memory_store = providers.Singleton(InMemoryStore.with_seed_data)
    # Tenants and tiers read once per process, dropped on any process's change (NOTIFY).
    tenant_config_cache = providers.Singleton(
        tenant_config_cache_for, settings.provided.database_url, settings.provided.store
    )
    fee_terms = providers.Singleton(
        FeeTermsResolver, gateway_pricing=STRIPE_STANDARD_PRICING, cache=tenant_config_cache
    )
    # What runs inside every transaction, before it commits: receipts, merchant events.
    resource_renderer = providers.Singleton(ApiResourceRenderer)
    transaction_handlers = providers.List(
        providers.Singleton(IssueReceiptOnCapture, clock=clock, ids=ids, tenants=fee_terms),
        providers.Singleton(RecordMerchantEvents, renderer=resource_renderer, ids=ids),
    )
    unit_of_work = providers.Selector(
        settings.provided.store,
        sql=providers.Factory(SqlUnitOfWork, engine, publisher, transaction_handlers),
        memory=providers.Factory(InMemoryUnitOfWork, memory_store, publisher, transaction_handlers),
    )

    # The fake gateway's books: in the database (its own tables and connections: it is
    # the other side of the wire), or in this process for unit tests and benchmarks.
    fake_gateway_engine = providers.Singleton(fake_gateway_engine, settings.provided.database_url)
    fake_gateway_state = providers.Selector(
        settings.provided.fake_gateway_books,
        database=providers.Singleton(
            SqlFakeGatewayState, engine=fake_gateway_engine, now=clock.provided.now
        ),
        memory=providers.Singleton(MemoryFakeGatewayState),
    )
    gateway = providers.Selector(
        settings.provided.gateway,
        fake=providers.Singleton(
            FakePaymentGateway,
            clock=clock,
            portal_base_url=settings.provided.fake_gateway_url,
            state=fake_gateway_state,
        ),
        stripe=providers.Singleton(
            StripePaymentGateway,
            secret_key=settings.provided.stripe_secret_key,
            api_base=settings.provided.stripe_api_base,
        ),
    )

    idempotency = providers.Singleton(
        IdempotencyService, uow_factory=unit_of_work.provider, clock=clock
    )

    # Payments ask the gateway through a wrapper timing each call for /metrics.
    measured_gateway = providers.Factory(MeasuredGateway, gateway)
    audit_trail = providers.Singleton(AuditTrail, clock=clock, ids=ids)
    _payment_deps = dict(
        uow_factory=unit_of_work.provider,
        gateway=measured_gateway,
        clock=clock,
        ids=ids,
        fees=fee_terms,
        audit=audit_trail,
    )
    create_payment = providers.Factory(CreatePayment, **_payment_deps)
    confirm_payment = providers.Factory(ConfirmPayment, **_payment_deps)
    capture_payment = providers.Factory(CapturePayment, **_payment_deps)
    cancel_payment = providers.Factory(CancelPayment, **_payment_deps)
    refund_payment = providers.Factory(
        RefundPayment,
        **_payment_deps,
        window=providers.Factory(timedelta, days=settings.provided.refund_window_days),
    )
    get_payment = providers.Factory(GetPayment, uow_factory=unit_of_work.provider)
    list_payments = providers.Factory(ListPayments, uow_factory=unit_of_work.provider)
    list_order_payments = providers.Factory(ListOrderPayments, uow_factory=unit_of_work.provider)
    get_receipt = providers.Factory(GetReceipt, uow_factory=unit_of_work.provider)
    receipt_renderer = providers.Singleton(FpdfReceiptRenderer)
    mailer = providers.Singleton(
        MeasuredMailer, providers.Singleton(mailer_for, settings.provided.smtp_url)
    )
    send_outbox_mail = providers.Factory(
        SendOutboxMail,
        uow_factory=unit_of_work.provider,
        mailer=mailer,
        renderer=receipt_renderer,
        clock=clock,
    )
    list_mail = providers.Factory(ListMail, uow_factory=unit_of_work.provider)
    payment_statistics = providers.Factory(PaymentStatistics, uow_factory=unit_of_work.provider)

    list_audit_entries = providers.Factory(ListAuditEntries, uow_factory=unit_of_work.provider)

    create_tenant = providers.Factory(
        CreateTenant, uow_factory=unit_of_work.provider, clock=clock, ids=ids, audit=audit_trail
    )
    get_tenant = providers.Factory(GetTenant, uow_factory=unit_of_work.provider)
    list_tenants = providers.Factory(ListTenants, uow_factory=unit_of_work.provider)
    update_tenant = providers.Factory(
        UpdateTenant, uow_factory=unit_of_work.provider, clock=clock, audit=audit_trail
    )
    set_fee_override = providers.Factory(
        SetFeeOverride, uow_factory=unit_of_work.provider, clock=clock, audit=audit_trail
    )
    list_fee_tiers = providers.Factory(ListFeeTiers, uow_factory=unit_of_work.provider)
    update_fee_tier = providers.Factory(
        UpdateFeeTier, uow_factory=unit_of_work.provider, audit=audit_trail
    )
    simulate_fees = providers.Factory(SimulateFees, uow_factory=unit_of_work.provider)

    reconcile_payments = providers.Factory(ReconcilePayments, **_payment_deps)

    # Both gateways speak Stripe's event format and signature scheme.
    gateway_webhook_secrets = providers.Callable(webhook_secrets, settings)
    gateway_events = providers.Singleton(StripeEventFormat)
    # Receipt and the consumer's claim: one statement each, committed on its own.
    webhook_queue = providers.Selector(
        settings.provided.store,
        sql=providers.Singleton(SqlWebhookQueue, engine),
        memory=providers.Singleton(UnitOfWorkWebhookQueue, unit_of_work.provider),
    )
    receive_webhook = providers.Factory(
        ReceiveWebhook,
        queue=webhook_queue,
        clock=clock,
        secrets=gateway_webhook_secrets,
        events=gateway_events,
    )
    replay_webhook_events = providers.Factory(
        ReplayWebhookEvents, uow_factory=unit_of_work.provider, clock=clock
    )
    list_webhook_events = providers.Factory(ListWebhookEvents, uow_factory=unit_of_work.provider)
    get_webhook_event = providers.Factory(GetWebhookEvent, uow_factory=unit_of_work.provider)
    inbox_health = providers.Factory(GetInboxHealth, uow_factory=unit_of_work.provider, clock=clock)
    # One per consumer runner or app: it holds an asyncio signal and, on PostgreSQL, a
    # connection of its own.
    inbox_wakeup = providers.Factory(inbox_wakeup_for, settings.provided.database_url)
    webhook_consumer = providers.Factory(
        WebhookConsumer,
        uow_factory=unit_of_work.provider,
        queue=webhook_queue,
        clock=clock,
        ids=ids,
        fees=fee_terms,
        events=gateway_events,
        lease=providers.Factory(timedelta, seconds=settings.provided.webhook_lease_seconds),
    )

    # Merchant events (§14): where they may go, how they are sent, who reads them.
    url_guard = providers.Singleton(ResolvingUrlGuard, allow_private=settings.provided.is_dev)
    webhook_sender = providers.Singleton(
        HttpxWebhookSender,
        addresses=url_guard.provided.addresses,
        timeout_seconds=providers.Callable(float, settings.provided.event_delivery_timeout_seconds),
    )
    webhook_endpoints = providers.Factory(
        WebhookEndpoints, uow_factory=unit_of_work.provider, clock=clock, ids=ids, guard=url_guard
    )
    merchant_event_queries = providers.Factory(
        MerchantEventQueries, uow_factory=unit_of_work.provider, clock=clock
    )
    redeliver_event = providers.Factory(
        RedeliverEvent, uow_factory=unit_of_work.provider, clock=clock
    )
    deliver_events = providers.Factory(
        DeliverEvents,
        uow_factory=unit_of_work.provider,
        clock=clock,
        ids=ids,
        sender=webhook_sender,
        signer=gateway_events,
        guard=url_guard,
        lease=providers.Factory(timedelta, seconds=settings.provided.event_delivery_lease_seconds),
        retries=providers.Factory(
            RetrySchedule,
            first=providers.Factory(
                timedelta, seconds=settings.provided.event_delivery_first_retry_seconds
            ),
            longest=providers.Factory(
                timedelta, seconds=settings.provided.event_delivery_longest_retry_seconds
            ),
        ),
    )

    _customer_gateway_deps = dict(
        uow_factory=unit_of_work.provider, gateway=gateway, clock=clock, ids=ids, audit=audit_trail
    )
    create_customer = providers.Factory(CreateCustomer, **_customer_gateway_deps)
    list_customers = providers.Factory(ListCustomers, uow_factory=unit_of_work.provider)
    create_invoice = providers.Factory(
        CreateInvoice, uow_factory=unit_of_work.provider, clock=clock, ids=ids, audit=audit_trail
    )
    get_invoice = providers.Factory(GetInvoice, uow_factory=unit_of_work.provider)
    list_invoices = providers.Factory(ListInvoices, uow_factory=unit_of_work.provider)

    hasher = providers.Singleton(BcryptTokenHasher, rounds=settings.provided.bcrypt_rounds)
    issue_portal_token = providers.Factory(
        IssuePortalToken,
        uow_factory=unit_of_work.provider,
        hasher=hasher,
        clock=clock,
        ids=ids,
        audit=audit_trail,
        default_ttl_days=settings.provided.portal_token_ttl_days,
        public_base_url=settings.provided.base_url,
    )
    revoke_portal_token = providers.Factory(
        RevokePortalToken, uow_factory=unit_of_work.provider, clock=clock, audit=audit_trail
    )
    list_portal_tokens = providers.Factory(ListPortalTokens, uow_factory=unit_of_work.provider)
    portal_authenticator = providers.Singleton(
        PortalAuthenticator,
        uow_factory=unit_of_work.provider,
        hasher=hasher,
        clock=clock,
        audit=audit_trail,
    )
    view_portal_invoice = providers.Factory(
        ViewPortalInvoice,
        uow_factory=unit_of_work.provider,
        authenticator=portal_authenticator,
        tenants=fee_terms,
    )
    portal_payments = providers.Factory(PortalPayments, uow_factory=unit_of_work.provider)
    create_portal_intent = providers.Factory(
        CreatePortalIntent,
        uow_factory=unit_of_work.provider,
        clock=clock,
        create_payment=create_payment,
        audit=audit_trail,
    )
    confirm_portal_payment = providers.Factory(
        ConfirmPortalPayment,
        uow_factory=unit_of_work.provider,
        gateway=gateway,
        clock=clock,
        fees=fee_terms,
        confirm_payment=confirm_payment,
        audit=audit_trail,
    )
    saved_methods = providers.Factory(SavedMethods, **_customer_gateway_deps)
    pay_by_card = providers.Factory(
        PayByCard,
        create_portal_intent=create_portal_intent,
        confirm_portal_payment=confirm_portal_payment,
        saved_methods=saved_methods,
    )

    access_tokens = providers.Singleton(JwtAccessTokens, settings.provided.jwt_secret)


def build_container(settings: Settings) -> Container:
    """A container configured from `Settings` (no I/O happens until a provider is used)."""

    return Container(settings=providers.Object(settings))
