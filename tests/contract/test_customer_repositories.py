"""The customer, invoice and saved card repository contracts, the same for every store."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from application.errors import CardKeptAlreadyError, ConflictError, StaleAggregateError
from application.ports.repositories import Page, PageRequest
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.customer import Customer, SavedPaymentMethod
from domain.invoice import Invoice, InvoiceLine, InvoiceStatus
from domain.money import Money
from tests.contract.builders import T0, at, datetimes_in, state
from tests.contract.listings import assert_lists_by_tenant_and_customer, assert_pages_of_two, ids

PLUS_TWO = timezone(timedelta(hours=2))
Aggregate = Customer | Invoice | SavedPaymentMethod


def customer(cid: str, tenant: str, *, created: datetime = T0, **fields: Any) -> Customer:
    defaults = {"email": f"{cid}@example.test", "name": None}
    return Customer(id=cid, tenant_id=tenant, created_at=created, **(defaults | fields))


def invoice(
    iid: str, tenant: str, customer_id: str = "cus_1", *, created: datetime = T0, **fields: Any
) -> Invoice:
    defaults = {"number": f"N-{iid}", "currency": "USD", "lines": [InvoiceLine("Tea", 1, 5_000)]}
    return Invoice(id=iid, tenant_id=tenant, customer_id=customer_id, created_at=created,
                   **(defaults | fields))  # fmt: skip


def card(
    mid: str, tenant: str, customer_id: str = "cus_1", *, created: datetime = T0, **fields: Any
) -> SavedPaymentMethod:
    defaults: dict[str, Any] = {
        "gateway_payment_method_id": f"pm_{mid}", "brand": "visa", "last4": "4242",
        "exp_month": 12, "exp_year": 2030,
    }  # fmt: skip
    return SavedPaymentMethod(
        id=mid, tenant_id=tenant, customer_id=customer_id, created_at=created,
        **(defaults | fields),
    )  # fmt: skip


def repository(uow: UnitOfWork, kind: type) -> Any:
    return {Customer: uow.customers, Invoice: uow.invoices}.get(kind, uow.payment_methods)


async def add(uow_factory: UnitOfWorkFactory, *aggregates: Aggregate) -> None:
    async with uow_factory() as uow:
        for aggregate in aggregates:
            await repository(uow, type(aggregate)).add(aggregate)
        await uow.commit()


async def get(uow_factory: UnitOfWorkFactory, kind: type, tenant: str, key: str) -> Any:
    async with uow_factory() as uow:
        return await repository(uow, kind).get(tenant, key)


def assert_number_taken(refused: pytest.ExceptionInfo[ConflictError]) -> None:
    # StaleAggregateError is a ConflictError too: the number, not the id, must be the cause.
    assert refused.type is ConflictError and refused.value.param == "number"


# ------------------------------------------------------------------ round trips


async def test_customers_round_trip_with_and_without_their_optional_fields(uow_factory, unique):
    tenant = f"ten_{unique}"
    full = customer(
        f"cus_{unique}_full", tenant, name="Zoë Ünal ✓", gateway_customer_id=f"cus_gw_{unique}",
        created=datetime(2026, 1, 1, 2, 0, 0, 123_456, tzinfo=PLUS_TWO), version=2,
    )  # fmt: skip
    bare = customer(f"cus_{unique}_bare", tenant)
    await add(uow_factory, full, bare)

    for original in (full, bare):
        loaded = await get(uow_factory, Customer, tenant, original.id)
        assert loaded is not None and state(loaded) == state(original)
    moment = (await get(uow_factory, Customer, tenant, full.id)).created_at
    assert moment == datetime(2026, 1, 1, 0, 0, 0, 123_456, tzinfo=UTC)
    assert moment.utcoffset() is not None


async def test_invoices_round_trip_with_their_lines_due_date_payments_and_status(
    uow_factory, unique
):
    tenant = f"ten_{unique}"
    paid = Invoice(
        id=f"inv_{unique}_paid", tenant_id=tenant, customer_id=f"cus_{unique}",
        number=f"2026-{unique}-001", currency="EUR",
        lines=[InvoiceLine("Croissants « au beurre »", 3, 250), InvoiceLine("Café ✓", 2, 1_000)],
        created_at=datetime(2026, 1, 1, 2, 0, 0, 654_321, tzinfo=PLUS_TWO),
        due_date=date(2026, 2, 28), amount_paid=2_750, status=InvoiceStatus.PAID,
        payment_ids=[f"pay_{unique}_1", f"pay_{unique}_2"], version=3,
    )  # fmt: skip
    void = invoice(f"inv_{unique}_void", tenant, status=InvoiceStatus.VOID)
    partly = invoice(f"inv_{unique}_open", tenant, amount_paid=1_000, payment_ids=["pay_x"])
    await add(uow_factory, paid, void, partly)

    for original in (paid, void, partly):
        loaded = await get(uow_factory, Invoice, tenant, original.id)
        assert loaded is not None and state(loaded) == state(original)
    loaded = await get(uow_factory, Invoice, tenant, paid.id)
    assert type(loaded.due_date) is date and loaded.status is InvoiceStatus.PAID
    assert all(type(line) is InvoiceLine for line in loaded.lines)
    assert (loaded.total, loaded.amount_due) == (2_750, 0)
    assert loaded.created_at.microsecond == 654_321 and loaded.created_at.utcoffset() is not None
    assert (await get(uow_factory, Invoice, tenant, void.id)).due_date is None


async def test_saved_methods_round_trip_active_and_removed(uow_factory, unique):
    tenant = f"ten_{unique}"
    active = card(
        f"spm_{unique}_a", tenant, is_default=True, version=1,
        created=datetime(2026, 1, 1, 2, 0, 0, 111_111, tzinfo=PLUS_TWO),
    )  # fmt: skip
    removed = card(
        f"spm_{unique}_r", tenant, brand="mastercard", last4="0005", exp_month=1, exp_year=2031,
        deleted_at=datetime(2026, 3, 1, 12, 0, 0, 222_222, tzinfo=PLUS_TWO),
    )  # fmt: skip
    await add(uow_factory, active, removed)

    for original in (active, removed):
        loaded = await get(uow_factory, SavedPaymentMethod, tenant, original.id)
        assert loaded is not None and state(loaded) == state(original)
        assert all(moment.utcoffset() is not None for moment in datetimes_in(state(loaded)))
    loaded = await get(uow_factory, SavedPaymentMethod, tenant, removed.id)
    assert loaded.deleted_at.microsecond == 222_222 and not loaded.is_active


# ------------------------------------------------- every aggregate: scope, add, save

BUILDERS = pytest.mark.parametrize("build", [customer, invoice, card], ids=lambda b: b.__name__)


@BUILDERS
async def test_another_tenants_record_is_not_found(uow_factory, unique, build):
    made = build(f"id_{unique}", f"ten_{unique}")
    await add(uow_factory, made)

    assert await get(uow_factory, type(made), f"ten_other_{unique}", made.id) is None
    assert await get(uow_factory, type(made), made.tenant_id, f"id_missing_{unique}") is None


@BUILDERS
async def test_adding_an_existing_id_is_refused(uow_factory, unique, build):
    first = build(f"id_{unique}", f"ten_{unique}")
    await add(uow_factory, first)

    again = build(f"id_{unique}", f"ten_{unique}")
    if isinstance(again, Invoice):
        again.number = f"N-other-{unique}"  # the id is what is taken, not the number
    with pytest.raises(StaleAggregateError):
        await add(uow_factory, again)
    assert state(await get(uow_factory, type(first), first.tenant_id, first.id)) == state(first)


def change(aggregate: Aggregate) -> None:
    if isinstance(aggregate, Customer):
        aggregate.gateway_customer_id = "cus_gw_attached"
    elif isinstance(aggregate, Invoice):
        aggregate.record_payment("pay_1", Money(5_000, "USD"), at(60))
    else:
        aggregate.remove(at(60))


@BUILDERS
async def test_save_bumps_the_version_and_a_stale_copy_is_refused(uow_factory, unique, build):
    made = build(f"id_{unique}", f"ten_{unique}")
    kind, tenant = type(made), made.tenant_id
    await add(uow_factory, made)
    first = await get(uow_factory, kind, tenant, made.id)
    stale = await get(uow_factory, kind, tenant, made.id)

    change(first)
    async with uow_factory() as uow:
        await repository(uow, kind).save(first)
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(StaleAggregateError):
            await repository(uow, kind).save(stale)

    stored = await get(uow_factory, kind, tenant, made.id)
    assert first.version == stored.version == 1
    assert state(stored) == state(first)


# -------------------------------------------------------------- invoice numbers


async def test_a_committed_number_is_refused_to_its_tenant_but_free_for_another(
    uow_factory, unique
):
    tenant, other, number = f"ten_{unique}", f"ten_other_{unique}", f"N-{unique}"
    taken = invoice(f"inv_{unique}_a", tenant, number=number)
    await add(uow_factory, taken)

    async with uow_factory() as uow:
        with pytest.raises(ConflictError) as refused:
            await uow.invoices.add(invoice(f"inv_{unique}_b", tenant, number=number))
        await uow.invoices.add(invoice(f"inv_{unique}_c", other, number=number))  # goes on
        await uow.commit()

    assert_number_taken(refused)
    assert await get(uow_factory, Invoice, tenant, f"inv_{unique}_b") is None
    assert (await get(uow_factory, Invoice, other, f"inv_{unique}_c")).number == number
    assert state(await get(uow_factory, Invoice, tenant, taken.id)) == state(taken)


async def test_a_number_taken_in_the_same_unit_of_work_is_refused(uow_factory, unique):
    tenant, number = f"ten_{unique}", f"N-{unique}"
    async with uow_factory() as uow:
        await uow.invoices.add(invoice(f"inv_{unique}_a", tenant, number=number))
        with pytest.raises(ConflictError) as refused:
            await uow.invoices.add(invoice(f"inv_{unique}_b", tenant, number=number))
        await uow.commit()

    assert_number_taken(refused)
    assert await get(uow_factory, Invoice, tenant, f"inv_{unique}_a") is not None
    assert await get(uow_factory, Invoice, tenant, f"inv_{unique}_b") is None


async def refused_after_a_racing_commit(
    uow_factory: UnitOfWorkFactory, winner: Aggregate, loser: Aggregate
) -> pytest.ExceptionInfo[ConflictError]:
    """Add `loser` while a unit of work that added `winner` is open; commit `winner`
    first. The refusal of `loser`'s unit of work."""
    first_committed = asyncio.Event()

    async def add_the_loser() -> None:
        async with uow_factory() as uow:
            # SQL stores wait here for the first (PostgreSQL on the unique index, SQLite
            # for its one connection) and refuse; memory refuses at commit.
            await repository(uow, type(loser)).add(loser)
            await first_committed.wait()
            await uow.commit()

    async with uow_factory() as first:
        await repository(first, type(winner)).add(winner)
        racing = asyncio.create_task(add_the_loser())
        await asyncio.sleep(0.2)
        await first.commit()
        first_committed.set()
    with pytest.raises(ConflictError) as refused:
        await asyncio.wait_for(racing, 10)
    return refused


