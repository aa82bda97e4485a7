"""What every cursor-paged listing promises — newest first, pages of two both ways, the
customer filter, another tenant's cursor refused — checked once for each repository."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

import pytest

from application.errors import UnknownCursorError
from application.ports.repositories import Page, PageRequest
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.contract.builders import at, page_at

Listing = Callable[[PageRequest], Awaitable[Page[Any]]]
Make = Callable[[str, str, str, datetime], Any]  # (id, tenant, customer, created) → aggregate
ListIn = Callable[[UnitOfWork, str, str | None, PageRequest], Awaitable[Page[Any]]]


def ids(found: Page[Any] | Iterable[Any]) -> list[str]:
    return [item.id for item in (found.data if isinstance(found, Page) else found)]


async def assert_pages_of_two(listing: Listing, newest_first: list[str]) -> None:
    """At least five ids: pages of two forward by starting_after, back by ending_before."""
    assert len(newest_first) >= 5
    head, middle, tail = newest_first[:2], newest_first[2:4], newest_first[-1:]
    expected = [(head, True), (middle, True), (tail, False), (middle, True), (head, False)]
    pages = [
        await listing(PageRequest(limit=2)),
        await listing(PageRequest(limit=2, starting_after=newest_first[1])),
        await listing(PageRequest(limit=2, starting_after=newest_first[-2])),
        await listing(PageRequest(limit=2, ending_before=newest_first[4])),
        await listing(PageRequest(limit=2, ending_before=newest_first[2])),
    ]
    assert [(ids(p), p.has_more) for p in pages] == expected


async def assert_lists_by_tenant_and_customer(
    uow_factory: UnitOfWorkFactory,
    unique: str,
    prefix: str,
    make: Make,
    add: Callable[..., Awaitable[None]],
    list_in: ListIn,
) -> None:
    """Eight of a tenant's aggregates (every third another customer's) and one of another
    tenant's: listed newest first, by customer, in pages; another customer's id is a place
    in the tenant's list, another tenant's or nobody's is an unknown cursor."""
    tenant, mine, theirs = f"ten_{unique}", f"cus_{unique}_a", f"cus_{unique}_b"
    made = [
        make(f"{prefix}_{unique}_{i}", tenant, mine if i % 3 else theirs, at(i // 2))
        for i in range(8)
    ]
    other_tenant = make(f"{prefix}_{unique}_z", f"ten_other_{unique}", mine, at(9))
    await add(uow_factory, *made[1::2], other_tenant, *made[0::2])
    newest_first = [item.id for item in reversed(made)]

    async def listing(page: PageRequest, customer_id: str | None = None) -> Page[Any]:
        async with uow_factory() as uow:
            return await list_in(uow, tenant, customer_id, page)

    everything = await listing(PageRequest(limit=100))
    assert (ids(everything), everything.has_more) == (newest_first, False)
    only_mine = await listing(PageRequest(limit=100), mine)
    assert ids(only_mine) == [i for i in newest_first if not i.endswith(("_0", "_3", "_6"))]
    await assert_pages_of_two(listing, newest_first)
    await assert_pages_of_two(lambda page: listing(page, mine), ids(only_mine))
    theirs_3 = await listing(PageRequest(starting_after=f"{prefix}_{unique}_3"), mine)
    expected = [f"{prefix}_{unique}_2", f"{prefix}_{unique}_1"]
    assert (ids(theirs_3), theirs_3.has_more) == (expected, False)
    for customer_id in (None, mine):
        for param, cursor in (
            ("starting_after", f"{prefix}_{unique}_z"),
            ("ending_before", f"{prefix}_{unique}_x"),
        ):
            with pytest.raises(UnknownCursorError) as refused:
                await listing(page_at(param, cursor), customer_id)
            assert refused.value.param == param
