"""The audit trail: who did what to which entity, from where, without secrets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: an API caller, an operator at the CLI, a portal customer or Kassa itself."""

    kind: str  # "user" (API), "operator" (CLI), "customer" (portal), "system"
    id: str
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


SYSTEM = Actor(kind="system", id="kassa")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: str
    tenant_id: str | None
    actor: Actor
    action: str
    entity_type: str
    entity_id: str
    created_at: datetime
    details: dict[str, Any] = field(default_factory=dict)