async def test_a_number_taken_by_a_concurrent_unit_of_work_committing_first_is_refused(
    uow_factory, unique
):
    tenant, number = f"ten_{unique}", f"N-{unique}"
    winner = invoice(f"inv_{unique}_a", tenant, number=number)

    refused = await refused_after_a_racing_commit(
        uow_factory, winner, invoice(f"inv_{unique}_b", tenant, number=number)
    )

    assert_number_taken(refused)
    assert await get(uow_factory, Invoice, tenant, f"inv_{unique}_b") is None
    assert state(await get(uow_factory, Invoice, tenant, winner.id)) == state(winner)
    await add(uow_factory, invoice(f"inv_{unique}_c", tenant))  # nothing left locked


async def test_a_card_the_customer_keeps_already_is_refused_while_a_removed_one_is_not(
    uow_factory, unique
):
    tenant, cus = f"ten_{unique}", f"cus_{unique}"
    kept = card(f"spm_{unique}_kept", tenant, cus, gateway_payment_method_id=f"pm_{unique}")
    removed = card(
        f"spm_{unique}_removed", tenant, cus, created=at(-1), deleted_at=at(0),
        gateway_payment_method_id=f"pm_{unique}",
    )  # fmt: skip
    await add(uow_factory, removed, kept)
    elsewhere = [  # the same card for another customer, another card for this one
        card(f"spm_{unique}_other_cus", tenant, f"cus_{unique}_2",
             gateway_payment_method_id=f"pm_{unique}"),
        card(f"spm_{unique}_other_card", tenant, cus),
    ]  # fmt: skip
    await add(uow_factory, *elsewhere)

    async with uow_factory() as uow:
        with pytest.raises(CardKeptAlreadyError):
            await uow.payment_methods.add(
                card(f"spm_{unique}_twice", tenant, cus, gateway_payment_method_id=f"pm_{unique}")
            )

    assert await get(uow_factory, SavedPaymentMethod, tenant, f"spm_{unique}_twice") is None
    async with uow_factory() as uow:
        active = await uow.payment_methods.for_customer(tenant, cus)
    assert ids(active) == [kept.id, f"spm_{unique}_other_card"]


