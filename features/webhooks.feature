Feature: Hearing from the card gateway
  As a merchant selling on the platform
  I want what happens at the card gateway to show in Kassa
  So that payments finished, refunded or disputed outside Kassa are still right in my books

  The gateway reports what happens to a payment in its own time: late, out of order,
  and sometimes more than once. Kassa keeps each piece of news once and acts on it once.
  News that would move a payment backwards is set aside, so money that moved is never
  undone by a late report of a failure; but a customer who pays after a decline has paid.

  Background:
    Given a merchant on the starter tier

  Scenario: A payment confirmed with the bank at the gateway succeeds when the gateway says so
    When the customer pays 100.00 USD with a card that needs 3-D Secure
    Then the payment waits for the customer to confirm with their bank
    When the customer confirms with their bank at the gateway
    Then the payment still waits for the customer to confirm with their bank
    When the gateway's news reaches Kassa
    Then the payment has succeeded
    And 100.00 USD has been captured
    And the platform keeps 3.00 USD
    And the gateway reports its fee as 3.20 USD
    And the merchant receives 93.80 USD

  Scenario: A refund made in the gateway's dashboard appears in Kassa
    Given the customer has paid 100.00 USD with a Visa card
    When the merchant refunds 30.00 USD in the gateway's dashboard
    Then nothing has been refunded
    When the gateway's news reaches Kassa
    Then 30.00 USD has been refunded
    And 70.00 USD can still be refunded
    And the payment is partially refunded
    And the platform has given back 0.90 USD in all

  Scenario: A dispute the merchant loses is recorded
    Given the customer has paid 100.00 USD with a Visa card
    When the customer disputes the payment with their bank
    And the gateway's news reaches Kassa
    Then the payment is disputed and awaits the merchant's answer
    When the bank decides the dispute for the customer
    And the gateway's news reaches Kassa
    Then the merchant has lost the dispute
    And the payment has succeeded

  Scenario: A late report of a failure does not undo a payment that succeeded
    Given the customer has paid 100.00 USD with a Visa card
    And the gateway's news has reached Kassa
    When the gateway belatedly reports that the payment failed
    And the gateway's news reaches Kassa
    Then the payment has succeeded
    And 100.00 USD has been captured
    And the platform keeps 3.00 USD
    And Kassa set the late report aside as out of date

  Scenario: A customer who pays at the gateway after a decline has paid
    Given the customer's card was declined for a payment of 100.00 USD
    When the customer pays again at the gateway with a card that works
    And the gateway's news reaches Kassa
    Then the payment has succeeded
    And 100.00 USD has been captured

  Scenario: News delivered many times and in any order takes effect once
    Given the customer has paid 100.00 USD with a Visa card
    When the merchant refunds 30.00 USD in the gateway's dashboard
    And the gateway delivers all its news 5 times over, latest first
    And Kassa acts on what it has received
    Then 30.00 USD has been refunded
    And the payment has 1 refund
    And Kassa kept each piece of news once
