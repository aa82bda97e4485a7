"""The consumer on the memory store: exactly-once effects, monotonic order, retries."""

import json
from datetime import timedelta

import pytest
from dependency_injector import providers

from adapters.gateways.fake_console import FakeGatewayConsole
from adapters.gateways.stripe_signature import sign
from application.payments.refund_payment import RefundPaymentCommand
from application.webhooks.replay import ReplayWebhookEvents
from domain import events as ev
from domain.money import Money
from domain.statuses import DisputeStatus, PaymentStatus, RefundStatus
from domain.webhook_event import MAX_ATTEMPTS, WebhookEventKey, WebhookStatus, retry_delay
from tests.unit.factories import payment_command
from tests.unit.world import World

SECRET = "whsec_fake_kassa"
STRIPE_SECRET = "whsec_stripe_unit"


def read_envelope(payload: bytes) -> tuple[str, str]:
    body = json.loads(payload)
    return body["id"], body["type"]


class Loop:
    """The fake gateway's events, delivered to the inbox and consumed."""

    def __init__(self, world: World) -> None:
        self.world = world
        world.gateway.clock = world.clock
        self.console = FakeGatewayConsole(world.gateway)
        world.container.gateway_webhook_secrets.override(
            providers.Object({"fake": SECRET, "stripe": STRIPE_SECRET})
        )
        self.receive = world.container.receive_webhook()
        self.consumer = world.container.webhook_consumer(jitter=lambda: 0.0)

    async def deliver(self, times: int = 1) -> None:
        for delivery in self.console.deliveries(SECRET, self.world.clock.now()):
            for _ in range(times):
                await self.receive.execute("fake", delivery.payload, delivery.signature)

    async def drain(self) -> None:
        while await self.consumer.run_once():
            pass

    async def send(self, gateway: str, event_id: str, event_type: str, obj: object) -> bool:
        """One event as `gateway` would sign it (or as anyone holding its secret would)."""
        body = json.dumps(
            {"id": event_id, "object": "event", "type": event_type, "data": {"object": obj}}
        ).encode()
        secret = {"fake": SECRET, "stripe": STRIPE_SECRET}[gateway]
        signature = sign(body, secret, int(self.world.clock.now().timestamp()))
        return await self.receive.execute(gateway, body, signature)

    def statuses(self) -> dict[str, WebhookStatus]:
        return {e.id: e.status for e in self.world.store.webhooks.values()}


@pytest.fixture
def loop() -> Loop:
    return Loop(World())


async def charge(loop: Loop, method: str = "pm_card_visa", manual: bool = False) -> str:
    payment = await loop.world.create().execute(
        payment_command(method, manual=manual, allow_additional=True)
    )
    return payment.id


async def test_duplicate_deliveries_are_stored_once_and_applied_once(loop: Loop) -> None:
    await charge(loop)
    await loop.deliver(times=3)
    stored = len(loop.world.store.webhooks)
    assert stored == len(loop.world.gateway.log.events)
    await loop.drain()
    assert set(loop.statuses().values()) <= {WebhookStatus.PROCESSED}


async def test_the_actual_fee_replaces_the_estimate(loop: Loop) -> None:
    payment_id = await charge(loop)
    await loop.deliver()
    await loop.drain()
    payment = loop.world.store.payments[payment_id]
    assert payment.gateway_fee_source.value == "actual"
    assert payment.platform_fee + payment.gateway_fee + payment.net_amount == 10_000


async def test_a_dashboard_refund_appears_in_kassa(loop: Loop) -> None:
    payment_id = await charge(loop)
    payment = loop.world.store.payments[payment_id]
    loop.console.refund_from_dashboard(payment.gateway_payment_id or "", Money(2_500, "USD"))
    await loop.deliver()
    await loop.drain()
    payment = loop.world.store.payments[payment_id]
    assert payment.amount_refunded == 2_500
    assert payment.refund_status is RefundStatus.PARTIAL
    assert len(payment.refunds) == 1  # refund.created and charge.refunded are one refund
    refunded = [e for e in loop.world.publisher.events if isinstance(e, ev.PaymentRefunded)]
    assert len(refunded) == 1


