"""The platform API (tenants, fee tiers, overrides), the audit trail and the payment
statistics, under `/api/v1`.

Not behind the merchant router's `merchant` guard: each controller names its own roles
(`platform_admin`; the audit trail also `merchant_admin`).
"""

from __future__ import annotations

from litestar import Router

from entrypoints.http.edge.dependencies import merchant_dependencies
from entrypoints.http.payments.stats import PaymentStatsController
from entrypoints.http.platform.audit_logs import AuditLogsController
from entrypoints.http.platform.fee_tiers import FeeTiersController
from entrypoints.http.platform.tenants import TenantCreationController, TenantsController


def platform_router() -> Router:
    return Router(
        path="/api/v1",
        route_handlers=[
            TenantCreationController,
            TenantsController,
            FeeTiersController,
            AuditLogsController,
            PaymentStatsController,
        ],
        dependencies=merchant_dependencies(),
        security=[{"BearerToken": []}],
    )
