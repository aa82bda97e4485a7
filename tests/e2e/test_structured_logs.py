"""`kassa serve` with KASSA_LOG_FORMAT=json, as the image runs it: every line it writes is
one JSON object with timestamp, level, logger and event; every line of a request carries
that request's id (the uvicorn access line included) and the tenant and payment involved;
no line holds a token, a portal link's secret, a bearer token or a mail's text."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reliability.kassa_processes import KASSA, REPO_ROOT, KassaProcess, kassa_env, serve

REQUIRED = ("timestamp", "level", "logger", "event")


@dataclass
class Served:
    base_url: str
    demo: dict[str, Any]
    process: KassaProcess

    def lines(self) -> list[str]:
        return [line for line in self.process.output().splitlines() if line.strip()]


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'kassa.db'}"
    settings = {"log_format": "json", "log_level": "INFO"}
    demo = await asyncio.create_subprocess_exec(
        str(KASSA), "demo", "--json", cwd=REPO_ROOT, env=kassa_env(url, **settings),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    printed, _ = await asyncio.wait_for(demo.communicate(), 60)
    assert demo.returncode == 0
    fields = json.loads(printed.decode().splitlines()[-1])
    process, base_url = await serve(url, tmp_path, **settings)
    try:
        yield Served(base_url, fields, process)
    finally:
        await process.terminate()


async def until_logged(served: Served, text: str, seconds: float = 20.0) -> None:
    """The in-process mail sender runs every 2 s: wait for its line."""
    for _ in range(int(seconds / 0.1)):
        if any(text in line for line in served.lines()):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no line with {text!r} in:\n" + "\n".join(served.lines()))


async def test_every_line_is_json_and_each_request_s_lines_carry_its_id_and_no_secret(
    served: Served,
) -> None:
    demo = served.demo
    merchant = {"Authorization": f"Bearer {demo['merchant_token']}"}
    admin = {"Authorization": f"Bearer {demo['admin_token']}"}
    async with httpx.AsyncClient(base_url=served.base_url, trust_env=False, timeout=10) as client:
        charge = await client.post(
            "/api/v1/payments/charge",
            headers={**merchant, "X-Request-ID": "req-log-charge"},
            json={"order_id": "o-logs", "amount": 1_000, "currency": "usd",
                  "payment_method": "pm_card_visa"},
        )  # fmt: skip
        view = await client.get(
            f"/api/v1/public/payment/{demo['portal_token']}/invoice",
            headers={"X-Request-ID": "req-log-portal"},
        )
        page = await client.get(
            f"/pay/{demo['portal_token']}", headers={"X-Request-ID": "req-log-page"}
        )
        issued = await client.post(
            "/api/v1/portal-tokens",
            headers={**admin, "X-Request-ID": "req-log-issue"},
            json={"customer_id": demo["customer_id"], "send_email": True},
        )
    answers = (charge.status_code, view.status_code, page.status_code, issued.status_code)
    assert answers == (201, 200, 200, 201)
    await until_logged(served, "Mail not sent (no KASSA_SMTP_URL)")
    await served.process.terminate()  # everything it had to say is written

    lines = served.lines()
    records = [json.loads(line) for line in lines]  # every line, not only most of them
    for record in records:
        assert all(record.get(key) for key in REQUIRED), record
    by_request: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_request.setdefault(record.get("request_id", "-"), []).append(record)
    access = [r for r in records if r["logger"] == "uvicorn.access"]
    assert access and all(r.get("request_id") for r in access)  # /health polls too

    payment_id, tenant_id = charge.json()["id"], demo["tenant_id"]
    charged = by_request["req-log-charge"]
    assert {r["logger"] for r in charged} >= {"uvicorn.access", "kassa.events"}
    assert all(r.get("tenant_id") == tenant_id for r in charged)
    assert all(r.get("payment_id") == payment_id for r in charged)  # the access line too
    [charge_access] = [r for r in charged if r["logger"] == "uvicorn.access"]
    assert (charge_access["method"], charge_access["status"]) == ("POST", 201)
    assert charge_access["path"] == "/api/v1/payments/charge"
    portal = by_request["req-log-portal"]
    [portal_access] = [r for r in portal if r["logger"] == "uvicorn.access"]
    assert portal_access["path"] == "/api/v1/public/payment/{token}/invoice"
    assert all(r.get("tenant_id") == tenant_id for r in portal)
    [page_access] = [r for r in by_request["req-log-page"] if r["logger"] == "uvicorn.access"]
    assert page_access["path"] == "/pay/{token}"
    assert by_request["req-log-issue"]

    everything = "\n".join(lines)
    secrets = {
        "the demo link's token": demo["portal_token"],
        "the e-mailed link's token": issued.json()["token"],
        "the merchant's bearer token": demo["merchant_token"],
        "the admin's bearer token": demo["admin_token"],
        "the mail's text": "please do not forward it",
    }
    for name, secret in secrets.items():
        assert secret not in everything, f"{name} was logged"
    assert all(part.startswith("[redacted]") for part in everything.split("kpt_")[1:])