async def test_a_refund_failing_at_the_bank_restores_the_balance(loop: Loop) -> None:
    payment_id = await charge(loop, "pm_card_refundFail")
    result = await loop.world.refund().execute(RefundPaymentCommand("ten_1", payment_id, 4_000))
    loop.console.settle_refund(result.refund.gateway_refund_id or "", succeed=False)
    await loop.deliver()
    await loop.drain()
    payment = loop.world.store.payments[payment_id]
    assert payment.refundable.amount == 10_000
    assert payment.refunds[0].status.value == "failed"


async def test_a_dispute_opened_and_lost(loop: Loop) -> None:
    payment_id = await charge(loop)
    gateway_id = loop.world.store.payments[payment_id].gateway_payment_id or ""
    dispute = loop.console.open_dispute(gateway_id)
    await loop.deliver()
    await loop.drain()
    assert loop.world.store.payments[payment_id].dispute_status is DisputeStatus.NEEDS_RESPONSE
    loop.console.close_dispute(dispute.id, won=False)
    await loop.deliver()
    await loop.drain()
    assert loop.world.store.payments[payment_id].dispute_status is DisputeStatus.LOST


async def test_a_late_failure_is_stale_and_changes_nothing(loop: Loop) -> None:
    payment_id = await charge(loop)
    await loop.deliver()
    await loop.drain()
    loop.console.fail_late(loop.world.store.payments[payment_id].gateway_payment_id or "")
    await loop.deliver()
    await loop.drain()
    assert loop.world.store.payments[payment_id].status is PaymentStatus.SUCCEEDED
    assert WebhookStatus.STALE in loop.statuses().values()


async def test_a_success_after_a_failure_moves_the_payment_on(loop: Loop) -> None:
    payment_id = await charge(loop, "pm_card_chargeDeclined")
    loop.console.pay_again(loop.world.store.payments[payment_id].gateway_payment_id or "")
    await loop.deliver()
    await loop.drain()
    assert loop.world.store.payments[payment_id].status is PaymentStatus.SUCCEEDED


async def test_a_confirmation_by_the_gateway_completes_3ds(loop: Loop) -> None:
    payment_id = await charge(loop, "pm_card_threeDSecureRequired", manual=True)
    loop.console.complete_action(loop.world.store.payments[payment_id].gateway_payment_id or "")
    await loop.deliver()
    await loop.drain()
    assert loop.world.store.payments[payment_id].status is PaymentStatus.REQUIRES_CAPTURE


async def test_events_for_unknown_payments_retry_then_die(loop: Loop) -> None:
    await charge(loop)
    loop.world.store.payments.clear()
    await loop.deliver()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        await loop.consumer.run_once()
        loop.world.clock.advance(timedelta(hours=2))
        if attempt < MAX_ATTEMPTS:
            assert WebhookStatus.FAILED in loop.statuses().values()
    dead = [e for e in loop.world.store.webhooks.values() if e.status is WebhookStatus.DEAD]
    assert dead and all("unknown_payment" in (e.last_error or "") for e in dead)


async def test_other_event_types_are_ignored(loop: Loop) -> None:
    loop.world.gateway.emit("customer.created", {"id": "cus_1", "object": "customer"})
    await loop.deliver()
    await loop.drain()
    assert list(loop.statuses().values()) == [WebhookStatus.IGNORED]


async def test_a_lease_taken_over_by_another_consumer_is_not_applied_twice(loop: Loop) -> None:
    payment_id = await charge(loop)
    await loop.deliver()
    slow = await loop.consumer.claim(100)
    loop.world.clock.advance(timedelta(seconds=61))  # the slow consumer's lease runs out
    await loop.drain()  # a second consumer takes over and applies everything
    for event in slow:
        assert await loop.consumer.process(event) is None
    captured = [
        e
        for e in loop.world.publisher.events
        if isinstance(e, ev.GatewayFeeReported) and e.payment_id == payment_id
    ]
    assert len(captured) == 1


