"""Reads a gateway event's id and type from the raw body with msgspec: the hot path of
webhook receipt decodes nothing else (no Stripe object tree), but checks the whole body
as every request body is checked (UTF-8, depth), so the consumer can read it later."""

from __future__ import annotations

import msgspec

from adapters import untrusted_json


class _Envelope(msgspec.Struct):
    id: str
    type: str
    object: str = "event"


def read_envelope(payload: bytes) -> tuple[str, str]:
    """(event id, event type); ValueError when the body is not a gateway event."""
    try:
        envelope = untrusted_json.decode(payload, _Envelope)
    except untrusted_json.UntrustedJsonError as exc:
        raise ValueError(f"the body is {exc}") from None
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from None
    if envelope.object != "event" or not envelope.id or not envelope.type:
        raise ValueError("not an event object")
    if len(envelope.id) > 255 or len(envelope.type) > 100:
        raise ValueError("event id or type too long")
    return envelope.id, envelope.type
