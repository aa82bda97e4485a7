"""The receipt resource (§8): amounts as integers plus the one display string Kassa writes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from msgspec import Struct

from domain.receipt import ReceiptDocument


class DisplayedAmount(Struct, kw_only=True):
    amount: int
    currency: str
    display: str  # "$1,130.00", "¥1,130", "KWD 1.130"


class ReceiptLineResource(Struct, kw_only=True):
    description: str
    quantity: int
    unit_amount: int
    amount: int


class ReceiptRefundResource(Struct, kw_only=True):
    id: str
    amount: DisplayedAmount
    refunded_at: datetime
    reason: str | None


class ReceiptCard(Struct, kw_only=True):
    brand: str
    last4: str


class ReceiptCustomer(Struct, kw_only=True):
    email: str
    name: str | None


class ReceiptResource(Struct, kw_only=True):
    id: str
    object: Literal["receipt"] = "receipt"
    number: str
    payment_id: str
    merchant_name: str
    issued_at: datetime
    invoice_number: str | None
    customer: ReceiptCustomer | None
    payment_method: ReceiptCard | None
    currency: str
    lines: list[ReceiptLineResource]
    total: DisplayedAmount
    refunds: list[ReceiptRefundResource]
    refunded: DisplayedAmount
    net: DisplayedAmount


def receipt_resource(document: ReceiptDocument) -> ReceiptResource:
    receipt = document.receipt

    def shown(amount: int) -> DisplayedAmount:
        return DisplayedAmount(
            amount=amount, currency=receipt.currency.lower(), display=document.display(amount)
        )

    card = (
        ReceiptCard(brand=receipt.card_brand, last4=receipt.card_last4)
        if receipt.card_brand and receipt.card_last4
        else None
    )
    customer = (
        ReceiptCustomer(email=receipt.customer_email, name=receipt.customer_name)
        if receipt.customer_email
        else None
    )
    return ReceiptResource(
        id=receipt.id,
        number=receipt.number,
        payment_id=receipt.payment_id,
        merchant_name=receipt.merchant_name,
        issued_at=receipt.issued_at,
        invoice_number=receipt.invoice_number,
        customer=customer,
        payment_method=card,
        currency=receipt.currency.lower(),
        lines=[
            ReceiptLineResource(
                description=line.description,
                quantity=line.quantity,
                unit_amount=line.unit_amount,
                amount=line.amount,
            )
            for line in receipt.lines
        ],
        total=shown(receipt.total),
        refunds=[
            ReceiptRefundResource(
                id=r.id, amount=shown(r.amount), refunded_at=r.refunded_at, reason=r.reason
            )
            for r in document.refunds
        ],
        refunded=shown(document.refunded),
        net=shown(document.net),
    )
