"""Issuing, revoking and listing portal tokens (merchant admins and operators)."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta

from application.audit import AuditTrail
from application.customers.customers import load_customer
from application.customers.invoices import load_invoice
from application.errors import NotFoundError, existing
from application.mail.portal_link import portal_link_mail
from application.ports.repositories import Page, PageRequest
from application.ports.system import Clock, IdFactory, SecretHasher
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.audit import Actor
from domain.errors import DomainError
from domain.portal_token import SELECTOR_BYTES, VERIFIER_BYTES, PortalToken, join_token

MAX_TTL_DAYS = 30


def _random_part(size: int) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(size)).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class IssuePortalTokenCommand:
    tenant_id: str
    customer_id: str
    actor: Actor
    invoice_id: str | None = None
    ttl_days: int | None = None
    send_email: bool = False  # the link also goes to the customer's address (the outbox)


@dataclass(frozen=True, slots=True)
class EmailedLink:
    """The outbox mail carrying the link: sent after commit, retried, never doubled."""

    mail_id: str
    recipient: str


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """The one moment the full token exists outside the customer's hands."""

    token: PortalToken
    secret: str
    url: str
    emailed: EmailedLink | None = None


class IssuePortalToken:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: SecretHasher,
        clock: Clock,
        ids: IdFactory,
        audit: AuditTrail,
        default_ttl_days: int,
        public_base_url: str,
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._clock = clock
        self._ids = ids
        self._audit = audit
        self._default_ttl_days = default_ttl_days
        self._base_url = public_base_url.rstrip("/")

    async def execute(self, cmd: IssuePortalTokenCommand) -> IssuedToken:
        ttl_days = self._default_ttl_days if cmd.ttl_days is None else cmd.ttl_days
        if not 1 <= ttl_days <= MAX_TTL_DAYS:
            raise DomainError(f"ttl_days is from 1 to {MAX_TTL_DAYS}.", param="ttl_days")
        selector, verifier = _random_part(SELECTOR_BYTES), _random_part(VERIFIER_BYTES)
        verifier_hash = await self._hasher.hash(verifier)
        now = self._clock.now()
        token = PortalToken(
            id=self._ids.new("ptok"),
            tenant_id=cmd.tenant_id,
            customer_id=cmd.customer_id,
            selector=selector,
            verifier_hash=verifier_hash,
            created_at=now,
            expires_at=now + timedelta(days=ttl_days),
            invoice_id=cmd.invoice_id,
        )
        secret = join_token(selector, verifier)
        url = f"{self._base_url}/pay/{secret}"
        emailed: EmailedLink | None = None
        async with self._uow_factory() as uow:
            customer = await load_customer(uow, cmd.tenant_id, cmd.customer_id)
            invoice_number: str | None = None
            if cmd.invoice_id is not None:
                invoice = await load_invoice(uow, cmd.tenant_id, cmd.invoice_id)
                if invoice.customer_id != cmd.customer_id:
                    raise NotFoundError(f"No such invoice: {cmd.invoice_id}.", param="invoice_id")
                invoice_number = invoice.number
            await uow.portal_tokens.add(token)
            if cmd.send_email:
                tenant = await uow.tenants.get(cmd.tenant_id)
                merchant = tenant.name if tenant is not None else cmd.tenant_id
                mail = portal_link_mail(
                    self._ids.new("mail"), token, customer, merchant, url, invoice_number, now
                )
                await uow.mail.add(mail)
                emailed = EmailedLink(mail.id, mail.recipient)
            await self._audit.record(
                uow,
                cmd.actor,
                "portal_token.issued",
                entity_type="portal_token",
                entity_id=token.id,
                tenant_id=cmd.tenant_id,
                customer_id=cmd.customer_id,
                invoice_id=cmd.invoice_id,
                expires_at=token.expires_at.isoformat(),
                **({"mail_id": emailed.mail_id} if emailed else {}),
            )
            await uow.commit()
        return IssuedToken(token, secret, url, emailed)


class RevokePortalToken:
    """Takes effect on the very next request: every request reads the token's status."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, audit: AuditTrail) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._audit = audit

    async def execute(self, tenant_id: str, token_id: str, actor: Actor) -> PortalToken:
        async with self._uow_factory() as uow:
            found = await uow.portal_tokens.get(tenant_id, token_id)
            token = existing(found, "portal token", token_id, param="id")
            if token.revoke(self._clock.now()):
                await uow.portal_tokens.save(token)
                await self._audit.record(
                    uow,
                    actor,
                    "portal_token.revoked",
                    entity_type="portal_token",
                    entity_id=token.id,
                    tenant_id=tenant_id,
                    customer_id=token.customer_id,
                )
                await uow.commit()
        return token


class ListPortalTokens:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(
        self, tenant_id: str, customer_id: str | None, page: PageRequest
    ) -> Page[PortalToken]:
        async with self._uow_factory() as uow:
            return await uow.portal_tokens.list(tenant_id, customer_id, page)
