"""The portal token repository contract, the same for every store: uses never conflict."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from adapters.persistence.sql.engine import create_engine
from adapters.persistence.sql.unit_of_work import SqlUnitOfWork
from application.errors import StaleAggregateError
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.portal_token import PortalToken, PortalTokenStatus
from tests.contract.builders import T0, adder, at, datetimes_in, state
from tests.contract.listings import assert_lists_by_tenant_and_customer, ids
from tests.support.publishers import RecordingEventPublisher

PLUS_TWO = timezone(timedelta(hours=2))
HASH = "$2b$12$" + "x" * 53  # the shape of a bcrypt hash


def token(
    tid: str, tenant: str, customer_id: str = "cus_1", *, created: datetime = T0, **fields: Any
) -> PortalToken:
    return PortalToken(
        id=tid, tenant_id=tenant, customer_id=customer_id, selector=f"sel_{tid}",
        verifier_hash=HASH, created_at=created, expires_at=created + timedelta(days=7), **fields,
    )  # fmt: skip


add = adder(lambda uow: uow.portal_tokens)


async def get(uow_factory: UnitOfWorkFactory, tenant: str, tid: str) -> PortalToken | None:
    async with uow_factory() as uow:
        return await uow.portal_tokens.get(tenant, tid)


async def save(uow_factory: UnitOfWorkFactory, item: PortalToken) -> None:
    async with uow_factory() as uow:
        await uow.portal_tokens.save(item)
        await uow.commit()


async def use(
    uow_factory: UnitOfWorkFactory, tid: str, now: datetime, ip: str | None = "203.0.113.9",
    user_agent: str | None = "Mozilla/5.0",
) -> None:  # fmt: skip
    async with uow_factory() as uow:
        await uow.portal_tokens.record_use(tid, now, ip, user_agent)
        await uow.commit()


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("status", list(PortalTokenStatus), ids=str)
async def test_a_token_with_every_field_set_round_trips(uow_factory, unique, status):
    original = PortalToken(
        id=f"ptk_{unique}", tenant_id=f"ten_{unique}", customer_id=f"cus_{unique}",
        selector=f"sel_{unique}_AbC-_9", verifier_hash=HASH,
        created_at=datetime(2026, 1, 1, 2, 0, 0, 123_456, tzinfo=PLUS_TWO),
        expires_at=datetime(2026, 1, 8, 2, 0, 0, 654_321, tzinfo=PLUS_TWO),
        invoice_id=f"inv_{unique}", status=status, usage_count=7,
        last_used_at=datetime(2026, 1, 2, 9, 30, 0, 1, tzinfo=PLUS_TWO),
        last_ip="2001:db8::1", last_user_agent="Mozilla/5.0 (déjà vu ✓)",
        revoked_at=datetime(2026, 1, 3, tzinfo=UTC), version=3,
    )  # fmt: skip
    await add(uow_factory, original)

    loaded = await get(uow_factory, original.tenant_id, original.id)

    assert loaded is not None and state(loaded) == state(original)
    assert loaded.status is status
    assert loaded.created_at == datetime(2026, 1, 1, 0, 0, 0, 123_456, tzinfo=UTC)
    assert all(moment.utcoffset() is not None for moment in datetimes_in(state(loaded)))


async def test_a_fresh_token_round_trips_with_its_optional_fields_empty(uow_factory, unique):
    original = token(f"ptk_{unique}", f"ten_{unique}")
    await add(uow_factory, original)

    loaded = await get(uow_factory, original.tenant_id, original.id)

    assert loaded is not None and state(loaded) == state(original)
    assert (loaded.invoice_id, loaded.last_used_at, loaded.revoked_at) == (None, None, None)
    assert (loaded.status, loaded.usage_count, loaded.version) == (PortalTokenStatus.ACTIVE, 0, 0)


async def test_another_tenants_token_is_not_found(uow_factory, unique):
    await add(uow_factory, token(f"ptk_{unique}", f"ten_{unique}"))

    assert await get(uow_factory, f"ten_other_{unique}", f"ptk_{unique}") is None
    assert await get(uow_factory, f"ten_{unique}", f"ptk_missing_{unique}") is None


async def test_adding_an_existing_id_is_refused(uow_factory, unique):
    first = token(f"ptk_{unique}", f"ten_{unique}")
    await add(uow_factory, first)
    again = token(f"ptk_{unique}", f"ten_{unique}", customer_id="cus_2")
    again.selector = f"sel_other_{unique}"

    with pytest.raises(StaleAggregateError):
        await add(uow_factory, again)
    assert state(await get(uow_factory, first.tenant_id, first.id)) == state(first)


# ---------------------------------------------------------------------- queries


async def test_a_token_is_found_by_its_selector_whatever_the_tenant(uow_factory, unique):
    mine = token(f"ptk_{unique}_a", f"ten_{unique}")
    await add(uow_factory, mine, token(f"ptk_{unique}_b", f"ten_other_{unique}"))

    async with uow_factory() as uow:
        found = await uow.portal_tokens.by_selector(mine.selector)
        theirs = await uow.portal_tokens.by_selector(f"sel_ptk_{unique}_b")
        missing = await uow.portal_tokens.by_selector(f"sel_missing_{unique}")

    assert found is not None and state(found) == state(mine)
    assert theirs is not None and theirs.tenant_id == f"ten_other_{unique}"
    assert missing is None


async def test_for_invoice_gives_the_tokens_of_that_invoice(uow_factory, unique):
    inv, tenant = f"inv_{unique}", f"ten_{unique}"
    await add(
        uow_factory,
        token(f"ptk_{unique}_1", tenant, invoice_id=inv, created=at(1)),
        token(f"ptk_{unique}_2", tenant, invoice_id=inv, created=at(2)),
        token(f"ptk_{unique}_x", tenant, invoice_id=f"inv_other_{unique}"),
        token(f"ptk_{unique}_y", tenant),
    )

    async with uow_factory() as uow:
        found = await uow.portal_tokens.for_invoice(inv)
        none = await uow.portal_tokens.for_invoice(f"inv_missing_{unique}")

    # The port promises no order: compare as sets.
    assert sorted(ids(found)) == [f"ptk_{unique}_1", f"ptk_{unique}_2"]
    assert list(none) == []


async def test_tokens_list_newest_first_by_tenant_and_customer_in_pages(uow_factory, unique):
    await assert_lists_by_tenant_and_customer(
        uow_factory,
        unique,
        "ptk",
        lambda tid, tenant, customer_id, created: token(tid, tenant, customer_id, created=created),
        add,
        lambda uow, tenant, customer_id, page: uow.portal_tokens.list(tenant, customer_id, page),
    )


# ------------------------------------------------------------- saves and uses


async def test_save_bumps_the_version_and_a_stale_copy_is_refused(uow_factory, unique):
    made = token(f"ptk_{unique}", f"ten_{unique}", invoice_id=f"inv_{unique}")
    await add(uow_factory, made)
    first = await get(uow_factory, made.tenant_id, made.id)
    stale = await get(uow_factory, made.tenant_id, made.id)
    assert first is not None and stale is not None

    first.mark_used()
    await save(uow_factory, first)
    stale.revoke(at(60))
    with pytest.raises(StaleAggregateError):
        await save(uow_factory, stale)

    stored = await get(uow_factory, made.tenant_id, made.id)
    assert stored is not None and first.version == stored.version == 1
    assert (stored.status, stored.revoked_at) == (PortalTokenStatus.USED, None)


async def test_record_use_counts_and_remembers_the_last_use_without_a_new_version(
    uow_factory, unique
):
    made = token(f"ptk_{unique}", f"ten_{unique}")
    await add(uow_factory, made)
    later = datetime(2026, 1, 2, 12, 0, 0, 500_000, tzinfo=PLUS_TWO)

    await use(uow_factory, made.id, at(10))
    await use(uow_factory, made.id, later, ip="2001:db8::7", user_agent="curl/8.5 ✓")

    stored = await get(uow_factory, made.tenant_id, made.id)
    assert stored is not None
    assert (stored.usage_count, stored.version) == (2, 0)
    assert (stored.last_used_at, stored.last_ip, stored.last_user_agent) == (
        later, "2001:db8::7", "curl/8.5 ✓",
    )  # fmt: skip
    assert stored.last_used_at is not None and stored.last_used_at.utcoffset() is not None


async def test_record_use_keeps_300_characters_of_the_user_agent_and_none_for_none(
    uow_factory, unique
):
    await add(uow_factory, token(f"ptk_{unique}", f"ten_{unique}"))

    await use(uow_factory, f"ptk_{unique}", at(1), user_agent="A" * 301)
    long = await get(uow_factory, f"ten_{unique}", f"ptk_{unique}")
    await use(uow_factory, f"ptk_{unique}", at(2), ip=None, user_agent=None)
    bare = await get(uow_factory, f"ten_{unique}", f"ptk_{unique}")

    assert long is not None and long.last_user_agent == "A" * 300
    assert bare is not None and (bare.last_ip, bare.last_user_agent) == (None, None)
    assert (bare.usage_count, bare.last_used_at) == (2, at(2))


async def test_a_use_in_a_rolled_back_unit_of_work_is_not_counted(uow_factory, unique):
    await add(uow_factory, token(f"ptk_{unique}", f"ten_{unique}"))

    async with uow_factory() as uow:
        await uow.portal_tokens.record_use(f"ptk_{unique}", at(1), "203.0.113.9", "x")
        await uow.rollback()

    stored = await get(uow_factory, f"ten_{unique}", f"ptk_{unique}")
    assert stored is not None and (stored.usage_count, stored.last_used_at) == (0, None)


async def test_saving_a_copy_loaded_before_a_use_keeps_the_use(uow_factory, unique):
    made = token(f"ptk_{unique}", f"ten_{unique}")
    await add(uow_factory, made)
    loaded = await get(uow_factory, made.tenant_id, made.id)
    assert loaded is not None and loaded.usage_count == 0

    await use(uow_factory, made.id, at(30), ip="198.51.100.4", user_agent="Safari")
    assert loaded.revoke(at(60))
    await save(uow_factory, loaded)

    stored = await get(uow_factory, made.tenant_id, made.id)
    assert stored is not None
    assert (stored.status, stored.revoked_at, stored.version) == (
        PortalTokenStatus.REVOKED, at(60), 1,
    )  # fmt: skip
    assert (stored.usage_count, stored.last_used_at) == (1, at(30))
    assert (stored.last_ip, stored.last_user_agent) == ("198.51.100.4", "Safari")


@pytest.mark.postgres
async def test_twenty_concurrent_uses_are_all_counted(postgres_url, unique):
    engine = create_engine(postgres_url)
    uow_factory: UnitOfWorkFactory = lambda: SqlUnitOfWork(engine, RecordingEventPublisher())  # noqa: E731
    made = token(f"ptk_{unique}", f"ten_{unique}")
    try:
        await add(uow_factory, made)

        async def one_use(n: int) -> None:
            async with uow_factory() as uow:
                await uow.portal_tokens.record_use(made.id, at(n), f"203.0.113.{n}", "x")
                await asyncio.sleep(0.01)  # hold the row while the others queue on it
                await uow.commit()

        await asyncio.wait_for(asyncio.gather(*(one_use(n) for n in range(20))), 30)
        stored = await get(uow_factory, made.tenant_id, made.id)
    finally:
        await engine.dispose()

    assert stored is not None and (stored.usage_count, stored.version) == (20, 0)


async def test_use_by_selector_counts_the_use_and_returns_the_token_as_it_is_then(
    uow_factory, unique
):
    made = token(f"ptk_{unique}", f"ten_{unique}")
    await add(uow_factory, made)
    await use(uow_factory, made.id, at(1))

    async with uow_factory() as uow:
        found = await uow.portal_tokens.use_by_selector(made.selector, at(2), "192.0.2.9", "UA")
        missing = await uow.portal_tokens.use_by_selector(
            f"sel_missing_{unique}", at(2), None, None
        )
        await uow.commit()

    assert missing is None
    assert found is not None and found.id == made.id
    assert (found.usage_count, found.last_used_at, found.last_ip) == (2, at(2), "192.0.2.9")
    stored = await get(uow_factory, made.tenant_id, made.id)
    assert stored is not None and (stored.usage_count, stored.version) == (2, 0)


async def test_use_by_selector_neither_returns_nor_counts_a_link_not_viewable(uow_factory, unique):
    revoked = token(f"ptk_{unique}_r", f"ten_{unique}")
    revoked.revoke(at(0))
    expiring = token(f"ptk_{unique}_e", f"ten_{unique}")
    await add(uow_factory, revoked, expiring)

    async with uow_factory() as uow:
        assert await uow.portal_tokens.use_by_selector(revoked.selector, at(1), None, None) is None
        late = expiring.expires_at
        assert await uow.portal_tokens.use_by_selector(expiring.selector, late, None, None) is None
        await uow.commit()

    for made in (revoked, expiring):
        stored = await get(uow_factory, made.tenant_id, made.id)
        assert stored is not None and stored.usage_count == 0
