"""The payment page at `/pay/{token}` (§7, issue 12), over HTTP without a browser: what each
page says, the headers every answer carries, the CSRF check of its forms, and a page for
every bad state. The browser flows are in tests/browser."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from dependency_injector import providers

from adapters.system.clock import FixedClock
from domain.statuses import PaymentStatus
from entrypoints.container import Container
from entrypoints.http.paypage.safety import CSRF_COOKIE
from tests.e2e.portal_fixtures import Portal, portal_container, portal_fixture  # noqa: F401

PAGE_HEADERS = {
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


def assert_page_headers(answer: httpx.Response, stripe: bool = False) -> None:
    for name, value in PAGE_HEADERS.items():
        assert answer.headers.get(name) == value, (name, answer.headers.get(name))
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert ("https://js.stripe.com" in policy) is stripe


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "the page's forms carry a CSRF proof"
    return found.group(1)


async def open_page(portal: Portal, token: str, path: str = "") -> httpx.Response:
    answer = await portal.api.client.get(f"/pay/{token}{path}")
    assert_page_headers(answer)
    return answer


async def submit(
    portal: Portal, token: str, path: str, form: dict[str, Any], from_page: str = ""
) -> httpx.Response:
    """Post a form as the browser would: with the proof of the page it came from."""
    page = await open_page(portal, token, from_page)
    body = {"csrf": csrf_of(page.text), **form}
    return await portal.api.client.post(f"/pay/{token}{path}", data=body, follow_redirects=False)


async def test_the_invoice_page_shows_the_invoice_with_safe_headers(portal: Portal) -> None:
    customer = await portal.customer()
    invoice = await portal.invoice(customer, 4_900, 3_000)
    token = (await portal.issue(customer, invoice))["token"]

    answer = await open_page(portal, token)

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert "Acme" in html  # the merchant
    assert re.search(r"Invoice INV-\w+", html)
    assert "Line 1" in html and "Line 2" in html
    assert "$79.00" in html  # total and amount due
    assert 'id="amount-due">$79.00' in html
    assert 'value="79.00"' in html  # the amount field starts at all that is due
    assert "4242 4242 4242 4242" in html and "Test mode" in html
    assert "4000 0000 0000 0002" in html and "4000 0027 6000 3184" in html
    assert '<label for="amount">' in html and '<label for="card_number">' in html
    cookie = answer.headers["set-cookie"]
    assert CSRF_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "/pay-assets/pay.css" in html and "https://" not in html.split("</head>")[0]


async def test_the_pages_assets_are_served_by_kassa(portal: Portal) -> None:
    for asset, kind in (("pay.css", "text/css"), ("pay.js", "javascript")):
        answer = await portal.api.client.get(f"/pay-assets/{asset}")
        assert answer.status_code == 200 and kind in answer.headers["content-type"]
        assert_page_headers(answer)


async def test_paying_part_then_the_rest_with_the_saved_card(portal: Portal) -> None:
    customer = await portal.customer()
    invoice = await portal.invoice(customer, 10_000)
    token = (await portal.issue(customer, invoice))["token"]

    paid = await submit(
        portal, token, "/pay", {"amount": "30.00", "method": "new",
                                "card_number": "4242 4242 4242 4242", "save": "1"},
    )  # fmt: skip
    assert paid.status_code == 303
    outcome = await open_page(portal, token, paid.headers["location"].split(token, 1)[1])
    assert "Payment received" in outcome.text and "$30.00" in outcome.text
    assert 'id="amount-due">$70.00' in outcome.text
    assert "receipt?format=pdf" in outcome.text
    state = await portal.invoice_of(invoice)
    assert (state["amount_paid"], state["status"]) == (3_000, "open")

    page = await open_page(portal, token)
    saved = re.search(r'name="method" value="(spm_[^"]+)"', page.text)
    assert saved, "the Visa card was saved"
    rest = await submit(portal, token, "/pay", {"amount": "", "method": saved.group(1)})
    assert rest.status_code == 303
    assert (await portal.invoice_of(invoice))["status"] == "paid"

    after = await open_page(portal, token)
    assert "paid in full" in after.text and 'action="/pay/' not in after.text.split("Pay</h2>")[0]
    assert '/pay"' not in after.text  # no pay form on a paid invoice


async def test_a_receipt_is_the_customers_own(portal: Portal) -> None:
    token = await portal.link(2_500)
    paid = await submit(portal, token, "/pay", {"method": "new", "card_number": "4242424242424242"})
    payment_path = paid.headers["location"].split(token, 1)[1]
    html = await open_page(portal, token, payment_path + "/receipt?format=html")
    assert html.status_code == 200 and "R-" in html.text
    assert "style-src 'self' 'sha256-" in html.headers["content-security-policy"]
    pdf = await portal.api.client.get(f"/pay/{token}{payment_path}/receipt?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    other = await portal.link(1_000)  # another customer's link cannot read it
    refused = await open_page(portal, other, payment_path + "/receipt?format=html")
    assert refused.status_code == 404 and "Not found" in refused.text


async def test_a_decline_shows_the_message_and_the_invoice_stays_open(portal: Portal) -> None:
    customer = await portal.customer()
    invoice = await portal.invoice(customer, 5_000)
    token = (await portal.issue(customer, invoice))["token"]
    declined = await submit(
        portal, token, "/pay", {"method": "new", "card_number": "4000000000000002", "save": "1"}
    )
    assert declined.status_code == 303
    outcome = await open_page(portal, token, declined.headers["location"].split(token, 1)[1])
    assert outcome.status_code == 402
    assert "Payment declined" in outcome.text and "Your card was declined." in outcome.text
    assert "Try again" in outcome.text
    assert (await portal.invoice_of(invoice))["status"] == "open"
    assert "No saved cards." in (await open_page(portal, token, "/cards")).text  # not kept


async def test_more_than_is_due_is_refused_next_to_the_form(portal: Portal) -> None:
    token = await portal.link(5_000)
    for amount, says in (
        ("50.01", "You can pay at most $50.00"),
        ("0.10", "too small"),
        ("1.234", "Enter an amount like"),
    ):
        refused = await submit(
            portal, token, "/pay",
            {"amount": amount, "method": "new", "card_number": "4242424242424242"},
        )  # fmt: skip
        assert refused.status_code == 400
        assert says in refused.text and 'role="alert"' in refused.text
        assert f'value="{amount}"' in refused.text  # what was typed stays
    assert await portal.api.stored_payments() == 0


async def through_the_bank(portal: Portal, started: httpx.Response, outcome: str) -> str:
    """Answer the bank's 3-D Secure page as the customer would; where it sends them."""
    bank_page = started.headers["location"]
    shown = await portal.api.client.get(bank_page, follow_redirects=False)
    form = dict(re.findall(r"name=(\w+) value='([^']*)'", shown.text))
    answered = await portal.api.client.post(
        bank_page.split("?")[0],
        data={"outcome": outcome, "return_url": form["return_url"]},
        follow_redirects=False,
    )
    assert answered.status_code == 303
    return str(answered.headers["location"])


