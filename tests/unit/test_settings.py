"""Start-up refuses configurations that cannot run safely (SPEC §11), in one line."""

from __future__ import annotations

import pytest

from entrypoints.container import webhook_secrets
from entrypoints.settings import Settings, SettingsError

PRODUCTION = {"KASSA_ENV": "production", "KASSA_JWT_SECRET": "j" * 40}
STRIPE = {
    "KASSA_GATEWAY": "stripe",
    "KASSA_STRIPE_SECRET_KEY": "sk_live_x",
    "KASSA_STRIPE_WEBHOOK_SECRET": "whsec_live_x",
}


@pytest.mark.parametrize(
    "fake_secret", [None, "whsec_fake_kassa"], ids=["left at default", "set to the default"]
)
def test_outside_dev_the_fake_gateway_needs_its_own_webhook_secret(
    fake_secret: str | None,
) -> None:
    environ = {**PRODUCTION, "KASSA_GATEWAY": "fake"}
    if fake_secret is not None:
        environ["KASSA_FAKE_WEBHOOK_SECRET"] = fake_secret

    with pytest.raises(SettingsError) as refused:
        Settings.from_env(environ)

    assert str(refused.value) == "KASSA_FAKE_WEBHOOK_SECRET must be set outside dev."


def test_outside_dev_an_explicit_fake_webhook_secret_is_accepted() -> None:
    environ = {**PRODUCTION, "KASSA_FAKE_WEBHOOK_SECRET": "whsec_only_we_know"}

    assert Settings.from_env(environ).fake_webhook_secret == "whsec_only_we_know"


@pytest.mark.parametrize("env", ["dev", "test"])
def test_in_dev_the_default_fake_webhook_secret_is_fine(env: str) -> None:
    assert Settings.from_env({"KASSA_ENV": env}).fake_webhook_secret == "whsec_fake_kassa"


def test_with_stripe_configured_the_fake_secret_is_neither_needed_nor_used() -> None:
    settings = Settings.from_env({**PRODUCTION, **STRIPE})

    assert webhook_secrets(settings) == {"stripe": "whsec_live_x"}


def test_with_the_fake_gateway_configured_both_gateways_have_their_secret() -> None:
    settings = Settings(stripe_webhook_secret="whsec_stripe")

    assert webhook_secrets(settings) == {"stripe": "whsec_stripe", "fake": "whsec_fake_kassa"}


def test_a_number_setting_that_is_not_a_whole_number_is_refused_naming_its_variable() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"KASSA_REFUND_WINDOW_DAYS": "ninety"})

    assert str(refused.value) == "KASSA_REFUND_WINDOW_DAYS must be a whole number."


@pytest.mark.parametrize(
    ("raw", "read_as"),
    [("1", True), ("TRUE", True), (" yes ", True), ("on", True), ("0", False), ("no", False)],
)
def test_a_yes_no_setting_is_yes_only_when_it_says_so(raw: str, read_as: bool) -> None:
    settings = Settings.from_env({"KASSA_CONSUMER_IN_PROCESS": raw, "KASSA_PORT": " 8080 "})

    assert settings.consumer_in_process is read_as
    assert settings.port == 8080


@pytest.mark.parametrize(("first", "longest"), [("0", "10"), ("-1", "10"), ("20", "10")])
def test_a_retry_schedule_that_cannot_run_is_refused(first: str, longest: str) -> None:
    environ = {
        "KASSA_EVENT_DELIVERY_FIRST_RETRY_SECONDS": first,
        "KASSA_EVENT_DELIVERY_LONGEST_RETRY_SECONDS": longest,
    }
    with pytest.raises(SettingsError, match="KASSA_EVENT_DELIVERY_FIRST_RETRY_SECONDS"):
        Settings.from_env(environ)


def test_the_database_pool_size_is_read_and_must_be_positive() -> None:
    assert Settings.from_env({"KASSA_DATABASE_POOL_SIZE": "32"}).database_pool_size == 32
    with pytest.raises(SettingsError, match="KASSA_DATABASE_POOL_SIZE"):
        Settings.from_env({"KASSA_DATABASE_POOL_SIZE": "0"})