async def test_a_card_kept_by_a_concurrent_unit_of_work_committing_first_is_refused(
    uow_factory, unique
):
    tenant, cus = f"ten_{unique}", f"cus_{unique}"
    winner = card(f"spm_{unique}_a", tenant, cus, gateway_payment_method_id=f"pm_{unique}")
    loser = card(f"spm_{unique}_b", tenant, cus, gateway_payment_method_id=f"pm_{unique}")

    refused = await refused_after_a_racing_commit(uow_factory, winner, loser)

    assert refused.type is CardKeptAlreadyError
    async with uow_factory() as uow:
        assert ids(await uow.payment_methods.for_customer(tenant, cus)) == [winner.id]


# ---------------------------------------------------------------------- queries


async def test_open_for_customer_gives_only_open_invoices_oldest_first(uow_factory, unique):
    tenant, cus = f"ten_{unique}", f"cus_{unique}"
    await add(
        uow_factory,
        invoice(f"inv_{unique}_3", tenant, cus, created=at(3)),
        invoice(f"inv_{unique}_1", tenant, cus, created=at(1)),
        invoice(f"inv_{unique}_paid", tenant, cus, created=at(2), status=InvoiceStatus.PAID),
        invoice(f"inv_{unique}_void", tenant, cus, created=at(0), status=InvoiceStatus.VOID),
        invoice(f"inv_{unique}_2", tenant, cus, created=at(2)),
        invoice(f"inv_{unique}_x", tenant, f"cus_other_{unique}", created=at(0)),
        invoice(f"inv_{unique}_y", f"ten_other_{unique}", cus, created=at(0)),
    )

    async with uow_factory() as uow:
        found = await uow.invoices.open_for_customer(tenant, cus)
        none = await uow.invoices.open_for_customer(tenant, f"cus_missing_{unique}")

    assert ids(found) == [f"inv_{unique}_{n}" for n in "123"]
    assert list(none) == []


