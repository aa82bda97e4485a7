"""Receipts over the API: issued once when a payment succeeds, whichever path records it;
rendered as JSON, HTML and PDF; scoped to the tenant."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from application.ports.repositories import PageRequest
from tests.e2e.conftest import OTHER_TENANT, Api, payment_body

pytestmark = pytest.mark.parametrize(
    "store_kind", ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)


async def charge(api: Api, order_id: str, amount: int = 113_000, **extra: object) -> str:
    answer = await api.post("/payments/charge", payment_body(order_id, amount, **extra))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def test_a_charge_gets_one_receipt_numbered_from_one(api: Api):
    first = await charge(api, "ord_1", description="Blue mug")
    second = await charge(api, "ord_2")

    one = (await api.get(f"/payments/{first}/receipt")).json()
    two = (await api.get(f"/payments/{second}/receipt")).json()

    year = one["issued_at"][:4]
    assert one["number"] == f"R-{year}-000001"
    assert two["number"] == f"R-{year}-000002"
    assert one["merchant_name"] == "Acme"
    assert one["lines"] == [
        {"description": "Blue mug", "quantity": 1, "unit_amount": 113_000, "amount": 113_000}
    ]
    assert one["total"] == {"amount": 113_000, "currency": "usd", "display": "$1,130.00"}


async def test_an_authorization_gets_its_receipt_at_capture_not_before(api: Api):
    answer = await api.post("/payments/authorize", payment_body("ord_auth", 5_000))
    payment_id = answer.json()["id"]
    assert (await api.get(f"/payments/{payment_id}/receipt")).status_code == 404

    captured = await api.post(f"/payments/{payment_id}/capture", {"amount": 4_000})
    assert captured.status_code == 200, captured.text

    receipt = (await api.get(f"/payments/{payment_id}/receipt")).json()
    assert receipt["total"]["display"] == "$40.00"
    assert receipt["number"].endswith("-000001")


async def test_a_refunded_payment_s_receipt_shows_the_refund(api: Api):
    payment_id = await charge(api, "ord_r", 10_000)
    refund = await api.post(
        f"/payments/{payment_id}/refunds", {"amount": 2_500}, role="merchant_admin", key="rf1"
    )
    assert refund.status_code in (200, 201), refund.text

    receipt = (await api.get(f"/payments/{payment_id}/receipt")).json()

    assert [r["amount"]["display"] for r in receipt["refunds"]] == ["$25.00"]
    assert receipt["refunded"]["display"] == "$25.00"
    assert receipt["net"]["display"] == "$75.00"


async def test_yen_and_dinar_are_written_with_their_own_decimals(api: Api):
    yen = await charge(api, "ord_jpy", 1_130, currency="jpy")
    dinar = await charge(api, "ord_kwd", 1_130, currency="kwd")

    assert (await api.get(f"/payments/{yen}/receipt")).json()["total"]["display"] == "¥1,130"
    assert (await api.get(f"/payments/{dinar}/receipt")).json()["total"]["display"] == "KWD 1.130"


async def test_another_tenant_s_receipt_is_not_found(api: Api):
    payment_id = await charge(api, "ord_mine")

    answer = await api.get(f"/payments/{payment_id}/receipt", tenant=OTHER_TENANT)

    assert answer.status_code == 404
    assert answer.json()["error"]["type"] == "not_found"


async def test_the_receipt_renders_as_html_by_accept_or_format(api: Api):
    payment_id = await charge(api, "ord_html", description="Tea <strong>")

    by_accept = await api.client.get(
        f"/api/v1/payments/{payment_id}/receipt",
        headers=api.headers("merchant", Accept="text/html"),
    )
    by_format = await api.get(f"/payments/{payment_id}/receipt", format="html")

    for answer in (by_accept, by_format):
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/html")
        assert "$1,130.00" in answer.text
        assert "Tea &lt;strong&gt;" in answer.text
        assert "Acme" in answer.text


async def test_the_receipt_is_a_real_pdf_with_its_text(api: Api):
    payment_id = await charge(api, "ord_pdf", description="Green teapot")

    answer = await api.client.get(
        f"/api/v1/payments/{payment_id}/receipt",
        headers=api.headers("merchant", Accept="application/pdf"),
    )

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(answer.content)).pages[0].extract_text()
    assert "Green teapot" in text
    assert "$1,130.00" in text
    assert "R-" in text and "-000001" in text
    assert "Acme" in text


async def test_the_number_is_the_same_in_the_receipt_its_event_and_its_mail(api: Api):
    """On PostgreSQL the number is taken in the statement that commits the success; the
    event and the mail written with it carry it too, not what stood in for it."""
    customer = await api.post(
        "/customers", {"email": "ada@example.com", "name": "Ada"}, role="merchant_admin"
    )
    assert customer.status_code == 201, customer.text
    await charge(api, "ord_0")
    paid = await charge(api, "ord_1", customer_id=customer.json()["id"])

    receipt = (await api.get(f"/payments/{paid}/receipt")).json()
    events = (await api.get("/events", type="receipt.issued")).json()["data"]
    mails = await api.container.list_mail().execute(None, PageRequest(limit=10))

    year = receipt["issued_at"][:4]
    assert receipt["number"] == f"R-{year}-000002"
    assert [e["data"]["object"] for e in events if e["data"]["object"]["payment_id"] == paid] == [
        receipt
    ]
    [mail] = mails.data
    assert mail.subject == f"Your receipt R-{year}-000002 from Acme"
    assert f"Your receipt R-{year}-000002 is attached." in mail.body
