"""The composition root: one dependency-injector container wires every adapter."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers

from adapters.events.logging_publisher import LoggingEventPublisher
from adapters.gateways.fake import FakePaymentGateway
from adapters.persistence.memory.store import InMemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.persistence.sql.engine import create_engine
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from adapters.security.jwt_tokens import JwtAccessTokens
from adapters.system.clock import SystemClock
from adapters.system.ids import UlidIdFactory
from application.audit import AuditTrail, ListAuditEntries
from application.fees.simulate import SimulateFees
from application.fees.terms import FeeTermsResolver
from application.fees.tiers import ListFeeTiers, UpdateFeeTier
from application.idempotency import IdempotencyService
from application.payments.cancel_payment import CancelPayment
from application.payments.capture_payment import CapturePayment
from application.payments.confirm_payment import ConfirmPayment
from application.payments.create_payment import CreatePayment
from application.payments.queries import GetPayment, ListOrderPayments, ListPayments
from application.payments.refund_payment import RefundPayment
from application.tenants.create_tenant import CreateTenant
from application.tenants.queries import GetTenant, ListTenants
from application.tenants.update_tenant import SetFeeOverride, UpdateTenant
from domain.fees import STRIPE_STANDARD_PRICING
from entrypoints.settings import Settings


class Container(containers.DeclarativeContainer):
    """Built from `Settings`: `Container(settings=providers.Object(settings))`."""

    settings = providers.Dependency()
    config = providers.Configuration()

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(UlidIdFactory)
    publisher = providers.Singleton(LoggingEventPublisher)

    engine = providers.Singleton(create_engine, config.database_url)
    memory_store = providers.Singleton(InMemoryStore)
    unit_of_work = providers.Selector(
        config.store,
        sql=providers.Factory(SqlUnitOfWork, engine, publisher),
        memory=providers.Factory(InMemoryUnitOfWork, memory_store, publisher),
    )

    gateway = providers.Selector(
        config.gateway,
        fake=providers.Singleton(FakePaymentGateway),
    )

    fee_terms = providers.Singleton(FeeTermsResolver, gateway_pricing=STRIPE_STANDARD_PRICING)
    idempotency = providers.Singleton(
        IdempotencyService, uow_factory=unit_of_work.provider, clock=clock
    )

    _payment_deps = dict(
        uow_factory=unit_of_work.provider, gateway=gateway, clock=clock, ids=ids, fees=fee_terms
    )
    create_payment = providers.Factory(CreatePayment, **_payment_deps)
    confirm_payment = providers.Factory(ConfirmPayment, **_payment_deps)
    capture_payment = providers.Factory(CapturePayment, **_payment_deps)
    cancel_payment = providers.Factory(CancelPayment, **_payment_deps)
    refund_payment = providers.Factory(
        RefundPayment,
        **_payment_deps,
        window=providers.Factory(timedelta, days=config.refund_window_days.as_int()),
    )
    get_payment = providers.Factory(GetPayment, uow_factory=unit_of_work.provider)
    list_payments = providers.Factory(ListPayments, uow_factory=unit_of_work.provider)
    list_order_payments = providers.Factory(ListOrderPayments, uow_factory=unit_of_work.provider)

    audit_trail = providers.Singleton(AuditTrail, clock=clock, ids=ids)
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

    access_tokens = providers.Singleton(JwtAccessTokens, config.jwt_secret)


def build_container(settings: Settings) -> Container:
    """A container configured from `Settings` (no I/O happens until a provider is used)."""

    container = Container(settings=providers.Object(settings))
    container.config.from_dict(
        {
            "database_url": settings.database_url,
            "store": settings.store,
            "gateway": settings.gateway,
            "refund_window_days": settings.refund_window_days,
            "jwt_secret": settings.jwt_secret,
        }
    )
    return container
