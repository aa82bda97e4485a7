"""`kassa customers|invoices|tokens` and the portal half of `kassa demo`, on the memory store."""

from __future__ import annotations

import asyncio

import pytest

from entrypoints.cli.context import DEMO_TENANT_ID, CliState
from entrypoints.settings import Settings
from tests.support.ports import free_port
from tests.support.smtp import smtp_server
from tests.unit.cli_runner import Kassa, as_json, kassa_on


@pytest.fixture
def state() -> CliState:
    return CliState(Settings(database_url="memory://", bcrypt_rounds=4))


def test_an_operator_invoices_a_customer_and_issues_a_link(kassa: Kassa) -> None:
    kassa("demo", "--json")
    customer = as_json(kassa("customers", "create", "ada@example.com", "--name", "Ada", "--json"))
    assert customer["object"] == "customer" and customer["name"] == "Ada"
    invoice = as_json(
        kassa(
            "invoices", "create", "--customer", str(customer["id"]), "--currency", "usd",
            "--line", "Consulting: March:2:15000", "--line", "Travel:1:4550",
            "--number", "INV-7", "--due", "2030-04-01", "--json",
        )
    )  # fmt: skip
    assert (invoice["number"], invoice["total"], invoice["due_date"]) == (
        "INV-7",
        34_550,
        "2030-04-01",
    )
    assert [line["description"] for line in invoice["lines"]] == ["Consulting: March", "Travel"]

    shown = kassa("invoices", "show", str(invoice["id"]))
    assert "345.50 USD" in shown.stdout and "Consulting: March" in shown.stdout
    assert str(invoice["id"]) in kassa("invoices", "list", "--customer", str(customer["id"])).stdout
    assert "ada@example.com" in kassa("customers", "list").stdout

    issued = as_json(
        kassa("tokens", "issue", "--customer", str(customer["id"]), "--invoice",
              str(invoice["id"]), "--ttl-days", "3", "--json")
    )  # fmt: skip
    assert str(issued["token"]).startswith("kpt_")
    assert str(issued["url"]).endswith(f"/pay/{issued['token']}")

    listed = kassa("tokens", "list", "--json")
    assert str(issued["id"]) in listed.stdout and str(issued["token"]) not in listed.stdout
    table = kassa("tokens", "list").stdout
    assert "active" in table and str(issued["token"]) not in table

    revoked = kassa("tokens", "revoke", str(issued["id"]))
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    assert "revoked" in kassa("tokens", "list").stdout


def test_people_see_the_link_once_when_it_is_issued(kassa: Kassa) -> None:
    kassa("demo", "--json")
    customer = as_json(kassa("customers", "create", "bo@example.com", "--json"))
    issued = kassa("tokens", "issue", "--customer", str(customer["id"]))
    assert issued.exit_code == 0
    assert "/pay/kpt_" in issued.stdout and "shown once" in issued.stdout


def test_an_operator_e_mails_a_link_and_the_outbox_never_shows_its_secret() -> None:
    port = free_port()
    settings = Settings(
        database_url="memory://", bcrypt_rounds=4, smtp_url=f"smtp://127.0.0.1:{port}"
    )
    kassa = kassa_on(CliState(settings))

    kassa("demo", "--json")
    customer = as_json(kassa("customers", "create", "cy@example.com", "--json"))
    cid = str(customer["id"])
    issued = as_json(kassa("tokens", "issue", "--customer", cid, "--email", "--json"))
    told = kassa("tokens", "issue", "--customer", cid, "--email")

    assert issued["email"]["recipient"] == "cy@example.com"
    assert "E-mailed to cy@example.com" in told.stdout and "kassa mail list" in told.stdout
    waiting = kassa("mail", "list", "--json").stdout
    assert str(issued["token"]) not in waiting and "kpt_[redacted]" in waiting
    with smtp_server(port) as inbox:
        sent = kassa("mail", "send")
    assert sent.exit_code == 0 and "Sent 2, failed 0" in sent.stdout
    texts = [m.get_body(("plain",)).get_content() for m in inbox.messages]  # type: ignore[union-attr]
    assert sum(str(issued["url"]) in text for text in texts) == 1
    listed = kassa("mail", "list")
    assert listed.stdout.count("portal_link") == 2 and listed.stdout.count("sent") >= 2
    assert str(issued["token"]) not in kassa("mail", "list", "--json").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("invoices", "create", "--customer", "cus_x", "--currency", "usd", "--line", "x:y"),
         "DESCRIPTION:QUANTITY:UNIT_AMOUNT"),
        (("invoices", "create", "--customer", "cus_x", "--currency", "zzz", "--line", "x:1:1"),
         "Unknown currency"),
        (("invoices", "create", "--customer", "cus_x", "--currency", "usd", "--line", "x:1:1",
          "--due", "tomorrow"), "YYYY-MM-DD"),
        (("invoices", "create", "--customer", "cus_x", "--currency", "usd", "--line", "x:1:1"),
         "No such customer"),
        (("tokens", "issue", "--customer", "cus_x", "--ttl-days", "31"), "31"),
        (("tokens", "revoke", "ptok_x"), "No such portal token"),
        (("customers", "create", "not-an-email"), "e-mail"),
    ],
)  # fmt: skip
def test_mistakes_fail_with_one_line(kassa: Kassa, args: tuple[str, ...], message: str) -> None:
    result = kassa(*args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_demo_reuses_its_customer_and_invoice_with_a_fresh_link(
    kassa: Kassa, state: CliState
) -> None:
    first = as_json(kassa("demo", "--json"))
    second = as_json(kassa("demo", "--json"))
    assert {"customer_id", "invoice_id", "portal_token", "portal_url"} <= first.keys()
    assert (first["customer_id"], first["invoice_id"]) == (
        second["customer_id"],
        second["invoice_id"],
    )
    assert first["portal_token"] != second["portal_token"]
    assert str(first["portal_url"]).endswith(f"/pay/{first['portal_token']}")

    authenticate = state.container.portal_authenticator().authenticate
    session = asyncio.run(authenticate(str(second["portal_token"]), None, None, None))
    assert (session.tenant_id, session.customer_id) == (DEMO_TENANT_ID, first["customer_id"])
    assert "/pay/kpt_" in kassa("demo").stdout
