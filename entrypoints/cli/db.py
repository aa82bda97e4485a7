"""`kassa db migrate`: bring the configured database to the latest schema (Alembic)."""

from __future__ import annotations

import click
from sqlalchemy import make_url

from adapters.persistence.sql.migrate import upgrade_sync
from entrypoints.cli.context import CliState, pass_state
from entrypoints.settings import Settings


def printable_url(url: str) -> str:
    """The database URL with any password masked, fit for a terminal or a log."""
    if "://" not in url or url == "memory://":
        return url
    return make_url(url).render_as_string(hide_password=True)


def migrate(settings: Settings) -> bool:
    """Upgrade the database to head; False when the store has no schema (memory)."""
    if settings.store != "sql":
        return False
    settings.ensure_local_dirs()
    upgrade_sync(settings.database_url)
    return True


@click.group()
def db() -> None:
    """The database."""


@db.command("migrate")
@pass_state
def migrate_command(state: CliState) -> None:
    """Apply every pending migration (also seeds the fee tiers)."""
    url = printable_url(state.settings.database_url)
    if migrate(state.settings):
        click.echo(f"Database {url} is at the latest schema.")
    else:
        click.echo(f"The {url} store keeps no schema; nothing to migrate.")
