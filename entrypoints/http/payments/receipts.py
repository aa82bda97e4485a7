"""A payment's receipt (§8): JSON, or HTML and PDF by `Accept` or `?format=`."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from adapters.documents.receipts import FpdfReceiptRenderer
from application.access import Principal
from application.receipts.queries import GetReceipt
from entrypoints.http.edge.dependencies import from_container
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
    dependencies = {
        "get_receipt": from_container("get_receipt"),
        "receipt_renderer": from_container("receipt_renderer"),
    }

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
        filename = document.receipt.number
        if chosen is ReceiptFormat.PDF:
            pdf = await asyncio.to_thread(receipt_renderer.pdf, document)
            return Response(
                pdf,  # type: ignore[arg-type]
                media_type="application/pdf",
                headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'},
            )
        if chosen is ReceiptFormat.HTML:
            html = receipt_renderer.html(document)
            return Response(html, media_type="text/html; charset=utf-8")  # type: ignore[arg-type]
        return Response(receipt_resource(document))
