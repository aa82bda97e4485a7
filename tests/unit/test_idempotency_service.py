"""The idempotency service: replay, reuse with another request, in-use, expiry."""

from datetime import timedelta

import pytest

from application.errors import IdempotencyKeyInUseError, IdempotencyKeyReusedError
from application.idempotency import (
    IdempotencyContext,
    Replay,
    attach_payment,
    claim_committed,
    keep_answer,
)
from tests.unit.world import World


async def test_completed_request_is_replayed() -> None:
    world = World()
    service = world.idempotency()
    ctx = await service.begin("ten_1", "k", "fp")
    assert isinstance(ctx, IdempotencyContext)
    await service.complete(ctx, 201, b'{"id": "pay_1"}')
    assert await service.begin("ten_1", "k", "fp") == Replay(201, b'{"id": "pay_1"}')


async def test_keys_are_scoped_to_the_tenant() -> None:
    service = World().idempotency()
    await service.begin("ten_1", "k", "fp")
    assert isinstance(await service.begin("ten_2", "k", "other"), IdempotencyContext)


async def test_same_key_other_request_is_refused() -> None:
    service = World().idempotency()
    await service.begin("ten_1", "k", "fp")
    with pytest.raises(IdempotencyKeyReusedError):
        await service.begin("ten_1", "k", "fp-other")


async def test_same_key_while_running_is_in_use() -> None:
    service = World().idempotency()
    await service.begin("ten_1", "k", "fp")
    with pytest.raises(IdempotencyKeyInUseError):
        await service.begin("ten_1", "k", "fp")


async def test_abandoned_request_without_payment_is_forgotten() -> None:
    world = World()
    service = world.idempotency()
    ctx = await service.begin("ten_1", "k", "fp")
    assert isinstance(ctx, IdempotencyContext)
    await service.abandon(ctx)
    assert world.store.idempotency == {}
    assert isinstance(await service.begin("ten_1", "k", "another body now"), IdempotencyContext)


async def test_a_crashed_request_can_be_resumed_after_its_lease() -> None:
    world = World()
    service = world.idempotency()
    await service.begin("ten_1", "k", "fp")
    world.clock.advance(timedelta(seconds=61))
    assert isinstance(await service.begin("ten_1", "k", "fp"), IdempotencyContext)


async def test_records_expire_after_24_hours() -> None:
    world = World()
    service = world.idempotency()
    ctx = await service.begin("ten_1", "k", "fp")
    assert isinstance(ctx, IdempotencyContext)
    await service.complete(ctx, 201, b"{}")
    world.clock.advance(timedelta(hours=24))
    assert isinstance(await service.begin("ten_1", "k", "new"), IdempotencyContext)


async def test_a_deferred_key_is_claimed_with_the_payment_and_answered_in_one_go() -> None:
    world = World()
    service = world.idempotency()
    ctx = service.deferred("ten_1", "k", "fp", lambda payment: (201, b'{"id": "%s"}' % payment))
    async with world.uow() as uow:
        await attach_payment(uow, ctx, "pay_1")
        await uow.commit()
    claim_committed(ctx)
    assert world.store.idempotency[("ten_1", "k")].payment_id == "pay_1"
    async with world.uow() as uow:
        assert await keep_answer(uow, ctx, b"pay_1")
        await uow.commit()
    assert await service.begin("ten_1", "k", "fp") == Replay(201, b'{"id": "pay_1"}')


async def test_a_deferred_key_already_taken_is_refused_by_the_store() -> None:
    world = World()
    service = world.idempotency()
    await service.begin("ten_1", "k", "fp")
    ctx = service.deferred("ten_1", "k", "fp", lambda _: (201, b"{}"))
    async with world.uow() as uow:
        with pytest.raises(IdempotencyKeyInUseError):
            await attach_payment(uow, ctx, "pay_1")
    assert ctx.progress.pending
    assert world.store.idempotency[("ten_1", "k")].payment_id is None