async def test_for_portal_gives_open_invoices_and_the_named_one_in_one_read(uow_factory, unique):
    tenant, cus = f"ten_{unique}", f"cus_{unique}"
    await add(
        uow_factory,
        invoice(f"inv_{unique}_2", tenant, cus, created=at(2)),
        invoice(f"inv_{unique}_1", tenant, cus, created=at(1)),
        invoice(f"inv_{unique}_paid", tenant, cus, created=at(0), status=InvoiceStatus.PAID),
        invoice(f"inv_{unique}_old", tenant, cus, created=at(0), status=InvoiceStatus.PAID),
        invoice(f"inv_{unique}_x", tenant, f"cus_other_{unique}", created=at(0)),
        invoice(f"inv_{unique}_y", f"ten_other_{unique}", cus, created=at(0)),
    )

    async with uow_factory() as uow:
        named = await uow.invoices.for_portal(tenant, cus, f"inv_{unique}_paid")
        wide = await uow.invoices.for_portal(tenant, cus, None)
        elsewhere = await uow.invoices.for_portal(tenant, cus, f"inv_{unique}_y")

    assert ids(named) == [f"inv_{unique}_paid", f"inv_{unique}_1", f"inv_{unique}_2"]
    assert ids(wide) == [f"inv_{unique}_1", f"inv_{unique}_2"]
    assert ids(elsewhere) == ids(wide)  # another tenant's invoice is never named


