"""A portal link is the customer's only credential (§7): every bad link is refused alike and
at the same cost, guessing is rate-limited, revocation is immediate, and no link, verifier
or hash ever shows in a log line or an answer after the one that issued it."""

from __future__ import annotations

import base64
import logging
import secrets
import statistics
import time
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from uvicorn.logging import AccessFormatter

from application.customers.customers import CreateCustomerCommand
from application.portal.tokens import IssuePortalTokenCommand
from domain.audit import Actor
from domain.portal_token import InvalidTokenError, join_token, split_token
from entrypoints.container import Container, build_container
from entrypoints.http.edge.log_redaction import install_log_redaction
from entrypoints.settings import Settings
from tests.e2e.conftest import TENANT, Api
from tests.e2e.portal_fixtures import Portal, portal_container, portal_fixture  # noqa: F401

OPERATOR = Actor(kind="operator", id="security-test")


def random_part(size: int) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(size)).rstrip(b"=").decode()


def wrong_verifier(token: str) -> str:
    selector, _ = split_token(token)
    return join_token(selector, random_part(32))


def refusal(answer: httpx.Response) -> dict[str, Any]:
    """The error without its request id, which differs on every request by design."""
    error: dict[str, Any] = dict(answer.json()["error"])
    error.pop("request_id")
    return error


async def test_every_bad_link_gets_the_same_401(portal: Portal) -> None:
    good, expired, revoked = await portal.good_expired_and_revoked()

    bad = {
        "unknown": join_token(random_part(16), random_part(32)),
        "malformed": "kpt_not-a-token",
        "too long": good + "A",
        "not ours": "Bearer-looking-garbage",
        "expired": expired,
        "revoked": revoked,
        "wrong verifier": wrong_verifier(good),
    }
    answers = {kind: await portal.view(token) for kind, token in bad.items()}
    assert {kind: a.status_code for kind, a in answers.items()} == dict.fromkeys(bad, 401)
    bodies = {kind: refusal(a) for kind, a in answers.items()}
    assert len({str(body) for body in bodies.values()}) == 1, bodies
    assert bodies["unknown"]["type"] == "authentication_error"
    assert bodies["unknown"]["code"] == "invalid_token"
    assert len({frozenset(a.headers.keys()) for a in answers.values()}) == 1
    assert (await portal.view(good)).status_code == 200


async def test_an_unknown_link_costs_as_much_as_a_wrong_verifier() -> None:
    """In process, bcrypt at the default 10 rounds; medians of interleaved tries."""
    container = build_container(Settings(env="test", database_url="memory://"))
    assert container.settings().bcrypt_rounds == 10
    customer = await container.create_customer().execute(
        CreateCustomerCommand(TENANT, "timing@example.com", OPERATOR)
    )
    issued = await container.issue_portal_token().execute(
        IssuePortalTokenCommand(TENANT, customer.id, OPERATOR)
    )
    authenticator = container.portal_authenticator()

    async def seconds_to_refuse(token: str) -> float:
        started = time.perf_counter()
        with pytest.raises(InvalidTokenError):
            await authenticator.authenticate(token, "127.0.0.1", "timing", None)
        return time.perf_counter() - started

    await seconds_to_refuse(wrong_verifier(issued.secret))  # warm the pool's threads
    medians: list[tuple[float, float]] = []
    for _ in range(3):  # a busy machine may spoil a round; a real difference spoils them all
        unknown: list[float] = []
        wrong: list[float] = []
        for _ in range(25):
            unknown.append(await seconds_to_refuse(join_token(random_part(16), random_part(32))))
            wrong.append(await seconds_to_refuse(wrong_verifier(issued.secret)))
        medians.append((statistics.median(unknown), statistics.median(wrong)))
        if max(medians[-1]) <= min(medians[-1]) * 1.2:
            break
    else:
        shown = ", ".join(
            f"unknown {u * 1000:.1f} ms vs wrong {w * 1000:.1f} ms" for u, w in medians
        )
        pytest.fail(f"an unknown link and a wrong verifier cost differently: {shown}")


async def test_guessing_a_link_is_refused_at_the_11th_try_in_a_minute(portal: Portal) -> None:
    guess = wrong_verifier(await portal.link())
    statuses = [(await portal.view(guess)).status_code for _ in range(10)]
    assert statuses == [401] * 10  # the address's budget of failed checks (§7), not the link's
    refused = await portal.view(guess)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    error = refused.json()["error"]
    assert (error["type"], error["code"]) == ("rate_limit_error", "rate_limited")
    assert error["request_id"] == refused.headers["X-Request-ID"]


