"""compose.yaml: the stack a platform team starts (SPEC §12), checked without a container
engine: it parses, every service is watched or runs once, and it commits no secret."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from entrypoints.settings import Settings, env_name

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY$|API_KEY", re.IGNORECASE)
# A secret may only be taken from the environment (.env): `${NAME}` or `${NAME:?message}`.
FROM_ENVIRONMENT = re.compile(r"\$\{[A-Z_][A-Z0-9_]*(:?\?[^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def is_one_shot(name: str, compose: dict[str, Any]) -> bool:
    """Never restarted, and waited for by the others until it has finished well."""
    services = compose["services"]
    waited_for = [
        (s.get("depends_on") or {}).get(name, {}).get("condition")
        for s in services.values()
        if isinstance(s.get("depends_on"), dict)
    ]
    return services[name].get("restart") == "no" and "service_completed_successfully" in waited_for


def test_the_stack_has_postgresql_redis_a_migration_the_api_and_consumers(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert set(services) >= {"postgres", "redis", "migrate", "api", "consumer"}
    assert services["migrate"]["command"] == ["db", "migrate"]
    assert services["api"]["command"] == ["serve"]
    assert services["consumer"]["command"] == ["webhooks", "consume"]
    for scaled in ("api", "consumer"):
        assert services[scaled]["deploy"]["replicas"] >= 2, scaled
        assert environment(services[scaled])["KASSA_CONSUMER_IN_PROCESS"] == "false"
    for kassa in ("migrate", "api", "consumer"):
        assert services[kassa]["build"]["context"] == "."
        assert services[kassa]["env_file"] == ".env"


def test_every_service_has_a_health_check_or_runs_once(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        check = service.get("healthcheck") or {}
        if check.get("disable"):
            assert is_one_shot(name, compose), f"{name}: no health check and not one-shot"
        else:
            assert check.get("test"), f"{name} has no health check"


def test_kassa_starts_after_the_migration_and_on_healthy_stores(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "consumer"):
        needs = services[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully", name
        assert needs["postgres"]["condition"] == "service_healthy", name
    assert services["api"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_no_secret_value_is_committed(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                assert FROM_ENVIRONMENT.fullmatch(value), f"{name}: {key} is written out"
            for password in re.findall(r"://[^:/@]+:([^@]+)@", value):
                assert FROM_ENVIRONMENT.fullmatch(password), f"{name}: {key} holds a password"
    example = (ROOT / ".env.example").read_text().splitlines()
    for line in example:
        key, _, value = line.partition("=")
        if not line.startswith("#") and SECRET_NAME.search(key):
            assert value == "", f".env.example gives {key} a value"
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored, ".env (the real secrets) must stay out of git"


def test_the_env_file_names_only_settings_kassa_or_the_stack_reads() -> None:
    known = {env_name(name) for name in Settings.__struct_fields__}
    known |= {"POSTGRES_PASSWORD"}
    for line in (ROOT / ".env.example").read_text().splitlines():
        setting = line.lstrip("# ").partition("=")[0]
        if "=" in line and re.fullmatch(r"[A-Z_]+", setting):
            assert setting in known, f".env.example names {setting}, which nothing reads"
