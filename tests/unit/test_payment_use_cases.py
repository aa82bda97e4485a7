"""Payment use cases against the memory store and the fake gateway."""

import asyncio
from datetime import timedelta

import pytest

from application.errors import (
    ConflictError,
    DuplicatePaymentError,
    GatewayRejectedError,
    NotFoundError,
)
from application.idempotency import IdempotencyContext
from application.payments.cancel_payment import CancelPaymentCommand
from application.payments.capture_payment import CapturePaymentCommand
from application.payments.confirm_payment import ConfirmPaymentCommand
from application.payments.create_payment import CreatePaymentCommand
from application.payments.refund_payment import RefundPaymentCommand
from application.ports.gateway import CaptureRequest
from domain import events as ev
from domain.errors import InvalidStateTransitionError, RefundWindowClosedError
from domain.money import Money
from domain.statuses import PaymentStatus, RefundState
from domain.tenant import TenantStatus, TenantSuspendedError
from tests.unit.factories import payment_command
from tests.unit.world import World


def command(
    method: str | None = "pm_card_visa",
    *,
    manual: bool = True,
    confirm: bool = True,
    order: str = "ord_1",
    **extra: object,
) -> CreatePaymentCommand:
    return payment_command(method, manual=manual, confirm=confirm, order=order, **extra)


@pytest.fixture
def world() -> World:
    return World()


async def test_authorize_capture_part_and_refund_twice(world: World) -> None:
    payment = await world.create().execute(command())
    assert payment.status is PaymentStatus.REQUIRES_CAPTURE
    captured = await world.capture().execute(
        CapturePaymentCommand("ten_1", payment.id, amount=6_000)
    )
    assert (captured.status, captured.amount_captured) == (PaymentStatus.SUCCEEDED, 6_000)
    at_gateway = await world.gateway.retrieve_intent(captured.gateway_payment_id or "")
    assert at_gateway.amount_received == 6_000
    first = await world.refund().execute(RefundPaymentCommand("ten_1", payment.id, 1_000))
    second = await world.refund().execute(RefundPaymentCommand("ten_1", payment.id))
    assert first.refund.status is second.refund.status is RefundState.SUCCEEDED
    assert second.refund.amount.amount == 5_000
    assert second.payment.platform_fee_reversed == second.payment.platform_fee == 180
    types = {type(e) for e in world.publisher.events}
    assert {
        ev.PaymentCreated,
        ev.PaymentAuthorized,
        ev.PaymentCaptured,
        ev.PaymentRefunded,
    } <= types


async def test_charge_succeeds_at_once_with_fees(world: World) -> None:
    payment = await world.create().execute(command(manual=False))
    assert payment.status is PaymentStatus.SUCCEEDED
    assert (payment.platform_fee, payment.gateway_fee, payment.net_amount) == (300, 320, 9_380)


async def test_intent_then_confirm(world: World) -> None:
    payment = await world.create().execute(command(None, confirm=False))
    assert payment.status is PaymentStatus.REQUIRES_PAYMENT_METHOD
    assert payment.client_secret
    confirmed = await world.confirm().execute(
        ConfirmPaymentCommand("ten_1", payment.id, "pm_card_mastercard")
    )
    assert confirmed.status is PaymentStatus.REQUIRES_CAPTURE


async def test_decline_is_kept_as_a_failed_payment(world: World) -> None:
    payment = await world.create().execute(command("pm_card_chargeDeclinedInsufficientFunds"))
    assert payment.status is PaymentStatus.FAILED
    assert payment.decline_code == "insufficient_funds"
    assert payment.id in world.store.payments


async def test_three_d_secure_needs_an_action(world: World) -> None:
    payment = await world.create().execute(command("pm_card_threeDSecureRequired"))
    assert payment.status is PaymentStatus.REQUIRES_ACTION
    assert payment.next_action and payment.client_secret


async def test_timeout_leaves_the_outcome_unknown(world: World) -> None:
    payment = await world.create().execute(command("pm_card_timeout"))
    assert (payment.status, payment.outcome_unknown) == (PaymentStatus.PROCESSING, True)


async def test_unknown_payment_method_writes_nothing(world: World) -> None:
    with pytest.raises(GatewayRejectedError):
        await world.create().execute(command("pm_card_nope"))
    assert world.store.payments == {}


async def test_duplicate_order_is_refused_unless_allowed(world: World) -> None:
    await world.create().execute(command())
    with pytest.raises(DuplicatePaymentError):
        await world.create().execute(command())
    extra = await world.create().execute(command(allow_additional=True))
    assert extra.status is PaymentStatus.REQUIRES_CAPTURE


