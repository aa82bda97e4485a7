"""The dependency rule (SPEC §1): layers point inward and the domain needs only the stdlib."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.api import read_configuration

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
LAYERS = ["entrypoints", "adapters", "application", "domain"]


def outside_imports(source: str, allowed_roots: set[str]) -> list[tuple[int, str]]:
    """(line, module) of every absolute import whose top-level package is not allowed."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, n) for n in names if n.split(".")[0] not in allowed_roots]
    return found


def test_the_layers_contract_names_the_four_layers_inward() -> None:
    contracts = read_configuration(str(PYPROJECT))["contracts_options"]
    layers = [c for c in contracts if c["type"] == "layers"]
    assert layers, "pyproject.toml has no import-linter layers contract"
    assert [str(layer) for layer in layers[0]["layers"]] == LAYERS


def test_import_linter_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--config", str(PYPROJECT), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_domain_imports_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"domain"}
    broken = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / "domain").rglob("*.py"))
        for line, module in outside_imports(path.read_text(encoding="utf-8"), allowed)
    ]
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize(
    "source",
    ["import sqlalchemy", "from litestar import get", "import os, msgspec.json", "import adapters"],
)
def test_the_domain_check_catches_a_third_party_or_outer_import(source: str) -> None:
    assert outside_imports(source, set(sys.stdlib_module_names) | {"domain"})


@pytest.mark.parametrize(
    "source", ["import datetime", "from domain.money import Money", "from . import events"]
)
def test_the_domain_check_allows_the_stdlib_and_the_domain(source: str) -> None:
    assert not outside_imports(source, set(sys.stdlib_module_names) | {"domain"})
