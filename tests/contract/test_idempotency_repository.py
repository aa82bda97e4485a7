"""The idempotency record repository contract, the same for every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application.errors import IdempotencyKeyInUseError, StaleAggregateError
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.idempotency import IdempotencyRecord, IdempotencyState
from tests.contract.builders import T0, adder, state

BODY = b'{"id": "pay_1"}\x00\xff\xfe binary \xe2\x9c\x93'


def record(tenant_id: str, key: str, created=T0, ttl=timedelta(hours=24)) -> IdempotencyRecord:
    return IdempotencyRecord(
        tenant_id=tenant_id, key=key, fingerprint="POST /api/v1/payments/charge sha256:ab12",
        created_at=created, expires_at=created + ttl, locked_until=created + timedelta(minutes=1),
    )  # fmt: skip


add = adder(lambda uow: uow.idempotency)


async def get(uow_factory: UnitOfWorkFactory, tenant_id: str, key: str):
    async with uow_factory() as uow:
        return await uow.idempotency.get(tenant_id, key)


async def test_a_completed_record_round_trips_with_its_bytes(uow_factory, unique):
    item = record(f"ten_{unique}", "key-1 ✓")
    item.payment_id = f"pay_{unique}"
    item.complete(402, BODY)
    await add(uow_factory, item)

    loaded = await get(uow_factory, item.tenant_id, item.key)

    assert loaded is not None and state(loaded) == state(item)
    assert loaded.response_body == BODY and loaded.state is IdempotencyState.COMPLETED
    assert await get(uow_factory, f"ten_other_{unique}", item.key) is None


async def test_a_taken_key_is_in_use_for_its_tenant_only(uow_factory, unique):
    await add(uow_factory, record(f"ten_{unique}", "k"))

    with pytest.raises(IdempotencyKeyInUseError):
        await add(uow_factory, record(f"ten_{unique}", "k"))
    await add(uow_factory, record(f"ten_other_{unique}", "k"))


async def test_a_taken_key_is_refused_with_its_unit_of_work(uow_factory, unique):
    """A store may send its writes together: the taken key is refused by add() or at
    commit, and nothing the unit of work wrote is kept."""
    await add(uow_factory, record(f"ten_{unique}", "k"))

    with pytest.raises(IdempotencyKeyInUseError):
        async with uow_factory() as uow:
            await uow.idempotency.add(record(f"ten_{unique}", "k2"))
            await uow.idempotency.add(record(f"ten_{unique}", "k"))
            await uow.commit()

    assert await get(uow_factory, f"ten_{unique}", "k2") is None
    assert await get(uow_factory, f"ten_{unique}", "k") is not None


async def test_save_checks_the_version(uow_factory, unique):
    await add(uow_factory, record(f"ten_{unique}", "k"))
    first = await get(uow_factory, f"ten_{unique}", "k")
    second = await get(uow_factory, f"ten_{unique}", "k")
    assert first is not None and second is not None

    first.payment_id = f"pay_{unique}"
    async with uow_factory() as uow:
        await uow.idempotency.save(first)
        await uow.commit()
    second.complete(200, b"{}")
    with pytest.raises(StaleAggregateError):  # by save() or at commit
        async with uow_factory() as uow:
            await uow.idempotency.save(second)
            await uow.commit()

    stored = await get(uow_factory, f"ten_{unique}", "k")
    assert stored is not None and first.version == 1
    assert (stored.version, stored.payment_id, stored.state) == (
        1, f"pay_{unique}", IdempotencyState.IN_PROGRESS)  # fmt: skip


async def test_delete_forgets_the_key(uow_factory, unique):
    await add(uow_factory, record(f"ten_{unique}", "k"), record(f"ten_{unique}", "kept"))

    async with uow_factory() as uow:
        await uow.idempotency.delete(f"ten_{unique}", "k")
        await uow.idempotency.delete(f"ten_{unique}", "never-there")
        await uow.commit()

    assert await get(uow_factory, f"ten_{unique}", "k") is None
    assert await get(uow_factory, f"ten_{unique}", "kept") is not None
    await add(uow_factory, record(f"ten_{unique}", "k"))


async def test_purge_expired_removes_only_expired_records(uow_factory, unique):
    # An era of its own: PostgreSQL tests share a database, and this purges every tenant.
    era = datetime(2001, 1, 1, tzinfo=UTC)
    tenant = f"ten_{unique}"
    await add(
        uow_factory,
        record(tenant, "old", created=era, ttl=timedelta(hours=1)),
        record(tenant, "just-expired", created=era, ttl=timedelta(hours=2)),
        record(tenant, "fresh", created=era, ttl=timedelta(hours=3)),
    )

    async with uow_factory() as uow:
        purged = await uow.idempotency.purge_expired(era + timedelta(hours=2))
        await uow.commit()

    assert purged == 2
    assert await get(uow_factory, tenant, "old") is None
    assert await get(uow_factory, tenant, "just-expired") is None
    assert await get(uow_factory, tenant, "fresh") is not None
