"""A customer's portal link: `kpt_<selector>_<verifier>`; only bcrypt(verifier) is kept."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import DomainError
from domain.invoice import InvoicePaidError

TOKEN_PREFIX = "kpt_"
SELECTOR_BYTES, VERIFIER_BYTES = 16, 32
# base64url without padding: 16 bytes → 22 characters, 32 bytes → 43. The fixed lengths
# keep `_` unambiguous as the separator although base64url uses it too.
_TOKEN = re.compile(r"kpt_([A-Za-z0-9_-]{22})_([A-Za-z0-9_-]{43})")
# Anything that looks like a token, well-formed or not, for masking it in text.
TOKEN_LIKE = re.compile(r"kpt_[A-Za-z0-9_-]+")
MASKED_TOKEN = "kpt_[redacted]"


class PortalTokenStatus(StrEnum):
    ACTIVE = "active"
    USED = "used"
    REVOKED = "revoked"
    EXPIRED = "expired"


class InvalidTokenError(DomainError):
    """Unknown, malformed, expired or revoked: all look the same from outside."""

    code = "invalid_token"


def split_token(token: str) -> tuple[str, str]:
    """(selector, verifier) of a well-formed token; InvalidTokenError otherwise."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise InvalidTokenError("The link is not valid.")
    return match.group(1), match.group(2)


def mask_tokens(text: str) -> str:
    """Every `kpt_…` in `text` → `kpt_[redacted]`."""
    return TOKEN_LIKE.sub(MASKED_TOKEN, text) if TOKEN_PREFIX in text else text


def join_token(selector: str, verifier: str) -> str:
    return f"{TOKEN_PREFIX}{selector}_{verifier}"


@dataclass(eq=False, slots=True)
class PortalToken:
    id: str
    tenant_id: str
    customer_id: str
    selector: str
    verifier_hash: str
    created_at: datetime
    expires_at: datetime
    invoice_id: str | None = None
    status: PortalTokenStatus = PortalTokenStatus.ACTIVE
    usage_count: int = 0
    last_used_at: datetime | None = None
    last_ip: str | None = None
    last_user_agent: str | None = None
    revoked_at: datetime | None = None
    version: int = 0

    def effective_status(self, now: datetime) -> PortalTokenStatus:
        if self.status in (PortalTokenStatus.ACTIVE, PortalTokenStatus.USED) and (
            now >= self.expires_at
        ):
            return PortalTokenStatus.EXPIRED
        return self.status

    def is_viewable(self, now: datetime) -> bool:
        return self.effective_status(now) in (PortalTokenStatus.ACTIVE, PortalTokenStatus.USED)

    def ensure_viewable(self, now: datetime) -> None:
        if not self.is_viewable(now):
            raise InvalidTokenError("The link is not valid.")

    def ensure_can_pay(self, now: datetime) -> None:
        self.ensure_viewable(now)
        if self.status is PortalTokenStatus.USED:
            raise InvoicePaidError("This link's invoice is paid.")

    def record_use(self, now: datetime, ip: str | None, user_agent: str | None) -> None:
        self.usage_count += 1
        self.last_used_at = now
        self.last_ip = ip
        self.last_user_agent = (user_agent or "")[:300] or None

    def mark_used(self) -> None:
        """Its invoice is paid in full: views go on until expiry, payments stop."""
        if self.status is PortalTokenStatus.ACTIVE and self.invoice_id is not None:
            self.status = PortalTokenStatus.USED

    def revoke(self, now: datetime) -> bool:
        if self.status is PortalTokenStatus.REVOKED:
            return False
        self.status = PortalTokenStatus.REVOKED
        self.revoked_at = now
        return True
