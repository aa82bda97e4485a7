"""The transactional seam: a receipt is issued inside the unit of work that records a
payment's success, once, and goes away with it when that change rolls back."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from adapters.persistence.memory.store import InMemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.system.clock import FixedClock
from adapters.system.ids import SequentialIdFactory
from application.ports.unit_of_work import UnitOfWork
from application.receipts.issue import IssueReceiptOnCapture
from domain.customer import Customer, SavedPaymentMethod
from domain.invoice import Invoice, InvoiceLine
from domain.mail import MailKind
from domain.money import Money, format_amount
from domain.statuses import PaymentStatus
from domain.tenant import Tenant
from tests.support.publishers import RecordingEventPublisher
from tests.unit.factories import STARTER_USD, T0, authorized, intent


class Refusing:
    async def handle(self, uow: UnitOfWork, aggregates: Sequence[object]) -> None:
        raise RuntimeError("the handler refused")


@pytest.fixture
def store() -> InMemoryStore:
    store = InMemoryStore.with_seed_data()
    store.tenants["ten_1"] = Tenant("ten_1", "Shop", T0, T0)
    return store


def unit_of_work(store: InMemoryStore, *extra: object) -> InMemoryUnitOfWork:
    issue = IssueReceiptOnCapture(FixedClock(T0), SequentialIdFactory())
    return InMemoryUnitOfWork(store, RecordingEventPublisher(), [issue, *extra])  # type: ignore[list-item]


async def record_success(uow: InMemoryUnitOfWork, amount: int = 10_000) -> None:
    payment = await uow.payments.get("ten_1", "pay_1", for_update=True)
    assert payment is not None
    payment.sync(intent(payment, PaymentStatus.SUCCEEDED, amount_received=amount), STARTER_USD, T0)
    await uow.payments.save(payment)


async def store_authorized(store: InMemoryStore, **fields: object) -> None:
    payment = authorized()
    for name, value in fields.items():
        setattr(payment, name, value)
    async with InMemoryUnitOfWork(store, RecordingEventPublisher()) as uow:
        await uow.payments.add(payment)
        await uow.commit()


async def test_the_success_and_its_receipt_commit_together(store: InMemoryStore):
    await store_authorized(store, description="Coffee")
    async with unit_of_work(store) as uow:
        await record_success(uow, 8_000)
        assert store.receipts == {}  # staged, not yet committed
        await uow.commit()

    [receipt] = store.receipts.values()
    assert receipt.number == "R-2026-000001"
    assert receipt.payment_id == "pay_1"
    assert receipt.merchant_name == "Shop"
    assert receipt.total == 8_000
    assert [line.description for line in receipt.lines] == ["Coffee"]
    assert store.payments["pay_1"].status is PaymentStatus.SUCCEEDED


async def test_a_handler_that_fails_rolls_the_success_back_with_the_receipt(store: InMemoryStore):
    await store_authorized(store)

    with pytest.raises(RuntimeError):
        async with unit_of_work(store, Refusing()) as uow:
            await record_success(uow)
            await uow.commit()

    assert store.receipts == {}
    assert store.receipt_counters == {}
    assert store.payments["pay_1"].status is PaymentStatus.REQUIRES_CAPTURE


async def test_a_success_recorded_twice_has_one_receipt(store: InMemoryStore):
    await store_authorized(store)
    async with unit_of_work(store) as uow:
        await record_success(uow)
        await uow.commit()
    async with unit_of_work(store) as uow:  # the webhook for the same success, later
        payment = await uow.payments.get("ten_1", "pay_1", for_update=True)
        assert payment is not None
        payment.sync(intent(payment, PaymentStatus.SUCCEEDED), STARTER_USD, T0)
        await uow.payments.save(payment)
        await uow.commit()

    assert len(store.receipts) == 1
    assert store.receipt_counters == {("ten_1", 2026): 1}


async def test_an_invoice_payment_lists_the_invoice_lines_card_and_mails_the_customer(
    store: InMemoryStore,
):
    store.customers["cus_1"] = Customer("cus_1", "ten_1", "ada@example.com", "Ada", T0)
    store.invoices["inv_1"] = Invoice(
        "inv_1", "ten_1", "cus_1", "INV-7", "USD",
        [InvoiceLine("Beans", 2, 2_500), InvoiceLine("Filter", 1, 5_000)], T0,
    )  # fmt: skip
    store.payment_methods["spm_1"] = SavedPaymentMethod(
        "spm_1", "ten_1", "cus_1", "pm_saved", "visa", "4242", 12, 2030, T0
    )
    await store_authorized(
        store, customer_id="cus_1", invoice_id="inv_1", payment_method="pm_saved"
    )

    async with unit_of_work(store) as uow:
        await record_success(uow)
        await uow.commit()

    [receipt] = store.receipts.values()
    assert [(line.description, line.amount) for line in receipt.lines] == [
        ("Beans", 5_000), ("Filter", 5_000),
    ]  # fmt: skip
    assert (receipt.invoice_number, receipt.card_brand, receipt.card_last4) == (
        "INV-7", "visa", "4242",
    )  # fmt: skip
    [mail] = store.mail_outbox.values()
    assert (mail.kind, mail.recipient, mail.receipt_id) == (
        MailKind.RECEIPT, "ada@example.com", receipt.id,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (113_000, "USD", "$1,130.00"),
        (1_130, "JPY", "¥1,130"),
        (1_130, "KWD", "KWD 1.130"),
        (5, "EUR", "€0.05"),
        (123_456_789, "CAD", "CAD 1,234,567.89"),
        (0, "BHD", "BHD 0.000"),
    ],
)
def test_amounts_are_written_with_the_currency_s_own_decimals(
    amount: int, currency: str, shown: str
):
    assert format_amount(Money(amount, currency)) == shown
