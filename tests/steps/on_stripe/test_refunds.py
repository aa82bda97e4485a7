"""Business scenarios: refunding payments, on the Stripe adapter (the `@stripe` ones)."""

from pytest_bdd import scenarios

scenarios("refunds.feature")
