Feature: Telling the platform's order service what happened
  As the platform that runs the shops
  I want each merchant's order service to hear about its payments as they happen
  So that orders are marked paid, failed or refunded without anyone asking

  Every message is signed with the merchant's own secret, so the order service can
  tell it came from us; a message that cannot be delivered is tried again later.

  Background:
    Given a merchant on the starter tier
    And the merchant's order service listens for payment, refund and receipt news

  Scenario: The order service hears that the customer paid
    When the customer pays 100.00 USD with a Visa card
    Then the order service hears that a payment of 100.00 USD succeeded
    And every message it heard carries the merchant's signature

  Scenario: The order service hears that the customer's receipt was issued
    When the customer pays 100.00 USD with a Visa card
    Then the order service hears that a receipt for 100.00 USD was issued

  Scenario: The order service hears that a card was declined
    When the customer pays 50.00 USD with a card that is declined
    Then the order service hears that a payment of 50.00 USD failed

  Scenario: The order service hears about a refund
    Given the customer has paid 100.00 USD with a Visa card
    When the merchant refunds 30.00 USD
    Then the order service hears that 30.00 USD was refunded

  Scenario: Another merchant's order service hears nothing of it
    Given another merchant whose order service listens too
    When the customer pays 100.00 USD with a Visa card
    Then the other merchant's order service hears nothing
