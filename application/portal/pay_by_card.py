"""Paying in one step, as the payment page's form does: an intent for the amount, confirmed
at once with the card the customer chose (the gateway says how it went), and the card saved
for next time when they asked and the payment went through, at once or once the bank's
3-D Secure page sends them back."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from application.errors import CardKeptAlreadyError
from application.portal.authenticate import PortalSession
from application.portal.methods import SavedMethods
from application.portal.pay import ConfirmPortalPayment, CreatePortalIntent, PortalPaymentCommand
from domain.payment import Payment
from domain.statuses import PaymentStatus


@dataclass(frozen=True, slots=True)
class PayByCardCommand:
    session: PortalSession
    amount: int | None  # None: all that is due
    card: str  # a saved card (`spm_…`) or a gateway payment method
    save: bool = False

    @property
    def saves_a_new_card(self) -> bool:
        """Asked to keep a card it has not kept yet (a saved card is `spm_…`)."""
        return self.save and not self.card.startswith("spm_")


class PayByCard:
    def __init__(
        self,
        create_portal_intent: CreatePortalIntent,
        confirm_portal_payment: ConfirmPortalPayment,
        saved_methods: SavedMethods,
    ) -> None:
        self._create = create_portal_intent
        self._confirm = confirm_portal_payment
        self._saved_methods = saved_methods

    async def execute(self, cmd: PayByCardCommand) -> Payment:
        intent = await self._create.execute(PortalPaymentCommand(cmd.session, cmd.amount))
        assert intent.gateway_payment_id is not None  # the gateway names what it created
        payment = await self._confirm.execute(cmd.session, intent.gateway_payment_id, cmd.card)
        if cmd.saves_a_new_card:
            await self._keep_card(cmd.session, payment)
        return payment

    async def back_from_the_bank(
        self, session: PortalSession, gateway_payment_id: str, save: bool
    ) -> Payment:
        """Where 3-D Secure sends the customer back: the payment as the gateway ended it,
        and, when the form asked (`save` rode along the bank's return address), the card
        kept once it went through. Coming back twice keeps it once."""
        payment = await self._confirm.execute(session, gateway_payment_id, None)
        if save:
            await self._keep_card(session, payment)
        return payment

    async def _keep_card(self, session: PortalSession, payment: Payment) -> None:
        if payment.status is PaymentStatus.SUCCEEDED and payment.payment_method:
            # One attachment a payment: the gateway answers a second ask with the same card.
            attach_key = f"kassa_{payment.id}_keep_card"
            # Kept by a simultaneous return, then removed by the customer: it stays removed.
            with contextlib.suppress(CardKeptAlreadyError):
                await self._saved_methods.add(session, payment.payment_method, False, attach_key)
