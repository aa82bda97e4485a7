"""`kassa serve --workers 2` on PostgreSQL: both workers serve the port, the background
loops (consumer, deliveries, mail) run in exactly one of them and still do their work,
and /metrics sums what every worker counted."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from tests.reliability.kassa_processes import cli, complete_3ds, merchant, serve, wait_for

pytestmark = pytest.mark.postgres

LEADS = "Background loops run in this worker"
FOLLOWS = "Background loops run in another worker"


def portal_checks(metrics: str) -> float:
    """kassa_portal_token_checks_total{result="ok"}, as /metrics reports it."""
    for line in metrics.splitlines():
        if line.startswith('kassa_portal_token_checks_total{result="ok"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_two_workers_share_the_port_and_one_runs_the_loops(
    database_url: str, tmp_path: Path
) -> None:
    server, base_url = await serve(
        database_url, tmp_path, "--workers", "2", log_level="INFO",
        portal_view_rate_limit="1000", portal_failed_auth_rate_limit="1000",
    )  # fmt: skip
    try:
        demo = json.loads(await cli(database_url, "demo", "--json"))
        async with merchant(base_url, demo) as api:
            # Many connections at once, so both workers answer some of them.
            clients = [merchant(base_url, demo) for _ in range(8)]
            portal = f"/public/payment/{demo['portal_token']}/invoice"
            answers = await asyncio.gather(*(c.get(portal) for c in clients for _ in range(3)))
            assert {a.status_code for a in answers} == {200}, [
                a.text for a in answers if a.status_code != 200
            ][:2]
            for client in clients:
                await client.aclose()

            # A 3-D Secure charge succeeds only through the webhook: the fake gateway's
            # delivery and the consumer, which run in the leading worker only.
            body = {"order_id": "ord_workers", "amount": 2_500, "currency": "usd",
                    "payment_method": "pm_card_threeDSecureRequired"}  # fmt: skip
            made = (await api.post("/payments/charge", json=body)).json()
            assert made["status"] == "requires_action", made
            await complete_3ds(api, base_url, made)
            await wait_for(api, f"/payments/{made['id']}", "status", "succeeded", 10)

            async with httpx.AsyncClient(base_url=base_url, trust_env=False) as plain:
                metrics = (await plain.get("/metrics")).text
            assert portal_checks(metrics) >= 24  # every worker's views, summed
    finally:
        await server.terminate()
    output = server.output()
    assert output.count(LEADS) == 1, output
    assert output.count(FOLLOWS) == 1, output
