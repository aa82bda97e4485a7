Feature: Paying an invoice through a payment link
  As a merchant's customer
  I want a private link that shows what I owe and lets me pay it with my card
  So that I can settle my invoices without an account, and nobody else can

  The merchant sends the customer a link for one invoice, or for their whole account.
  A link works for a limited time, and the merchant can revoke it at any moment.
  Once its invoice is paid in full, the link still shows the invoice but takes no
  more payments.

  Background:
    Given a merchant on the starter tier
    And a customer with an open invoice of 120.00 USD

  Scenario: A customer pays an invoice in full through the link
    Given the merchant has sent the customer a link to pay the invoice
    When the customer pays what is due with a Visa card through the link
    Then the invoice is paid
    And the customer owes nothing more
    And the link still shows the invoice
    But the link takes no more payments

  Scenario: A customer pays an invoice from the link in the e-mail
    Given the merchant has e-mailed the customer a link to pay the invoice
    When the customer opens the link in the e-mail
    Then the page shows the invoice from the merchant with 120.00 USD due
    When the customer pays 50.00 USD on the page with a Visa card, saving the card
    Then the page confirms the payment of 50.00 USD with a receipt
    And the invoice is still open with 70.00 USD due
    When the customer pays the rest on the page with the saved card
    Then the page confirms the payment of 70.00 USD with a receipt
    And the invoice is paid
    And the page shows the invoice as paid, taking no more payments

  Scenario: A customer pays an invoice in two parts
    Given the merchant has sent the customer a link to pay the invoice
    When the customer pays 50.00 USD with a Visa card through the link
    Then the invoice is still open with 70.00 USD due
    When the customer pays what is due with a Mastercard through the link
    Then the invoice is paid
    And the customer's payments, the latest first, are 70.00 USD and 50.00 USD

  Scenario: A customer cannot pay more than is due
    Given the merchant has sent the customer a link to pay the invoice
    When the customer tries to pay 150.00 USD through the link
    Then the payment is refused because it is more than is due
    And 120.00 USD is still due

  Scenario: An expired link stops working
    Given the merchant has sent the customer a link to pay the invoice, valid for 7 days
    When 8 days pass
    Then the link no longer works

  Scenario: A revoked link stops working at once
    Given the merchant has sent the customer a link to pay the invoice
    And the customer has looked at the invoice through the link
    When the merchant revokes the link
    Then the link no longer works

  Scenario: A saved card becomes the default
    Given the merchant has sent the customer a link to their account
    And the customer has saved a Visa card through the link
    When the customer saves a Mastercard through the link
    Then the customer's default card is the Visa card
    When the customer makes the Mastercard their default card
    Then the customer's default card is the Mastercard
    And the customer has 2 saved cards
