"""Running `kassa …` in-process for the CLI tests, on a given CliState (settings and
container), and reading its JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from click.testing import CliRunner, Result

from entrypoints.cli.context import CliState
from entrypoints.cli.main import cli

Kassa = Callable[..., Result]


def kassa_on(state: CliState) -> Kassa:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), obj=state)

    return invoke


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def refused(result: Result) -> str:
    """The one-line message of a refused command: exit code 1, nothing on stdout."""
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    return line
