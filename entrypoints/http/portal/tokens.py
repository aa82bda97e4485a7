"""Portal links, issued, listed and revoked by merchant admins (SPEC §7)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, SkipValidation

from application.access import Principal
from application.portal.tokens import (
    IssuedToken,
    IssuePortalToken,
    IssuePortalTokenCommand,
    ListPortalTokens,
    RevokePortalToken,
)
from application.ports.repositories import PageRequest
from application.ports.system import Clock
from entrypoints.http.customers.resources import (
    PortalTokenList,
    PortalTokenResource,
    portal_token_list,
    portal_token_resource,
)
from entrypoints.http.customers.schemas import IssuePortalTokenBody, parse_checked
from entrypoints.http.edge.acting import Acting
from entrypoints.http.edge.actor import actor_of
from entrypoints.http.edge.auth import requires
from entrypoints.http.edge.dependencies import each_from_container
from entrypoints.http.edge.idempotency import documented_key
from entrypoints.http.edge.pagination import Text
from entrypoints.http.payments.outcome import documented, json_response
from entrypoints.http.payments.resources import encode


class PortalTokensController(Controller):
    path = "/portal-tokens"
    tags = ["portal tokens"]
    guards = [requires("merchant_admin")]
    dependencies = each_from_container(
        "issue_portal_token", "revoke_portal_token", "list_portal_tokens", "clock"
    )

    @post(
        "/",
        status_code=201,
        summary="Issue a portal link (the token is shown once)",
        description="The answer carries `token` and its link `url`; Kassa keeps only a hash. "
        "With `send_email: true` the link is also e-mailed to the customer through the mail "
        "outbox (sent after commit, retried, its body masked once sent); `email` names that mail. "
        "A replay under the same Idempotency-Key answers `token: null, url: null`: revoke "
        "and issue again if the first answer was lost.",
        parameters=documented_key(),
        responses=documented(400, 401, 403, 404),
    )
    async def issue(
        self,
        data: JSONBody[IssuePortalTokenBody],
        acting: NamedDependency[Acting],
        issue_portal_token: NamedDependency[IssuePortalToken],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> Response[PortalTokenResource]:
        body = await parse_checked(acting.request, IssuePortalTokenBody)
        command = IssuePortalTokenCommand(
            tenant_id=acting.tenant_id,
            customer_id=body.customer_id,
            actor=acting.actor,
            invoice_id=body.invoice_id,
            ttl_days=body.ttl_days,
            send_email=body.send_email,
        )
        issued: list[IssuedToken] = []

        async def respond() -> Response[Any]:
            issued.append(await issue_portal_token.execute(command))
            # What the idempotency record keeps: everything but the secret.
            kept = portal_token_resource(
                issued[0].token, clock.now(), secret=None, url=None, emailed=issued[0].emailed
            )
            return json_response(encode(kept), 201)

        response = await acting.once(respond)
        if not issued:
            return response  # a replay: the secret is gone
        token = issued[0]
        shown = portal_token_resource(
            token.token, clock.now(), secret=token.secret, url=token.url, emailed=token.emailed
        )
        return json_response(encode(shown), 201)

    @delete(
        "/{token_id:str}",
        status_code=200,
        summary="Revoke a portal link (at once)",
        responses=documented(401, 403, 404),
    )
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        token_id: FromPath[str],
        principal: NamedDependency[Principal],
        revoke_portal_token: NamedDependency[RevokePortalToken],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> PortalTokenResource:
        actor = actor_of(request, principal)
        token = await revoke_portal_token.execute(principal.tenant_id, token_id, actor)
        return portal_token_resource(token, clock.now())

    @get("/", summary="List portal links, newest first", responses=documented(400, 401, 403))
    async def list_tokens(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        list_portal_tokens: NamedDependency[ListPortalTokens],
        clock: NamedDependency[SkipValidation[Clock]],
        page: NamedDependency[PageRequest],
        customer_id: Text = None,
    ) -> PortalTokenList:
        found = await list_portal_tokens.execute(principal.tenant_id, customer_id, page)
        return portal_token_list(found.data, clock.now(), found.has_more, request.url.path)
