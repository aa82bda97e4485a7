"""In-memory repositories: copies in and out, optimistic versions checked at save."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from adapters.persistence.memory.pagination import paginate
from adapters.persistence.memory.store import InMemoryStore
from application.errors import (
    DuplicatePaymentError,
    IdempotencyKeyInUseError,
    StaleAggregateError,
)
from application.ports.repositories import (
    AuditFilter,
    DriftCutoffs,
    Page,
    PageRequest,
    PaymentFilter,
    PaymentTotals,
)
from domain.audit import AuditEntry
from domain.fees import FeeTier
from domain.idempotency import IdempotencyRecord
from domain.payment import Payment
from domain.statuses import DisputeStatus, PaymentStatus
from domain.tenant import Tenant

K = TypeVar("K")
A = TypeVar("A")


class Staging:
    """Writes of one unit of work, applied to the store only on commit."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.writes: list[Callable[[], None]] = []
        self.checks: list[Callable[[], None]] = []
        self.seen: list[Any] = []
        self.removed: set[tuple[int, Any]] = set()
        self.held: dict[str, asyncio.Lock] = {}

    async def hold(self, payment_id: str) -> None:
        """Wait for, then hold, the payment's lock until `release` (commit or rollback)."""
        if payment_id in self.held:
            return
        lock = self.store.payment_locks.setdefault(payment_id, asyncio.Lock())
        await lock.acquire()
        self.held[payment_id] = lock

    def release(self) -> None:
        for lock in self.held.values():
            lock.release()
        self.held.clear()

    def check_now_and_at_commit(self, check: Callable[[], None]) -> None:
        """A unique index of the SQL stores: `check` raises now, or at commit if another
        unit of work committed what it forbids meanwhile."""
        check()
        self.checks.append(check)

    def put(
        self, table: dict[Any, Any], key: Any, value: Any, expected_version: int | None
    ) -> None:
        def check() -> None:
            current = None if (id(table), key) in self.removed else table.get(key)
            if expected_version is None:
                if current is not None:
                    raise StaleAggregateError(f"{key} exists already.")
            elif current is None or current.version != expected_version:
                raise StaleAggregateError(f"{key} changed concurrently.")

        check()
        snapshot = copy.deepcopy(value)
        if hasattr(snapshot, "events"):
            snapshot.events = []  # events are published once, by the unit of work that saw them
        self.checks.append(check)
        self.writes.append(lambda: table.__setitem__(key, snapshot))

    def remove(self, table: dict[Any, Any], key: Any) -> None:
        self.removed.add((id(table), key))
        self.writes.append(lambda: table.pop(key, None))


def fresh_copy(value: A | None) -> A | None:
    return copy.deepcopy(value) if value is not None else None


def versioned_save(staging: Staging, table: dict[Any, Any], key: Any, aggregate: Any) -> None:
    expected = aggregate.version
    aggregate.version += 1
    staging.put(table, key, aggregate, expected)
    staging.seen.append(aggregate)


class InMemoryPaymentRepository:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.payments

    async def add(self, payment: Payment) -> None:
        self._hold_order_claim(payment)
        self._s.put(self._table, payment.id, payment, None)
        self._s.seen.append(payment)

    def _hold_order_claim(self, payment: Payment) -> None:
        """The SQL stores' unique index on claimed orders, checked now and at commit."""
        if not payment.order_claim:
            return

        def check() -> None:
            for other in self._table.values():
                if (
                    other.order_claim
                    and other.id != payment.id
                    and (other.tenant_id, other.order_id) == (payment.tenant_id, payment.order_id)
                ):
                    raise DuplicatePaymentError.order_claimed(payment.order_id)

        self._s.check_now_and_at_commit(check)

    async def get(
        self, tenant_id: str, payment_id: str, *, for_update: bool = False
    ) -> Payment | None:
        if for_update:
            await self._s.hold(payment_id)
        payment = self._table.get(payment_id)
        if payment is None or payment.tenant_id != tenant_id:
            return None
        return fresh_copy(payment)

    async def get_by_gateway_id(
        self, gateway_payment_id: str, *, for_update: bool = False
    ) -> Payment | None:
        found = next(
            (p for p in self._table.values() if p.gateway_payment_id == gateway_payment_id), None
        )
        if found is not None and for_update:
            await self._s.hold(found.id)
            found = self._table.get(found.id)  # as it is once we hold it
        return fresh_copy(found)

    async def lock_by_gateway_ids(self, gateway_payment_ids: Sequence[str]) -> Sequence[Payment]:
        wanted = set(gateway_payment_ids)
        found = []
        for payment_id in sorted(
            p.id for p in self._table.values() if p.gateway_payment_id in wanted
        ):
            await self._s.hold(payment_id)
            if (payment := fresh_copy(self._table.get(payment_id))) is not None:
                found.append(payment)
        return found

    async def save(self, payment: Payment) -> None:
        self._hold_order_claim(payment)
        versioned_save(self._s, self._table, payment.id, payment)

    async def discard(self, payment: Payment) -> None:
        self._s.remove(self._table, payment.id)

    async def for_order(self, tenant_id: str, order_id: str) -> Sequence[Payment]:
        found = [
            p for p in self._table.values() if p.tenant_id == tenant_id and p.order_id == order_id
        ]
        return [copy.deepcopy(p) for p in sorted(found, key=_newest_first)]

    async def refuse_settled_order(self, tenant_id: str, order_id: str) -> None:
        for payment in self._table.values():
            if (
                payment.tenant_id == tenant_id
                and payment.order_id == order_id
                and payment.is_settled_for_order
            ):
                raise DuplicatePaymentError.order_claimed(order_id)

    async def needing_reconciliation(
        self, cutoffs: DriftCutoffs, limit: int, after_id: str | None = None
    ) -> Sequence[Payment]:
        rows = sorted(
            (
                p
                for p in self._table.values()
                if (after_id is None or p.id > after_id) and needs_reconciliation(p, cutoffs)
            ),
            key=lambda p: p.id,
        )
        return [copy.deepcopy(p) for p in rows[:limit]]

    async def list(self, tenant_id: str, where: PaymentFilter, page: PageRequest) -> Page[Payment]:
        owned = sorted(
            (p for p in self._table.values() if p.tenant_id == tenant_id), key=_newest_first
        )
        rows = [p for p in owned if _matches(p, where)]
        return paginate(rows, page, key=lambda p: p.id, owned=owned)

    async def totals(
        self, tenant_id: str | None, created_gte: datetime | None, created_lt: datetime | None
    ) -> Sequence[PaymentTotals]:
        by_currency: dict[str, list[Payment]] = {}
        for p in self._table.values():
            if (
                (tenant_id is None or p.tenant_id == tenant_id)
                and (created_gte is None or p.created_at >= created_gte)
                and (created_lt is None or p.created_at < created_lt)
            ):
                by_currency.setdefault(p.currency, []).append(p)
        return [_totals(currency, by_currency[currency]) for currency in sorted(by_currency)]


