"""Kassa's image as a platform team runs it (SPEC §12): one-off jobs, the API and a
webhook consumer, each from the same image, against this machine's PostgreSQL and Redis."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator

import httpx
import pytest

from adapters.gateways.stripe_signature import sign
from adapters.system.blocking import run_blocking
from tests.container.podman import (
    env_args,
    image_size,
    kassa,
    podman,
    remove,
    wait_until_healthy,
)
from tests.support.databases import (
    PostgresUnavailableError,
    drop_postgres_database,
    fresh_postgres_url,
    skip_or_fail,
)
from tests.support.ports import free_port
from tests.support.redis import fresh_namespace, keys_of, reachable_redis_url

pytestmark = [pytest.mark.container, pytest.mark.postgres, pytest.mark.redis]

TENANT = "ten_container"
MiB = 1024 * 1024

# Run inside the image as its own user: who it is, and what of a test suite it holds.
INSPECT_IMAGE = """
import importlib.util, json, os, shutil
found = []
for top in ("/app", "/usr", "/opt", "/srv", "/home", "/root", "/etc"):
    for here, dirs, files in os.walk(top):
        found += [os.path.join(here, d) for d in dirs if d in ("tests", "features")]
        found += [os.path.join(here, f) for f in files
                  if f == "conftest.py" or f.endswith(".feature")]
print(json.dumps({
    "uid": os.getuid(),
    "app": sorted(os.listdir("/app")),
    "test_files": found,
    "test_tools": [m for m in ("tests", "pytest", "hypothesis", "pytest_bdd", "respx",
                               "localstripe", "schemathesis") if importlib.util.find_spec(m)],
    "build_tools": [t for t in ("gcc", "cc", "uv", "pip", "strip") if shutil.which(t)],
}))
"""


@pytest.fixture
def database_url() -> Iterator[str]:
    try:
        url = run_blocking(lambda: fresh_postgres_url(migrate=False))
    except PostgresUnavailableError as exc:
        skip_or_fail(str(exc))
    yield url
    run_blocking(lambda: drop_postgres_database(url))


@pytest.fixture
def redis_namespace() -> Iterator[tuple[str, str]]:
    url = run_blocking(reachable_redis_url)
    namespace = fresh_namespace()
    yield url, namespace
    run_blocking(lambda: keys_of(url, namespace, delete=True))


@pytest.fixture
def kassa_env(database_url: str, redis_namespace: tuple[str, str]) -> dict[str, str]:
    """A production configuration, as a deployment's env file would give it."""
    redis_url, namespace = redis_namespace
    return {
        "KASSA_ENV": "production",
        "KASSA_DATABASE_URL": database_url,
        "KASSA_REDIS_URL": redis_url,
        "KASSA_REDIS_NAMESPACE": namespace,
        "KASSA_JWT_SECRET": secrets.token_urlsafe(48),
        "KASSA_FAKE_WEBHOOK_SECRET": f"whsec_{secrets.token_hex(16)}",
        "KASSA_PORT": str(free_port()),
        "KASSA_CONSUMER_IN_PROCESS": "false",  # the consumer is a container of its own
    }


def test_the_image_runs_as_a_non_root_user_and_holds_no_tests_or_build_tools(image: str) -> None:
    configured = podman("image", "inspect", "--format", "{{.Config.User}}", image).stdout
    assert configured.strip().split(":")[0] not in ("", "0", "root")
    probe = podman("run", "--rm", "--entrypoint", "python", image, "-c", INSPECT_IMAGE)
    inside = json.loads(probe.stdout)
    assert inside["uid"] != 0
    assert inside["app"] == [".venv", "var"]  # no source tree: Kassa is installed as a wheel
    assert inside["test_files"] == []
    assert inside["test_tools"] == []
    assert inside["build_tools"] == []
    print(f"\nimage {image}: {image_size(image) / MiB:.0f} MiB")


def test_the_image_migrates_serves_a_charge_and_a_refund_and_consumes_webhooks(
    image: str, kassa_env: dict[str, str]
) -> None:
    kassa(image, kassa_env, "db", "migrate")
    kassa(image, kassa_env, "tenants", "create", "Container shop", "--id", TENANT)
    roles = ("--role", "merchant_admin", "--role", "platform_admin")
    token = kassa(image, kassa_env, "auth", "token", "--tenant", TENANT, *roles).split()[-1]
    api = f"kassa-api-{secrets.token_hex(4)}"
    base = f"http://127.0.0.1:{kassa_env['KASSA_PORT']}/api/v1"
    try:
        podman("run", "--detach", "--name", api, *env_args(kassa_env), image)
        wait_until_healthy(api)
        health = podman("inspect", "--format", "{{.State.Health.Status}}", api).stdout
        assert health.strip() == "healthy"

        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
            charge = http.post(
                "/payments/charge",
                json={"order_id": "ord_1", "amount": 10_000, "currency": "usd",
                      "payment_method": "pm_card_visa"},
                headers={"Idempotency-Key": "charge-1"},
            )  # fmt: skip
            assert charge.status_code == 201, charge.text
            assert charge.json()["status"] == "succeeded"
            pay_id = charge.json()["id"]
            refund = http.post(
                f"/payments/{pay_id}/refunds",
                json={"amount": 2_500},
                headers={"Idempotency-Key": "refund-1"},
            )
            assert refund.status_code == 201, refund.text
            assert http.get(f"/payments/{pay_id}").json()["amount_refunded"] == 2_500

            # An event the consumer applies (types that change nothing, such as customer.created,
            # are settled at receipt and never wait in the inbox).
            intent = {"id": charge.json()["gateway_payment_id"], "object": "payment_intent",
                      "status": "succeeded", "amount": 10_000, "amount_received": 10_000,
                      "currency": "usd"}  # fmt: skip
            event = json.dumps(
                {"id": "evt_container_1", "object": "event", "type": "payment_intent.succeeded",
                 "created": int(time.time()), "data": {"object": intent}}
            ).encode()  # fmt: skip
            signature = sign(event, kassa_env["KASSA_FAKE_WEBHOOK_SECRET"], int(time.time()))
            delivered = http.post(
                "/webhooks/fake", content=event, headers={"Stripe-Signature": signature}
            )
            assert delivered.status_code == 200, delivered.text
            assert http.get("/webhooks/health").json()["lag_seconds"] is not None  # waiting

            # From a second container; again while the gateway's own events still arrive.
            deadline = time.monotonic() + 60
            while True:
                output = kassa(image, kassa_env, "webhooks", "consume", "--once")
                *logged, applied = output.splitlines()
                assert applied.startswith("Applied:"), applied  # after its log lines, as JSON
                assert all(json.loads(line)["logger"] for line in logged), logged
                inbox = http.get("/webhooks/health").json()
                if inbox["lag_seconds"] is None or time.monotonic() > deadline:
                    break
            assert inbox["lag_seconds"] is None, inbox
            assert inbox["dead"] == 0, inbox
            assert sum(inbox["counts"].values()) >= 1, inbox

        logs = podman("logs", api).stdout.splitlines()
        records = [json.loads(line) for line in logs if line.strip()]  # JSON, every line
        assert any(r["logger"].startswith("uvicorn") for r in records), logs
    finally:
        remove(api)
