"""Stripe-style idempotency for merchant POSTs (SPEC §5), as an application service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.errors import (
    IdempotencyKeyInUseError,
    IdempotencyKeyReusedError,
    StaleAggregateError,
)
from application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from domain.idempotency import IdempotencyRecord, IdempotencyState


@dataclass(frozen=True, slots=True)
class IdempotencyContext:
    """A request running under a key; `payment_id` is set when it resumes an earlier try."""

    tenant_id: str
    key: str
    payment_id: str | None = None


@dataclass(frozen=True, slots=True)
class Replay:
    status: int
    body: bytes


async def attach_payment(uow: UnitOfWork, ctx: IdempotencyContext | None, payment_id: str) -> None:
    """Remember, in the caller's transaction, which payment this request created."""
    if ctx is None:
        return
    record = await uow.idempotency.get(ctx.tenant_id, ctx.key)
    if record is None:
        raise IdempotencyKeyInUseError("The idempotency record vanished mid-request.")
    record.payment_id = payment_id
    await uow.idempotency.save(record)


async def detach_payment(uow: UnitOfWork, ctx: IdempotencyContext | None) -> None:
    """Forget, in the caller's transaction, a payment that was discarded: a retry re-runs."""
    if ctx is None:
        return
    record = await uow.idempotency.get(ctx.tenant_id, ctx.key)
    if record is not None and record.payment_id is not None:
        record.payment_id = None
        await uow.idempotency.save(record)


class IdempotencyService:
    """Begins, completes and abandons requests under an `Idempotency-Key`."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        ttl: timedelta = timedelta(hours=24),
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ttl = ttl
        self._lease = lease

    async def begin(
        self, tenant_id: str, key: str, fingerprint: str
    ) -> IdempotencyContext | Replay:
        """Start the request, replay its saved answer, or refuse (reused or in-use key)."""
        for _ in range(3):
            now = self._clock.now()
            async with self._uow_factory() as uow:
                record = await uow.idempotency.get(tenant_id, key)
                if record is not None and record.is_expired(now):
                    await uow.idempotency.delete(tenant_id, key)
                    record = None
                if record is None:
                    fresh = IdempotencyRecord(
                        tenant_id=tenant_id,
                        key=key,
                        fingerprint=fingerprint,
                        created_at=now,
                        expires_at=now + self._ttl,
                        locked_until=now + self._lease,
                    )
                    try:
                        await uow.idempotency.add(fresh)
                        await uow.commit()
                    except IdempotencyKeyInUseError:
                        continue  # another request took the key first: read it again
                    return IdempotencyContext(tenant_id, key)
                if record.fingerprint != fingerprint:
                    raise IdempotencyKeyReusedError(
                        "This Idempotency-Key was used with a different request."
                    )
                if record.state is IdempotencyState.COMPLETED:
                    assert record.response_status is not None
                    return Replay(record.response_status, record.response_body or b"")
                if record.is_locked(now):
                    raise IdempotencyKeyInUseError(
                        "A request with this Idempotency-Key is still being processed."
                    )
                record.locked_until = now + self._lease
                try:
                    await uow.idempotency.save(record)
                    await uow.commit()
                except StaleAggregateError:
                    continue
                return IdempotencyContext(tenant_id, key, record.payment_id)
        raise IdempotencyKeyInUseError(
            "A request with this Idempotency-Key is still being processed."
        )

    async def complete(self, ctx: IdempotencyContext, status: int, body: bytes) -> None:
        """The request acted: keep its answer, whatever it is."""
        async with self._uow_factory() as uow:
            record = await uow.idempotency.get(ctx.tenant_id, ctx.key)
            if record is None:
                return
            record.complete(status, body)
            await uow.idempotency.save(record)
            await uow.commit()

    async def abandon(self, ctx: IdempotencyContext) -> None:
        """The request raised. With no payment made, forget the key so a retry re-runs;
        with one made, release the lease so a retry continues with that payment."""
        async with self._uow_factory() as uow:
            record = await uow.idempotency.get(ctx.tenant_id, ctx.key)
            if record is None:
                return
            if record.payment_id is None:
                await uow.idempotency.delete(ctx.tenant_id, ctx.key)
            else:
                record.release(self._clock.now())
                await uow.idempotency.save(record)
            await uow.commit()
