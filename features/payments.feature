Feature: Taking card payments
  As a merchant selling on the platform
  I want my customers' card payments taken, held, captured and canceled correctly
  So that I am paid what I am owed, less the platform's and the card gateway's fees

  The platform keeps a share of every captured payment, set by the merchant's tier:
  starter 3 %, professional 1.5 %, enterprise 0.5 %. The card gateway's fee is
  estimated at 2.9 % plus 0.30 in US dollars, Canadian dollars and euros.

  @stripe
  Scenario: A card payment succeeds and the money is split
    Given a merchant on the starter tier
    When the customer pays 100.00 USD with a Visa card
    Then the payment has succeeded
    And 100.00 USD has been captured
    And the platform keeps 3.00 USD
    And the gateway's fee is estimated at 3.20 USD
    And the merchant receives 93.80 USD

  Scenario Outline: A higher tier pays a smaller platform fee
    Given a merchant on the <tier> tier
    When the customer pays 100.00 USD with a Mastercard
    Then the platform keeps <platform fee>
    And the gateway's fee is estimated at 3.20 USD
    And the merchant receives <net>

    Examples:
      | tier         | platform fee | net       |
      | starter      | 3.00 USD     | 93.80 USD |
      | professional | 1.50 USD     | 95.30 USD |
      | enterprise   | 0.50 USD     | 96.30 USD |

  @stripe
  Scenario Outline: Fees are counted in each currency's own smallest unit
    Given a merchant on the starter tier
    When the customer pays <price> with a Visa card
    Then the platform keeps <platform fee>
    And the gateway's fee is estimated at <gateway fee>
    And the merchant receives <net>

    Examples:
      | price      | platform fee | gateway fee | net       |
      | 100.00 EUR | 3.00 EUR     | 3.20 EUR    | 93.80 EUR |
      | 1000 JPY   | 30 JPY       | 29 JPY      | 941 JPY   |
      | 10.000 KWD | 0.300 KWD    | 0.290 KWD   | 9.410 KWD |

  @stripe
  Scenario: An authorization holds the money until the merchant captures part of it
    Given a merchant on the starter tier
    And the customer has authorized 100.00 USD with a Visa card
    Then the payment awaits capture
    And 100.00 USD is held on the card
    And nothing has been captured
    When the merchant captures 60.00 USD
    Then the payment has succeeded
    And 60.00 USD has been captured
    And nothing is held on the card any more
    And the platform keeps 1.80 USD
    And the gateway's fee is estimated at 2.04 USD
    And the merchant receives 56.16 USD

  @stripe
  Scenario: A capture cannot take more than the customer authorized
    Given a merchant on the starter tier
    And the customer has authorized 50.00 USD with a Visa card
    When the merchant tries to capture 60.00 USD
    Then the capture is refused because it is more than was authorized
    And the payment still awaits capture
    And 50.00 USD is held on the card

  Scenario Outline: A declined card fails the payment and the customer is told why
    Given a merchant on the starter tier
    When the customer pays 100.00 USD with <card>
    Then the payment has failed because <reason>
    And nothing has been captured
    And no fees are taken

    Examples:
      | card                           | reason                          |
      | a card that is declined        | the card was declined           |
      | a card with insufficient funds | the card has insufficient funds |

  Scenario: A card that needs 3-D Secure waits until the customer confirms with their bank
    Given a merchant on the starter tier
    When the customer pays 100.00 USD with a card that needs 3-D Secure
    Then the payment waits for the customer to confirm with their bank
    And nothing has been captured
    And no fees are taken
    When the customer confirms the payment with their bank
    Then the payment has succeeded
    And 100.00 USD has been captured
    And the platform keeps 3.00 USD

  Scenario: The merchant cancels an authorization and the hold is released
    Given a merchant on the starter tier
    And the customer has authorized 100.00 USD with a Visa card
    When the merchant cancels the payment because the customer asked
    Then the payment is canceled because the customer asked
    And nothing is held on the card any more
    And no fees are taken

  @stripe
  Scenario: A captured payment can no longer be canceled
    Given a merchant on the starter tier
    And the customer has paid 100.00 USD with a Visa card
    When the merchant tries to cancel the payment because the customer abandoned the order
    Then the cancellation is refused because the payment is already final
    And the payment has succeeded

  @stripe
  Scenario Outline: The same order cannot be paid twice
    Given a merchant on the starter tier
    And the customer <earlier> 100.00 USD with a Visa card
    When the customer tries to pay 100.00 USD with a Visa card again for the same order
    Then the payment is refused because the order is already paid
    And the order has 1 payment

    Examples:
      | earlier        |
      | has paid       |
      | has authorized |

  @stripe
  Scenario: The merchant may take a second payment for an order on purpose
    Given a merchant on the starter tier
    And the customer has paid 100.00 USD with a Visa card
    When the customer pays 20.00 USD with a Visa card again for the same order, which the merchant allows
    Then the payment has succeeded
    And the order has 2 payments

  Scenario: An order whose card was declined can be paid with another card
    Given a merchant on the starter tier
    And the customer's card was declined for a payment of 100.00 USD
    When the customer pays 100.00 USD with a Mastercard again for the same order
    Then the payment has succeeded
    And the order has 2 payments

  @stripe
  Scenario: An order whose payment was refunded in full can be paid again
    Given a merchant on the starter tier
    And the customer has paid 100.00 USD with a Visa card
    And the merchant has refunded the whole payment
    When the customer pays 100.00 USD with a Visa card again for the same order
    Then the payment has succeeded
    And the order has 2 payments
