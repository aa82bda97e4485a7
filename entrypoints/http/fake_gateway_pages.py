"""The fake gateway's pages, where Stripe has pages (SPEC §13): the 3-D Secure challenge a
`requires_action` payment's `next_action.redirect_to_url.url` opens, and the billing portal
a portal session's URL opens. Plain server-rendered HTML, marked as the test gateway, and
routed only while the fake gateway is the configured one."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath, FromQuery

from adapters.gateways.fake import FakePaymentGateway
from adapters.gateways.fake_bank import FakeBank
from application.errors import GatewayRejectedError
from domain.money import Money
from domain.statuses import PaymentStatus

MAX_FORM_BYTES = 4096
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
    ".banner{background:#ffe9a8;border:1px solid #d9b200;padding:.5rem .75rem;font-size:.9rem}"
    "button{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}"
    "table{border-collapse:collapse}td,th{padding:.25rem .75rem;text-align:left}"
)


def _page(title: str, body: str, status: int = 200) -> Response[str]:
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<p class=banner><strong>Kassa fake gateway</strong>: a test stand-in for Stripe. "
        "No real card is charged.</p>"
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )
    # The return address may carry a payment link: never let it leave in a Referer.
    headers = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
    return Response(
        html, status_code=status, media_type="text/html; charset=utf-8", headers=headers
    )


def _local(return_url: str | None) -> str | None:
    """A return address on this server only (a path), as the payment page gives it."""
    if return_url and return_url.startswith("/") and not return_url.startswith(("//", "/\\")):
        return return_url
    return None


def _amount(money: Money) -> str:
    return escape(str(money))


def _gateway(request: Request[Any, Any, Any]) -> FakePaymentGateway:
    gateway = request.app.state.container.gateway()
    assert isinstance(gateway, FakePaymentGateway)
    return gateway


@get("/3ds/{intent_id:str}", include_in_schema=False, cache=False)
async def three_d_secure_page(
    request: Request[Any, Any, Any],
    intent_id: FromPath[str],
    return_url: FromQuery[str | None] = None,
) -> Response[str]:
    """`return_url` (a path on this server): where the answer sends the customer back,
    with `?payment_intent=`, as Stripe's redirect does."""
    try:
        intent = await _gateway(request).retrieve_intent(intent_id)
    except GatewayRejectedError as exc:
        return _page("No such payment", f"<p>{escape(str(exc))}</p>", 404)
    if intent.status is not PaymentStatus.REQUIRES_ACTION:
        status = escape(intent.status.value)
        return _page("3-D Secure", f"<p>Nothing to authenticate: this payment is {status}.</p>")
    action = escape(f"{request.app.route_reverse('fake_gateway_3ds_answer', intent_id=intent_id)}")
    local = _local(return_url)
    back = f"<input type=hidden name=return_url value='{escape(local)}'>" if local else ""
    return _page(
        "3-D Secure authentication",
        f"<p>Your bank asks you to confirm a payment of <strong>{_amount(intent.amount)}"
        f"</strong> ({escape(intent.gateway_payment_id)}).</p>"
        f"<form method=post action='{action}'>{back}"
        "<button name=outcome value=complete>Complete authentication</button>"
        "<button name=outcome value=fail>Fail authentication</button></form>",
    )


@post(
    "/3ds/{intent_id:str}",
    name="fake_gateway_3ds_answer",
    include_in_schema=False,
    request_max_body_size=MAX_FORM_BYTES,
    status_code=200,
)
async def answer_three_d_secure(
    request: Request[Any, Any, Any], intent_id: FromPath[str]
) -> Response[str]:
    """The customer's answer: the intent moves on and the gateway's events say so."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    outcome = (form.get("outcome") or [""])[0]
    if outcome not in ("complete", "fail"):
        return _page("3-D Secure", "<p>The answer is <code>complete</code> or "
                     "<code>fail</code> (form field <code>outcome</code>).</p>", 400)  # fmt: skip

    def answer(bank: FakeBank) -> PaymentStatus:
        return bank.complete_action(intent_id, succeed=outcome == "complete").status

    try:
        status = await _gateway(request).act(answer)
    except GatewayRejectedError as exc:
        return _page("3-D Secure", f"<p>{escape(str(exc))}</p>", 400)
    back = _local((form.get("return_url") or [""])[0])
    if back:
        joiner = "&" if "?" in back else "?"
        return Response(
            "",
            status_code=303,
            headers={
                "Location": f"{back}{joiner}{urlencode({'payment_intent': intent_id})}",
                "Referrer-Policy": "no-referrer",
            },
        )
    said = "completed" if outcome == "complete" else "failed"
    return _page(
        f"Authentication {said}",
        f"<p>The payment is now <strong>{escape(status.value)}</strong>; Kassa hears it by "
        "webhook. You may close this page.</p>",
    )


@get("/billing/{customer_id:str}", include_in_schema=False, cache=False)
async def billing_portal(
    request: Request[Any, Any, Any],
    customer_id: FromPath[str],
    return_url: FromQuery[str | None] = None,
) -> Response[str]:
    gateway = _gateway(request)

    def look(bank: FakeBank) -> tuple[str, str | None, list[tuple[str, str, str, bool]]]:
        customer = bank.book.customer(customer_id)
        cards = [
            (m.brand, m.last4, f"{m.exp_month:02d}/{m.exp_year}",
             m.gateway_payment_method_id == customer.default_method)
            for m in bank.book.listed(customer_id)
        ]  # fmt: skip
        return customer.email, customer.name, cards

    try:
        email, name, cards = await gateway.act(look, write=False)
    except GatewayRejectedError as exc:
        return _page("No such customer", f"<p>{escape(str(exc))}</p>", 404)
    rows = "".join(
        f"<tr><td>{escape(brand)}</td><td>•••• {escape(last4)}</td><td>{escape(exp)}</td>"
        f"<td>{'default' if default else ''}</td></tr>"
        for brand, last4, exp, default in cards
    )
    listing = (
        f"<table><tr><th>Brand</th><th>Number</th><th>Expires</th><th></th></tr>{rows}</table>"
        if cards
        else "<p>No saved cards.</p>"
    )
    back = ""
    if return_url and return_url.startswith(("http://", "https://", "/")):
        back = f"<p><a href='{escape(return_url, quote=True)}'>Return</a></p>"
    who = escape(name or email) if name else escape(email)
    return _page("Billing", f"<p>Saved cards of {who}.</p>{listing}{back}")


def fake_gateway_router() -> Router:
    return Router(
        path="/fake-gateway",
        route_handlers=[three_d_secure_page, answer_three_d_secure, billing_portal],
        include_in_schema=False,
        security=[],
    )
