"""Reconciliation settles unknown outcomes, expires old authorizations, settles refunds."""

from datetime import timedelta
from typing import Any

from adapters.gateways.fake import FakePaymentGateway
from adapters.gateways.fake_console import FakeGatewayConsole
from application.errors import GatewayOutcomeUnknownError
from application.payments.create_payment import CreatePaymentCommand
from application.payments.refund_payment import RefundPaymentCommand
from domain.gateway_results import GatewayRefund
from domain.statuses import PaymentStatus, RefundState
from domain.sync_result import SyncResult
from tests.unit.factories import T0, payment_command
from tests.unit.world import World, reconcile


def command(method: str, manual: bool = True) -> CreatePaymentCommand:
    return payment_command(method, manual=manual, allow_additional=True)


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


class _AnswerLost(FakePaymentGateway):
    """Makes the refund, then loses the answer (a timeout after the gateway acted)."""

    async def create_refund(self, *args: Any, **kwargs: Any) -> GatewayRefund:
        await super().create_refund(*args, **kwargs)
        raise GatewayOutcomeUnknownError("timed out")


class _NeverSent(FakePaymentGateway):
    """Fails the first refund request before it reaches the gateway (a 5xx at the edge)."""

    sent = False

    async def create_refund(self, *args: Any, **kwargs: Any) -> GatewayRefund:
        if not self.sent:
            self.sent = True
            raise GatewayOutcomeUnknownError("502 from the load balancer")
        return await super().create_refund(*args, **kwargs)


async def test_a_refund_whose_answer_was_lost_is_found_by_its_kassa_id_and_settled() -> None:
    world = World(gateway=_AnswerLost())
    payment = await world.create().execute(command("pm_card_visa", manual=False))
    result = await world.refund().execute(RefundPaymentCommand("ten_1", payment.id, 3_000))
    assert (result.refund.status, result.refund.gateway_refund_id) == (RefundState.PENDING, None)

    report = await reconcile(world).execute(fix=True)

    settled = world.store.payments[payment.id]
    (made,) = world.gateway.refunds.values()
    assert settled.refunds[0].gateway_refund_id == made.id
    assert (settled.refunds[0].status, settled.amount_refunded) == (RefundState.SUCCEEDED, 3_000)
    assert [d.action for d in report] == [f"refund {result.refund.id} succeeded"]
    assert await reconcile(world).execute(fix=True) == []


async def test_a_refund_that_never_reached_the_gateway_is_sent_once_by_reconciliation() -> None:
    world = World(gateway=_NeverSent())
    payment = await world.create().execute(command("pm_card_visa", manual=False))
    result = await world.refund().execute(RefundPaymentCommand("ten_1", payment.id, 2_500))
    assert not world.gateway.refunds

    looked = await reconcile(world).execute(fix=False)
    assert [d.action for d in looked] == [
        f"refund {result.refund.id} not at the gateway: to be sent"
    ]
    assert not world.gateway.refunds  # a report does not act
    await reconcile(world).execute(fix=True)
    await reconcile(world).execute(fix=True)

    (made,) = world.gateway.refunds.values()
    assert made.amount.amount == 2_500
    settled = world.store.payments[payment.id]
    assert (settled.refunds[0].status, settled.amount_refunded) == (RefundState.SUCCEEDED, 2_500)


async def test_a_refund_webhook_arriving_before_the_answer_settles_the_same_refund() -> None:
    world = World(gateway=_AnswerLost())
    payment = await world.create().execute(command("pm_card_visa", manual=False))
    result = await world.refund().execute(RefundPaymentCommand("ten_1", payment.id, 1_000))
    (made,) = world.gateway.refunds.values()
    echoed = await world.gateway.retrieve_refund(made.id)
    stored = world.store.payments[payment.id]

    assert stored.absorb_gateway_refund("re_from_webhook", echoed, T0) is SyncResult.APPLIED

    assert [(r.id, r.status, r.gateway_refund_id) for r in stored.refunds] == [
        (result.refund.id, RefundState.SUCCEEDED, made.id)
    ]
    assert stored.amount_refunded == 1_000
