"""`kassa receipts show` and `kassa mail list|send` on a SQLite database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner

from adapters.persistence.sql.migrate import upgrade
from application.payments.create_payment import CreatePaymentCommand
from domain.capture_method import CaptureMethod
from entrypoints.cli.context import CliState
from entrypoints.cli.main import cli
from entrypoints.container import build_container
from entrypoints.settings import Settings


async def charge(settings: Settings, tenant_id: str, customer_id: str) -> str:
    container = build_container(settings)
    try:
        command = CreatePaymentCommand(
            tenant_id, "ord_cli", 1130, "jpy", CaptureMethod.AUTOMATIC, confirm=True,
            payment_method="pm_card_visa", customer_id=customer_id,
        )  # fmt: skip
        return (await container.create_payment().execute(command)).id
    finally:
        await container.engine().dispose()


def test_a_receipt_is_shown_as_json_and_written_as_pdf_and_its_mail_is_listed(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'kassa.db'}"
    asyncio.run(upgrade(url))
    settings = Settings(env="test", database_url=url, consumer_in_process=False)
    runner = CliRunner()

    def kassa(*args: str) -> str:
        result = runner.invoke(cli, list(args), obj=CliState(settings), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    demo = json.loads(kassa("demo", "--json"))
    payment_id = asyncio.run(charge(settings, demo["tenant_id"], demo["customer_id"]))
    shown = json.loads(kassa("receipts", "show", payment_id, "--tenant", demo["tenant_id"]))
    kassa("receipts", "show", payment_id, "--tenant", demo["tenant_id"],
          "--format", "pdf", "-o", str(tmp_path / "r.pdf"))  # fmt: skip
    listed = json.loads(kassa("mail", "list", "--json"))
    sent = kassa("mail", "send")

    assert shown["total"]["display"] == "¥1,130"
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert [m["kind"] for m in listed["data"]] == ["receipt"]
    assert "Sent 1, failed 0" in sent