async def test_a_declined_order_may_be_paid_again(world: World) -> None:
    await world.create().execute(command("pm_card_chargeDeclined"))
    retried = await world.create().execute(command())
    assert retried.status is PaymentStatus.REQUIRES_CAPTURE


async def test_suspended_tenant_cannot_take_payments(world: World) -> None:
    world.store.tenants["ten_1"].status = TenantStatus.SUSPENDED
    with pytest.raises(TenantSuspendedError):
        await world.create().execute(command())


async def test_another_tenant_cannot_see_the_payment(world: World) -> None:
    payment = await world.create().execute(command())
    with pytest.raises(NotFoundError):
        await world.capture().execute(CapturePaymentCommand("ten_2", payment.id))


async def test_cancel_releases_the_authorization(world: World) -> None:
    payment = await world.create().execute(command())
    canceled = await world.cancel().execute(
        CancelPaymentCommand("ten_1", payment.id, "requested_by_customer")
    )
    assert canceled.status is PaymentStatus.CANCELED
    assert canceled.cancellation_reason == "requested_by_customer"
    gateway_intent = await world.gateway.retrieve_intent(canceled.gateway_payment_id or "")
    assert gateway_intent.status is PaymentStatus.CANCELED
    with pytest.raises(InvalidStateTransitionError):
        await world.capture().execute(CapturePaymentCommand("ten_1", payment.id))


async def test_concurrent_captures_capture_once_and_the_loser_conflicts(world: World) -> None:
    payment = await world.create().execute(command())
    results = await asyncio.gather(
        *(world.capture().execute(CapturePaymentCommand("ten_1", payment.id)) for _ in range(2)),
        return_exceptions=True,
    )
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1 and len(losses) == 1
    assert isinstance(losses[0], (ConflictError, InvalidStateTransitionError))
    capture_keys = {key for op, key in world.gateway.calls if op == "capture_intent"}
    assert capture_keys == {f"kassa_{payment.id}_capture"}


async def test_refund_after_the_window_is_refused(world: World) -> None:
    payment = await world.create().execute(command(manual=False))
    world.clock.advance(timedelta(days=91))
    with pytest.raises(RefundWindowClosedError):
        await world.refund().execute(RefundPaymentCommand("ten_1", payment.id))


async def test_a_refund_pending_at_the_bank_reserves_its_amount(world: World) -> None:
    payment = await world.create().execute(command("pm_card_refundFail", manual=False))
    result = await world.refund().execute(RefundPaymentCommand("ten_1", payment.id, 4_000))
    assert result.refund.status is RefundState.PENDING
    assert result.payment.refundable.amount == 6_000


async def test_resumed_request_continues_with_the_same_payment(world: World) -> None:
    service = world.idempotency()
    ctx = await service.begin("ten_1", "key-1", "fp")
    assert isinstance(ctx, IdempotencyContext)
    world.gateway.available = False
    with pytest.raises(Exception, match="switched off"):
        await world.create().execute(command(idempotency=ctx))
    await service.abandon(ctx)
    world.gateway.available = True
    resumed = await service.begin("ten_1", "key-1", "fp")
    assert isinstance(resumed, IdempotencyContext) and resumed.payment_id
    payment = await world.create().execute(command(idempotency=resumed))
    assert payment.id == resumed.payment_id
    assert len(world.store.payments) == 1
    assert payment.status is PaymentStatus.REQUIRES_CAPTURE


async def test_cancel_of_a_payment_captured_meanwhile_at_the_gateway_conflicts(
    world: World,
) -> None:
    payment = await world.create().execute(command())
    gateway_id = payment.gateway_payment_id or ""
    await world.gateway.capture_intent(
        CaptureRequest(gateway_id, payment.amount), "captured-elsewhere"
    )
    with pytest.raises(ConflictError):
        await world.cancel().execute(CancelPaymentCommand("ten_1", payment.id, None))
    assert world.store.payments[payment.id].status is PaymentStatus.SUCCEEDED


async def test_connect_fees_follow_the_account_the_payment_was_made_with(world: World) -> None:
    world.store.tenants["ten_1"].connected_account_id = "acct_1"
    payment = await world.create().execute(command(manual=False))
    intent = world.gateway.intents[payment.gateway_payment_id or ""]
    assert (intent.connected_account, intent.application_fee) == ("acct_1", Money(300, "USD"))
    world.store.tenants["ten_1"].connected_account_id = None  # the tenant leaves Connect
    await world.refund().execute(RefundPaymentCommand("ten_1", payment.id, 1_000))
    [refund] = world.gateway.refunds.values()
    assert refund.refund_application_fee  # the charge carried a fee: its refund returns it
