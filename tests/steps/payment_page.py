"""The customer at the payment page: the link from the e-mail opened over HTTP (Kassa's app,
in process), forms submitted as a browser submits them (with the page's CSRF proof and
cookie), redirects followed. What the customer reads is the page's HTML."""

from __future__ import annotations

import re
from html import unescape

import httpx

from adapters.gateways.fake_customers import TEST_CARD_NUMBERS
from application.ports.repositories import PageRequest
from domain.mail import MailKind, MailStatus
from entrypoints.http.app import create_app
from tests.steps.shop import Shop
from tests.support.asgi import asgi_transport

_LINK = re.compile(r"https?://\S+/pay/\S+")
_PROOF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
_TAGS = re.compile(r"<[^>]+>")
CARD_NUMBERS = {method: number for number, method, _ in TEST_CARD_NUMBERS}


class PaymentPage:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self._client = httpx.AsyncClient(
            transport=asgi_transport(create_app(shop.container)), follow_redirects=True
        )
        self.url = ""
        self.html = ""
        self.status = 0

    def close(self) -> None:
        self.shop.run(self._client.aclose())

    @property
    def text(self) -> str:
        """The page as read: tags dropped, spaces collapsed."""
        return " ".join(unescape(_TAGS.sub(" ", self.html)).split())

    def link_in_the_email(self, recipient: str) -> str:
        """The link of the newest portal-link mail to `recipient`, from the mail outbox."""
        found = self.shop.run(
            self.shop.container.list_mail().execute(MailStatus.PENDING, PageRequest(limit=100))
        )
        mails = [
            m for m in found.data if m.kind is MailKind.PORTAL_LINK and m.recipient == recipient
        ]
        assert mails, f"no payment link was e-mailed to {recipient}"
        link = _LINK.search(mails[0].body)
        assert link, "the e-mail carries the link"
        return link.group(0)

    def open(self, url: str) -> None:
        self.url = url
        self._show(self.shop.run(self._client.get(url)))

    def pay(self, amount: str | None, card: str | None, save: bool = False) -> None:
        """Submit the page's pay form: `amount` as typed (None: as the page fills it in),
        `card` a test payment method typed by its number (None: the saved card chosen)."""
        proof = _PROOF.search(self.html)
        assert proof, "the page has a pay form"
        form = {"csrf": proof.group(1)}
        if amount is not None:
            form["amount"] = amount
        else:
            prefilled = re.search(r'id="amount"[^>]*value="([^"]*)"', self.html, re.S)
            form["amount"] = prefilled.group(1) if prefilled else ""
        if card is None:
            saved = re.search(r'name="method" value="(spm_[^"]+)" checked', self.html)
            assert saved, "a saved card is chosen on the page"
            form["method"] = saved.group(1)
        else:
            form.update(method="new", card_number=CARD_NUMBERS[card])
            if save:
                form["save"] = "1"
        action = self.url.split("/pay/")[0] + "/pay/" + self.url.split("/pay/")[1].split("/")[0]
        self._show(self.shop.run(self._client.post(f"{action}/pay", data=form)))

    def follow(self, link_text: str) -> None:
        found = re.search(rf'href="([^"]+)"[^>]*>{re.escape(link_text)}<', self.html)
        assert found, f"the page has a link {link_text!r}"
        self.open(str(httpx.URL(self.url).join(unescape(found.group(1)))))

    def _show(self, answer: httpx.Response) -> None:
        self.url, self.html, self.status = str(answer.url), answer.text, answer.status_code
