"""Reads a gateway event's id and type from the raw body with msgspec: the hot path of
webhook receipt decodes nothing else (no Stripe object tree)."""

from __future__ import annotations

import msgspec


class _Envelope(msgspec.Struct):
    id: str
    type: str
    object: str = "event"


_decoder = msgspec.json.Decoder(_Envelope)


def read_envelope(payload: bytes) -> tuple[str, str]:
    """(event id, event type); ValueError when the body is not a gateway event."""
    try:
        envelope = _decoder.decode(payload)
    except msgspec.DecodeError as exc:
        raise ValueError(str(exc)) from None
    if envelope.object != "event" or not envelope.id or not envelope.type:
        raise ValueError("not an event object")
    if len(envelope.id) > 255 or len(envelope.type) > 100:
        raise ValueError("event id or type too long")
    return envelope.id, envelope.type
