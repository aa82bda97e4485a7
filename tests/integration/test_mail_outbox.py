"""Mail goes out through the outbox to a real local SMTP server: a receipt mail reaches
it once, with the PDF, also when the server was down at the moment of success; a
portal link mail likewise; nothing is sent twice."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dependency_injector import providers
from pypdf import PdfReader

from adapters.persistence.sql.migrate import upgrade
from adapters.system.clock import FixedClock
from application.ports.repositories import PageRequest
from application.tenants.create_tenant import CreateTenantCommand
from domain.mail import MailKind, MailStatus, OutboxMail
from entrypoints.cli.mail import mail_json
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from tests.e2e.conftest import TENANT, Api, close_container, payment_body
from tests.support.ports import free_port
from tests.support.smtp import smtp_server

pytestmark = pytest.mark.parametrize("store_kind", ["memory", "sqlite"])


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 1, 12, tzinfo=UTC))


@pytest.fixture
async def container(
    store_kind: str, tmp_path: Path, smtp_port: int, clock: FixedClock
) -> AsyncIterator[Container]:
    url = "memory://"
    if store_kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'kassa.db'}"
        await upgrade(url)
    settings = Settings(
        env="test", database_url=url, consumer_in_process=False,
        smtp_url=f"smtp://127.0.0.1:{smtp_port}?from=receipts@acme.example",
    )  # fmt: skip
    kassa = build_container(settings)
    kassa.clock.override(providers.Object(clock))  # before any singleton reads it
    await kassa.create_tenant().execute(CreateTenantCommand(name="Acme", tenant_id=TENANT))
    yield kassa
    await close_container(kassa)


@pytest.fixture
async def api(container: Container) -> AsyncIterator[Api]:
    async with Api.serving(container) as api:
        yield api


async def paid_by_a_customer(api: Api) -> str:
    customer = await api.post(
        "/customers", {"email": "ada@example.com", "name": "Ada"}, role="merchant_admin"
    )
    assert customer.status_code == 201, customer.text
    body = payment_body("ord_mail", 113_000, customer_id=customer.json()["id"])
    answer = await api.post("/payments/charge", body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def mails(container: Container) -> list[OutboxMail]:
    return list((await container.list_mail().execute(None, PageRequest(limit=100))).data)


async def stored(container: Container, mail_id: str) -> OutboxMail:
    """The mail as the store holds it now (not a copy a sender kept)."""
    async with container.unit_of_work() as uow:
        found = await uow.mail.get(mail_id)
    assert found is not None
    return found


async def test_a_receipt_mail_sent_while_smtp_is_down_arrives_once_when_it_is_back(
    api: Api, container: Container, smtp_port: int, clock: FixedClock
):
    payment_id = await paid_by_a_customer(api)
    send = container.send_outbox_mail

    down = await send().execute()  # nothing listens on the port yet
    [waiting] = await mails(container)
    assert (down.sent, down.failed) == (0, 1)
    assert waiting.status is MailStatus.PENDING and waiting.attempts == 1
    assert waiting.last_error

    with smtp_server(smtp_port) as inbox:
        too_soon = await send().execute()  # the retry waits for its backoff
        clock.advance(timedelta(minutes=1))
        back = await send().execute()
        again = await send().execute()

    assert (too_soon.sent, back.sent, again.sent) == (0, 1, 0)
    receipt = (await api.get(f"/payments/{payment_id}/receipt")).json()
    number = receipt["number"]
    [message] = inbox.messages
    assert (message["To"], message["From"]) == ("ada@example.com", "receipts@acme.example")
    assert number in message["Subject"]
    assert "$1,130.00" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    [attachment] = list(message.iter_attachments())
    pdf = attachment.get_content()
    assert attachment.get_content_type() == "application/pdf"
    assert pdf.startswith(b"%PDF")
    assert number in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    [sent] = await mails(container)
    assert sent.status is MailStatus.SENT and sent.attempts == 2
    assert receipt["customer"] == {"email": "ada@example.com", "name": "Ada"}


async def test_a_sender_that_died_mid_send_leaves_the_mail_to_the_next_after_its_lease(
    api: Api, container: Container, smtp_port: int, clock: FixedClock
):
    await paid_by_a_customer(api)
    async with container.unit_of_work() as uow:  # a sender leased it, then died
        [leased] = await uow.mail.claim_due(clock.now(), timedelta(minutes=2), 10)
        await uow.commit()

    with smtp_server(smtp_port) as inbox:
        during_lease = await container.send_outbox_mail().execute()
        clock.advance(timedelta(minutes=3))
        after_lease = await container.send_outbox_mail().execute()

    assert (during_lease.sent, after_lease.sent) == (0, 1)
    assert len(inbox.messages) == 1
    assert inbox.messages[0]["Message-ID"] == f"<{leased.id}@kassa>"


async def a_customer(api: Api) -> str:
    answer = await api.post(
        "/customers", {"email": "ada@example.com", "name": "Ada"}, role="merchant_admin"
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def test_an_e_mailed_portal_link_arrives_once_and_is_not_kept_in_clear_once_sent(
    api: Api, container: Container, smtp_port: int, clock: FixedClock
):
    customer_id = await a_customer(api)
    lines = [{"description": "Tea", "quantity": 1, "unit_amount": 4_500}]
    invoice = await api.post(
        "/invoices",
        {"customer_id": customer_id, "currency": "usd", "lines": lines, "number": "INV-9"},
        role="merchant_admin",
    )
    assert invoice.status_code == 201, invoice.text
    body = {"customer_id": customer_id, "invoice_id": invoice.json()["id"], "send_email": True}

    issued = await api.post("/portal-tokens", body, role="merchant_admin", key="link-1")
    replayed = await api.post("/portal-tokens", body, role="merchant_admin", key="link-1")

    assert issued.status_code == 201, issued.text
    link, secret = issued.json()["url"], issued.json()["token"]
    email = issued.json()["email"]
    assert email["recipient"] == "ada@example.com" and email["id"].startswith("mail_")
    assert replayed.json()["email"] == email and replayed.json()["token"] is None
    [waiting] = await mails(container)  # one mail, not one per request
    assert (waiting.id, waiting.kind) == (email["id"], MailKind.PORTAL_LINK)
    assert link in waiting.body  # it must go out, so it waits in clear until then …
    shown = mail_json(waiting)["body"]  # … but an operator never sees it
    assert secret not in shown and "kpt_[redacted]" in shown

    down = await container.send_outbox_mail().execute()  # nothing listens yet
    assert (down.sent, down.failed) == (0, 1)
    assert link in (await stored(container, waiting.id)).body  # kept for the retry
    with smtp_server(smtp_port) as inbox:
        clock.advance(timedelta(minutes=1))
        back = await container.send_outbox_mail().execute()
        again = await container.send_outbox_mail().execute()

    assert (back.sent, again.sent) == (1, 0)
    [message] = inbox.messages
    assert message["To"] == "ada@example.com" and "Acme" in message["Subject"]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert link in text and "Hello Ada" in text and "invoice INV-9" in text
    sent = await stored(container, waiting.id)
    assert sent.status is MailStatus.SENT
    assert secret not in sent.body and "kpt_[redacted]" in sent.body
    opened = await api.client.get(f"/api/v1/public/payment/{secret}/invoice")
    assert opened.status_code == 200, opened.text  # the mailed link is the working one
    assert opened.json()["invoice"]["number"] == "INV-9"


async def test_a_link_issued_without_send_email_writes_no_mail(api: Api, container: Container):
    customer_id = await a_customer(api)

    issued = await api.post("/portal-tokens", {"customer_id": customer_id}, role="merchant_admin")

    assert issued.status_code == 201, issued.text
    assert "email" not in issued.json()
    assert await mails(container) == []


async def test_send_email_must_be_a_boolean(api: Api, container: Container):
    customer_id = await a_customer(api)
    body = {"customer_id": customer_id, "send_email": "yes"}

    answer = await api.post("/portal-tokens", body, role="merchant_admin")

    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"
    assert await mails(container) == []