async def test_three_d_secure_goes_through_the_banks_page_and_back(portal: Portal) -> None:
    customer = await portal.customer()
    invoice = await portal.invoice(customer, 5_000)
    token = (await portal.issue(customer, invoice))["token"]
    started = await submit(
        portal, token, "/pay", {"method": "new", "card_number": "4000 0027 6000 3184"}
    )
    bank_page = started.headers["location"]
    assert "/fake-gateway/3ds/" in bank_page and "return_url=" in bank_page
    shown = await portal.api.client.get(bank_page, follow_redirects=False)
    assert "Complete authentication" in shown.text
    assert shown.headers["referrer-policy"] == "no-referrer"
    back = await through_the_bank(portal, started, "complete")
    assert back.startswith(f"/pay/{token}/return?payment_intent=pi_")
    confirmed = await portal.api.client.get(back, follow_redirects=False)
    assert confirmed.status_code == 303
    outcome = await open_page(portal, token, confirmed.headers["location"].split(token, 1)[1])
    assert "Payment received" in outcome.text
    assert (await portal.invoice_of(invoice))["status"] == "paid"


def kept_cards(page: httpx.Response) -> list[str]:
    return re.findall(r'class="card-name">(\w+ ending \d{4})', page.text)


async def test_a_card_to_keep_is_kept_once_three_d_secure_goes_through(portal: Portal) -> None:
    customer = await portal.customer()
    invoice = await portal.invoice(customer, 5_000)
    token = (await portal.issue(customer, invoice))["token"]
    started = await submit(
        portal, token, "/pay",
        {"amount": "20.00", "method": "new", "card_number": "4000002760003184", "save": "1"},
    )  # fmt: skip
    back = await through_the_bank(portal, started, "complete")
    assert back.startswith(f"/pay/{token}/return?save=1&payment_intent=pi_")
    for _ in range(2):  # coming back twice (a reload) keeps the card once
        assert (await portal.api.client.get(back, follow_redirects=False)).status_code == 303
    assert kept_cards(await open_page(portal, token, "/cards")) == ["Visa ending 3184"]

    failed = await submit(
        portal, token, "/pay",
        {"amount": "10.00", "method": "new", "card_number": "4000002760003184", "save": "1"},
    )  # fmt: skip
    await portal.api.client.get(await through_the_bank(portal, failed, "fail"))
    assert kept_cards(await open_page(portal, token, "/cards")) == ["Visa ending 3184"]


