# Kassa's everyday commands. `make serve` and `make test` work from a fresh checkout.

VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.DEFAULT_GOAL := help
.PHONY: help install serve test features bench image

help:  ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

install:  ## Create .venv from uv.lock (installs uv first if it is missing)
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --user uv || pip install uv
	@$(UV) --version >/dev/null 2>&1 || { echo "Could not install uv: see https://docs.astral.sh/uv/"; exit 1; }
	$(UV) sync --frozen

serve: install  ## Run Kassa on http://127.0.0.1:8000 (SQLite in ./var, fake gateway)
	$(BIN)/kassa serve

test: install  ## Lint, type-check, check the layers, then run every test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo
	$(BIN)/pytest

features: install  ## Run the business features, one line per step, for people
	$(BIN)/pytest tests/steps --gherkin-terminal-reporter -v --tb=line

# The benchmark (tests/perf/bench.py) prints figures and PASS/MISS against the targets;
# it needs the PostgreSQL server at KASSA_TEST_POSTGRES_URL (default 127.0.0.1:5432).
bench: install  ## Run the load benchmark of the performance suite
	$(BIN)/python -m tests.perf.bench

# Without a Docker daemon: podman on a Debian base made locally (scripts/container-setup
# installs what is missing). With Docker: docker build -t kassa:local .
image:  ## Build the container image localhost/kassa:latest with podman
	scripts/container-setup
	scripts/podman build --build-arg PYTHON_IMAGE=localhost/kassa-base:bookworm -t localhost/kassa:latest .
