"""Saved cards through a portal link (§7): add (attached at the gateway), list, choose the
default, remove (detached there, kept here as removed), and the gateway's billing portal."""

from __future__ import annotations

import asyncio

import pytest

from adapters.gateways.fake_bank import FakeBank
from tests.e2e.conftest import TENANT
from tests.e2e.portal_fixtures import Portal, portal_container, portal_fixture  # noqa: F401


def card(test_card: str, default: bool = False) -> dict[str, object]:
    return {"gateway_payment_method_id": test_card, "set_as_default": default}


@pytest.mark.parametrize("store_kind", ["memory", "sqlite"])
async def test_cards_are_saved_listed_made_default_and_removed(portal: Portal) -> None:
    token = await portal.link()
    visa = await portal.act(token, "methods", card("pm_card_visa"))
    assert visa.status_code == 201, visa.text
    assert (visa.json()["brand"], visa.json()["last4"], visa.json()["is_default"]) == (
        "visa",
        "4242",
        True,  # the first card is the default
    )
    master = (await portal.act(token, "methods", card("pm_card_mastercard"))).json()
    assert master["is_default"] is False

    listed = (await portal.view(token, "methods")).json()["data"]
    assert [(m["brand"], m["is_default"]) for m in listed] == [
        ("visa", True),
        ("mastercard", False),
    ]
    assert set(listed[0]) == {
        "id", "object", "brand", "last4", "exp_month", "exp_year", "is_default"
    }  # fmt: skip

    chosen = await portal.act(token, f"methods/{master['id']}/default", method="PUT")
    assert chosen.status_code == 200 and chosen.json()["is_default"] is True
    listed = (await portal.view(token, "methods")).json()["data"]
    assert [(m["brand"], m["is_default"]) for m in listed] == [
        ("visa", False),
        ("mastercard", True),
    ]
    async with portal.api.container.unit_of_work() as uow:
        stored = await uow.payment_methods.get(TENANT, master["id"])
    assert stored is not None

    def defaults(bank: FakeBank) -> list[str | None]:
        owner = bank.ledger.card(stored.gateway_payment_method_id)
        assert owner is not None and owner.customer_id is not None
        return [bank.book.customer(owner.customer_id).default_method]

    at_gateway = await portal.gateway.act(defaults, write=False)
    assert at_gateway == [stored.gateway_payment_method_id]

    removed = await portal.act(token, f"methods/{visa.json()['id']}", method="DELETE")
    assert removed.status_code == 200
    assert removed.json() == {"id": visa.json()["id"], "object": "payment_method", "deleted": True}
    listed = (await portal.view(token, "methods")).json()["data"]
    assert [m["brand"] for m in listed] == ["mastercard"]
    again = await portal.act(token, f"methods/{visa.json()['id']}", method="DELETE")
    assert again.status_code == 404


async def test_a_new_card_can_become_the_default_at_once(portal: Portal) -> None:
    token = await portal.link()
    await portal.act(token, "methods", card("pm_card_visa"))
    amex = (await portal.act(token, "methods", card("pm_card_amex", default=True))).json()
    listed = (await portal.view(token, "methods")).json()["data"]
    assert [m["id"] for m in listed if m["is_default"]] == [amex["id"]]


@pytest.mark.parametrize("store_kind", ["memory", "sqlite"])
async def test_a_card_asked_twice_at_once_is_kept_once_and_the_default_if_either_asked(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await portal.link()
    visa = (await portal.act(token, "methods", card("pm_card_visa"))).json()
    asked = portal.attach_once_both_have_looked(monkeypatch)
    session = await portal.session(token)
    methods = portal.api.container.saved_methods()

    # One card at the gateway (one attachment, as Stripe attaches a `pm_…` twice); the
    # first ask keeps it, the second asked for it to be the default.
    plain, default = await asyncio.gather(
        methods.add(session, "pm_card_mastercard", False, "kassa_one_attachment"),
        methods.add(session, "pm_card_mastercard", True, "kassa_one_attachment"),
    )

    assert len(asked) == 2 and plain.id == default.id and default.is_default
    listed = (await portal.view(token, "methods")).json()["data"]
    assert [(m["id"], m["is_default"]) for m in listed] == [(visa["id"], False), (plain.id, True)]


async def test_another_customers_card_is_not_found(portal: Portal) -> None:
    mine, theirs = await portal.link(), await portal.link()
    their_card = (await portal.act(theirs, "methods", card("pm_card_visa"))).json()
    for path, method in ((f"methods/{their_card['id']}", "DELETE"),
                         (f"methods/{their_card['id']}/default", "PUT")):  # fmt: skip
        answer = await portal.act(mine, path, method=method)
        assert answer.status_code == 404
        assert answer.json()["error"]["param"] == "method_id"
    assert len((await portal.view(theirs, "methods")).json()["data"]) == 1


async def test_an_unknown_card_is_refused_by_the_gateway(portal: Portal) -> None:
    token = await portal.link()
    refused = await portal.act(token, "methods", card("pm_card_made_up"))
    assert refused.status_code == 400
    assert refused.json()["error"]["type"] == "invalid_request_error"
    assert (await portal.view(token, "methods")).json()["data"] == []


async def test_the_billing_portal_returns_where_it_was_asked(portal: Portal) -> None:
    token = await portal.link()
    opened = await portal.act(token, "portal-session", {"return_url": "https://shop.example/x"})
    assert opened.status_code == 201
    assert "return_url=https%3A//shop.example/x" in opened.json()["url"]
    default = (await portal.act(token, "portal-session")).json()["url"]
    assert default.endswith("return_url=http%3A//127.0.0.1%3A8000/pay")
    assert token not in default
    bad = await portal.act(token, "portal-session", {"return_url": "javascript:alert(1)"})
    assert bad.status_code == 400
