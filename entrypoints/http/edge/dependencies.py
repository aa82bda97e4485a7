"""Small Provide bridges: each handler dependency asks the container at request time."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import Provide

from entrypoints.http.edge.acting import Acting
from entrypoints.http.edge.auth import provide_principal
from entrypoints.http.edge.pagination import page_parameters


def from_container(provider_name: str) -> Provide:
    """A dependency resolved by calling the container's provider of that name, per request
    (so a test's `container.<provider>.override(...)` takes effect at once)."""

    def provide(state: State) -> Any:
        return getattr(state.container, provider_name)()

    provide.__name__ = f"provide_{provider_name}"
    return Provide(provide, sync_to_thread=False)


def each_from_container(*provider_names: str) -> dict[str, Provide]:
    """`from_container` for each of these providers, as a dependency of the same name."""
    return {name: from_container(name) for name in provider_names}


def merchant_dependencies(*use_cases: str) -> dict[str, Provide]:
    """The caller, the idempotency service, an idempotent write (`acting`), a list's page
    (`page`: its limit and cursors) and the named use cases."""
    return {
        "principal": Provide(provide_principal, sync_to_thread=False),
        "idempotency": from_container("idempotency"),
        "acting": Provide(Acting, sync_to_thread=False),
        "page": Provide(page_parameters, sync_to_thread=False),
        **each_from_container(*use_cases),
    }
