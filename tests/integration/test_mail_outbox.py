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
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from adapters.persistence.sql.migrate import upgrade
from adapters.system.clock import FixedClock
from application.ports.repositories import PageRequest
from application.tenants.create_tenant import CreateTenantCommand
from domain.mail import MailStatus
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
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
    async with AsyncTestClient(app=create_app(container)) as client:
        yield Api(client, container, container.settings())


async def paid_by_a_customer(api: Api) -> str:
    customer = await api.post(
        "/customers", {"email": "ada@example.com", "name": "Ada"}, role="merchant_admin"
    )
    assert customer.status_code == 201, customer.text
    body = payment_body("ord_mail", 113_000, customer_id=customer.json()["id"])
    answer = await api.post("/payments/charge", body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def mails(container: Container) -> list[object]:
    return list((await container.list_mail().execute(None, PageRequest(limit=100))).data)


async def test_a_receipt_mail_sent_while_smtp_is_down_arrives_once_when_it_is_back(
    api: Api, container: Container, smtp_port: int, clock: FixedClock
):
    payment_id = await paid_by_a_customer(api)
    send = container.send_outbox_mail

    down = await send().execute()  # nothing listens on the port yet
    [waiting] = await mails(container)
    assert (down.sent, down.failed) == (0, 1)
    assert waiting.status is MailStatus.PENDING and waiting.attempts == 1  # type: ignore[attr-defined]
    assert waiting.last_error  # type: ignore[attr-defined]

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
    assert sent.status is MailStatus.SENT and sent.attempts == 2  # type: ignore[attr-defined]
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
