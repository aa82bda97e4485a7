"""The payment page's invoice half: the invoice (or the customer's open invoices), paying
it, the way back from 3-D Secure, a payment's outcome and its receipt. Every handler calls
the same use cases as the §7 JSON API, behind the same link check and rate limits."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, SkipValidation
from litestar.response import Redirect, Template

from adapters.documents.receipts import FpdfReceiptRenderer
from application.errors import NotFoundError
from application.portal.authenticate import PortalSession
from application.portal.methods import SavedMethods
from application.portal.pay import CreatePortalIntent, PortalPaymentCommand
from application.portal.pay_by_card import PayByCard, PayByCardCommand
from application.portal.payments import PortalPayments
from application.portal.view import PortalInvoiceView, ViewPortalInvoice
from domain.errors import AmountTooSmallError, DomainError, InvalidAmountError
from domain.invoice import AmountExceedsDueError
from domain.payment import Payment
from domain.statuses import PaymentStatus
from entrypoints.http.edge.dependencies import each_from_container
from entrypoints.http.edge.rate_limits import PAY, VIEW, bucket
from entrypoints.http.payments.receipts import ReceiptFormat, receipt_response
from entrypoints.http.paypage.forms import (
    MAX_FORM_BYTES,
    FormError,
    chosen_card,
    format_money,
    parse_amount,
)
from entrypoints.http.paypage.safety import (
    content_security_policy,
    with_inline_style,
)
from entrypoints.http.paypage.visit import PageVisit


async def _view(
    session: PortalSession, view_portal_invoice: ViewPortalInvoice
) -> PortalInvoiceView | None:
    """The link's invoice; None when a customer-wide link has nothing left to pay."""
    try:
        return await view_portal_invoice.execute(session)
    except NotFoundError:
        if session.token.invoice_id is not None:
            raise
        return None


async def _view_and_merchant(
    session: PortalSession, view_portal_invoice: ViewPortalInvoice
) -> tuple[PortalInvoiceView | None, str]:
    """`_view`, and the merchant's name for the page, read apart when there is no view."""
    view = await _view(session, view_portal_invoice)
    merchant = view.merchant_name if view else await view_portal_invoice.merchant_name(session)
    return view, merchant


# What the customer can correct in the amount field; any other refusal gets its page.
_AMOUNT_REFUSALS = (AmountExceedsDueError, AmountTooSmallError, InvalidAmountError)


def _amount_error(exc: DomainError, view: PortalInvoiceView) -> FormError:
    """A refused amount, in the customer's words (the domain speaks minor units)."""
    invoice = view.invoice
    if isinstance(exc, AmountExceedsDueError):
        due = format_money(invoice.amount_due, invoice.currency)
        return FormError(f"You can pay at most {due}, what is due.", "amount")
    if isinstance(exc, AmountTooSmallError):
        return FormError(
            f"This amount is too small to pay by card in {invoice.currency}.", "amount"
        )
    return FormError(exc.message, "amount")


def _payment_path(token: str, payment: Payment) -> str:
    return f"/pay/{token}/payments/{payment.id}"


def _next_step(visit: PageVisit, payment: Payment, save: bool = False) -> str:
    """Where the browser goes after a confirmation: the bank's page while 3-D Secure
    waits (the fake gateway's comes back to `/return`, with `save=1` when the card is to
    be kept once it goes through), else the outcome."""
    token = visit.token
    action = payment.next_action or {}
    redirect = action.get("redirect_to_url") if action.get("type") == "redirect_to_url" else None
    url = redirect.get("url") if isinstance(redirect, dict) else None
    if payment.status is PaymentStatus.REQUIRES_ACTION and isinstance(url, str):
        if visit.settings.gateway == "fake":
            back = f"/pay/{token}/return" + ("?save=1" if save else "")
            joiner = "&" if "?" in url else "?"
            return f"{url}{joiner}{urlencode({'return_url': back})}"
        return url
    return _payment_path(token, payment)


