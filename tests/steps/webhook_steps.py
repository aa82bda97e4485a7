"""Steps about the gateway's news: what happens at the gateway, and Kassa hearing of it."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from adapters.gateways.fake_events import SignedDelivery
from adapters.gateways.fake_state import FakeDispute
from application.ports.repositories import PageRequest
from application.ports.webhook_inbox import WebhookEventFilter
from domain.money import Money
from domain.payment import Payment
from domain.payment_fees import GatewayFeeSource
from domain.statuses import DisputeStatus, PaymentStatus
from domain.webhook_event import WebhookStatus
from tests.steps.fee_steps import assert_gateway_fee
from tests.steps.payment_steps import the_payment_waits_for_the_customer
from tests.steps.shop import Shop
from tests.steps.vocabulary import WORDS


def gateway_id(shop: Shop, payment: Payment) -> str:
    found = shop.reload(payment).gateway_payment_id
    assert found is not None, "the gateway never saw the payment"
    return found


# ------------------------------------------------------------ at the gateway


@when("the customer confirms with their bank at the gateway")
def the_customer_confirms_at_the_gateway(shop: Shop, payment: Payment) -> None:
    shop.bank.complete_action(gateway_id(shop, payment))


@when("the customer pays again at the gateway with a card that works")
def the_customer_pays_again_at_the_gateway(shop: Shop, payment: Payment) -> None:
    shop.bank.pay_again(gateway_id(shop, payment))


@when(
    parsers.parse(
        "the merchant refunds {amount:Money} in the gateway's dashboard", extra_types=WORDS
    )
)
def the_merchant_refunds_in_the_dashboard(shop: Shop, payment: Payment, amount: Money) -> None:
    shop.bank.refund_from_dashboard(gateway_id(shop, payment), amount)


@when("the customer disputes the payment with their bank", target_fixture="dispute")
def the_customer_disputes(shop: Shop, payment: Payment) -> FakeDispute:
    return shop.bank.open_dispute(gateway_id(shop, payment))


@when("the bank decides the dispute for the customer")
def the_bank_decides_for_the_customer(shop: Shop, dispute: FakeDispute) -> None:
    shop.bank.close_dispute(dispute.id, won=False)


@when("the gateway belatedly reports that the payment failed")
def the_gateway_reports_a_late_failure(shop: Shop, payment: Payment) -> None:
    shop.bank.fail_late(gateway_id(shop, payment))


# ------------------------------------------------------------ reaching Kassa


@given("the gateway's news has reached Kassa")
@when("the gateway's news reaches Kassa")
def the_news_reaches_kassa(shop: Shop) -> None:
    shop.hear_from_the_gateway()


@when(
    parsers.parse("the gateway delivers all its news {times:d} times over, latest first"),
    target_fixture="deliveries",
)
def the_gateway_delivers_many_times(shop: Shop, times: int) -> list[SignedDelivery]:
    secret = shop.container.settings().fake_webhook_secret
    deliveries = shop.bank.deliveries(secret, shop.clock.now())
    for _ in range(times):
        for delivery in reversed(deliveries):
            receive = shop.container.receive_webhook()
            shop.run(receive.execute("fake", delivery.payload, delivery.signature))
    return deliveries


@when("Kassa acts on what it has received")
def kassa_acts_on_what_it_received(shop: Shop) -> None:
    while shop.run(shop.container.webhook_consumer().run_once()):
        pass


# ------------------------------------------------------------------ then


@then("the payment still waits for the customer to confirm with their bank")
def the_payment_still_waits(shop: Shop, payment: Payment) -> None:
    the_payment_waits_for_the_customer(shop, payment)


@then(parsers.parse("the gateway reports its fee as {amount:Money}", extra_types=WORDS))
def the_gateway_reports_its_fee(shop: Shop, payment: Payment, amount: Money) -> None:
    assert_gateway_fee(shop, payment, amount, GatewayFeeSource.ACTUAL)


@then("the payment is disputed and awaits the merchant's answer")
def the_payment_is_disputed(shop: Shop, payment: Payment) -> None:
    status = shop.reload(payment).dispute_status
    assert status is DisputeStatus.NEEDS_RESPONSE, f"the dispute is {status.value}"


@then("the merchant has lost the dispute")
def the_merchant_has_lost(shop: Shop, payment: Payment) -> None:
    status = shop.reload(payment).dispute_status
    assert status is DisputeStatus.LOST, f"the dispute is {status.value}"


@then("Kassa set the late report aside as out of date")
def the_late_report_was_set_aside(shop: Shop, payment: Payment) -> None:
    assert shop.reload(payment).status is PaymentStatus.SUCCEEDED
    page = shop.run(
        shop.container.list_webhook_events().execute(
            WebhookEventFilter(WebhookStatus.STALE, "payment_intent.payment_failed"),
            PageRequest(limit=10),
        )
    )
    assert len(page.data) == 1, f"{len(page.data)} late reports were set aside"


@then(parsers.parse("the payment has {count:d} refund"))
@then(parsers.parse("the payment has {count:d} refunds"))
def the_payment_has_refunds(shop: Shop, payment: Payment, count: int) -> None:
    found = len(shop.reload(payment).refunds)
    assert found == count, f"the payment has {found} refunds"


@then("Kassa kept each piece of news once")
def each_piece_of_news_kept_once(shop: Shop, deliveries: list[SignedDelivery]) -> None:
    page = shop.run(
        shop.container.list_webhook_events().execute(WebhookEventFilter(), PageRequest(limit=100))
    )
    kept = sorted(event.id for event in page.data)
    assert kept == sorted(d.event_id for d in deliveries), f"Kassa kept {len(kept)} events"
    assert all(event.attempts <= 1 for event in page.data), "some news was acted on twice"
    # Only news that changes nothing (payment_intent.created) is done on receipt, unclaimed.
    settled = {event.type for event in page.data if event.attempts == 0}
    assert settled <= {"payment_intent.created"}, settled
