"""A payment's receipt (§8): JSON, or HTML and PDF by `Accept` or `?format=`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from adapters.documents.receipts import FpdfReceiptRenderer
from application.access import Principal
from application.receipts.queries import GetReceipt
from domain.receipt import ReceiptDocument
from entrypoints.http.edge.dependencies import each_from_container
from entrypoints.http.edge.openapi import AlternateMediaOperation
from entrypoints.http.payments.outcome import documented
from entrypoints.http.payments.receipt_resources import ReceiptResource, receipt_resource


class ReceiptFormat(StrEnum):
    JSON = "json"
    HTML = "html"
    PDF = "pdf"


_MEDIA = {
    "application/json": ReceiptFormat.JSON,
    "text/html": ReceiptFormat.HTML,
    "application/pdf": ReceiptFormat.PDF,
}


class ReceiptsController(Controller):
    path = "/payments"
    tags = ["payments"]
    dependencies = each_from_container("get_receipt", "receipt_renderer")

    @get(
        "/{payment_id:str}/receipt",
        summary="A succeeded payment's receipt (JSON, HTML or PDF)",
        description="`?format=html|pdf` or `Accept: text/html|application/pdf` for a document; "
        "404 until the payment has succeeded.",
        responses=documented(400, 401, 403, 404),
        operation_class=AlternateMediaOperation,
    )
    async def receipt(
        self,
        request: Request[Any, Any, Any],
        payment_id: FromPath[str],
        principal: NamedDependency[Principal],
        get_receipt: NamedDependency[GetReceipt],
        receipt_renderer: NamedDependency[FpdfReceiptRenderer],
        format: FromQuery[ReceiptFormat | None] = None,
    ) -> Response[ReceiptResource]:
        document = await get_receipt.execute(principal.tenant_id, payment_id)
        asked = request.accept.best_match(list(_MEDIA), default="application/json")
        chosen = format or _MEDIA.get(asked or "", ReceiptFormat.JSON)
        return await receipt_response(document, chosen, receipt_renderer)


async def receipt_response(
    document: ReceiptDocument,
    chosen: ReceiptFormat,
    renderer: FpdfReceiptRenderer,
    csp: Callable[[str], str] | None = None,
) -> Response[Any]:
    """A receipt as JSON, HTML or PDF (the PDF drawn off the event loop); `csp` gives an
    HTML page its Content-Security-Policy (the payment page's)."""
    filename = document.receipt.number
    if chosen is ReceiptFormat.PDF:
        pdf = await asyncio.to_thread(renderer.pdf, document)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'},
        )
    if chosen is ReceiptFormat.HTML:
        html = renderer.html(document)
        headers = {"Content-Security-Policy": csp(html)} if csp else {}
        return Response(html, media_type="text/html; charset=utf-8", headers=headers)
    return Response(receipt_resource(document))
