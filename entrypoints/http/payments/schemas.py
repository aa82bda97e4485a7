"""Request bodies of the merchant API as msgspec Structs, and their strict decoding."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import msgspec
from litestar import Request
from msgspec import Meta, Struct

from domain.capture_method import CaptureMethod
from domain.money import known_currencies
from entrypoints.http.edge.errors import check_currency, validation_error
from entrypoints.http.edge.json_body import decoded_body

T = TypeVar("T", bound=Struct)

Amount = Annotated[
    int,
    Meta(ge=1, le=99_999_999, description="A positive whole number of the currency's minor unit."),
]
Currency = Annotated[
    str,
    Meta(
        pattern="^[A-Za-z]{3}$",
        description="ISO 4217 code; lower-case, as Stripe.",
        extra_json_schema={"enum": known_currencies()},  # checked in `check`, not by msgspec
    ),
]
Identifier = Annotated[str, Meta(min_length=1, max_length=255)]
Description = Annotated[str, Meta(max_length=1000)]
Metadata = Annotated[
    dict[Annotated[str, Meta(min_length=1, max_length=40)], Annotated[str, Meta(max_length=500)]],
    Meta(max_length=50, description="Up to 50 keys (≤ 40 characters), values ≤ 500 characters."),
]
CancellationReason = Literal["duplicate", "fraudulent", "requested_by_customer", "abandoned"]
RefundReason = Literal["duplicate", "fraudulent", "requested_by_customer"]


class _Body(Struct, forbid_unknown_fields=True, kw_only=True):
    def check(self) -> None:
        """Rules msgspec cannot express; raise an `invalid_request` ApiError."""


class _NewPayment(_Body, kw_only=True):
    order_id: Identifier
    amount: Amount
    currency: Currency
    customer_id: Identifier | None = None
    description: Description | None = None
    metadata: Metadata = {}
    allow_additional: bool = False

    def check(self) -> None:
        check_currency(self.currency)


class CreatePaymentBody(_NewPayment, kw_only=True):
    """Body of `authorize` and `charge`: create and confirm at once."""

    payment_method: Identifier


class CreateIntentBody(_NewPayment, kw_only=True):
    """Body of `intent`: create now, confirm later (client-side or with `confirm`)."""

    capture_method: CaptureMethod = CaptureMethod.AUTOMATIC


class ConfirmBody(_Body, kw_only=True):
    payment_method: Identifier | None = None


class CaptureBody(_Body, kw_only=True):
    amount: Amount | None = None


class CancelBody(_Body, kw_only=True):
    cancellation_reason: CancellationReason | None = None


class RefundBody(_Body, kw_only=True):
    amount: Amount | None = None
    reason: RefundReason | None = None


async def parse_body(request: Request[Any, Any, Any], model: type[T]) -> T:
    """The body as `model`, converted strictly: JSON integers only ("100" and 10.0 are
    refused). Litestar converts bodies leniently, so the `data` parameter each handler
    declares (for OpenAPI and the first check) is converted again here as the contract
    demands, from the same decoded document (`decoded_body`: one decode per request).
    An empty body is an empty object. Not UTF-8, too deep or not JSON: UntrustedJsonError,
    which the exception handler answers with 400 `invalid_json`.
    """
    try:
        body = msgspec.convert(await decoded_body(request), model, strict=True)
    except msgspec.ValidationError as exc:
        raise validation_error(str(exc)) from None
    if isinstance(body, _Body):
        body.check()
    return body
