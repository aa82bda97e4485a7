"""Reconciliation settles unknown outcomes, expires old authorizations, settles refunds."""

from datetime import timedelta

from adapters.gateways.fake_console import FakeGatewayConsole
from application.payments.create_payment import CreatePaymentCommand
from application.payments.refund_payment import RefundPaymentCommand
from domain.statuses import CaptureMethod, PaymentStatus, RefundState
from tests.unit.world import World, reconcile


def command(method: str, manual: bool = True) -> CreatePaymentCommand:
    return CreatePaymentCommand(
        tenant_id="ten_1", order_id="ord_1", amount=10_000, currency="usd",
        capture_method=CaptureMethod.MANUAL if manual else CaptureMethod.AUTOMATIC,
        confirm=True, payment_method=method, allow_additional=True,
    )  # fmt: skip


async def test_an_unknown_outcome_is_reported_then_settled() -> None:
    world = World()
    payment = await world.create().execute(command("pm_card_timeout"))
    assert payment.outcome_unknown and payment.gateway_payment_id is None
    report = await reconcile(world).execute(fix=False)
    assert [(d.payment_id, d.gateway_status, d.fixed) for d in report] == [
        (payment.id, "requires_capture", False)
    ]
    assert world.store.payments[payment.id].status is PaymentStatus.PROCESSING
    await reconcile(world).execute(fix=True)
    settled = world.store.payments[payment.id]
    assert (settled.status, settled.outcome_unknown) == (PaymentStatus.REQUIRES_CAPTURE, False)
    assert await reconcile(world).execute(fix=True) == []


async def test_authorizations_older_than_seven_days_are_canceled_automatically() -> None:
    world = World()
    payment = await world.create().execute(command("pm_card_visa"))
    world.clock.advance(timedelta(days=7, minutes=1))
    report = await reconcile(world).execute(fix=True)
    assert [d.action for d in report] == ["authorization expired: canceled"]
    expired = world.store.payments[payment.id]
    assert (expired.status, expired.cancellation_reason) == (PaymentStatus.CANCELED, "automatic")
    at_gateway = await world.gateway.retrieve_intent(expired.gateway_payment_id or "")
    assert at_gateway.status is PaymentStatus.CANCELED


async def test_a_pending_refund_is_settled_from_the_gateway() -> None:
    world = World()
    payment = await world.create().execute(command("pm_card_refundFail", manual=False))
    result = await world.refund().execute(RefundPaymentCommand("ten_1", payment.id, 3_000))
    FakeGatewayConsole(world.gateway).settle_refund(result.refund.gateway_refund_id or "", False)
    await reconcile(world).execute(fix=True)
    settled = world.store.payments[payment.id]
    assert settled.refunds[0].status is RefundState.FAILED
    assert settled.refundable.amount == 10_000
