"""Listing payments: newest first, Stripe's cursors, the filters of PaymentFilter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.errors import UnknownCursorError
from application.ports.repositories import Page, PageRequest, PaymentFilter
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.payment import Payment
from domain.statuses import PaymentStatus
from tests.contract.builders import T0, at, authorize, capture, new_payment, page_at


async def listing(
    uow_factory: UnitOfWorkFactory,
    tenant_id: str,
    where: PaymentFilter | None = None,
    *,
    starting_after: str | None = None,
    ending_before: str | None = None,
    limit: int = 10,
) -> Page[Payment]:
    async with uow_factory() as uow:
        return await uow.payments.list(
            tenant_id, where or PaymentFilter(), PageRequest(limit, starting_after, ending_before)
        )


@pytest.fixture
async def tenant_with_25_payments(uow_factory, unique) -> tuple[str, list[str]]:
    """pay_…_00 (oldest) to pay_…_24 (newest), a second apart; another tenant's too."""
    tenant = f"ten_{unique}"
    async with uow_factory() as uow:
        for i in range(25):
            await uow.payments.add(new_payment(f"pay_{unique}_{i:02d}", tenant, created=at(i)))
        await uow.payments.add(new_payment(f"pay_{unique}_zz", f"ten_other_{unique}"))
        await uow.commit()
    return tenant, [f"pay_{unique}_{i:02d}" for i in reversed(range(25))]


def ids(page: Page[Payment]) -> list[str]:
    return [p.id for p in page.data]


async def test_pages_forward_with_starting_after(uow_factory, tenant_with_25_payments):
    tenant, newest_first = tenant_with_25_payments

    first = await listing(uow_factory, tenant, limit=10)
    second = await listing(uow_factory, tenant, limit=10, starting_after=ids(first)[-1])
    third = await listing(uow_factory, tenant, limit=10, starting_after=ids(second)[-1])

    assert [len(p.data) for p in (first, second, third)] == [10, 10, 5]
    assert [p.has_more for p in (first, second, third)] == [True, True, False]
    assert ids(first) + ids(second) + ids(third) == newest_first


async def test_pages_backward_with_ending_before(uow_factory, tenant_with_25_payments):
    tenant, newest_first = tenant_with_25_payments

    back = await listing(uow_factory, tenant, limit=10, ending_before=newest_first[20])
    start = await listing(uow_factory, tenant, limit=10, ending_before=newest_first[10])
    short = await listing(uow_factory, tenant, limit=10, ending_before=newest_first[4])

    assert (ids(back), back.has_more) == (newest_first[10:20], True)
    assert (ids(start), start.has_more) == (newest_first[0:10], False)
    assert (ids(short), short.has_more) == (newest_first[0:4], False)


async def test_an_exact_last_page_has_no_more(uow_factory, tenant_with_25_payments):
    tenant, newest_first = tenant_with_25_payments

    page = await listing(uow_factory, tenant, limit=5, starting_after=newest_first[19])

    assert (ids(page), page.has_more) == (newest_first[20:], False)


@pytest.mark.parametrize("param", ["starting_after", "ending_before"])
async def test_an_unknown_or_another_tenants_cursor_is_refused_naming_it(
    uow_factory, tenant_with_25_payments, unique, param
):
    """Not an empty page: a client paging through would take it for the end of the list."""
    tenant, _ = tenant_with_25_payments

    for cursor in (f"pay_{unique}_zz", f"pay_missing_{unique}"):  # another tenant's, nobody's
        with pytest.raises(UnknownCursorError) as refused:
            async with uow_factory() as uow:
                await uow.payments.list(tenant, PaymentFilter(), page_at(param, cursor))
        assert (refused.value.code, refused.value.param) == ("resource_missing", param)


async def test_a_cursor_the_filter_leaves_out_still_marks_the_place(
    uow_factory, tenant_with_25_payments, unique
):
    """A payment that left the filtered set while a client paged (captured, say) is no
    unknown cursor: the next page starts where it stood."""
    tenant, newest_first = tenant_with_25_payments
    older_than_15 = PaymentFilter(created_lte=at(14))
    newer_than_9 = PaymentFilter(created_gte=at(10))

    after = await listing(
        uow_factory, tenant, older_than_15, limit=10, starting_after=f"pay_{unique}_20"
    )
    before = await listing(
        uow_factory, tenant, newer_than_9, limit=10, ending_before=f"pay_{unique}_05"
    )

    assert (ids(after), after.has_more) == (newest_first[10:20], True)
    assert (ids(before), before.has_more) == (newest_first[5:15], True)


async def test_created_at_bounds_are_inclusive(uow_factory, tenant_with_25_payments):
    tenant, newest_first = tenant_with_25_payments
    oldest_first = newest_first[::-1]

    window = PaymentFilter(created_gte=at(5), created_lte=at(9))
    page = await listing(uow_factory, tenant, window, limit=100)
    since = await listing(uow_factory, tenant, PaymentFilter(created_gte=at(20)), limit=100)
    until = await listing(uow_factory, tenant, PaymentFilter(created_lte=at(2)), limit=100)

    assert ids(page) == oldest_first[5:10][::-1]
    assert ids(since) == oldest_first[20:][::-1]
    assert ids(until) == oldest_first[:3][::-1]


async def test_cursors_page_within_the_filter(uow_factory, tenant_with_25_payments):
    tenant, newest_first = tenant_with_25_payments
    window = PaymentFilter(created_lte=at(14))

    first = await listing(uow_factory, tenant, window, limit=10)
    rest = await listing(uow_factory, tenant, window, limit=10, starting_after=ids(first)[-1])

    assert (ids(first), first.has_more) == (newest_first[10:20], True)
    assert (ids(rest), rest.has_more) == (newest_first[20:], False)


async def test_filters_by_status_customer_and_order(uow_factory, unique):
    tenant = f"ten_{unique}"
    plain = new_payment(f"pay_{unique}_1", tenant, created=at(1), customer_id="cus_a")
    held = new_payment(
        f"pay_{unique}_2", tenant, created=at(2), customer_id="cus_b", order_id=f"ord_{unique}"
    )
    authorize(held, f"pi_{unique}_2")
    paid = new_payment(
        f"pay_{unique}_3", tenant, created=at(3), customer_id="cus_a", order_id=f"ord_{unique}"
    )
    authorize(paid, f"pi_{unique}_3")
    capture(paid)
    async with uow_factory() as uow:
        for payment in (plain, held, paid):
            await uow.payments.add(payment)
        await uow.commit()

    async def matching(**where) -> list[str]:
        page = await listing(uow_factory, tenant, PaymentFilter(**where), limit=100)
        return [p.id.rsplit("_", 1)[1] for p in page.data]

    assert await matching(status=PaymentStatus.REQUIRES_CAPTURE) == ["2"]
    assert await matching(status=PaymentStatus.SUCCEEDED) == ["3"]
    assert await matching(status=PaymentStatus.CANCELED) == []
    assert await matching(customer_id="cus_a") == ["3", "1"]
    assert await matching(order_id=f"ord_{unique}") == ["3", "2"]
    assert await matching(customer_id="cus_a", order_id=f"ord_{unique}") == ["3"]
    assert await matching(created_gte=T0 + timedelta(seconds=2), customer_id="cus_a") == ["3"]
    assert await matching() == ["3", "2", "1"]