@pytest.mark.parametrize(
    "store_kind", ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
async def test_two_returns_from_the_bank_at_once_keep_the_card_once(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await portal.link(5_000)
    started = await submit(
        portal, token, "/pay",
        {"method": "new", "card_number": "4000002760003184", "save": "1"},
    )  # fmt: skip
    back = await through_the_bank(portal, started, "complete")
    asked = portal.attach_once_both_have_looked(monkeypatch)
    kassa = portal.api.container
    session = await portal.session(token)
    paid = parse_qs(urlsplit(back).query)["payment_intent"][0]
    returns = await asyncio.gather(
        *(kassa.pay_by_card().back_from_the_bank(session, paid, True) for _ in range(2))
    )

    assert [r.status for r in returns] == [PaymentStatus.SUCCEEDED] * 2 and len(asked) == 2
    assert kept_cards(await open_page(portal, token, "/cards")) == ["Visa ending 3184"]


async def test_the_bank_page_sends_back_only_to_this_server(portal: Portal) -> None:
    token = await portal.link(5_000)
    started = await submit(
        portal, token, "/pay", {"method": "new", "card_number": "4000002760003184"}
    )
    bank = started.headers["location"].split("?")[0]
    answered = await portal.api.client.post(
        bank,
        data={"outcome": "complete", "return_url": "https://evil.example/x"},
        follow_redirects=False,
    )
    assert answered.status_code == 200 and "location" not in answered.headers


async def test_forms_without_the_pages_proof_are_refused(portal: Portal) -> None:
    token = await portal.link(5_000)
    await open_page(portal, token)  # the browser has its cookie
    for form in ({}, {"csrf": "0" * 64}):
        body = {**form, "method": "new", "card_number": "4242424242424242"}
        refused = await portal.api.client.post(f"/pay/{token}/pay", data=body)
        assert refused.status_code == 403 and "Please try again" in refused.text
        assert_page_headers(refused)
    other = await portal.link(1_000)  # a proof is bound to its link
    proof = csrf_of((await open_page(portal, other)).text)
    crossed = await portal.api.client.post(
        f"/pay/{token}/pay", data={"csrf": proof, "method": "new", "card_number": "4242"}
    )
    assert crossed.status_code == 403
    assert await portal.api.stored_payments() == 0


async def test_every_bad_link_gets_the_same_page(portal: Portal) -> None:
    customer = await portal.customer()
    invoice = await portal.invoice(customer, 5_000)
    revoked = await portal.issue(customer, invoice)
    await portal.api.client.delete(
        f"/api/v1/portal-tokens/{revoked['id']}",
        headers=portal.api.headers("merchant_admin"),
    )
    bodies = set()
    for token in ("nonsense", "kpt_aaaa_bbbb", revoked["token"]):
        answer = await portal.api.client.get(f"/pay/{token}")
        assert answer.status_code == 401
        assert_page_headers(answer)
        assert "This link does not work" in answer.text
        bodies.add(answer.text)
    assert len(bodies) == 1  # nothing tells one bad link from another


async def test_an_expired_link_gets_the_invalid_link_page(
    portal: Portal, container: Container
) -> None:
    clock = FixedClock(datetime.now(UTC))
    container.clock.override(providers.Object(clock))
    customer = await portal.customer()
    invoice = await portal.invoice(customer, 5_000)
    token = (await portal.issue(customer, invoice, ttl_days=1))["token"]
    clock.advance(timedelta(days=1, seconds=1))
    answer = await portal.api.client.get(f"/pay/{token}")
    assert answer.status_code == 401 and "This link does not work" in answer.text


async def test_over_the_view_budget_a_page_says_when_to_come_back(portal: Portal) -> None:
    token = await portal.link(5_000)
    budget = portal.api.settings.portal_view_rate_limit
    for _ in range(budget):
        assert (await portal.api.client.get(f"/pay/{token}")).status_code == 200
    limited = await portal.api.client.get(f"/pay/{token}/history")
    assert limited.status_code == 429
    assert_page_headers(limited)
    retry = limited.headers["retry-after"]
    assert "Too many requests" in limited.text and f"{retry} second" in limited.text


async def test_a_customer_wide_link_lists_open_invoices_and_balances(portal: Portal) -> None:
    customer = await portal.customer()
    await portal.invoice(customer, 1_000)
    await portal.invoice(customer, 2_500)
    await portal.invoice(customer, 700, currency="eur")
    token = (await portal.issue(customer))["token"]
    html = (await open_page(portal, token)).text
    assert "Your open invoices" in html
    assert "$35.00" in html and "€7.00" in html
    assert html.count("paying now") == 1


async def test_cards_are_added_made_default_and_removed_without_javascript(
    portal: Portal,
) -> None:
    token = await portal.link(5_000)
    for number in ("4242424242424242", "5555 5555 5555 4444"):
        added = await submit(portal, token, "/cards", {"card_number": number}, "/cards")
        assert added.status_code == 303 and added.headers["location"].endswith("done=added")
    page = (await open_page(portal, token, "/cards")).text
    assert "Visa ending 4242" in page and "Mastercard ending 4444" in page
    ids = re.findall(r'/cards/(spm_[^/"]+)/default', page)
    assert len(ids) == 1  # the first card is the default already
    made = await submit(portal, token, f"/cards/{ids[0]}/default", {}, "/cards")
    assert made.status_code == 303
    page = (await open_page(portal, token, "/cards")).text
    assert re.search(r"Mastercard ending 4444 <span class=\"tag\">default", page)
    for card_id in re.findall(r'/cards/(spm_[^/"]+)/remove', page):
        removed = await submit(portal, token, f"/cards/{card_id}/remove", {}, "/cards")
        assert removed.status_code == 303
    assert "No saved cards." in (await open_page(portal, token, "/cards")).text


async def test_a_card_that_is_not_a_test_card_is_refused_next_to_the_form(portal: Portal) -> None:
    token = await portal.link(5_000)
    wrong = await submit(portal, token, "/cards", {"card_number": "1234"}, "/cards")
    assert wrong.status_code == 400 and 'role="alert"' in wrong.text


async def test_history_lists_the_customers_payments(portal: Portal) -> None:
    token = await portal.link(5_000)
    await submit(portal, token, "/pay", {"amount": "10", "method": "new",
                                         "card_number": "4242424242424242"})  # fmt: skip
    await submit(portal, token, "/pay", {"amount": "10", "method": "new",
                                         "card_number": "4000000000000002"})  # fmt: skip
    html = (await open_page(portal, token, "/history")).text
    assert html.count("$10.00") == 2
    assert "Succeeded" in html and "Failed" in html
    assert html.count("receipt?format=pdf") == 1


@pytest.mark.parametrize(
    "path", ["/pay/kpt_secretselector_secretverifier/cards", "/pay/abc/history"]
)
async def test_the_link_never_reaches_a_log_line(
    portal: Portal, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    logging.getLogger("kassa.test").warning("GET %s", path)
    assert "secret" not in caplog.text and "/pay/{token}/" in caplog.text


async def test_a_form_kept_open_after_the_invoice_is_paid_gets_the_paid_page(
    portal: Portal,
) -> None:
    token = await portal.link(2_000)
    stale = await open_page(portal, token)  # a second tab, opened before paying
    paid = await submit(portal, token, "/pay", {"method": "new", "card_number": "4242424242424242"})
    assert paid.status_code == 303
    again = await portal.api.client.post(
        f"/pay/{token}/pay",
        data={"csrf": csrf_of(stale.text), "method": "new", "card_number": "4242424242424242"},
    )
    assert again.status_code == 409 and "This invoice is paid" in again.text
    assert_page_headers(again)
    assert await portal.api.stored_payments() == 1


async def test_too_many_bad_links_from_one_address_get_the_rate_limited_page(
    portal: Portal,
) -> None:
    budget = portal.api.settings.portal_failed_auth_rate_limit
    for n in range(budget):
        assert (await portal.api.client.get(f"/pay/kpt_guess{n}_guess")).status_code == 401
    good = await portal.link(1_000)  # the address's budget, not the link's
    limited = await portal.api.client.get(f"/pay/{good}")
    assert limited.status_code == 429
    assert_page_headers(limited)
    assert "Too many requests" in limited.text and "invalid links" in limited.text
    assert f"{limited.headers['retry-after']} second" in limited.text
