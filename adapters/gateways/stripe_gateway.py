"""The Stripe gateway: the PaymentGateway port on stripe-python's async StripeClient (httpx).

Stripe's answers are read by adapters.gateways.stripe_format, the same reading the
webhook consumer uses; stripe_requests sends, retries and translates failures."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import stripe

from adapters.gateways.stripe_customers import StripeCustomers
from adapters.gateways.stripe_errors import CardDeclinedError, guard_sdk_logs, redact
from adapters.gateways.stripe_format import (
    balance_fee,
    intent_from_stripe,
    object_id,
    refund_from_stripe,
)
from adapters.gateways.stripe_requests import Send, StripeRequests
from application.errors import GatewayError, GatewayRejectedError
from application.ports.gateway import CaptureRequest, IntentRequest, RefundRequest
from domain.gateway_results import GatewayIntent, GatewayPaymentMethod, GatewayRefund
from domain.money import Money
from domain.statuses import PaymentStatus

# Stripe refuses any other cancellation_reason; Kassa's "automatic" (an authorization left
# uncaptured for 7 days) is Stripe's "abandoned".
_CANCELLATION_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer", "abandoned"})


class StripePaymentGateway:
    """Declines come back as FAILED intents; stripe_errors says what every failure becomes."""

    name = "stripe"

    def __init__(
        self,
        secret_key: str,
        api_base: str | None = None,
        max_retries: int = 4,
        timeout: float = 20,
        *,
        retry_delay: float = 0.5,
        max_retry_delay: float = 8.0,
    ) -> None:
        self._secret = secret_key
        guard_sdk_logs(secret_key)
        self._requests = StripeRequests(secret_key, max_retries, retry_delay, max_retry_delay)
        self._http = stripe.HTTPXClient(timeout=timeout)
        client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http,
            max_network_retries=0,
        )
        self._v1 = client.v1
        self._customers = StripeCustomers(self._requests, client)

    async def aclose(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]  # the SDK's own

    async def _intent(
        self, operation: str, send: Send, idempotency_key: str, intent_id: str | None = None
    ) -> GatewayIntent:
        try:
            found = await self._requests.send(operation, send, idempotency_key, declines=True)
        except CardDeclinedError as declined:
            return await self._declined(operation, declined.error, intent_id)
        return intent_from_stripe(found)

    async def _declined(
        self, operation: str, error: Mapping[str, Any], intent_id: str | None
    ) -> GatewayIntent:
        """The FAILED intent behind a decline: Stripe sends it inside the error; otherwise it
        is found through the intent id we know, or through the declined charge."""
        embedded = error.get("payment_intent")
        if isinstance(embedded, Mapping):
            return intent_from_stripe(embedded)
        charge_id = error.get("charge")
        if intent_id is None and charge_id:
            charge = await self._requests.send(
                "retrieve charge",
                lambda o: self._v1.charges.retrieve_async(str(charge_id), options=o),
                mutating=False,
            )
            intent_id = object_id(charge.get("payment_intent"))
        if intent_id is None:
            message = redact(str(error.get("message") or "declined"), self._secret)
            raise GatewayRejectedError(f"Stripe declined {operation}: {message}")
        return await self.retrieve_intent(intent_id)

    # ------------------------------------------------------------ intents

    async def create_intent(self, request: IntentRequest, idempotency_key: str) -> GatewayIntent:
        params: dict[str, Any] = {
            "amount": request.amount.amount,
            "currency": request.amount.currency.lower(),
            "capture_method": request.capture_method.value,
            "payment_method_types": ["card"],
        }
        optional = {
            "confirm": True if request.confirm else None,
            "payment_method": request.payment_method,
            "customer": request.gateway_customer_id,
            "description": request.description,
            "metadata": dict(request.metadata) or None,
        }
        params.update({key: value for key, value in optional.items() if value is not None})
        if request.connected_account:
            # A destination charge: the intent stays on the platform account, so later calls
            # find it without a Stripe-Account header; the merchant settles it.
            params["transfer_data"] = {"destination": request.connected_account}
            params["on_behalf_of"] = request.connected_account
        if request.application_fee is not None:
            params["application_fee_amount"] = request.application_fee.amount
        return await self._intent(
            "create intent",
            lambda o: self._v1.payment_intents.create_async(params, options=o),
            idempotency_key,
        )

    async def confirm_intent(
        self, gateway_payment_id: str, payment_method: str, idempotency_key: str
    ) -> GatewayIntent:
        params = {"payment_method": payment_method}
        return await self._intent(
            "confirm intent",
            lambda o: self._v1.payment_intents.confirm_async(gateway_payment_id, params, options=o),
            idempotency_key,
            intent_id=gateway_payment_id,
        )

    async def capture_intent(self, request: CaptureRequest, idempotency_key: str) -> GatewayIntent:
        intent_id = request.gateway_payment_id
        params: dict[str, Any] = {"amount_to_capture": request.amount.amount}
        if request.application_fee is not None:
            params["application_fee_amount"] = request.application_fee.amount
        intent = await self._intent(
            "capture intent",
            lambda o: self._v1.payment_intents.capture_async(intent_id, params, options=o),
            idempotency_key,
            intent_id=intent_id,
        )
        if intent.status is PaymentStatus.SUCCEEDED and not intent.amount_received:
            # Stripe always reports amount_received; a stand-in that omits it took what
            # was asked (otherwise a partial capture would be booked as a full one).
            intent = dataclasses.replace(intent, amount_received=request.amount.amount)
        return intent

    async def cancel_intent(
        self, gateway_payment_id: str, reason: str | None, idempotency_key: str
    ) -> GatewayIntent:
        params: dict[str, Any] = {}
        if reason is not None:
            stripe_reason = reason if reason in _CANCELLATION_REASONS else "abandoned"
            params["cancellation_reason"] = stripe_reason
        return await self._intent(
            "cancel intent",
            lambda o: self._v1.payment_intents.cancel_async(gateway_payment_id, params, options=o),
            idempotency_key,
            intent_id=gateway_payment_id,
        )

    async def retrieve_intent(self, gateway_payment_id: str) -> GatewayIntent:
        found = await self._requests.send(
            "retrieve intent",
            lambda o: self._v1.payment_intents.retrieve_async(gateway_payment_id, options=o),
            mutating=False,
        )
        return intent_from_stripe(found)

    async def find_intent(self, payment_id: str) -> GatewayIntent | None:
        """Through Stripe's Search API, which lags writes by up to a minute or so: reconciliation
        asks well after the answer was lost."""
        quoted = payment_id.replace("\\", "\\\\").replace("'", "\\'")
        params = {"query": f"metadata['kassa_payment_id']:'{quoted}'", "limit": 1}
        found = await self._requests.send(
            "find intent",
            lambda o: self._v1.payment_intents.search_async(params, options=o),
            mutating=False,
        )
        return intent_from_stripe(found["data"][0]) if found["data"] else None

    # ------------------------------------------------------------ refunds and fees

    async def create_refund(self, request: RefundRequest) -> GatewayRefund:
        params: dict[str, Any] = {
            "payment_intent": request.gateway_payment_id,
            "amount": request.amount.amount,
        }
        if request.refund_id is not None:
            params["metadata"] = {"kassa_refund_id": request.refund_id}
        if request.reason is not None:
            params["reason"] = request.reason
        if request.refund_application_fee:
            # A destination charge's refund also takes the money back from the merchant;
            # the platform fee goes back in proportion.
            params["refund_application_fee"] = True
            params["reverse_transfer"] = True
        found = await self._requests.send(
            "create refund",
            lambda o: self._v1.refunds.create_async(params, options=o),
            request.idempotency_key,
        )
        return refund_from_stripe(found, request.gateway_payment_id)

    async def retrieve_refund(self, gateway_refund_id: str) -> GatewayRefund:
        found = await self._requests.send(
            "retrieve refund",
            lambda o: self._v1.refunds.retrieve_async(gateway_refund_id, options=o),
            mutating=False,
        )
        return refund_from_stripe(found)

    async def find_refund(self, gateway_payment_id: str, refund_id: str) -> GatewayRefund | None:
        """Stripe lists an intent's refunds (newest first, by pages of 100)."""
        params: dict[str, Any] = {"payment_intent": gateway_payment_id, "limit": 100}
        while True:
            page = await self._requests.send(
                "list refunds",
                functools.partial(self._list_refunds, dict(params)),
                mutating=False,
            )
            for found in page["data"]:
                if (found.get("metadata") or {}).get("kassa_refund_id") == refund_id:
                    return refund_from_stripe(found, gateway_payment_id)
            if not page.get("has_more") or not page["data"]:
                return None
            params["starting_after"] = page["data"][-1]["id"]

    async def _list_refunds(self, params: dict[str, Any], options: Any) -> Any:
        return await self._v1.refunds.list_async(params, options=options)

    async def retrieve_charge_fee(self, charge_id: str) -> Money | None:
        params = {"expand": ["balance_transaction"]}
        charge = await self._requests.send(
            "retrieve charge",
            lambda o: self._v1.charges.retrieve_async(charge_id, params, options=o),
            mutating=False,
        )
        return balance_fee(charge)

    # ------------------------------------------------------------ customers and cards

    async def create_customer(self, email: str, name: str | None, idempotency_key: str) -> str:
        return await self._customers.create(email, name, idempotency_key)

    async def attach_payment_method(
        self, gateway_customer_id: str, payment_method: str, idempotency_key: str
    ) -> GatewayPaymentMethod:
        return await self._customers.attach(gateway_customer_id, payment_method, idempotency_key)

    async def detach_payment_method(self, gateway_payment_method_id: str) -> None:
        await self._customers.detach(gateway_payment_method_id)

    async def list_payment_methods(
        self, gateway_customer_id: str
    ) -> Sequence[GatewayPaymentMethod]:
        return await self._customers.cards(gateway_customer_id)

    async def set_default_payment_method(
        self, gateway_customer_id: str, gateway_payment_method_id: str
    ) -> None:
        await self._customers.set_default(gateway_customer_id, gateway_payment_method_id)

    async def create_portal_session(self, gateway_customer_id: str, return_url: str) -> str:
        return await self._customers.portal_session(gateway_customer_id, return_url)

    async def ping(self) -> None:
        try:
            await self._requests.send(
                "ping", lambda o: self._v1.balance.retrieve_async(options=o), mutating=False
            )
        except GatewayRejectedError as exc:
            raise GatewayError(str(exc)) from None
