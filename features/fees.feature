Feature: Platform fees
  As the platform
  I want to keep a share of every payment by the merchant's tier
  So that the platform earns its revenue, correct to the smallest unit of every currency

  The platform's fee is the tier's percentage of the captured amount, rounded half up,
  plus the tier's fixed fee in that currency. The card gateway's fee is estimated at
  2.9 % plus 0.30 in dollars and euros until the gateway reports it. What is left goes to
  the merchant, and the three always add up to what was captured.

  Scenario Outline: Each tier keeps its share of a 100.00 USD payment
    Given a merchant on the <tier> tier
    When the customer pays 100.00 USD with a Visa card
    Then the platform keeps <platform fee>
    And the gateway's fee is estimated at 3.20 USD
    And the merchant receives <net>

    Examples:
      | tier         | platform fee | net       |
      | starter      | 3.00 USD     | 93.80 USD |
      | professional | 1.50 USD     | 95.30 USD |
      | enterprise   | 0.50 USD     | 96.30 USD |

  Scenario: Yen have no smaller unit
    Given a merchant on the starter tier
    When the customer pays 10000 JPY with a Visa card
    Then the platform keeps 300 JPY
    And the gateway's fee is estimated at 290 JPY
    And the merchant receives 9410 JPY

  Scenario: Kuwaiti dinar count in thousandths
    Given a merchant on the professional tier
    # 1.5 % of 12.345 KWD is 0.185175 KWD: 0.185 KWD once rounded half up
    When the customer pays 12.345 KWD with a Visa card
    Then the platform keeps 0.185 KWD
    And the gateway's fee is estimated at 0.358 KWD
    And the merchant receives 11.802 KWD

  Scenario: A merchant with a negotiated fee pays that instead of the tier's
    Given a merchant on the starter tier
    And the platform has agreed 2.00 % plus 0.25 USD a payment with the merchant
    When the customer pays 100.00 USD with a Visa card
    Then the platform keeps 2.25 USD
    And the merchant receives 94.55 USD

  Scenario: A negotiated percentage alone keeps the tier's fixed fee
    Given a merchant on the starter tier
    And the platform has agreed 1.00 % with the merchant
    When the customer pays 100.00 USD with a Visa card
    Then the platform keeps 1.00 USD

  Scenario: Moving to another tier changes later payments, never earlier ones
    Given a merchant on the starter tier
    And the customer has paid 100.00 USD with a Visa card
    When the merchant moves to the enterprise tier
    Then the platform still keeps 3.00 USD of that payment
    When the customer pays 100.00 USD with a Visa card
    Then the platform keeps 0.50 USD

  Scenario: A partial capture takes the fee on what was captured
    Given a merchant on the starter tier
    And the customer has authorized 100.00 USD with a Visa card
    When the merchant captures 40.00 USD
    Then the platform keeps 1.20 USD
    And the gateway's fee is estimated at 1.46 USD
    And the merchant receives 37.34 USD

  Scenario: Three partial refunds give back the whole platform fee
    Given a merchant on the starter tier
    And the customer has paid 100.00 USD with a Visa card
    When the merchant refunds 33.33 USD
    And the merchant refunds 33.33 USD
    And the merchant refunds 33.34 USD
    Then the payment is fully refunded
    And the platform has given back 3.00 USD in all
    And the merchant receives 93.80 USD
