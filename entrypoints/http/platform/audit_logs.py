"""The audit trail over HTTP: a merchant admin reads its tenant's, a platform admin anyone's."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.params import QueryParameter

from application.access import Principal
from application.audit import ListAuditEntries
from application.ports.repositories import AuditFilter, PageRequest
from entrypoints.http.edge.auth import authenticate
from entrypoints.http.edge.dependencies import each_from_container
from entrypoints.http.edge.errors import ApiError
from entrypoints.http.edge.pagination import Text
from entrypoints.http.platform.docs import documented
from entrypoints.http.platform.resources import AuditEntryList, audit_entry_list

READERS = ("merchant_admin", "platform_admin")


def audit_reader(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A guard: merchant admins and platform admins read the audit trail (§9)."""
    if not any(authenticate(connection).has(role) for role in READERS):
        raise ApiError(
            403,
            "permission_error",
            "insufficient_role",
            "This needs the merchant_admin or platform_admin role.",
        )


class AuditLogsController(Controller):
    path = "/audit-logs"
    tags = ["audit"]
    guards = [audit_reader]
    dependencies = each_from_container("list_audit_entries")

    @get(
        "/",
        summary="Audit entries, newest first (merchant_admin: own tenant; platform_admin: all)",
        responses=documented(400, 401, 403),
    )
    async def list_entries(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        list_audit_entries: NamedDependency[ListAuditEntries],
        page: NamedDependency[PageRequest],
        action: Text = None,
        entity_id: Text = None,
        tenant_id: Annotated[
            str | None,
            QueryParameter(
                min_length=1,
                max_length=255,
                description="platform_admin: one tenant's entries (default: every entry). "
                "A merchant_admin only ever sees its own tenant's.",
            ),
        ] = None,
    ) -> AuditEntryList:
        if not principal.may_read(tenant_id):
            # Filters narrow what the caller may see: another tenant's is nothing.
            return audit_entry_list([], False, request.url.path)
        scope = principal.read_scope(tenant_id)
        where = AuditFilter(tenant_id=scope, action=action, entity_id=entity_id)
        found = await list_audit_entries.execute(where, page)
        return audit_entry_list(found.data, found.has_more, request.url.path)
