"""The audit trail contract, the same for every store: append, then list newest first."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from application.errors import UnknownCursorError
from application.ports.repositories import AuditFilter, Page, PageRequest
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.audit import SYSTEM, Actor, AuditEntry
from tests.contract.builders import adder, at


def entry(
    entry_id: str,
    tenant_id: str | None,
    *,
    created: datetime,
    action: str = "payment.captured",
    entity_id: str = "pay_1",
    actor: Actor = SYSTEM,
    **details: object,
) -> AuditEntry:
    return AuditEntry(
        id=entry_id, tenant_id=tenant_id, actor=actor, action=action, entity_type="payment",
        entity_id=entity_id, created_at=created, details=details,
    )  # fmt: skip


add = adder(lambda uow: uow.audit)


async def listing(
    uow_factory: UnitOfWorkFactory, where: AuditFilter, **page: Any
) -> Page[AuditEntry]:
    async with uow_factory() as uow:
        return await uow.audit.list(where, PageRequest(**page))


def ids(page: Page[AuditEntry]) -> list[str]:
    return [e.id for e in page.data]


async def test_an_entry_round_trips_with_its_actor_details_and_instant(uow_factory, unique):
    operator = Actor(
        kind="user", id=f"usr_{unique}", ip="2001:db8::1", user_agent="curl/8.5 ✓",
        request_id=f"req_{unique}",
    )  # fmt: skip
    created = datetime(2026, 1, 1, 2, 0, 0, 123_456, tzinfo=timezone(timedelta(hours=2)))
    original = entry(
        f"aud_{unique}", f"ten_{unique}", created=created, entity_id=f"pay_{unique}",
        actor=operator, amount=1_130, currency="CAD", note="déjà vu",
        nested={"fees": [1, 2.5, True, None], "empty": {}},
    )  # fmt: skip
    await add(uow_factory, original)

    page = await listing(uow_factory, AuditFilter(entity_id=f"pay_{unique}"))

    assert page.data == [original]
    loaded = page.data[0]
    assert loaded.created_at == created and loaded.created_at.microsecond == 123_456
    assert loaded.created_at.utcoffset() is not None
    assert loaded.details["nested"] == {"fees": [1, 2.5, True, None], "empty": {}}


async def test_a_platform_entry_has_no_tenant_and_a_system_actor(uow_factory, unique):
    platform = entry(f"aud_{unique}", None, created=at(0), action=f"fee_tier.updated.{unique}")
    await add(uow_factory, platform)

    page = await listing(uow_factory, AuditFilter(action=platform.action))

    assert page.data == [platform]
    assert page.data[0].tenant_id is None and page.data[0].actor == SYSTEM


async def test_entries_of_a_rolled_back_unit_of_work_are_not_kept(uow_factory, unique):
    async with uow_factory() as uow:
        await uow.audit.add(entry(f"aud_{unique}", f"ten_{unique}", created=at(0)))
        await uow.rollback()

    assert (await listing(uow_factory, AuditFilter(tenant_id=f"ten_{unique}"))).data == []


@pytest.fixture
async def trail_of_25(uow_factory, unique) -> tuple[str, list[str]]:
    """aud_…_00 (oldest) to aud_…_24 (newest), two to a second so ids break the ties;
    added out of order, and another tenant's entries alongside."""
    tenant = f"ten_{unique}"
    made = [entry(f"aud_{unique}_{i:02d}", tenant, created=at(i // 2)) for i in range(25)]
    others = [entry(f"aud_{unique}_x{i}", f"ten_other_{unique}", created=at(i)) for i in range(3)]
    await add(uow_factory, *made[1::2], *others, *made[0::2])
    return tenant, [e.id for e in reversed(made)]


async def test_entries_list_newest_first_with_ids_breaking_ties(uow_factory, trail_of_25):
    tenant, newest_first = trail_of_25

    page = await listing(uow_factory, AuditFilter(tenant_id=tenant), limit=100)

    assert (ids(page), page.has_more) == (newest_first, False)


async def test_pages_forward_with_starting_after(uow_factory, trail_of_25):
    tenant, newest_first = trail_of_25
    where = AuditFilter(tenant_id=tenant)

    first = await listing(uow_factory, where, limit=10)
    second = await listing(uow_factory, where, limit=10, starting_after=ids(first)[-1])
    third = await listing(uow_factory, where, limit=10, starting_after=ids(second)[-1])

    assert [p.has_more for p in (first, second, third)] == [True, True, False]
    assert ids(first) + ids(second) + ids(third) == newest_first


async def test_pages_backward_with_ending_before(uow_factory, trail_of_25):
    tenant, newest_first = trail_of_25
    where = AuditFilter(tenant_id=tenant)

    back = await listing(uow_factory, where, limit=10, ending_before=newest_first[21])
    start = await listing(uow_factory, where, limit=10, ending_before=newest_first[10])
    short = await listing(uow_factory, where, limit=10, ending_before=newest_first[3])

    assert (ids(back), back.has_more) == (newest_first[11:21], True)
    assert (ids(start), start.has_more) == (newest_first[0:10], False)
    assert (ids(short), short.has_more) == (newest_first[0:3], False)


async def test_an_unknown_or_foreign_cursor_is_refused_naming_it(uow_factory, trail_of_25, unique):
    tenant, _ = trail_of_25
    where = AuditFilter(tenant_id=tenant)

    with pytest.raises(UnknownCursorError) as foreign:
        await listing(uow_factory, where, starting_after=f"aud_{unique}_x0")
    with pytest.raises(UnknownCursorError) as missing:
        await listing(uow_factory, where, ending_before=f"aud_missing_{unique}")

    assert (foreign.value.code, foreign.value.param) == ("resource_missing", "starting_after")
    assert (missing.value.code, missing.value.param) == ("resource_missing", "ending_before")


async def test_filters_by_tenant_action_and_entity(uow_factory, unique):
    created, refunded = f"payment.created.{unique}", f"payment.refunded.{unique}"
    mine, theirs = f"ten_{unique}", f"ten_other_{unique}"
    await add(
        uow_factory,
        entry(f"aud_{unique}_1", mine, created=at(1), action=created, entity_id=f"pay_{unique}_a"),
        entry(
            f"aud_{unique}_2", theirs, created=at(2), action=created, entity_id=f"pay_{unique}_b"
        ),
        entry(f"aud_{unique}_3", mine, created=at(3), action=refunded, entity_id=f"pay_{unique}_a"),
        entry(f"aud_{unique}_4", None, created=at(4), action=created, entity_id=f"pay_{unique}_c"),
    )

    async def matching(**where: str | None) -> list[str]:
        page = await listing(uow_factory, AuditFilter(**where), limit=100)
        return [e.id.rsplit("_", 1)[1] for e in page.data]

    assert await matching(tenant_id=mine) == ["3", "1"]
    assert await matching(tenant_id=theirs) == ["2"]
    assert await matching(action=created) == ["4", "2", "1"]  # every tenant, and none
    assert await matching(tenant_id=mine, action=created) == ["1"]
    assert await matching(entity_id=f"pay_{unique}_a") == ["3", "1"]
    assert await matching(tenant_id=theirs, entity_id=f"pay_{unique}_a") == []
