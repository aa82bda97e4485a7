"""Merchant access tokens: verified once, then known until they expire."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from adapters.security.jwt_tokens import InvalidAccessTokenError, JwtAccessTokens

SECRET = "test-secret-with-at-least-32-bytes!!"


def issued(tokens: JwtAccessTokens, ttl: timedelta = timedelta(minutes=5)) -> str:
    return tokens.issue(
        subject="svc", tenant_id="ten_1", roles=["merchant"], now=datetime.now(UTC), ttl=ttl
    )


def test_a_verified_token_names_its_caller_again_without_a_second_decode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tokens = JwtAccessTokens(SECRET)
    token = issued(tokens)
    first = tokens.verify(token)
    monkeypatch.setattr("jwt.decode", lambda *_, **__: pytest.fail("decoded twice"))

    assert tokens.verify(token) == first
    assert (first.subject, first.tenant_id) == ("svc", "ten_1")


def test_a_known_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = JwtAccessTokens(SECRET)
    token = issued(tokens, ttl=timedelta(seconds=30))
    tokens.verify(token)
    later = time.time() + 31
    monkeypatch.setattr("time.time", lambda: later)
    decoded: list[str] = []

    def expired(found: str, *_: object, **__: object) -> None:  # what PyJWT finds then
        decoded.append(found)
        raise jwt.ExpiredSignatureError("Signature has expired")

    monkeypatch.setattr("jwt.decode", expired)

    with pytest.raises(InvalidAccessTokenError):
        tokens.verify(token)
    assert decoded == [token]  # checked again, not served from what was verified


def test_a_forged_signature_is_refused_beside_a_verified_token() -> None:
    tokens = JwtAccessTokens(SECRET)
    token = issued(tokens)
    tokens.verify(token)
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"

    with pytest.raises(InvalidAccessTokenError):
        tokens.verify(forged)
    with pytest.raises(InvalidAccessTokenError):
        JwtAccessTokens("another-secret-of-at-least-32-bytes!").verify(token)
