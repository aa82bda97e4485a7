"""The payment page's account half: the customer's payment history and saved cards (list,
add, make default, remove), with plain forms that work without JavaScript. The same use
cases as the §7 JSON API's `/history` and `/methods`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, SkipValidation
from litestar.response import Redirect, Template

from adapters.gateways.fake_customers import fake_card_for_number
from application.payments.queries import ListPayments
from application.portal.methods import SavedMethods
from application.portal.view import ViewPortalInvoice
from application.ports.repositories import PaymentFilter
from entrypoints.http.edge.dependencies import each_from_container
from entrypoints.http.edge.pagination import page_request
from entrypoints.http.edge.rate_limits import METHODS, VIEW, bucket
from entrypoints.http.paypage.forms import MAX_FORM_BYTES, FormError
from entrypoints.http.paypage.visit import PageVisit

HISTORY_PAGE = 20


class CardAction(StrEnum):
    DEFAULT = "default"
    REMOVE = "remove"

    @property
    def done(self) -> str:
        return "default" if self is CardAction.DEFAULT else "removed"


_NOTICES = {
    "added": "The card is saved.",
    "default": "The default card is changed.",
    "removed": "The card is removed.",
}


class AccountPagesController(Controller):
    path = "/"
    include_in_schema = False
    dependencies = each_from_container("view_portal_invoice", "saved_methods", "list_payments")

    @get("/history", opt=bucket(VIEW))
    async def history(
        self,
        visit: NamedDependency[SkipValidation[PageVisit]],
        list_payments: NamedDependency[ListPayments],
        view_portal_invoice: NamedDependency[ViewPortalInvoice],
        starting_after: FromQuery[str | None] = None,
    ) -> Template:
        session = visit.session
        cursor = starting_after[:255] if starting_after else None
        mine = PaymentFilter(customer_id=session.customer_id)
        found = await list_payments.execute(
            session.tenant_id, mine, page_request(HISTORY_PAGE, cursor, None)
        )
        return visit.render(
            "history.html",
            current="history",
            merchant_name=await view_portal_invoice.merchant_name(session),
            payments=found.data,
            has_more=found.has_more,
        )

    async def _cards_page(
        self,
        visit: PageVisit,
        saved_methods: SavedMethods,
        view_portal_invoice: ViewPortalInvoice,
        *,
        notice: str = "",
        error: FormError | None = None,
        status: int = 200,
    ) -> Template:
        return visit.render(
            "cards.html",
            status=status,
            current="cards",
            merchant_name=await view_portal_invoice.merchant_name(visit.session),
            cards=list(await saved_methods.list(visit.session)),
            notice=_NOTICES.get(notice, ""),
            error=error,
        )

    @get("/cards", opt=bucket(VIEW))
    async def cards(
        self,
        visit: NamedDependency[SkipValidation[PageVisit]],
        saved_methods: NamedDependency[SavedMethods],
        view_portal_invoice: NamedDependency[ViewPortalInvoice],
        done: FromQuery[str] = "",
    ) -> Template:
        return await self._cards_page(visit, saved_methods, view_portal_invoice, notice=done)

    @post("/cards", opt=bucket(METHODS), request_max_body_size=MAX_FORM_BYTES, status_code=303)
    async def add_card(
        self,
        visit: NamedDependency[SkipValidation[PageVisit]],
        saved_methods: NamedDependency[SavedMethods],
        view_portal_invoice: NamedDependency[ViewPortalInvoice],
    ) -> Response[Any]:
        """A test card by its number (fake gateway), or the payment method Stripe.js made."""
        form = await visit.form()
        if visit.settings.gateway == "fake":
            method = fake_card_for_number(form.get("card_number", ""))
        else:
            given = form.get("gateway_payment_method_id", "")
            method = given if given.startswith("pm_") else None
        if method is None:
            error = FormError("Enter one of the test cards listed below.", "card_number")
            return await self._cards_page(
                visit, saved_methods, view_portal_invoice, error=error, status=400
            )
        await saved_methods.add(visit.session, method, bool(form.get("make_default")))
        return Redirect(f"/pay/{visit.token}/cards?done=added", status_code=303)

    @post(
        "/cards/{method_id:str}/{action:str}",
        opt=bucket(METHODS),
        request_max_body_size=MAX_FORM_BYTES,
        status_code=303,
    )
    async def change_card(
        self,
        visit: NamedDependency[SkipValidation[PageVisit]],
        method_id: FromPath[str],
        action: FromPath[CardAction],
        saved_methods: NamedDependency[SavedMethods],
    ) -> Redirect:
        """`default` makes the card the default, `remove` removes it (forms can only POST)."""
        await visit.form()
        if action is CardAction.DEFAULT:
            await saved_methods.set_default(visit.session, method_id)
        else:
            await saved_methods.remove(visit.session, method_id)
        return Redirect(f"/pay/{visit.token}/cards?done={action.done}", status_code=303)
