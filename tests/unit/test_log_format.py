"""KASSA_LOG_FORMAT: console lines for people, one JSON object a line for collectors; the
same structlog chain for every logger, with the request's ids and without secrets."""

from __future__ import annotations

import io
import json
import logging
import sys
from typing import Any

import pytest
import structlog

from entrypoints.http.edge.log_redaction import scrub
from entrypoints.log_context import bind_log_context, log_context
from entrypoints.log_format import configure_logging, log_formatter, uvicorn_log_config
from entrypoints.settings import Settings, SettingsError

SECRET = "kpt_" + "a" * 22 + "_" + "b" * 43


def record(
    message: str, *args: object, name: str = "kassa.http", **extra: object
) -> logging.LogRecord:
    made = logging.LogRecord(name, logging.WARNING, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def as_json(made: logging.LogRecord) -> dict[str, Any]:
    line = log_formatter("json").format(made)
    assert "\n" not in line
    entry: dict[str, Any] = json.loads(line)
    return entry


def test_a_json_line_carries_timestamp_level_logger_event_and_the_request_s_ids() -> None:
    with log_context(request_id="req_9"):
        bind_log_context(tenant_id="ten_1", payment_id="pay_1", secret="never")  # not an id
        entry = as_json(record("Refund %s failed", "re_1"))

    assert (entry["level"], entry["logger"], entry["event"]) == (
        "warning",
        "kassa.http",
        "Refund re_1 failed",
    )
    assert (entry["request_id"], entry["tenant_id"], entry["payment_id"]) == (
        "req_9",
        "ten_1",
        "pay_1",
    )
    assert "secret" not in entry
    assert entry["timestamp"].endswith("Z")
    assert list(entry)[:4] == ["timestamp", "level", "logger", "event"]


def test_a_json_line_keeps_the_exception_on_the_same_line() -> None:
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        failed = record("Unexpected")
        failed.exc_info = sys.exc_info()
    assert "ValueError: boom" in as_json(failed)["exception"]


def test_outside_a_request_no_request_id_is_written() -> None:
    assert "request_id" not in as_json(record("x"))


def test_tokens_and_secret_named_fields_never_reach_a_line() -> None:
    entry = as_json(
        record(
            "Link %s",
            SECRET,
            link={"url": f"https://pay.example/pay/{SECRET}", "password": "hunter2"},
            smtp_url="smtp://user:hunter2@mail",
            body="Hello, here is your link",
            token_id="ptok_1",
        )
    )
    line = json.dumps(entry)
    assert SECRET not in line and "hunter2" not in line and "your link" not in line
    assert entry["event"] == "Link kpt_[redacted]"
    assert entry["link"]["url"] == "https://pay.example/pay/{token}"
    assert entry["body"] == entry["smtp_url"] == "[redacted]"
    assert entry["token_id"] == "ptok_1"  # an id, not a secret


def test_uvicorn_s_access_line_becomes_fields_with_the_portal_path_as_a_template() -> None:
    access = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/api/v1/public/payment/{SECRET}/invoice", "1.1", 200),
        None,
    )  # fmt: skip
    scrub(access)  # as the record factory Kassa installs does
    entry = as_json(access)
    assert (entry["method"], entry["status"], entry["client"]) == ("GET", 200, "127.0.0.1:5000")
    assert entry["path"] == "/api/v1/public/payment/{token}/invoice"
    assert SECRET not in json.dumps(entry)


def test_structlog_s_own_loggers_go_through_the_same_chain() -> None:
    out = io.StringIO()
    configure_logging("INFO", "json", stream=out)
    try:
        with log_context(request_id="req_7"):
            structlog.get_logger("kassa.test").info("charged", payment_id="pay_2", cvc="123")
    finally:
        configure_logging("INFO", "console")
    entry = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (entry["event"], entry["request_id"], entry["payment_id"]) == (
        "charged",
        "req_7",
        "pay_2",
    )
    assert entry["logger"] == "kassa.test" and entry["cvc"] == "[redacted]"


def test_console_lines_are_for_people() -> None:
    with log_context(request_id="req_5"):
        line = log_formatter("console").format(record("Refund %s failed", "re_1"))
    assert "Refund re_1 failed" in line and "request_id=req_5" in line
    assert not line.lstrip().startswith("{")


def test_the_log_format_is_console_unless_told_and_nothing_else_is_accepted() -> None:
    assert Settings.from_env({}).log_format == "console"
    assert Settings.from_env({"KASSA_LOG_FORMAT": "json"}).log_format == "json"
    with pytest.raises(SettingsError, match="KASSA_LOG_FORMAT"):
        Settings.from_env({"KASSA_LOG_FORMAT": "xml"})


def test_uvicorn_s_loggers_go_up_to_kassa_s_handler() -> None:
    config = uvicorn_log_config("INFO")
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        assert config["loggers"][name] == {"handlers": [], "level": "INFO", "propagate": True}
    assert "root" not in config and config["disable_existing_loggers"] is False
