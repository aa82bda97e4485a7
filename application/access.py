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

    def may_read(self, tenant_id: str | None) -> bool:
        """Whether a read narrowed to `tenant_id` (None: not narrowed) is one this caller
        may make: a platform admin any, anyone else only its own tenant's."""
        return self.has("platform_admin") or tenant_id in (None, self.tenant_id)

    def read_scope(self, tenant_id: str | None) -> str | None:
        """The tenant a read covers: a platform admin's `tenant_id` (None: every tenant),
        anyone else's own."""
        return tenant_id if self.has("platform_admin") else self.tenant_id
