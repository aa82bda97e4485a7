"""The receipt renderer Kassa uses: HTML by hand (escaped), PDF by fpdf2."""

from __future__ import annotations

from adapters.documents.receipt_html import render_receipt_html
from adapters.documents.receipt_pdf import render_receipt_pdf
from domain.receipt import ReceiptDocument


class FpdfReceiptRenderer:
    def html(self, document: ReceiptDocument) -> str:
        return render_receipt_html(document)

    def pdf(self, document: ReceiptDocument) -> bytes:
        return render_receipt_pdf(document)
