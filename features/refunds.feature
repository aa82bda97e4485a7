Feature: Refunding payments
  As a merchant selling on the platform
  I want to give customers their money back, all at once or in parts
  So that returns are settled fairly, the platform giving back its share of the fee

  A refund gives back the platform's fee in proportion to the amount refunded,
  rounded half up to the currency's smallest unit; the refund that empties the
  payment gives back whatever is left of it. The card gateway keeps its fee.
  Refunds are accepted for 90 days after the payment was captured.

  Background:
    Given a merchant on the starter tier

  @stripe
  Scenario: Several partial refunds, up to what was captured
    Given the customer has paid 100.00 USD with a Visa card
    When the merchant refunds 30.00 USD
    And the merchant refunds 20.00 USD
    Then 50.00 USD has been refunded
    And 50.00 USD can still be refunded
    And the payment is partially refunded

  @stripe
  Scenario: A refund above what remains is refused
    Given the customer has paid 100.00 USD with a Visa card
    And the merchant has refunded 70.00 USD
    When the merchant tries to refund 40.00 USD
    Then the refund is refused because it is more than remains to be refunded
    And 70.00 USD has been refunded
    And 30.00 USD can still be refunded

  @stripe
  Scenario: Two refunds requested at the same moment never refund more than was captured
    Given the customer has paid 100.00 USD with a Visa card
    When two refunds of 60.00 USD are requested at the same moment
    Then one of them goes through
    And the other is turned away because it is more than remains to be refunded
    And 60.00 USD has been refunded
    And 40.00 USD can still be refunded

  @stripe
  Scenario: A refund of everything gives back the whole platform fee
    Given the customer has paid 100.00 USD with a Visa card
    When the merchant refunds the rest
    Then 100.00 USD has been refunded
    And the payment is fully refunded
    And nothing can be refunded any more
    And the platform has given back 3.00 USD in all
    And the gateway's fee is estimated at 3.20 USD

  @stripe
  Scenario: Partial refunds give back the platform fee in proportion
    Given the customer has paid 100.00 USD with a Visa card
    When the merchant refunds 60.00 USD
    Then the platform gives back 1.80 USD of its fee
    When the merchant refunds the rest
    Then the platform gives back 1.20 USD of its fee
    And the platform has given back 3.00 USD in all

  @stripe
  Scenario: The refund that empties the payment gives back what is left of the fee
    Given the customer has paid 100.00 USD with a Visa card
    # 3 % of 0.50 USD is 0.015 USD, which rounds half up to 0.02 USD
    When the merchant refunds 0.50 USD
    Then the platform gives back 0.02 USD of its fee
    When the merchant refunds 0.50 USD
    Then the platform gives back 0.02 USD of its fee
    # 3 % of the last 99.00 USD would be 2.97 USD, but only 2.96 USD is left
    When the merchant refunds the rest
    Then the platform gives back 2.96 USD of its fee
    And the platform has given back 3.00 USD in all

  @stripe
  Scenario: A refund on the last day of the refund window is accepted
    Given the customer has paid 100.00 USD with a Visa card
    And 90 days have passed since the payment was captured
    When the merchant refunds 10.00 USD
    Then 10.00 USD has been refunded

  @stripe
  Scenario: A refund after the refund window is refused
    Given the customer has paid 100.00 USD with a Visa card
    And 91 days have passed since the payment was captured
    When the merchant tries to refund 10.00 USD
    Then the refund is refused because the refund window has closed
    And nothing has been refunded

  @stripe
  Scenario: A payment that was only authorized cannot be refunded
    Given the customer has authorized 100.00 USD with a Visa card
    When the merchant tries to refund 10.00 USD
    Then the refund is refused because the payment has not been captured

  Scenario: A refund that fails at the bank gives its amount back
    Given the customer has paid 100.00 USD with a card whose refunds fail at the bank
    When the merchant refunds 40.00 USD
    Then the refund is pending at the bank
    And 60.00 USD can still be refunded
    And nothing has been refunded
    When the bank reports that the refund failed
    Then the refund has failed
    And 100.00 USD can still be refunded
    And nothing has been refunded
