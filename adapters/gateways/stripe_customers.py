"""Customers, their saved cards and Billing Portal sessions at Stripe: the customer half of
the Stripe gateway (as fake_customers is the fake's)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from stripe import StripeClient

from adapters.gateways.stripe_requests import StripeRequests
from domain.gateway_results import GatewayPaymentMethod


class StripeCustomers:
    def __init__(self, requests: StripeRequests, client: StripeClient) -> None:
        self._requests = requests
        self._v1 = client.v1

    async def create(self, email: str, name: str | None, idempotency_key: str) -> str:
        params = {"email": email, **({"name": name} if name is not None else {})}
        customer = await self._requests.send(
            "create customer",
            lambda o: self._v1.customers.create_async(params, options=o),
            idempotency_key,
        )
        return str(customer["id"])

    async def attach(
        self, gateway_customer_id: str, payment_method: str, idempotency_key: str
    ) -> GatewayPaymentMethod:
        params = {"customer": gateway_customer_id}
        attached = await self._requests.send(
            "attach payment method",
            lambda o: self._v1.payment_methods.attach_async(payment_method, params, options=o),
            idempotency_key,
        )
        return _card(attached)

    async def detach(self, gateway_payment_method_id: str) -> None:
        await self._requests.send(
            "detach payment method",
            lambda o: self._v1.payment_methods.detach_async(gateway_payment_method_id, options=o),
        )

    async def cards(self, gateway_customer_id: str) -> Sequence[GatewayPaymentMethod]:
        cards: list[GatewayPaymentMethod] = []
        after: str | None = None
        while True:
            page = await self._cards_page(gateway_customer_id, after)
            cards.extend(_card(method) for method in page["data"])
            if not page.get("has_more") or not page["data"]:
                return cards
            after = str(page["data"][-1]["id"])

    async def _cards_page(self, gateway_customer_id: str, after: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"customer": gateway_customer_id, "type": "card", "limit": 100}
        if after is not None:
            params["starting_after"] = after
        return await self._requests.send(
            "list payment methods",
            lambda o: self._v1.payment_methods.list_async(params, options=o),
            mutating=False,
        )

    async def set_default(self, gateway_customer_id: str, gateway_payment_method_id: str) -> None:
        params = {"invoice_settings": {"default_payment_method": gateway_payment_method_id}}
        await self._requests.send(
            "set default payment method",
            lambda o: self._v1.customers.update_async(gateway_customer_id, params, options=o),
        )

    async def portal_session(self, gateway_customer_id: str, return_url: str) -> str:
        params = {"customer": gateway_customer_id, "return_url": return_url}
        session = await self._requests.send(
            "create portal session",
            lambda o: self._v1.billing_portal.sessions.create_async(params, options=o),
        )
        return str(session["url"])


def _card(method: Mapping[str, Any]) -> GatewayPaymentMethod:
    card = method.get("card") or {}
    return GatewayPaymentMethod(
        gateway_payment_method_id=str(method["id"]),
        brand=str(card.get("brand") or "unknown"),
        last4=str(card.get("last4") or ""),
        exp_month=int(card.get("exp_month") or 0),
        exp_year=int(card.get("exp_year") or 0),
    )
