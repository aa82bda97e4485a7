"""A receipt as a standalone HTML page: no script, no external resource, escaped text."""

from __future__ import annotations

from html import escape

from domain.receipt import ReceiptDocument

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;color:#222}
h1{font-size:1.4rem;margin-bottom:0}.muted{color:#666}
table{width:100%;border-collapse:collapse;margin:1rem 0}
th,td{padding:.4rem;border-bottom:1px solid #ddd;text-align:left}
td.num,th.num{text-align:right}tr.total td{font-weight:bold;border-bottom:none}
"""


def render_receipt_html(document: ReceiptDocument) -> str:
    receipt = document.receipt
    show = document.display
    rows = "".join(
        f"<tr><td>{escape(line.description)}</td><td class=num>{line.quantity}</td>"
        f"<td class=num>{show(line.unit_amount)}</td><td class=num>{show(line.amount)}</td></tr>"
        for line in receipt.lines
    )
    totals = "".join(
        f"<tr class=total><td colspan=3>{escape(label)}</td><td class=num>{value}</td></tr>"
        for label, value in document.totals()
    )
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in document.facts())
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Receipt {escape(receipt.number)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(receipt.merchant_name)}</h1><p class=muted>Receipt</p><dl>{dl}</dl>"
        "<table><thead><tr><th>Item</th><th class=num>Qty</th><th class=num>Unit price</th>"
        f"<th class=num>Amount</th></tr></thead><tbody>{rows}{totals}</tbody></table>"
        "</body></html>"
    )
