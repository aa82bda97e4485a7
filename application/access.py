"""Who may do what (SPEC §9): the roles a token names, what each implies, and the caller
a verified token speaks for. Adapters verify tokens; this policy is the application's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ROLES = ("merchant", "merchant_admin", "platform_admin")
# What each role may also do: an admin is a merchant too; a platform admin is not one.
IMPLIED_ROLES = {
    "merchant": {"merchant"},
    "merchant_admin": {"merchant", "merchant_admin"},
    "platform_admin": {"platform_admin"},
}


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request: its user, its tenant, and every role it holds."""

    subject: str
    tenant_id: str
    roles: frozenset[str]

    @classmethod
    def holding(cls, subject: str, tenant_id: str, named: Iterable[str]) -> Principal:
        """The roles named in a token, with what they imply; unknown names grant nothing."""
        granted: set[str] = set()
        for role in named:
            granted |= IMPLIED_ROLES.get(role, set())
        return cls(subject, tenant_id, frozenset(granted))

    def has(self, role: str) -> bool:
        return role in self.roles
