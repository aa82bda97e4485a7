"""Paying through a portal link (§7) over HTTP with the fake gateway: in full or in parts,
never more than is due, the outcome asked of the gateway, and a payment recorded once
whether the customer's confirmation or the gateway's webhook arrives first."""

from __future__ import annotations

import pytest

from entrypoints.container import Container
from tests.e2e.portal_fixtures import (  # noqa: F401
    Portal,
    deliver_webhooks,
    portal_container,
    portal_fixture,
)

both_stores = pytest.mark.parametrize("store_kind", ["memory", "sqlite"])


@both_stores
async def test_a_customer_pays_the_whole_invoice_and_the_link_is_used(portal: Portal) -> None:
    customer = await portal.customer()
    invoice_id = await portal.invoice(customer, 10_000, 2_000)
    issued = await portal.issue(customer, invoice_id)
    token = issued["token"]

    shown = (await portal.view(token)).json()
    assert shown["invoice"]["amount_due"] == 12_000
    assert shown["balance"] == {"total_outstanding": {"usd": 12_000}}

    started = await portal.act(token, "create-intent")
    assert started.status_code == 201, started.text
    intent = started.json()
    assert (intent["amount"], intent["currency"]) == (12_000, "usd")
    assert intent["client_secret"] and intent["payment_intent_id"].startswith("pi_")

    body = {"payment_intent_id": intent["payment_intent_id"], "payment_method": "pm_card_visa"}
    confirmed = await portal.act(token, "confirm", body)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "succeeded"
    assert confirmed.json()["payment_id"] == intent["payment_id"]

    invoice = await portal.invoice_of(invoice_id)
    assert (invoice["status"], invoice["amount_paid"], invoice["amount_due"]) == ("paid", 12_000, 0)
    assert [t["status"] for t in await portal.tokens()] == ["used"]

    again = await portal.act(token, "create-intent")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invoice_paid"
    confirmed_again = await portal.act(token, "confirm", body)  # reports, never charges twice
    assert confirmed_again.status_code in (200, 409), confirmed_again.text
    assert len((await portal.invoice_of(invoice_id))["payment_ids"]) == 1

    still = await portal.view(token)
    assert still.status_code == 200
    assert still.json()["invoice"]["status"] == "paid"
    assert still.json()["balance"] == {"total_outstanding": {}}
    history = (await portal.view(token, "history")).json()
    assert [(p["amount"], p["status"]) for p in history["data"]] == [(12_000, "succeeded")]


async def test_a_customer_pays_in_two_parts_and_sees_the_newest_first(portal: Portal) -> None:
    token = await portal.link(12_000)
    first = await portal.pay(token, 5_000)
    assert first.json()["status"] == "succeeded"
    assert (await portal.view(token)).json()["invoice"]["amount_due"] == 7_000

    second = await portal.pay(token)  # by default, what is still due
    assert (second.json()["amount"], second.json()["status"]) == (7_000, "succeeded")
    assert (await portal.view(token)).json()["invoice"]["status"] == "paid"

    history = (await portal.view(token, "history")).json()
    assert [p["amount"] for p in history["data"]] == [7_000, 5_000]
    page = (await portal.view(token, "history", limit=1)).json()
    assert ([p["amount"] for p in page["data"]], page["has_more"]) == ([7_000], True)
    rest = (await portal.view(token, "history", starting_after=page["data"][0]["id"])).json()
    assert ([p["amount"] for p in rest["data"]], rest["has_more"]) == ([5_000], False)


@pytest.mark.parametrize(("amount", "code"), [(12_001, "amount_exceeds_due"), (0, None)])
async def test_no_more_than_is_due_can_be_paid(portal: Portal, amount: int, code: str) -> None:
    token = await portal.link(12_000)
    refused = await portal.act(token, "create-intent", {"amount": amount})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["param"] == "amount"
    assert code is None or error["code"] == code
    assert (await portal.view(token)).json()["invoice"]["amount_due"] == 12_000


