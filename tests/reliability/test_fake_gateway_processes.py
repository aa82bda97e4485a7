"""The fake gateway is one local Stripe every Kassa process shares (SPEC §13): real
`kassa serve` processes and CLI commands on one PostgreSQL database, nothing configured
but the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reliability.kassa_processes import cli, complete_3ds, merchant, serve, wait_for

pytestmark = pytest.mark.postgres


def logs(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


async def test_two_servers_share_the_gateway_and_the_cli_acts_through_it(
    database_url: str, tmp_path: Path
) -> None:
    one, one_url = await serve(database_url, logs(tmp_path, "one"))
    two, two_url = await serve(database_url, logs(tmp_path, "two"))
    try:
        demo = json.loads(await cli(database_url, "demo", "--json"))
        async with merchant(one_url, demo) as first, merchant(two_url, demo) as second:
            body = {"order_id": "ord_1", "amount": 10_000, "currency": "usd",
                    "payment_method": "pm_card_visa"}  # fmt: skip
            held = await first.post("/payments/authorize", json=body)
            assert held.status_code == 201, held.text

            captured = await second.post(f"/payments/{held.json()['id']}/capture", json={})
            assert captured.status_code == 200, captured.text
            assert captured.json()["status"] == "succeeded"

            refunded = await cli(
                database_url, "payments", "refund", held.json()["id"], "--amount", "500",
                "--tenant", demo["tenant_id"], "--json",
            )  # fmt: skip
            answer = json.loads(refunded)
            assert (answer["status"], answer["payment"]["amount_refunded"]) == ("succeeded", 500)

            # The demo customer, made by the CLI, saves a card through the portal.
            portal = f"/public/payment/{demo['portal_token']}"
            added = await second.post(
                f"{portal}/methods", json={"gateway_payment_method_id": "pm_card_mastercard"}
            )
            assert added.status_code == 201, added.text
            listed = (await first.get(f"{portal}/methods")).json()["data"]
            assert [(m["brand"], m["last4"]) for m in listed] == [("mastercard", "4444")]
    finally:
        await one.terminate()
        await two.terminate()


async def test_3ds_completes_through_the_page_and_the_webhook_arrives_within_5_s(
    database_url: str, tmp_path: Path
) -> None:
    server, base_url = await serve(database_url, tmp_path)
    try:
        demo = json.loads(await cli(database_url, "demo", "--json"))
        async with merchant(base_url, demo) as api:
            body = {"order_id": "ord_3ds", "amount": 2_500, "currency": "usd",
                    "payment_method": "pm_card_threeDSecureRequired"}  # fmt: skip
            made = (await api.post("/payments/charge", json=body)).json()
            assert made["status"] == "requires_action", made
            await complete_3ds(api, base_url, made)

            shown, took = await wait_for(api, f"/payments/{made['id']}", "status", "succeeded", 5)
            assert shown["amount_captured"] == 2_500
            print(f"3-D Secure completion reached the payment in {took:.2f} s")

            gateway_id = shown["gateway_payment_id"]
            await cli(database_url, "gateway", "dispute", made["id"])
            disputed, _ = await wait_for(
                api, f"/payments/{made['id']}", "dispute_status", "needs_response", 5
            )
            assert disputed["gateway_payment_id"] == gateway_id
    finally:
        await server.terminate()


async def test_a_restarted_server_refunds_a_payment_made_before(
    database_url: str, tmp_path: Path
) -> None:
    server, base_url = await serve(database_url, logs(tmp_path, "before"))
    demo = json.loads(await cli(database_url, "demo", "--json"))
    try:
        async with merchant(base_url, demo) as api:
            body = {"order_id": "ord_r", "amount": 3_000, "currency": "usd",
                    "payment_method": "pm_card_visa"}  # fmt: skip
            paid = (await api.post("/payments/charge", json=body)).json()
    finally:
        await server.terminate()
    server, base_url = await serve(database_url, logs(tmp_path, "after"))
    try:
        async with merchant(base_url, demo, "admin_token") as api:  # refunds: merchant_admin
            refund = await api.post(f"/payments/{paid['id']}/refunds", json={"amount": 1_000})
            assert refund.status_code == 201, refund.text
            assert refund.json()["status"] == "succeeded"
    finally:
        await server.terminate()
