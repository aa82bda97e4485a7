Feature: Receipts
  As a merchant selling on the platform
  I want every customer who pays to get a numbered receipt
  So that they have proof of what they paid, and my books have no holes

  A receipt is issued the moment a payment succeeds, never before and never twice.
  Receipts are numbered per merchant and per year, one after the other, without gaps.
  Amounts on a receipt are written as customers read them, with the currency's own
  decimals; refunds made later are shown against the receipt.

  Background:
    Given a merchant on the starter tier

  Scenario: Each successful payment gets the next receipt number
    Given the customer has paid 100.00 USD with a Visa card
    And the customer has paid 20.00 USD with a Visa card
    Then the payment's receipt is the merchant's receipt number 2 of the year
    And the receipt shows a total of "$20.00"

  Scenario: A payment held on the card gets its receipt when it is captured
    Given the customer has authorized 50.00 USD with a Visa card
    Then the payment has no receipt yet
    When the merchant captures 40.00 USD
    Then the payment's receipt is the merchant's receipt number 1 of the year
    And the receipt shows a total of "$40.00"

  Scenario: A declined payment gets no receipt
    Given the customer's card was declined for a payment of 100.00 USD
    Then the payment has no receipt yet

  Scenario: A refund is shown against the receipt
    Given the customer has paid 100.00 USD with a Visa card
    When the merchant refunds 30.00 USD
    Then the receipt shows a refund of "$30.00"
    And the receipt shows that "$70.00" remains paid

  Scenario Outline: Amounts are written with the currency's own decimals
    When the customer pays <amount> with a Visa card
    Then the receipt shows a total of "<written>"

    Examples:
      | amount       | written   |
      | 1130.00 USD  | $1,130.00 |
      | 1130 JPY     | ¥1,130    |
      | 1.130 KWD    | KWD 1.130 |
