"""Steps about the customer at the payment page: the link in the e-mail opened in a
browser, what the page shows, paying on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_bdd import given, parsers, then, when

from domain.invoice import Invoice
from domain.money import Money, format_amount
from domain.tenant import Tenant
from tests.steps.customer_portal import CustomerPortal, Link
from tests.steps.payment_page import PaymentPage
from tests.steps.shop import Shop
from tests.steps.vocabulary import WORDS


@pytest.fixture
def payment_page(shop: Shop) -> Iterator[PaymentPage]:
    page = PaymentPage(shop)
    yield page
    page.close()


@given("the merchant has e-mailed the customer a link to pay the invoice", target_fixture="link")
def a_link_by_email(customer_portal: CustomerPortal, merchant: Tenant, invoice: Invoice) -> Link:
    return customer_portal.send_link(merchant, invoice.customer_id, invoice, send_email=True)


@when("the customer opens the link in the e-mail")
def the_customer_opens_the_email_link(
    payment_page: PaymentPage, customer_portal: CustomerPortal, invoice: Invoice
) -> None:
    email = customer_portal.customer_of(invoice).email
    payment_page.open(payment_page.link_in_the_email(email))


@then(
    parsers.parse("the page shows the invoice from the merchant with {amount:Money} due",
                  extra_types=WORDS)
)  # fmt: skip
def the_page_shows_the_invoice(
    payment_page: PaymentPage, merchant: Tenant, invoice: Invoice, amount: Money
) -> None:
    assert payment_page.status == 200
    text = payment_page.text
    assert f"Invoice {invoice.number}" in text and merchant.name in text
    assert f"Amount due {format_amount(amount)}" in text, text


@when(
    parsers.parse(
        "the customer pays {amount:Money} on the page with {card:Card}, saving the card",
        extra_types=WORDS,
    )
)
def the_customer_pays_part_on_the_page(payment_page: PaymentPage, amount: Money, card: str) -> None:
    payment_page.pay(amount.in_major_units(), card, save=True)


@when("the customer pays the rest on the page with the saved card")
def the_customer_pays_the_rest(payment_page: PaymentPage) -> None:
    payment_page.follow("Pay the rest")
    payment_page.pay(None, None)


@then(
    parsers.parse("the page confirms the payment of {amount:Money} with a receipt",
                  extra_types=WORDS)
)  # fmt: skip
def the_page_confirms(payment_page: PaymentPage, amount: Money) -> None:
    assert payment_page.status == 200, payment_page.text
    assert "Payment received" in payment_page.text
    assert f"We received {format_amount(amount)}" in payment_page.text
    confirmation = payment_page.url
    payment_page.follow("view receipt")
    assert payment_page.status == 200 and "R-" in payment_page.text
    payment_page.open(confirmation)  # back from the receipt


@then("the page shows the invoice as paid, taking no more payments")
def the_page_shows_it_paid(payment_page: PaymentPage) -> None:
    payment_page.follow("Invoice")
    assert "This invoice is paid in full" in payment_page.text
    assert 'action="' not in payment_page.html.split("<main", 1)[1]  # no form to pay with
