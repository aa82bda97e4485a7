"""A receipt as a one-page A4 PDF, drawn with fpdf2 (text stays extractable)."""

from __future__ import annotations

from domain.receipt import ReceiptDocument

_FONT = "Helvetica"  # a PDF core font: nothing to embed or find on the host


def _text(value: str) -> str:
    """Core fonts speak Windows-1252; any other character is shown as '?'."""
    return value.encode("cp1252", errors="replace").decode("cp1252")


def render_receipt_pdf(document: ReceiptDocument) -> bytes:
    # Imported here, not with the module: fpdf takes ~1.5 s to import, which every
    # `kassa` command and every server start paid for a PDF most of them never draw.
    from fpdf import FPDF

    receipt = document.receipt
    show = document.display
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(f"Receipt {receipt.number}")
    pdf.set_author(_text(receipt.merchant_name))
    pdf.set_creator("Kassa")
    pdf.add_page()
    pdf.set_margins(20, 20, 20)
    width = pdf.w - 40

    pdf.set_font(_FONT, "B", 18)
    pdf.cell(width, 10, _text(receipt.merchant_name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, "", 11)
    pdf.set_text_color(100)
    pdf.cell(width, 6, "Receipt", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.ln(4)

    for label, value in document.facts("Receipt number", card="{brand} ending in {last4}"):
        pdf.set_font(_FONT, "B", 10)
        pdf.cell(40, 6, _text(label))
        pdf.set_font(_FONT, "", 10)
        pdf.cell(width - 40, 6, _text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    columns = (width - 75, 15, 30, 30)
    pdf.set_font(_FONT, "B", 10)
    pdf.set_fill_color(235)
    for title, size, align in zip(
        ("Item", "Qty", "Unit price", "Amount"), columns, "LRRR", strict=True
    ):
        pdf.cell(size, 8, title, border="B", align=align, fill=True)
    pdf.ln()
    pdf.set_font(_FONT, "", 10)
    for line in receipt.lines:
        cells = (line.description, str(line.quantity), show(line.unit_amount), show(line.amount))
        for value, size, align in zip(cells, columns, "LRRR", strict=True):
            pdf.cell(size, 7, _text(value), border="B", align=align)
        pdf.ln()
    pdf.ln(2)

    summary = document.totals(minus="-")
    for position, (label, value) in enumerate(summary, start=1):
        pdf.set_font(_FONT, "B" if position == len(summary) else "", 10)  # what was paid
        pdf.cell(width - 30, 7, _text(label), align="R")
        pdf.cell(30, 7, _text(value), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
