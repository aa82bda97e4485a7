"""Steps about the customer's payment link: looking, paying, saving cards, expiry, revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytest_bdd import given, parsers, then, when

from domain.errors import DomainError
from domain.invoice import AmountExceedsDueError, Invoice, InvoicePaidError, InvoiceStatus
from domain.money import Money
from domain.portal_token import InvalidTokenError
from domain.tenant import Tenant
from tests.steps.customer_portal import CustomerPortal, Link
from tests.steps.shop import Shop
from tests.steps.vocabulary import WORDS

SAVED_CARDS = {"the Visa card": "visa", "the Mastercard": "mastercard"}


@pytest.fixture
def customer_portal(shop: Shop) -> CustomerPortal:
    return CustomerPortal(shop)


# ------------------------------------------------------------------ given


@given(
    parsers.parse("a customer with an open invoice of {amount:Money}", extra_types=WORDS),
    target_fixture="invoice",
)
def a_customer_with_an_open_invoice(
    customer_portal: CustomerPortal, merchant: Tenant, amount: Money
) -> Invoice:
    customer = customer_portal.new_customer(merchant)
    return customer_portal.new_invoice(merchant, customer, amount)


@given("the merchant has sent the customer a link to pay the invoice", target_fixture="link")
def a_link_for_the_invoice(
    customer_portal: CustomerPortal, merchant: Tenant, invoice: Invoice
) -> Link:
    return customer_portal.send_link(merchant, invoice.customer_id, invoice)


@given(
    parsers.parse(
        "the merchant has sent the customer a link to pay the invoice, valid for {days:d} days"
    ),
    target_fixture="link",
)
def a_link_valid_for(
    customer_portal: CustomerPortal, merchant: Tenant, invoice: Invoice, days: int
) -> Link:
    return customer_portal.send_link(merchant, invoice.customer_id, invoice, ttl_days=days)


@given("the merchant has sent the customer a link to their account", target_fixture="link")
def a_link_for_the_account(
    customer_portal: CustomerPortal, merchant: Tenant, invoice: Invoice
) -> Link:
    return customer_portal.send_link(merchant, invoice.customer_id, None)


@given("the customer has looked at the invoice through the link")
def the_customer_looked(customer_portal: CustomerPortal, link: Link) -> None:
    customer_portal.look(link)


@given(parsers.parse("the customer has saved {card:Card} through the link", extra_types=WORDS))
@when(parsers.parse("the customer saves {card:Card} through the link", extra_types=WORDS))
def the_customer_saves_a_card(customer_portal: CustomerPortal, link: Link, card: str) -> None:
    customer_portal.save_card(link, card)


# ------------------------------------------------------------------- when


@when(
    parsers.parse(
        "the customer pays what is due with {card:Card} through the link", extra_types=WORDS
    )
)
def the_customer_pays_what_is_due(customer_portal: CustomerPortal, link: Link, card: str) -> None:
    customer_portal.pay(link, None, card)


@when(
    parsers.parse(
        "the customer pays {amount:Money} with {card:Card} through the link", extra_types=WORDS
    )
)
def the_customer_pays_part(
    customer_portal: CustomerPortal, link: Link, amount: Money, card: str
) -> None:
    customer_portal.pay(link, amount, card)


@when(
    parsers.parse("the customer tries to pay {amount:Money} through the link", extra_types=WORDS),
    target_fixture="refusal",
)
def the_customer_tries_to_pay(
    shop: Shop, customer_portal: CustomerPortal, link: Link, amount: Money
) -> DomainError | None:
    return shop.attempt(lambda: customer_portal.pay(link, amount, "pm_card_visa"))


@when(parsers.parse("{days:d} days pass"))
def days_pass(shop: Shop, days: int) -> None:
    shop.clock.advance(timedelta(days=days))


@when("the merchant revokes the link")
def the_merchant_revokes(customer_portal: CustomerPortal, link: Link) -> None:
    customer_portal.revoke(link)


@when(parsers.parse("the customer makes {saved} their default card"))
def the_customer_chooses_a_default(customer_portal: CustomerPortal, link: Link, saved: str) -> None:
    brand = SAVED_CARDS[saved]
    chosen = next(c for c in customer_portal.cards(link) if c.brand == brand)
    customer_portal.make_default(link, chosen)


# ------------------------------------------------------------------- then


@then("the invoice is paid")
def the_invoice_is_paid(customer_portal: CustomerPortal, invoice: Invoice) -> None:
    now = customer_portal.invoice(invoice)
    assert now.status is InvoiceStatus.PAID, f"the invoice is {now.status.value}"
    assert now.amount_due == 0


@then(parsers.parse("the invoice is still open with {amount:Money} due", extra_types=WORDS))
def the_invoice_is_open(customer_portal: CustomerPortal, invoice: Invoice, amount: Money) -> None:
    now = customer_portal.invoice(invoice)
    assert now.status is InvoiceStatus.OPEN, f"the invoice is {now.status.value}"
    assert Money(now.amount_due, now.currency) == amount


@then(parsers.parse("{amount:Money} is still due", extra_types=WORDS))
def an_amount_is_still_due(
    customer_portal: CustomerPortal, invoice: Invoice, amount: Money
) -> None:
    now = customer_portal.invoice(invoice)
    assert Money(now.amount_due, now.currency) == amount


@then("the customer owes nothing more")
def the_customer_owes_nothing(customer_portal: CustomerPortal, link: Link) -> None:
    owed = customer_portal.look(link).outstanding
    assert not owed, f"the customer still owes {owed}"


@then("the link still shows the invoice")
def the_link_still_shows(customer_portal: CustomerPortal, link: Link, invoice: Invoice) -> None:
    assert customer_portal.look(link).invoice.id == invoice.id


@then("the link takes no more payments")
def the_link_takes_no_payments(shop: Shop, customer_portal: CustomerPortal, link: Link) -> None:
    refusal = shop.attempt(lambda: customer_portal.pay(link, None, "pm_card_visa"))
    assert isinstance(refusal, InvoicePaidError), f"refused for another reason: {refusal!r}"


@then("the payment is refused because it is more than is due")
def refused_as_more_than_due(refusal: DomainError | None) -> None:
    assert isinstance(refusal, AmountExceedsDueError), f"refused for another reason: {refusal!r}"


@then("the link no longer works")
def the_link_no_longer_works(shop: Shop, customer_portal: CustomerPortal, link: Link) -> None:
    refusal = shop.attempt(lambda: customer_portal.look(link))
    assert isinstance(refusal, InvalidTokenError), f"the link answered: {refusal!r}"


@then(
    parsers.parse(
        "the customer's payments, the latest first, are {latest:Money} and {earlier:Money}",
        extra_types=WORDS,
    )
)
def the_customers_payments(
    customer_portal: CustomerPortal, link: Link, latest: Money, earlier: Money
) -> None:
    paid = [p.amount for p in customer_portal.payments(link)]
    assert paid == [latest, earlier], f"the customer's payments are {[str(m) for m in paid]}"


@then(parsers.parse("the customer's default card is {saved}"))
def the_default_card(customer_portal: CustomerPortal, link: Link, saved: str) -> None:
    defaults = [c.brand for c in customer_portal.cards(link) if c.is_default]
    assert defaults == [SAVED_CARDS[saved]], f"the default cards are {defaults}"


@then(parsers.parse("the customer has {count:d} saved cards"))
def the_saved_cards(customer_portal: CustomerPortal, link: Link, count: int) -> None:
    assert len(customer_portal.cards(link)) == count
