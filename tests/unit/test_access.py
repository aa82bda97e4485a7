"""Which tenant's records a caller may read (the audit trail and payment statistics)."""

from __future__ import annotations

import pytest

from application.access import Principal

MERCHANT_ADMIN = Principal.holding("usr_1", "ten_1", ["merchant_admin"])
PLATFORM_ADMIN = Principal.holding("usr_2", "ten_platform", ["platform_admin"])


@pytest.mark.parametrize("tenant_id", [None, "ten_1"])
def test_a_merchant_reads_its_own_tenant_whatever_it_names(tenant_id: str | None) -> None:
    assert MERCHANT_ADMIN.may_read(tenant_id)
    assert MERCHANT_ADMIN.read_scope(tenant_id) == "ten_1"


def test_a_merchant_may_not_read_another_tenant() -> None:
    assert not MERCHANT_ADMIN.may_read("ten_2")


@pytest.mark.parametrize("tenant_id", [None, "ten_1", "ten_2"])
def test_a_platform_admin_reads_the_tenant_it_names_or_every_tenant(
    tenant_id: str | None,
) -> None:
    assert PLATFORM_ADMIN.may_read(tenant_id)
    assert PLATFORM_ADMIN.read_scope(tenant_id) == tenant_id
