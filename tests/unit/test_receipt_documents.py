"""The closing rows of a receipt, the same in its HTML page and its PDF."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from adapters.documents.receipt_html import render_receipt_html
from adapters.documents.receipt_pdf import render_receipt_pdf
from domain.receipt import Receipt, ReceiptDocument, ReceiptLine, ReceiptRefund

ISSUED = datetime(2026, 3, 1, 12, tzinfo=UTC)


def document(*refunds: ReceiptRefund) -> ReceiptDocument:
    receipt = Receipt(
        id="rcpt_1",
        tenant_id="ten_1",
        payment_id="pay_1",
        number="R-2026-000001",
        merchant_name="Acme",
        currency="usd",
        lines=[ReceiptLine("Widget", 2, 5_000)],
        total=10_000,
        issued_at=ISSUED,
    )
    return ReceiptDocument(receipt, refunds)


def pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_an_unrefunded_receipt_closes_with_what_was_paid() -> None:
    assert document().totals() == [("Total paid", "$100.00")]


def test_each_refund_is_a_row_and_what_remains_paid_closes_the_receipt() -> None:
    refunds = (
        ReceiptRefund("re_1", 2_500, datetime(2026, 3, 2, tzinfo=UTC)),
        ReceiptRefund("re_2", 1_000, datetime(2026, 3, 5, tzinfo=UTC)),
    )
    assert document(*refunds).totals(minus="-") == [
        ("Total paid", "$100.00"),
        ("Refund on 2026-03-02", "-$25.00"),
        ("Refund on 2026-03-05", "-$10.00"),
        ("Net paid", "$65.00"),
    ]


def test_the_html_page_and_the_pdf_show_the_same_closing_rows() -> None:
    refunded = document(ReceiptRefund("re_1", 2_500, datetime(2026, 3, 2, tzinfo=UTC)))
    html = render_receipt_html(refunded)
    assert "<td colspan=3>Refund on 2026-03-02</td><td class=num>\u2212$25.00</td>" in html
    assert "<td colspan=3>Net paid</td><td class=num>$75.00</td>" in html
    text = pdf_text(render_receipt_pdf(refunded))
    assert "Refund on 2026-03-02" in text and "-$25.00" in text
    assert "Net paid" in text and "$75.00" in text
