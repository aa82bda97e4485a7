"""The merchant's invoicing desk and the customer's payment link, driving Kassa through the
container's use cases as the portal's HTTP endpoints do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dependency_injector import providers

from adapters.security.bcrypt_hasher import BcryptTokenHasher
from application.customers.customers import CreateCustomerCommand, load_customer
from application.customers.invoices import CreateInvoiceCommand
from application.portal.authenticate import PortalSession
from application.portal.pay import PortalPaymentCommand
from application.portal.tokens import IssuePortalTokenCommand
from application.portal.view import PortalInvoiceView
from application.ports.repositories import PageRequest, PaymentFilter
from domain.audit import Actor
from domain.customer import Customer, SavedPaymentMethod
from domain.invoice import Invoice, InvoiceLine
from domain.money import Money
from domain.payment import Payment
from domain.tenant import Tenant
from tests.steps.shop import Shop

MERCHANT_ADMIN = Actor(kind="user", id="merchant-admin")
CUSTOMER_DEVICE = ("203.0.113.7", "Mozilla/5.0 (the customer's phone)")
CHEAP_BCRYPT_ROUNDS = 4  # the scenarios are about behaviour, not bcrypt's cost


@dataclass(frozen=True)
class Link:
    """What the merchant sent (the secret) and how Kassa knows it (the token's id)."""

    secret: str
    token_id: str
    merchant: Tenant


class CustomerPortal:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.container = shop.container
        self.container.hasher.override(
            providers.Object(BcryptTokenHasher(rounds=CHEAP_BCRYPT_ROUNDS))
        )

    # -------------------------------------------------------------- the merchant

    def new_customer(self, merchant: Tenant) -> Customer:
        command = CreateCustomerCommand(merchant.id, "dana@example.com", MERCHANT_ADMIN, "Dana")
        return self.shop.run(self.container.create_customer().execute(command))

    def new_invoice(self, merchant: Tenant, customer: Customer, amount: Money) -> Invoice:
        command = CreateInvoiceCommand(
            tenant_id=merchant.id,
            customer_id=customer.id,
            currency=amount.currency,
            lines=[InvoiceLine("Services rendered", 1, amount.amount)],
            actor=MERCHANT_ADMIN,
        )
        return self.shop.run(self.container.create_invoice().execute(command))

    def send_link(
        self,
        merchant: Tenant,
        customer_id: str,
        invoice: Invoice | None,
        ttl_days: int | None = None,
        send_email: bool = False,
    ) -> Link:
        command = IssuePortalTokenCommand(
            tenant_id=merchant.id,
            customer_id=customer_id,
            actor=MERCHANT_ADMIN,
            invoice_id=invoice.id if invoice else None,
            ttl_days=ttl_days,
            send_email=send_email,
        )
        issued = self.shop.run(self.container.issue_portal_token().execute(command))
        return Link(issued.secret, issued.token.id, merchant)

    def customer_of(self, invoice: Invoice) -> Customer:
        async def read() -> Customer:
            async with self.container.unit_of_work() as uow:
                return await load_customer(uow, invoice.tenant_id, invoice.customer_id)

        return self.shop.run(read())

    def revoke(self, link: Link) -> None:
        revoke = self.container.revoke_portal_token()
        self.shop.run(revoke.execute(link.merchant.id, link.token_id, MERCHANT_ADMIN))

    def invoice(self, invoice: Invoice) -> Invoice:
        """What Kassa says of the invoice now."""
        work = self.container.get_invoice().execute(invoice.tenant_id, invoice.id)
        return self.shop.run(work)

    # -------------------------------------------------------------- the customer

    def open(self, link: Link) -> PortalSession:
        """The customer follows the link: each request checks it again."""
        authenticate = self.container.portal_authenticator().authenticate
        return self.shop.run(authenticate(link.secret, *CUSTOMER_DEVICE, None))

    def look(self, link: Link) -> PortalInvoiceView:
        session = self.open(link)
        return self.shop.run(self.container.view_portal_invoice().execute(session))

    def pay(self, link: Link, amount: Money | None, card: str) -> Payment:
        """Start a payment for `amount` (None: all that is due), then confirm it by card."""
        session = self.open(link)
        command = PortalPaymentCommand(session, None if amount is None else amount.amount)
        intent = self.shop.run(self.container.create_portal_intent().execute(command))
        assert intent.gateway_payment_id is not None
        confirm = self.container.confirm_portal_payment()
        return self.shop.run(confirm.execute(self.open(link), intent.gateway_payment_id, card))

    def payments(self, link: Link) -> Sequence[Payment]:
        session = self.open(link)
        mine = PaymentFilter(customer_id=session.customer_id)
        work = self.container.list_payments().execute(session.tenant_id, mine, PageRequest())
        return self.shop.run(work).data

    def save_card(self, link: Link, card: str) -> SavedPaymentMethod:
        work = self.container.saved_methods().add(self.open(link), card, False)
        return self.shop.run(work)

    def cards(self, link: Link) -> Sequence[SavedPaymentMethod]:
        return self.shop.run(self.container.saved_methods().list(self.open(link)))

    def make_default(self, link: Link, card: SavedPaymentMethod) -> None:
        self.shop.run(self.container.saved_methods().set_default(self.open(link), card.id))