async def test_invoices_list_newest_first_by_customer_and_in_pages(uow_factory, unique):
    await assert_lists_by_tenant_and_customer(
        uow_factory,
        unique,
        "inv",
        lambda iid, tenant, customer_id, created: invoice(
            iid, tenant, customer_id, created=created
        ),
        add,
        lambda uow, tenant, customer_id, page: uow.invoices.list(tenant, customer_id, page),
    )


async def test_customers_list_newest_first_in_pages(uow_factory, unique):
    tenant = f"ten_{unique}"
    made = [customer(f"cus_{unique}_{i}", tenant, created=at(i // 2)) for i in range(6)]
    await add(uow_factory, *made[1::2], customer(f"cus_{unique}_z", f"ten_other_{unique}"))
    await add(uow_factory, *made[0::2])
    newest_first = [c.id for c in reversed(made)]

    async def listing(page: PageRequest) -> Page[Customer]:
        async with uow_factory() as uow:
            return await uow.customers.list(tenant, page)

    everything = await listing(PageRequest(limit=100))
    assert (ids(everything), everything.has_more) == (newest_first, False)
    assert state(everything.data[-1]) == state(made[0])
    await assert_pages_of_two(listing, newest_first)


async def test_saved_methods_for_customer_are_the_active_ones_oldest_first(uow_factory, unique):
    tenant, cus = f"ten_{unique}", f"cus_{unique}"
    removed = card(f"spm_{unique}_r", tenant, cus, created=at(0), deleted_at=at(5))
    await add(
        uow_factory,
        card(f"spm_{unique}_2", tenant, cus, created=at(2)),
        removed,
        card(f"spm_{unique}_1", tenant, cus, created=at(1), is_default=True),
        card(f"spm_{unique}_x", tenant, f"cus_other_{unique}", created=at(0)),
        card(f"spm_{unique}_y", f"ten_other_{unique}", cus, created=at(0)),
    )
    removed_later = await get(uow_factory, SavedPaymentMethod, tenant, f"spm_{unique}_2")
    removed_later.remove(at(10))
    async with uow_factory() as uow:
        await uow.payment_methods.add(card(f"spm_{unique}_3", tenant, cus, created=at(3)))
        await uow.payment_methods.save(removed_later)
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.payment_methods.for_customer(tenant, cus)
        none = await uow.payment_methods.for_customer(f"ten_other_{unique}", f"cus_x_{unique}")

    assert ids(found) == [f"spm_{unique}_1", f"spm_{unique}_3"]
    assert found[0].is_default and all(m.is_active for m in found)
    assert list(none) == []