async def test_confirm_only_knows_the_customers_own_intents(portal: Portal) -> None:
    mine = await portal.link(12_000)
    theirs = await portal.link(3_000)
    their_intent = (await portal.act(theirs, "create-intent")).json()["payment_intent_id"]

    for intent in (their_intent, "pi_made_up"):
        body = {"payment_intent_id": intent, "payment_method": "pm_card_visa"}
        refused = await portal.act(mine, "confirm", body)
        assert refused.status_code == 404
        assert refused.json()["error"]["param"] == "payment_intent_id"
    at_gateway = await portal.gateway.retrieve_intent(their_intent)
    assert at_gateway.status.value == "requires_payment_method"


async def test_the_outcome_comes_from_the_gateway_not_the_client(portal: Portal) -> None:
    token = await portal.link(12_000)
    intent = (await portal.act(token, "create-intent")).json()["payment_intent_id"]

    # The client says "confirm" without having paid: the gateway knows better.
    unpaid = await portal.act(token, "confirm", {"payment_intent_id": intent})
    assert unpaid.json()["status"] == "requires_payment_method"
    assert (await portal.view(token)).json()["invoice"]["status"] == "open"

    # Stripe.js confirmed the card at the gateway; Kassa asks the gateway and records it.
    await portal.gateway.confirm_intent(intent, "pm_card_visa", "stripe-js-confirm")
    paid = await portal.act(token, "confirm", {"payment_intent_id": intent})
    assert paid.json()["status"] == "succeeded"
    assert (await portal.view(token)).json()["invoice"]["status"] == "paid"


async def test_a_declined_card_leaves_the_invoice_open(portal: Portal) -> None:
    token = await portal.link(12_000)
    declined = await portal.pay(token, card="pm_card_chargeDeclined")
    assert declined.status_code == 402
    error = declined.json()["error"]
    assert (error["type"], error["code"]) == ("card_error", "card_declined")
    assert error["payment_id"].startswith("pay_")
    assert (await portal.view(token)).json()["invoice"]["amount_due"] == 12_000
    assert (await portal.pay(token)).json()["status"] == "succeeded"  # a new attempt works


@both_stores
@pytest.mark.parametrize("first", ["confirm", "webhook"])
async def test_confirm_and_webhook_record_the_payment_once(
    portal: Portal, container: Container, first: str
) -> None:
    invoice_id, token, intent = await portal.confirmed_at_gateway(12_000)

    if first == "webhook":
        await deliver_webhooks(container)
        paid_by_webhook = await portal.invoice_of(invoice_id)
        assert paid_by_webhook["status"] == "paid"
    confirmed = await portal.act(token, "confirm", {"payment_intent_id": intent})
    if first == "webhook":  # the webhook's record used the link: confirm changes nothing
        assert (confirmed.status_code, confirmed.json().get("status")) in (
            (200, "succeeded"),
            (409, None),
        ), confirmed.text
    else:
        assert confirmed.json()["status"] == "succeeded"
        await deliver_webhooks(container)

    invoice = await portal.invoice_of(invoice_id)
    assert (invoice["amount_paid"], invoice["status"]) == (12_000, "paid")
    assert len(invoice["payment_ids"]) == 1


async def test_an_account_link_shows_the_oldest_open_invoice(portal: Portal) -> None:
    customer = await portal.customer()
    older = await portal.invoice(customer, 5_000)
    newer = await portal.invoice(customer, 2_500)
    euros = await portal.invoice(customer, 900, currency="eur")
    token = (await portal.issue(customer))["token"]

    shown = (await portal.view(token)).json()
    assert shown["invoice"]["total"] == 5_000
    assert shown["balance"] == {"total_outstanding": {"eur": 900, "usd": 7_500}}
    assert (await portal.pay(token)).json()["amount"] == 5_000

    assert (await portal.invoice_of(older))["status"] == "paid"
    assert (await portal.view(token)).json()["invoice"]["total"] == 2_500
    assert [t["status"] for t in await portal.tokens()] == ["active"]  # never `used`
    assert {(await portal.invoice_of(i))["status"] for i in (newer, euros)} == {"open"}
