"""Kassa's configuration: `KASSA_*` environment variables over embedded defaults (SPEC §11)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import msgspec

DEV_JWT_SECRET = "kassa-dev-only-jwt-secret-change-me"
DEV_FAKE_WEBHOOK_SECRET = "whsec_fake_kassa"  # public: anyone could sign fake events with it
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/kassa.db"
TRUE_WORDS = ("1", "true", "yes", "on")  # any other value of a yes/no setting is "no"


class SettingsError(Exception):
    """The configuration cannot run; the message is one line for the operator."""


def env_name(field: str) -> str:
    """The variable a setting is read from: `port` → `KASSA_PORT`."""
    return f"KASSA_{field.upper()}"


def local_url(host: str, port: int) -> str:
    """Where a server listening on host:port is reached from this machine: a wildcard
    address (every interface) is loopback, an IPv6 address is bracketed."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


class Settings(msgspec.Struct, frozen=True, kw_only=True, rename=env_name):
    """Every setting, parsed once: a field is its name, type and default, and is read from
    `KASSA_` + its name upper-cased (`env_name`). Adding a setting is adding a field."""

    env: str = "dev"
    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL connections per process, all kept (no overflow opened and closed under
    # load): as many as the transactions one process runs at once; more wait their turn.
    database_pool_size: int = 20
    gateway: str = "fake"
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    stripe_publishable_key: str | None = None  # pk_…: Stripe.js on the payment page (/pay)
    fake_webhook_secret: str = DEV_FAKE_WEBHOOK_SECRET
    fake_gateway_state: str = "database"  # or "memory": this process only (tests, benchmarks)
    fake_webhook_delivery: bool = True  # `kassa serve` delivers the fake gateway's events
    jwt_secret: str = DEV_JWT_SECRET
    redis_url: str | None = None
    redis_namespace: str = "kassa"  # key prefix: several deployments may share one Redis
    portal_view_rate_limit: int = 20  # requests per link and minute (SPEC §7)
    portal_pay_rate_limit: int = 5
    portal_methods_rate_limit: int = 5
    portal_failed_auth_rate_limit: int = 10  # failed link checks per client address and minute
    public_base_url: str = ""  # default: http://{host}:{port}
    host: str = "127.0.0.1"
    port: int = 8000
    refund_window_days: int = 90
    bcrypt_rounds: int = 10
    portal_token_ttl_days: int = 7
    consumer_in_process: bool = True
    loops_lock: str = ""  # set by `kassa serve --workers N`: the lock one worker's loops hold
    webhook_lease_seconds: int = 60
    event_delivery_in_process: bool = True  # `kassa serve` delivers merchant events (§14)
    event_delivery_lease_seconds: int = 60  # a dead worker's deliveries are due again after it
    event_delivery_timeout_seconds: int = 10
    event_delivery_first_retry_seconds: float = 30.0  # doubling per failed attempt…
    event_delivery_longest_retry_seconds: float = 21_600.0  # …up to 6 h (tests: shorter)
    log_level: str = "INFO"
    log_format: str = "console"  # or "json": one object a line on stdout (the image's)
    smtp_url: str | None = None  # smtp://user:password@host:587?from=…; unset: mails are logged

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings in `environ` (default: this process's environment), checked."""
        environ = os.environ if environ is None else environ
        values: dict[str, str | bool] = {}
        for f in msgspec.structs.fields(cls):
            raw = environ.get(f.encode_name)
            if raw is None or raw == "":
                continue
            if f.type is bool:
                values[f.encode_name] = raw.strip().lower() in TRUE_WORDS
            else:
                values[f.encode_name] = raw.strip() if f.type is int else raw
        try:
            settings = msgspec.convert(values, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise SettingsError(_one_line(exc)) from None
        settings.check()
        return settings

    @property
    def base_url(self) -> str:
        """Where people reach Kassa: KASSA_PUBLIC_BASE_URL, else this host and port (as
        `kassa serve` listens on them: every process reading these settings agrees)."""
        return (self.public_base_url or local_url(self.host, self.port)).rstrip("/")

    @property
    def fake_gateway_url(self) -> str:
        """Where the fake gateway's pages are served: under this Kassa."""
        return self.base_url + "/fake-gateway"

    @property
    def fake_gateway_books(self) -> str:
        """Where the fake gateway keeps its books: with a memory store, in memory too."""
        return "memory" if self.store == "memory" else self.fake_gateway_state

    @property
    def is_dev(self) -> bool:
        return self.env in ("dev", "test")

    @property
    def store(self) -> str:
        return "memory" if self.database_url == "memory://" else "sql"

    def check(self) -> None:
        """Refuse settings that cannot run safely, with a one-line reason."""
        if self.gateway not in ("fake", "stripe"):
            raise SettingsError("KASSA_GATEWAY is 'fake' or 'stripe'.")
        if self.fake_gateway_state not in ("database", "memory"):
            raise SettingsError("KASSA_FAKE_GATEWAY_STATE is 'database' or 'memory'.")
        if self.log_format not in ("console", "json"):
            raise SettingsError("KASSA_LOG_FORMAT is 'console' or 'json'.")
        if self.database_pool_size < 1:
            raise SettingsError("KASSA_DATABASE_POOL_SIZE is at least 1.")
        if self.gateway == "stripe" and not self.stripe_secret_key:
            raise SettingsError("KASSA_GATEWAY=stripe needs KASSA_STRIPE_SECRET_KEY.")
        if not self.is_dev:
            if self.jwt_secret == DEV_JWT_SECRET:
                raise SettingsError("KASSA_JWT_SECRET must be set outside dev (KASSA_ENV).")
            if self.gateway == "stripe" and not self.stripe_webhook_secret:
                raise SettingsError("KASSA_STRIPE_WEBHOOK_SECRET must be set outside dev.")
            if self.gateway == "fake" and self.fake_webhook_secret == DEV_FAKE_WEBHOOK_SECRET:
                raise SettingsError("KASSA_FAKE_WEBHOOK_SECRET must be set outside dev.")
        if len(self.jwt_secret) < 32:
            raise SettingsError("KASSA_JWT_SECRET must be at least 32 characters.")
        budgets = (
            self.portal_view_rate_limit,
            self.portal_pay_rate_limit,
            self.portal_methods_rate_limit,
            self.portal_failed_auth_rate_limit,
        )
        if min(budgets) < 1:
            raise SettingsError("The KASSA_PORTAL_*_RATE_LIMIT budgets are at least 1.")
        if not 1 <= self.portal_token_ttl_days <= 30:
            raise SettingsError("KASSA_PORTAL_TOKEN_TTL_DAYS is from 1 to 30.")
        if self.event_delivery_timeout_seconds < 1 or self.event_delivery_lease_seconds < 2:
            raise SettingsError("KASSA_EVENT_DELIVERY_{TIMEOUT,LEASE}_SECONDS are at least 1, 2.")
        if (
            not 0
            < self.event_delivery_first_retry_seconds
            <= (self.event_delivery_longest_retry_seconds)
        ):
            raise SettingsError(
                "KASSA_EVENT_DELIVERY_FIRST_RETRY_SECONDS is positive and at most "
                "KASSA_EVENT_DELIVERY_LONGEST_RETRY_SECONDS."
            )
        if self.refund_window_days < 1:
            raise SettingsError("KASSA_REFUND_WINDOW_DAYS is at least 1.")

    def ensure_local_dirs(self) -> None:
        """Create the folder of an embedded SQLite file (`./var/` by default)."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            path = self.database_url[len(prefix) :]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)


def _one_line(exc: msgspec.ValidationError) -> str:
    """Only a whole number can fail to parse (text is text, yes/no is read above); msgspec
    names the variable last: "Expected `int`, got `str` - at `$.KASSA_PORT`"."""
    variable = str(exc).rpartition("$.")[2].rstrip("`")
    return f"{variable} must be a whole number."
