"""The CLI tests' `kassa` fixture: commands run on the test module's `state` fixture."""

from __future__ import annotations

import pytest

from entrypoints.cli.context import CliState
from tests.unit.cli_runner import Kassa, kassa_on


@pytest.fixture
def kassa(state: CliState) -> Kassa:
    return kassa_on(state)