class InvoicePagesController(Controller):
    path = "/"
    include_in_schema = False
    dependencies = each_from_container(
        "view_portal_invoice",
        "create_portal_intent",
        "pay_by_card",
        "portal_payments",
        "saved_methods",
        "receipt_renderer",
    )

    async def _invoice_page(
        self,
        visit: PageVisit,
        view_portal_invoice: ViewPortalInvoice,
        saved_methods: SavedMethods,
        *,
        status: int = 200,
        error: FormError | None = None,
        form: dict[str, str] | None = None,
    ) -> Template:
        session = visit.session
        view, merchant = await _view_and_merchant(session, view_portal_invoice)
        cards = list(await saved_methods.list(session)) if view else []
        return visit.render(
            "invoice.html",
            status=status,
            current="invoice",
            merchant_name=merchant,
            view=view,
            customer_wide=session.token.invoice_id is None,
            cards=cards,
            error=error,
            form=form or {},
        )

    @get("/", opt=bucket(VIEW))
    async def invoice(
        self,
        visit: NamedDependency[SkipValidation[PageVisit]],
        view_portal_invoice: NamedDependency[ViewPortalInvoice],
        saved_methods: NamedDependency[SavedMethods],
    ) -> Template:
        return await self._invoice_page(visit, view_portal_invoice, saved_methods)

    @post("/pay", opt=bucket(PAY), request_max_body_size=MAX_FORM_BYTES, status_code=303)
    async def pay(
        self,
        visit: NamedDependency[SkipValidation[PageVisit]],
        view_portal_invoice: NamedDependency[ViewPortalInvoice],
        create_portal_intent: NamedDependency[CreatePortalIntent],
        pay_by_card: NamedDependency[PayByCard],
        saved_methods: NamedDependency[SavedMethods],
    ) -> Response[Any]:
        """Pay all or part of what is due. A refused amount or card is shown next to the
        form, which keeps what the customer typed; a decline, on the outcome page."""
        form = await visit.form()
        session = visit.session
        view = await _view(session, view_portal_invoice)
        if view is None:
            raise NotFoundError("There is no open invoice.", param="invoice")
        save = False  # keep the card once the bank's 3-D Secure page sends them back
        try:
            card = chosen_card(visit.settings, form)
            amount = parse_amount(form.get("amount", ""), view.invoice.currency)
            if card is None:  # Stripe: the card goes into Stripe's Payment Element
                intent = await create_portal_intent.execute(PortalPaymentCommand(session, amount))
            else:
                command = PayByCardCommand(session, amount, card, bool(form.get("save")))
                payment = await pay_by_card.execute(command)
                save = command.saves_a_new_card
        except (FormError, *_AMOUNT_REFUSALS) as exc:
            error = exc if isinstance(exc, FormError) else _amount_error(exc, view)
            return await self._invoice_page(
                visit, view_portal_invoice, saved_methods, status=400, error=error, form=form
            )
        if card is None:
            return visit.render(
                "stripe_pay.html", current="invoice", merchant_name=view.merchant_name,
                payment=intent,
            )  # fmt: skip
        return Redirect(_next_step(visit, payment, save), status_code=303)

    @get("/return", opt=bucket(PAY))
    async def back_from_the_bank(
        self,
        visit: NamedDependency[SkipValidation[PageVisit]],
        pay_by_card: NamedDependency[PayByCard],
        payment_intent: FromQuery[str],
        save: FromQuery[bool] = False,
    ) -> Redirect:
        """Where 3-D Secure (and Stripe.js) send the customer back: Kassa asks the gateway
        how the payment ended, as `confirm` does, keeps the card if the form asked, and
        shows the outcome."""
        payment = await pay_by_card.back_from_the_bank(visit.session, payment_intent, save)
        return Redirect(_next_step(visit, payment), status_code=303)

    @get("/payments/{payment_id:str}", opt=bucket(VIEW))
    async def payment(
        self,
        visit: NamedDependency[SkipValidation[PageVisit]],
        payment_id: FromPath[str],
        portal_payments: NamedDependency[PortalPayments],
        view_portal_invoice: NamedDependency[ViewPortalInvoice],
    ) -> Template:
        session = visit.session
        payment = await portal_payments.get(session, payment_id)
        view, merchant = await _view_and_merchant(session, view_portal_invoice)
        declined = payment.status is PaymentStatus.FAILED
        return visit.render(
            "payment.html",
            status=402 if declined else 200,
            current="invoice",
            merchant_name=merchant,
            payment=payment,
            view=view,
        )

    @get("/payments/{payment_id:str}/receipt", opt=bucket(VIEW))
    async def receipt(
        self,
        visit: NamedDependency[SkipValidation[PageVisit]],
        payment_id: FromPath[str],
        portal_payments: NamedDependency[PortalPayments],
        receipt_renderer: NamedDependency[FpdfReceiptRenderer],
        format: FromQuery[ReceiptFormat] = ReceiptFormat.HTML,
    ) -> Response[Any]:
        """The customer's own receipt, as the merchant's API renders it (HTML or PDF)."""
        if format not in (ReceiptFormat.HTML, ReceiptFormat.PDF):
            raise NotFoundError("A receipt is HTML or PDF.", param="format")
        document = await portal_payments.receipt(visit.session, payment_id)
        policy = content_security_policy(visit.settings)
        return await receipt_response(
            document, format, receipt_renderer, lambda html: with_inline_style(policy, html)
        )