async def test_malformed_links_share_their_senders_budget(portal: Portal) -> None:
    answers = [(await portal.view(f"kpt_guess_{n}")).status_code for n in range(11)]
    assert answers == [401] * 10 + [429]


async def test_viewing_paying_and_changing_methods_have_budgets_of_their_own(
    portal: Portal,
) -> None:
    token = await portal.link(50_000)
    views = [(await portal.view(token, what)).status_code for what in ["invoice", "history"] * 10]
    assert views == [200] * 20
    assert (await portal.view(token, "methods")).status_code == 429

    intents = [(await portal.act(token, "create-intent", {"amount": 100})).status_code]
    intents += [(await portal.act(token, "create-intent", {"amount": 100})).status_code]
    intents += [
        (await portal.act(token, "confirm", {"payment_intent_id": "pi_none"})).status_code
        for _ in range(3)
    ]
    assert intents == [201, 201, 404, 404, 404]
    assert (await portal.act(token, "create-intent")).status_code == 429

    card = {"gateway_payment_method_id": "pm_card_visa"}
    changes = [(await portal.act(token, "methods", card)).status_code for _ in range(5)]
    assert changes == [201] * 5
    assert (await portal.act(token, "portal-session")).status_code == 429

    other = await portal.link()  # another link: a budget of its own
    assert (await portal.view(other)).status_code == 200


async def test_revocation_stops_a_warm_link_at_once(portal: Portal, api: Api) -> None:
    customer = await portal.customer()
    issued = await portal.issue(customer, await portal.invoice(customer))
    assert (await portal.view(issued["token"])).status_code == 200  # verified and cached

    revoked = await api.client.delete(
        f"/api/v1/portal-tokens/{issued['id']}", headers=api.headers("merchant_admin")
    )
    assert revoked.status_code == 200
    assert (await portal.view(issued["token"])).status_code == 401
    assert (await portal.act(issued["token"], "create-intent")).status_code == 401


class Boom:
    async def execute(self, *_: object) -> None:
        raise RuntimeError("the invoice store is on fire")


async def test_no_link_verifier_or_hash_is_logged_or_answered_after_issue(
    portal: Portal, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    customer = await portal.customer()
    issued = await portal.issue(customer, await portal.invoice(customer, 9_000))
    token = issued["token"]
    selector, verifier = split_token(token)
    async with container.unit_of_work() as uow:
        stored = await uow.portal_tokens.get(TENANT, issued["id"])
    assert stored is not None
    forbidden = {"token": token, "selector": selector, "verifier": verifier}
    forbidden["hash"] = stored.verifier_hash

    answers = [
        await portal.view(token),
        await portal.pay(token, 4_000),
        await portal.view(token, "history"),
        await portal.act(token, "methods", {"gateway_payment_method_id": "pm_card_visa"}),
        await portal.view(token, "methods"),
        await portal.act(token, "portal-session", {"return_url": "https://shop.example/back"}),
        await portal.view(wrong_verifier(token)),
        await portal.act(token, "create-intent", {"amount": 99_999}),
        await portal.api.get("/portal-tokens", role="merchant_admin"),
        await portal.api.get(f"/invoices/{issued['invoice_id']}", role="merchant_admin"),
    ]
    container.view_portal_invoice.override(providers.Object(Boom()))
    answers.append(await portal.view(token))  # an unexpected error is logged with its path
    assert answers[-1].status_code == 500
    container.view_portal_invoice.reset_override()
    answers.append(
        await portal.api.client.delete(
            f"/api/v1/portal-tokens/{issued['id']}",
            headers=portal.api.headers("merchant_admin"),
        )
    )
    answers.append(await portal.view(token))
    assert [a.status_code for a in answers[-2:]] == [200, 401]

    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "Unhandled error on GET /api/v1/public/payment/{token}/invoice" in logged
    for answer in answers:
        shown = answer.text + str(answer.headers)
        for name, secret in forbidden.items():
            assert secret not in shown, f"the {name} is in an answer to {answer.url}"
    for name, secret in forbidden.items():
        assert secret not in logged, f"the {name} was logged"


def test_access_log_lines_name_the_portal_route_not_the_link() -> None:
    install_log_redaction()  # as create_app does
    token = join_token(random_part(16), random_part(32))
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:50000", "GET", f"/api/v1/public/payment/{token}/invoice?x=1", "1.1", 200),
        None,
    )
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert (
        line == '127.0.0.1:50000 - "GET /api/v1/public/payment/{token}/invoice?x=1 HTTP/1.1" 200 OK'
    )
