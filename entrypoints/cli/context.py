"""What every command shares: settings, one container, async use cases, one-line failures."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from domain.errors import DomainError
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings, SettingsError

T = TypeVar("T")

DEMO_TENANT_ID = "ten_demo"


@dataclass
class CliState:
    """The settings `kassa serve` reads, and the container built from them on first use."""

    settings: Settings
    _container: Container | None = field(default=None, repr=False)

    @property
    def container(self) -> Container:
        if self._container is None:
            self._container = build_container(self.settings)
        return self._container

    def use(self, settings: Settings) -> Settings:
        """Run on `settings` from now on (a command's options override the environment)."""
        self.settings, self._container = settings, None
        return settings


pass_state = click.make_pass_decorator(CliState)


def one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class KassaGroup(click.Group):
    """Turns any failure into one line on stderr and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except SettingsError as exc:
            raise click.ClickException(one_line(exc)) from None
        except DomainError as exc:
            raise click.ClickException(f"{exc.code}: {one_line(exc)}") from None
        except Exception as exc:
            raise click.ClickException(f"{type(exc).__name__}: {one_line(exc)}") from None


def run(state: CliState, work: Callable[[Container], Awaitable[T]]) -> T:
    """Run one async unit of work against the container on its own event loop."""
    return asyncio.run(_run_then_close(state, work))


async def _run_then_close(state: CliState, work: Callable[[Container], Awaitable[T]]) -> T:
    container = state.container
    try:
        return await work(container)
    finally:
        if state.settings.store == "sql":
            # The engines' connections belong to this loop: close them before it ends, and
            # forget every singleton built on them (the webhook queue keeps an autocommit
            # copy of the engine with its pool), so the next run builds them on its loop.
            await container.engine().dispose()
            if state.settings.gateway == "fake" and state.settings.fake_gateway_books == "database":
                await container.fake_gateway_engine().dispose()
            container.reset_singletons()
