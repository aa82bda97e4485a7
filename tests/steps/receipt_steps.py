"""Steps about receipts: their numbers, totals and the refunds shown against them."""

from __future__ import annotations

from pytest_bdd import parsers, then

from application.errors import NotFoundError
from domain.payment import Payment
from domain.receipt import ReceiptDocument
from tests.steps.shop import Shop


def receipt_of(shop: Shop, payment: Payment) -> ReceiptDocument:
    return shop.run(shop.container.get_receipt().execute(payment.tenant_id, payment.id))


@then(
    parsers.parse("the payment's receipt is the merchant's receipt number {number:d} of the year")
)
def the_receipt_number(shop: Shop, payment: Payment, number: int) -> None:
    year = shop.clock.now().year
    assert receipt_of(shop, payment).receipt.number == f"R-{year}-{number:06d}"


@then(parsers.parse('the receipt shows a total of "{written}"'))
def the_receipt_total(shop: Shop, payment: Payment, written: str) -> None:
    document = receipt_of(shop, payment)
    assert document.display(document.receipt.total) == written


@then(parsers.parse('the receipt shows a refund of "{written}"'))
def the_receipt_refund(shop: Shop, payment: Payment, written: str) -> None:
    document = receipt_of(shop, payment)
    assert [document.display(r.amount) for r in document.refunds] == [written]


@then(parsers.parse('the receipt shows that "{written}" remains paid'))
def the_receipt_net(shop: Shop, payment: Payment, written: str) -> None:
    document = receipt_of(shop, payment)
    assert document.display(document.net) == written


@then("the payment has no receipt yet")
def no_receipt_yet(shop: Shop, payment: Payment) -> None:
    assert isinstance(shop.attempt(lambda: receipt_of(shop, payment)), NotFoundError)
