"""The customer's payment page in Chromium (issue 12): the flows a customer goes through,
found by their labels and roles as a person (or a screen reader) finds them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playwright.async_api import expect

from tests.browser.conftest import Shop, screenshot

VISA = "4242 4242 4242 4242"
DECLINED = "4000 0000 0000 0002"
THREE_D_SECURE = "4000 0027 6000 3184"
MASTERCARD = "5555 5555 5555 4444"


async def pay(page: Any, amount: str | None, card_number: str | None, save: bool = False) -> None:
    if amount is not None:
        await page.get_by_label("Amount to pay").fill(amount)
    if card_number is not None:
        await page.get_by_label("A new card").check()
        await page.get_by_label("Card number").fill(card_number)
        if save:
            await page.get_by_label("Save this card for next time").check()
    await page.get_by_role("button", name="Pay", exact=True).click()


async def test_a_customer_pays_part_with_a_new_card_then_the_rest_with_the_saved_one(
    shop: Shop, page: Any
) -> None:
    demo = await shop.demo_link()
    assert demo.issued.url.startswith(f"{shop.base_url}/pay/kpt_")
    await page.goto(demo.issued.url)
    await expect(page.get_by_role("heading", name=f"Invoice {demo.invoice.number}")).to_be_visible()
    await expect(page.locator("#amount-due")).to_have_text("$79.00")
    await expect(page.get_by_text("Test mode", exact=True)).to_be_visible()
    await screenshot(page, "01-invoice")

    # The "Use" button fills the Visa test card in (the page's script).
    await page.get_by_label("Amount to pay").fill("30.00")
    await page.get_by_role("button", name=f"Use {VISA}").click()
    await expect(page.get_by_label("Card number")).to_have_value(VISA)
    await page.get_by_label("Save this card for next time").check()
    await page.get_by_role("button", name="Pay", exact=True).click()

    await expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
    await expect(page.get_by_text("$30.00").first).to_be_visible()
    await expect(page.locator("#amount-due")).to_have_text("$49.00")
    await screenshot(page, "02-paid-part")
    assert await shop.invoice_state(demo.invoice.id) == ("open", 4_900)

    await page.get_by_role("link", name="Pay the rest").click()
    saved = page.get_by_label("Visa ending 4242")
    await expect(saved).to_be_checked()  # the saved card is the default
    await expect(page.get_by_label("Amount to pay")).to_have_value("49.00")
    await expect(page.get_by_label("Card number")).to_be_hidden()  # only for a new card
    await screenshot(page, "03-invoice-saved-card")
    await pay(page, None, None)

    await expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
    await expect(page.locator("#amount-due")).to_have_text("$0.00")
    assert await shop.invoice_state(demo.invoice.id) == ("paid", 0)

    await page.get_by_role("link", name="view receipt").click()
    await expect(page.get_by_text("R-", exact=False).first).to_be_visible()
    await page.go_back()

    await page.get_by_role("navigation").get_by_role("link", name="Invoice").click()
    await expect(page.get_by_text("This invoice is paid in full")).to_be_visible()
    await expect(page.get_by_role("button", name="Pay", exact=True)).to_have_count(0)
    await screenshot(page, "04-invoice-paid")

    await page.get_by_role("navigation").get_by_role("link", name="Payments").click()
    await expect(page.get_by_role("heading", name="Your payments")).to_be_visible()
    await expect(page.get_by_role("link", name="PDF")).to_have_count(2)
    await screenshot(page, "05-history")


async def test_a_declined_card_shows_the_message_and_the_invoice_stays_open(
    shop: Shop, page: Any
) -> None:
    demo = await shop.demo_link()
    await page.goto(demo.issued.url)
    await pay(page, None, DECLINED)

    await expect(page.get_by_role("heading", name="Payment declined")).to_be_visible()
    await expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
    await screenshot(page, "06-declined")
    assert await shop.invoice_state(demo.invoice.id) == ("open", 7_900)

    await page.get_by_role("link", name="Try again").click()
    await expect(page.locator("#amount-due")).to_have_text("$79.00")
    await pay(page, None, VISA)
    await expect(page.get_by_role("heading", name="Payment received")).to_be_visible()


async def test_more_than_is_due_is_refused_beside_the_amount(shop: Shop, page: Any) -> None:
    demo = await shop.demo_link()
    await page.goto(demo.issued.url)
    await pay(page, "80.00", VISA)
    alert = page.get_by_role("alert")
    await expect(alert).to_have_text("You can pay at most $79.00, what is due.")
    await expect(alert).to_be_focused()  # the error is read first, and focus starts there
    await expect(page.get_by_label("Amount to pay")).to_have_attribute("aria-invalid", "true")
    await screenshot(page, "07-amount-refused")
    assert await shop.invoice_state(demo.invoice.id) == ("open", 7_900)


async def test_a_three_d_secure_card_completes_through_the_banks_page(
    shop: Shop, page: Any
) -> None:
    demo = await shop.demo_link()
    await page.goto(demo.issued.url)
    await pay(page, None, THREE_D_SECURE)

    await expect(page.get_by_role("heading", name="3-D Secure authentication")).to_be_visible()
    await screenshot(page, "08-three-d-secure")
    await page.get_by_role("button", name="Complete authentication").click()

    await expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
    assert page.url.startswith(f"{shop.base_url}/pay/")
    assert await shop.invoice_state(demo.invoice.id) == ("paid", 0)


async def test_an_expired_link_shows_the_invalid_link_page(shop: Shop, page: Any) -> None:
    demo = await shop.demo_link()
    shop.clock.advance(timedelta(days=8))  # links live 7 days by default
    answer = await page.goto(demo.issued.url)
    assert answer is not None and answer.status == 401
    await expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    await expect(page.get_by_role("navigation")).to_have_count(0)  # nothing to go to
    await screenshot(page, "09-invalid-link")


async def test_a_card_is_added_made_default_and_removed(shop: Shop, page: Any) -> None:
    demo = await shop.demo_link()
    await page.goto(demo.issued.url)
    await page.get_by_role("navigation").get_by_role("link", name="Saved cards").click()
    await expect(page.get_by_text("No saved cards.")).to_be_visible()

    for number in (VISA, MASTERCARD):
        await page.get_by_label("Card number").fill(number)
        await page.get_by_role("button", name="Save card").click()
        await expect(page.get_by_role("status")).to_have_text("The card is saved.")
    visa = page.locator("li", has_text="Visa ending 4242")
    mastercard = page.locator("li", has_text="Mastercard ending 4444")
    await expect(visa.get_by_text("default")).to_be_visible()  # the first card saved

    await mastercard.get_by_role("button", name="Make default").click()
    await expect(page.get_by_role("status")).to_have_text("The default card is changed.")
    await expect(mastercard.get_by_text("default", exact=True)).to_be_visible()
    await expect(visa.get_by_text("default", exact=True)).to_have_count(0)
    await screenshot(page, "10-cards")

    await visa.get_by_role("button", name="Remove").click()
    await expect(page.get_by_role("status")).to_have_text("The card is removed.")
    await expect(page.locator("li", has_text="Visa ending 4242")).to_have_count(0)
    await (
        page.locator("li", has_text="Mastercard ending 4444")
        .get_by_role("button", name="Remove")
        .click()
    )
    await expect(page.get_by_text("No saved cards.")).to_be_visible()


async def test_the_keyboard_reaches_the_form_in_reading_order(shop: Shop, page: Any) -> None:
    demo = await shop.demo_link()
    await page.goto(demo.issued.url)
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    order = []
    for _ in range(6):
        await page.keyboard.press("Tab")
        order.append(
            await page.evaluate(
                "document.activeElement.id || document.activeElement.textContent.trim()"
            )
        )
    assert order[:3] == ["Invoice", "Payments", "Saved cards"]
    assert "amount" in order


async def test_a_link_for_the_whole_account_shows_open_invoices_and_balances(
    shop: Shop, page: Any
) -> None:
    demo = await shop.demo_link()
    link = await shop.account_link(demo, extra_invoice_in="eur")
    await page.goto(link)
    await expect(page.get_by_role("heading", name="Your open invoices")).to_be_visible()
    await expect(page.get_by_text("paying now")).to_have_count(1)
    await expect(page.get_by_text("$79.00").first).to_be_visible()
    await expect(page.get_by_text("€25.00").first).to_be_visible()
    await screenshot(page, "11-account")


async def test_over_the_rate_limit_the_page_says_when_to_try_again(shop: Shop, page: Any) -> None:
    demo = await shop.demo_link()
    budget = shop.container.settings().portal_view_rate_limit
    for _ in range(budget):
        await page.request.get(demo.issued.url)
    answer = await page.goto(demo.issued.url)
    assert answer is not None and answer.status == 429
    await expect(page.get_by_role("heading", name="Too many requests")).to_be_visible()
    await expect(page.get_by_role("status")).to_contain_text("Please try again in")
    await screenshot(page, "12-rate-limited")
