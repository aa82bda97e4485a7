"""The image, built once for the module from the working tree on the local Debian base."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.container.podman import build_image, ready_podman, remove_image


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    ready_podman()
    tag = f"localhost/kassa:test-{secrets.token_hex(4)}"  # runs side by side never collide
    build_image(tag)
    yield tag
    remove_image(tag)  # the build's cached layers stay, so the next build is quick
