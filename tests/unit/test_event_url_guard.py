"""SSRF (§14): outside dev, only https URLs whose host resolves to public addresses."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from adapters.events.url_guard import ResolvingUrlGuard
from application.ports.events import UnsafeUrlError

NAMES = {"hooks.example.com": ["93.184.216.34"], "internal.example.com": ["10.1.2.3"]}


async def fake_dns(host: str, port: int) -> Sequence[str]:
    if host in NAMES:
        return NAMES[host]
    return [host]  # an address literal resolves to itself


production = ResolvingUrlGuard(allow_private=False, resolve=fake_dns)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.1/hook",
        "https://192.168.1.5/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://100.64.0.1/hook",
        "https://internal.example.com/hook",
        "http://hooks.example.com/hook",
        "https://user:pw@hooks.example.com/hook",
        "ftp://hooks.example.com/hook",
    ],
)
async def test_unsafe_urls_are_refused_outside_dev(url: str) -> None:
    with pytest.raises(UnsafeUrlError):
        await production.check(url)


async def test_a_public_https_url_is_accepted() -> None:
    await production.check("https://hooks.example.com/hook")


async def test_a_real_name_resolving_to_loopback_is_refused() -> None:
    with pytest.raises(UnsafeUrlError, match="non-public"):
        await ResolvingUrlGuard(allow_private=False).check("https://localhost/hook")


async def test_dev_accepts_a_receiver_on_this_machine() -> None:
    await ResolvingUrlGuard(allow_private=True, resolve=fake_dns).check("http://127.0.0.1:9/h")
