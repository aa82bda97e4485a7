"""`Idempotency-Key` at the HTTP edge (SPEC §5): replay, or run once and keep the answer."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.params import HeaderParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from application.idempotency import (
    IdempotencyContext,
    IdempotencyService,
    KeyTakenError,
    Replay,
    Respond,
)
from entrypoints.http.edge.errors import invalid_request
from entrypoints.http.edge.json_body import decoded_body

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

log = logging.getLogger("kassa.http")

# Handlers answer with the resource already encoded, so the saved body is exactly it.
Act = Callable[[IdempotencyContext | None], Awaitable[Response[Any]]]


def documented_key() -> dict[str, HeaderParameter]:
    """The optional header, for a controller's `parameters` (OpenAPI); checked below."""
    return {
        "idempotency_key": HeaderParameter(
            name=HEADER,
            annotation=str,
            required=False,
            # For the document only: `idempotency_key` checks it, answering its own 400.
            schema_extra={"min_length": 1, "max_length": MAX_KEY_LENGTH, "pattern": "^[ -~]+$"},
            description="1–255 printable characters; the same request under the same key "
            "is answered once and replayed with `Idempotent-Replayed: true` for 24 hours.",
        )
    }


def idempotency_key(request: Request[Any, Any, Any]) -> str | None:
    """The request's key, if it sent one: once, 1–255 printable ASCII characters.

    Two keys are malformed, not a choice to make for the client: 400, as a key too long."""
    keys = request.headers.getall(HEADER, [])
    if not keys:
        return None
    if len(keys) > 1:
        raise invalid_request(
            "idempotency_key_invalid", f"Send {HEADER} once, not {len(keys)} times.", param=HEADER
        )
    key = keys[0]
    if not 0 < len(key) <= MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
        raise invalid_request(
            "idempotency_key_invalid",
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.",
            param=HEADER,
        )
    return key


async def fingerprint(request: Request[Any, Any, Any]) -> str:
    """sha256 of method, path and the canonical body (sorted keys, no whitespace), from
    the document the handler decoded (no second decode)."""
    canonical = msgspec.json.encode(await decoded_body(request), order="sorted")
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


async def run_idempotent(
    request: Request[Any, Any, Any],
    tenant_id: str,
    service: IdempotencyService,
    act: Act,
    respond: Respond | None = None,
) -> Response[Any]:
    """Run `act` once per key: replay a saved answer, or run it and save what it answers.

    Call it after the body is validated, so refused requests are never saved. An
    exception abandons the key (a retry runs again, or resumes the payment it made), and
    so does a 202: the gateway's answer was lost, and a retry asks it again (§5).
    With `respond` (what the act will answer, rendered from what it saved), the act
    claims the key in its own first transaction and keeps the answer in its last; only
    a key already taken goes the full way (`IdempotencyService.begin`).
    """
    key = idempotency_key(request)
    if key is None:
        return await act(None)
    print_ = await fingerprint(request)
    if respond is not None:
        try:
            return await _run(service, service.deferred(tenant_id, key, print_, respond), act)
        except KeyTakenError:
            pass  # replayed, refused or resumed below
    started = await service.begin(tenant_id, key, print_)
    if isinstance(started, Replay):
        return Response(
            started.body,
            status_code=started.status,
            media_type="application/json",
            headers={REPLAYED_HEADER: "true"},
        )
    return await _run(service, started, act)


async def _run(service: IdempotencyService, started: IdempotencyContext, act: Act) -> Response[Any]:
    try:
        response = await act(started)
    except Exception:
        if not started.progress.pending:  # a deferred key never claimed holds nothing
            try:
                await service.abandon(started)
            except Exception:
                log.exception("Could not abandon idempotency key %r", started.key)
        raise
    content = response.content
    if not isinstance(content, bytes):
        raise TypeError("Idempotent handlers answer with encoded bytes.")
    if started.progress.completed:
        return response
    if response.status_code == HTTP_202_ACCEPTED:
        await service.abandon(started)
    else:
        await service.complete(started, response.status_code or 200, content)
    return response
