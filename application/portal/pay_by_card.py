"""Paying in one step, as the payment page's form does: an intent for the amount, confirmed
at once with the card the customer chose (the gateway says how it went), and the card saved
for next time when they asked and the payment went through."""

from __future__ import annotations

from dataclasses import dataclass

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
        is_new = not cmd.card.startswith("spm_")
        if cmd.save and is_new and payment.status is PaymentStatus.SUCCEEDED:
            await self._saved_methods.add(cmd.session, cmd.card, False)
        return payment