def _totals(currency: str, found: list[Payment]) -> PaymentTotals:
    counts: dict[str, int] = {}
    for p in found:
        counts[p.status.value] = counts.get(p.status.value, 0) + 1
    return PaymentTotals(
        currency=currency,
        counts=counts,
        gross=sum(p.amount.amount for p in found),
        captured=sum(p.amount_captured for p in found),
        refunded=sum(p.amount_refunded for p in found),
        platform_fees=sum(p.platform_fee for p in found),
        platform_fees_reversed=sum(p.platform_fee_reversed for p in found),
        gateway_fees=sum(p.gateway_fee for p in found),
        disputed=sum(p.dispute_status is not DisputeStatus.NONE for p in found),
    )


def needs_reconciliation(p: Payment, cutoffs: DriftCutoffs) -> bool:
    return (
        p.outcome_unknown
        or (
            p.status in (PaymentStatus.PROCESSING, PaymentStatus.REQUIRES_ACTION)
            and p.updated_at < cutoffs.stuck_before
        )
        or (p.status is PaymentStatus.REQUIRES_CAPTURE and p.created_at < cutoffs.authorized_before)
        or p.amount_refund_pending > 0
    )


def _newest_first(p: Payment) -> tuple[float, str]:
    return (-p.created_at.timestamp(), _invert(p.id))


def _invert(text: str) -> str:
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


def _matches(p: Payment, where: PaymentFilter) -> bool:
    return (
        (where.status is None or p.status is where.status)
        and (where.customer_id is None or p.customer_id == where.customer_id)
        and (where.order_id is None or p.order_id == where.order_id)
        and (where.created_gte is None or p.created_at >= where.created_gte)
        and (where.created_lte is None or p.created_at <= where.created_lte)
    )


class InMemoryTenantRepository:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.tenants

    async def add(self, tenant: Tenant) -> None:
        self._s.put(self._table, tenant.id, tenant, None)

    async def get(self, tenant_id: str) -> Tenant | None:
        return fresh_copy(self._table.get(tenant_id))

    async def save(self, tenant: Tenant) -> None:
        versioned_save(self._s, self._table, tenant.id, tenant)

    async def list(self) -> Sequence[Tenant]:
        return [copy.deepcopy(t) for t in sorted(self._table.values(), key=lambda t: t.id)]


class InMemoryFeeTierRepository:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.fee_tiers

    async def add(self, tier: FeeTier) -> None:
        self._s.put(self._table, tier.code, tier, None)

    async def get(self, code: str) -> FeeTier | None:
        return fresh_copy(self._table.get(code))

    async def save(self, tier: FeeTier) -> None:
        versioned_save(self._s, self._table, tier.code, tier)

    async def list(self) -> Sequence[FeeTier]:
        return [copy.deepcopy(t) for t in sorted(self._table.values(), key=lambda t: t.level)]


class InMemoryIdempotencyRepository:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.idempotency

    async def add(self, record: IdempotencyRecord) -> None:
        try:
            self._s.put(self._table, (record.tenant_id, record.key), record, None)
        except StaleAggregateError:
            raise IdempotencyKeyInUseError("This Idempotency-Key is taken.") from None

    async def get(self, tenant_id: str, key: str) -> IdempotencyRecord | None:
        return fresh_copy(self._table.get((tenant_id, key)))

    async def save(self, record: IdempotencyRecord) -> None:
        versioned_save(self._s, self._table, (record.tenant_id, record.key), record)

    async def delete(self, tenant_id: str, key: str) -> None:
        self._s.remove(self._table, (tenant_id, key))

    async def purge_expired(self, now: datetime) -> int:
        expired = [k for k, r in self._table.items() if r.is_expired(now)]
        for k in expired:
            self._s.remove(self._table, k)
        return len(expired)


class InMemoryAuditRepository:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.audit

    async def add(self, entry: AuditEntry) -> None:
        self._s.writes.append(lambda: self._table.__setitem__(entry.id, entry))

    async def list(self, where: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
        owned = sorted(
            (
                e
                for e in self._table.values()
                if where.tenant_id is None or e.tenant_id == where.tenant_id
            ),
            key=lambda e: (e.created_at, e.id),
            reverse=True,
        )
        rows = [
            e
            for e in owned
            if (where.action is None or e.action == where.action)
            and (where.entity_id is None or e.entity_id == where.entity_id)
        ]
        return paginate(rows, page, key=lambda e: e.id, owned=owned)
