"""Stripe-style idempotency for merchant POSTs (SPEC §5), as an application service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from application.errors import (
    IdempotencyKeyInUseError,
    IdempotencyKeyReusedError,
    StaleAggregateError,
)
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.idempotency import IdempotencyRecord, IdempotencyState

# Renders what a request answers about the aggregate its last transaction saved:
# (status, body) to keep, or None for an answer that must not be kept (unknown outcome).
Respond = Callable[[Any], tuple[int, bytes] | None]


class KeyTakenError(Exception):
    """A deferred claim found its key taken, or could not tell (its transaction was
    refused): the request must begin the full way."""


@dataclass(slots=True)
class ClaimProgress:
    """Where a request under a key stands; changed only once a transaction committed."""

    pending: bool = False  # deferred: the key is not written yet
    completed: bool = False  # the answer was kept with the act's last change


@dataclass(frozen=True, slots=True)
class IdempotencyContext:
    """A request running under a key; `payment_id` is set when it resumes an earlier try."""

    tenant_id: str
    key: str
    payment_id: str | None = None
    # The record as this request last wrote it, so attaching the payment and completing
    # need not read it again; a versioned save still refuses it if it changed meanwhile.
    record: IdempotencyRecord | None = field(default=None, compare=False, repr=False)
    # Deferred (`IdempotencyService.deferred`): the act's first transaction claims the key
    # with the payment it creates, and its last one keeps the answer `respond` renders.
    respond: Respond | None = field(default=None, compare=False, repr=False)
    progress: ClaimProgress = field(default_factory=ClaimProgress, compare=False, repr=False)


def claim_committed(ctx: IdempotencyContext | None) -> None:
    """The transaction that claimed a deferred key committed: the key is this request's."""
    if ctx is not None:
        ctx.progress.pending = False


async def keep_answer(uow: UnitOfWork, ctx: IdempotencyContext | None, subject: object) -> bool:
    """In the act's last transaction, keep the answer about `subject` with the change it
    reports (one UPDATE, no second transaction). False when it could not: no renderer,
    an answer not to keep, or the record changed meanwhile (completing later reads it;
    a store that batches writes reports that at commit, and the act retries without)."""
    if ctx is None or ctx.respond is None or ctx.record is None or ctx.progress.pending:
        return False
    answer = ctx.respond(subject)
    if answer is None:
        return False
    status, body = answer

    def complete(record: IdempotencyRecord) -> None:
        record.complete(status, body)

    return await _saved(uow, ctx.record, complete)


@dataclass(frozen=True, slots=True)
class Replay:
    status: int
    body: bytes


async def attach_payment(uow: UnitOfWork, ctx: IdempotencyContext | None, payment_id: str) -> None:
    """Remember, in the caller's transaction, which payment this request created."""
    if ctx is None:
        return
    if ctx.progress.pending:  # the claim itself, already naming the payment
        assert ctx.record is not None
        ctx.record.payment_id = payment_id
        await uow.idempotency.add(ctx.record)  # a taken key: the caller goes the full way
        return

    def attach(record: IdempotencyRecord) -> None:
        record.payment_id = payment_id

    if ctx.record is not None and await _saved(uow, ctx.record, attach):
        return
    record = await uow.idempotency.get(ctx.tenant_id, ctx.key)
    if record is None:
        raise IdempotencyKeyInUseError("The idempotency record vanished mid-request.")
    attach(record)
    await uow.idempotency.save(record)


async def _saved(
    uow: UnitOfWork, record: IdempotencyRecord, change: Callable[[IdempotencyRecord], None]
) -> bool:
    """Change and save the request's own copy of its record; False if that copy is stale
    (a store that batches its writes says so at commit instead, as StaleAggregateError)."""
    change(record)
    try:
        await uow.idempotency.save(record)
    except StaleAggregateError:
        return False
    return True


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

    def deferred(
        self, tenant_id: str, key: str, fingerprint: str, respond: Respond
    ) -> IdempotencyContext:
        """A request whose act claims the key in its first transaction (`attach_payment`)
        and keeps its answer in its last (`keep_answer`): no transaction of its own. If
        the key is taken, or the first transaction is refused, the act raises
        KeyTakenError with nothing kept, and the caller begins again the full way
        (`begin`: replay, refuse or resume)."""
        fresh = self._fresh(tenant_id, key, fingerprint)
        return IdempotencyContext(
            tenant_id, key, record=fresh, respond=respond, progress=ClaimProgress(pending=True)
        )

    def _fresh(self, tenant_id: str, key: str, fingerprint: str) -> IdempotencyRecord:
        now = self._clock.now()
        return IdempotencyRecord(
            tenant_id=tenant_id,
            key=key,
            fingerprint=fingerprint,
            created_at=now,
            expires_at=now + self._ttl,
            locked_until=now + self._lease,
        )

    async def begin(
        self, tenant_id: str, key: str, fingerprint: str
    ) -> IdempotencyContext | Replay:
        """Start the request, replay its saved answer, or refuse (reused or in-use key)."""
        for _ in range(3):
            fresh = self._fresh(tenant_id, key, fingerprint)
            now = fresh.created_at
            # A new key, the common case, costs one INSERT … ON CONFLICT DO NOTHING.
            async with self._uow_factory() as uow:
                if await _claimed(uow, fresh):
                    return IdempotencyContext(tenant_id, key, record=fresh)
            # A store may refuse the key at commit, with its transaction: read in a new one.
            async with self._uow_factory() as uow:
                record = await uow.idempotency.get(tenant_id, key)
                if record is None:
                    continue  # abandoned meanwhile: claim it again
                if record.is_expired(now):
                    await uow.idempotency.delete(tenant_id, key)
                    if await _claimed(uow, fresh):
                        return IdempotencyContext(tenant_id, key, record=fresh)
                    continue  # another request took the key first: read it again
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
                return IdempotencyContext(tenant_id, key, record.payment_id, record=record)
        raise IdempotencyKeyInUseError(
            "A request with this Idempotency-Key is still being processed."
        )

    async def complete(self, ctx: IdempotencyContext, status: int, body: bytes) -> None:
        """The request acted: keep its answer, whatever it is."""

        def complete(record: IdempotencyRecord) -> None:
            record.complete(status, body)

        if ctx.record is not None:
            try:
                async with self._uow_factory() as uow:
                    if await _saved(uow, ctx.record, complete):
                        await uow.commit()
                        return
            except StaleAggregateError:
                pass  # a store that reports it at commit: the record changed meanwhile
        async with self._uow_factory() as uow:
            record = await uow.idempotency.get(ctx.tenant_id, ctx.key)
            if record is None:
                return
            complete(record)
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


async def _claimed(uow: UnitOfWork, record: IdempotencyRecord) -> bool:
    """Insert the record and commit; False if the key is taken."""
    try:
        await uow.idempotency.add(record)
        await uow.commit()
    except IdempotencyKeyInUseError:
        return False
    return True
