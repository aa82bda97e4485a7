"""Merchant API access tokens: HS256 JWTs with `sub`, `tenant_id`, `roles`, `exp` (SPEC §9)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import jwt
from cachetools import LRUCache

from application.access import ROLES, Principal

VERIFIED_LIMIT = 4_096  # tokens kept verified, the least recently used dropped first


class InvalidAccessTokenError(Exception):
    """Missing, malformed, forged or expired; the reason stays in the process."""


class JwtAccessTokens:
    def __init__(self, secret: str) -> None:
        self._secret = secret
        # token → (principal, exp): a token verified once is not decoded again until it
        # expires; the key is the whole token, signature included, so only a token
        # already verified with this secret is found here.
        self._verified: LRUCache[str, tuple[Principal, int]] = LRUCache(maxsize=VERIFIED_LIMIT)

    def issue(
        self, *, subject: str, tenant_id: str, roles: list[str], now: datetime, ttl: timedelta
    ) -> str:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"Unknown role(s): {', '.join(sorted(unknown))}.")
        claims = {
            "sub": subject,
            "tenant_id": tenant_id,
            "roles": roles,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            return known[0]
        principal, expires = self._decoded(token)
        self._verified[token] = (principal, expires)
        return principal

    def _decoded(self, token: str) -> tuple[Principal, int]:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                options={"require": ["sub", "tenant_id", "roles", "exp"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidAccessTokenError(str(exc)) from None
        roles = claims["roles"]
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise InvalidAccessTokenError("roles must be a list of strings")
        if not isinstance(claims["tenant_id"], str) or not isinstance(claims["sub"], str):
            raise InvalidAccessTokenError("sub and tenant_id must be strings")
        principal = Principal.holding(claims["sub"], claims["tenant_id"], roles)
        return principal, int(claims["exp"])
