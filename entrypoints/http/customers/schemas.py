"""Request bodies of customers, invoices, portal tokens and the portal, decoded strictly."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, TypeVar

from litestar import Request
from msgspec import Meta, Struct

from entrypoints.http.edge.errors import check_currency
from entrypoints.http.payments.schemas import Amount, Currency, Identifier, parse_body

B = TypeVar("B", bound="CheckedBody")

Email = Annotated[
    str,
    Meta(
        min_length=3,
        max_length=254,
        description="An e-mail address.",
        extra_json_schema={"format": "email"},  # checked by CreateCustomer, not by msgspec
    ),
]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
InvoiceNumber = Annotated[
    str, Meta(min_length=1, max_length=64, description="Unique per tenant; generated if absent.")
]
LineDescription = Annotated[str, Meta(min_length=1, max_length=500)]
Quantity = Annotated[int, Meta(ge=1, le=1_000_000)]
UnitAmount = Annotated[int, Meta(ge=0, le=99_999_999, description="Minor units.")]
TtlDays = Annotated[int, Meta(ge=1, le=30, description="Lifetime in days (default 7).")]
ReturnUrl = Annotated[str, Meta(max_length=2000, pattern=r"^https?://\S+$")]


class CheckedBody(Struct, forbid_unknown_fields=True, kw_only=True):
    def check(self) -> None:
        """Rules msgspec cannot express; raise an `invalid_request` ApiError."""


async def parse_checked(request: Request[Any, Any, Any], model: type[B]) -> B:
    body = await parse_body(request, model)
    body.check()
    return body


class CreateCustomerBody(CheckedBody, kw_only=True):
    email: Email
    name: Name | None = None


class InvoiceLineBody(Struct, forbid_unknown_fields=True, kw_only=True):
    description: LineDescription
    quantity: Quantity
    unit_amount: UnitAmount


class CreateInvoiceBody(CheckedBody, kw_only=True):
    customer_id: Identifier
    currency: Currency
    lines: Annotated[list[InvoiceLineBody], Meta(min_length=1, max_length=100)]
    number: InvoiceNumber | None = None
    due_date: date | None = None

    def check(self) -> None:
        check_currency(self.currency)


class IssuePortalTokenBody(CheckedBody, kw_only=True):
    customer_id: Identifier
    invoice_id: Identifier | None = None
    ttl_days: TtlDays | None = None
    send_email: Annotated[
        bool, Meta(description="Also e-mail the link to the customer (sent after commit).")
    ] = False


class PortalIntentBody(CheckedBody, kw_only=True):
    amount: Amount | None = None


class PortalConfirmBody(CheckedBody, kw_only=True):
    payment_intent_id: Identifier
    payment_method: Identifier | None = None


class AddMethodBody(CheckedBody, kw_only=True):
    gateway_payment_method_id: Identifier
    set_as_default: bool = False


class PortalSessionBody(CheckedBody, kw_only=True):
    return_url: ReturnUrl | None = None