def test_backoff_doubles_from_30_seconds_and_caps_at_an_hour() -> None:
    assert retry_delay(1, 0.0) == timedelta(seconds=15)
    assert retry_delay(1, 0.999999) < timedelta(seconds=30)
    assert retry_delay(2, 0.0) == timedelta(seconds=30)
    assert retry_delay(20, 0.0) == timedelta(minutes=30)
    assert retry_delay(20, 0.999999) <= timedelta(hours=1)


async def test_dead_events_can_be_replayed_and_then_applied(loop: Loop) -> None:
    payment_id = await charge(loop)
    stored = loop.world.store.payments.pop(payment_id)
    await loop.deliver()
    for _ in range(MAX_ATTEMPTS):
        await loop.consumer.run_once()
        loop.world.clock.advance(timedelta(hours=2))
    replay = ReplayWebhookEvents(loop.world.uow, loop.world.clock)
    dead = await replay.dead_keys()
    assert dead
    loop.world.store.payments[payment_id] = stored  # the payment turned up after all
    seen: list[WebhookEventKey] = []
    await replay.execute(dead, progress=seen.append)
    assert seen == list(dead)
    await loop.drain()
    assert WebhookStatus.DEAD not in loop.statuses().values()
    assert loop.world.store.payments[payment_id].gateway_fee_source.value == "actual"


def succeeded_intent(gateway_payment_id: str) -> dict[str, object]:
    return {
        "id": gateway_payment_id,
        "object": "payment_intent",
        "amount": 10_000,
        "currency": "usd",
        "status": "succeeded",
        "amount_capturable": 0,
        "amount_received": 10_000,
    }


async def stripe_payment_awaiting_capture(loop: Loop) -> str:
    """A payment Kassa took through Stripe, authorized and not captured yet."""
    payment_id = await charge(loop, manual=True)
    await loop.deliver()
    await loop.drain()
    payment = loop.world.store.payments[payment_id]
    payment.gateway = "stripe"  # as if Stripe had authorized it
    assert payment.status is PaymentStatus.REQUIRES_CAPTURE
    return payment_id


async def test_a_fake_gateway_event_for_a_stripe_payment_changes_nothing(loop: Loop) -> None:
    payment_id = await stripe_payment_awaiting_capture(loop)
    before = loop.world.store.payments[payment_id]
    published = len(loop.world.publisher.events)

    forged = succeeded_intent(before.gateway_payment_id or "")
    assert await loop.send("fake", "evt_forged", "payment_intent.succeeded", forged)
    await loop.drain()

    after = loop.world.store.payments[payment_id]
    assert (after.status, after.amount_captured, after.version) == (
        PaymentStatus.REQUIRES_CAPTURE, 0, before.version,
    )  # fmt: skip
    assert len(loop.world.publisher.events) == published
    event = loop.world.store.webhooks[WebhookEventKey("fake", "evt_forged")]
    assert event.status is WebhookStatus.IGNORED  # set aside for good, never retried
    assert event.last_error is not None and event.last_error.startswith("gateway_mismatch")
    assert payment_id in event.last_error


async def test_the_payments_own_gateway_still_moves_it(loop: Loop) -> None:
    payment_id = await stripe_payment_awaiting_capture(loop)
    gateway_id = loop.world.store.payments[payment_id].gateway_payment_id or ""

    await loop.send("fake", "evt_1", "payment_intent.succeeded", succeeded_intent(gateway_id))
    await loop.send("stripe", "evt_1", "payment_intent.succeeded", succeeded_intent(gateway_id))
    await loop.drain()

    assert loop.world.store.payments[payment_id].status is PaymentStatus.SUCCEEDED
    events = loop.world.store.webhooks
    assert events[WebhookEventKey("stripe", "evt_1")].status is WebhookStatus.PROCESSED
    assert events[WebhookEventKey("fake", "evt_1")].status is WebhookStatus.IGNORED
