"""KASSA_LOG_FORMAT: console lines for people, one JSON object a line for collectors."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from entrypoints.http.edge.request_id import logging_config
from entrypoints.log_format import JsonLogFormatter, uvicorn_log_config
from entrypoints.settings import Settings, SettingsError


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("kassa.http", logging.WARNING, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_a_json_line_carries_time_level_logger_message_and_request_id() -> None:
    line = JsonLogFormatter().format(record("Refund %s failed", "re_1", request_id="req_9"))
    entry = json.loads(line)
    assert (entry["level"], entry["logger"], entry["message"]) == (
        "WARNING",
        "kassa.http",
        "Refund re_1 failed",
    )
    assert entry["request_id"] == "req_9"
    assert entry["time"].endswith("+00:00")
    assert "\n" not in line


def test_a_json_line_keeps_the_exception_on_the_same_line() -> None:
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        failed = record("Unexpected")
        failed.exc_info = sys.exc_info()
    line = JsonLogFormatter().format(failed)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


def test_outside_a_request_no_request_id_is_written() -> None:
    assert "request_id" not in json.loads(JsonLogFormatter().format(record("x", request_id="-")))


def test_the_log_format_is_console_unless_told_and_nothing_else_is_accepted() -> None:
    assert Settings.from_env({}).log_format == "console"
    assert Settings.from_env({"KASSA_LOG_FORMAT": "json"}).log_format == "json"
    with pytest.raises(SettingsError, match="KASSA_LOG_FORMAT"):
        Settings.from_env({"KASSA_LOG_FORMAT": "xml"})


def test_as_json_the_app_and_uvicorn_log_to_stdout() -> None:
    handlers = logging_config("INFO", "json").handlers
    assert {h["stream"] for h in handlers.values()} == {"ext://sys.stdout"}
    uvicorn = uvicorn_log_config("INFO", "json")
    assert uvicorn is not None
    assert uvicorn["handlers"]["stdout"]["stream"] == "ext://sys.stdout"
    assert uvicorn_log_config("INFO", "console") is None  # Uvicorn's own defaults
