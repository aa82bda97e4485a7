"""Row ↔ entity functions for customers, invoices, saved cards and portal tokens."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from adapters.persistence.sql.mapping import Row
from domain.customer import Customer, SavedPaymentMethod
from domain.invoice import Invoice, InvoiceLine, InvoiceStatus
from domain.portal_token import PortalToken, PortalTokenStatus

# What `record_use` alone writes; a save leaves it be, so a stale copy cannot undo a use.
PORTAL_TOKEN_USE = ("usage_count", "last_used_at", "last_ip", "last_user_agent")


def customer_to_row(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "tenant_id": customer.tenant_id,
        "email": customer.email,
        "name": customer.name,
        "gateway_customer_id": customer.gateway_customer_id,
        "version": customer.version,
        "created_at": customer.created_at,
    }


def customer_from_row(row: Row) -> Customer:
    return Customer(
        id=row["id"],
        tenant_id=row["tenant_id"],
        email=row["email"],
        name=row["name"],
        created_at=row["created_at"],
        gateway_customer_id=row["gateway_customer_id"],
        version=row["version"],
    )


def invoice_to_row(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.id,
        "tenant_id": invoice.tenant_id,
        "customer_id": invoice.customer_id,
        "number": invoice.number,
        "currency": invoice.currency,
        "lines": [asdict(line) for line in invoice.lines],
        "amount_paid": invoice.amount_paid,
        "status": invoice.status.value,
        "due_date": invoice.due_date,
        "payment_ids": list(invoice.payment_ids),
        "version": invoice.version,
        "created_at": invoice.created_at,
    }


def invoice_from_row(row: Row) -> Invoice:
    return Invoice(
        id=row["id"],
        tenant_id=row["tenant_id"],
        customer_id=row["customer_id"],
        number=row["number"],
        currency=row["currency"],
        lines=[InvoiceLine(**line) for line in row["lines"]],
        created_at=row["created_at"],
        due_date=row["due_date"],
        amount_paid=row["amount_paid"],
        status=InvoiceStatus(row["status"]),
        payment_ids=list(row["payment_ids"]),
        version=row["version"],
    )


def saved_payment_method_to_row(method: SavedPaymentMethod) -> dict[str, Any]:
    return {
        "id": method.id,
        "tenant_id": method.tenant_id,
        "customer_id": method.customer_id,
        "gateway_payment_method_id": method.gateway_payment_method_id,
        "brand": method.brand,
        "last4": method.last4,
        "exp_month": method.exp_month,
        "exp_year": method.exp_year,
        "is_default": method.is_default,
        "deleted_at": method.deleted_at,
        "version": method.version,
        "created_at": method.created_at,
    }


def saved_payment_method_from_row(row: Row) -> SavedPaymentMethod:
    return SavedPaymentMethod(
        id=row["id"],
        tenant_id=row["tenant_id"],
        customer_id=row["customer_id"],
        gateway_payment_method_id=row["gateway_payment_method_id"],
        brand=row["brand"],
        last4=row["last4"],
        exp_month=row["exp_month"],
        exp_year=row["exp_year"],
        created_at=row["created_at"],
        is_default=bool(row["is_default"]),
        deleted_at=row["deleted_at"],
        version=row["version"],
    )


def portal_token_to_row(token: PortalToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "tenant_id": token.tenant_id,
        "customer_id": token.customer_id,
        "invoice_id": token.invoice_id,
        "selector": token.selector,
        "verifier_hash": token.verifier_hash,
        "status": token.status.value,
        "usage_count": token.usage_count,
        "last_used_at": token.last_used_at,
        "last_ip": token.last_ip,
        "last_user_agent": token.last_user_agent,
        "revoked_at": token.revoked_at,
        "expires_at": token.expires_at,
        "version": token.version,
        "created_at": token.created_at,
    }


def portal_token_from_row(row: Row) -> PortalToken:
    return PortalToken(
        id=row["id"],
        tenant_id=row["tenant_id"],
        customer_id=row["customer_id"],
        selector=row["selector"],
        verifier_hash=row["verifier_hash"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        invoice_id=row["invoice_id"],
        status=PortalTokenStatus(row["status"]),
        usage_count=row["usage_count"],
        last_used_at=row["last_used_at"],
        last_ip=row["last_ip"],
        last_user_agent=row["last_user_agent"],
        revoked_at=row["revoked_at"],
        version=row["version"],
    )
