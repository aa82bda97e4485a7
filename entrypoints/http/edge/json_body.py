"""The request body, decoded once: within the limits of `adapters/untrusted_json.py`, kept
in the request's scope for whoever reads it next (Litestar's `data`, the handler's strict
conversion, the idempotency fingerprint)."""

from __future__ import annotations

from typing import Any, cast

from litestar import Request

from adapters import untrusted_json


async def decoded_body(request: Request[Any, Any, Any]) -> Any:
    """The JSON document of the body, an empty body being `{}`: decoded once per request
    (`LimitedJsonRequest.json`) whoever asks, the handler or the idempotency fingerprint."""
    if not (await request.body()).strip():
        return {}
    return await request.json()


_DECODED = "kassa.decoded_json"  # the scope key of the decoded body


class LimitedJsonRequest(Request[Any, Any, Any]):
    """The app's request class: Litestar decodes the `data` parameters through `json`, so
    every body meets the same limits (UTF-8, depth) before any handler runs. The document
    is kept in the request's scope, so no one decodes the same body twice."""

    async def json(self) -> Any:
        scope = cast(dict[str, Any], self.scope)
        if _DECODED not in scope:
            scope[_DECODED] = untrusted_json.decode(await self.body() or b"null")
        return scope[_DECODED]
