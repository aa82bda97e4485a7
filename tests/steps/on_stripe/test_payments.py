"""Business scenarios: taking card payments, on the Stripe adapter (the `@stripe` ones)."""

from pytest_bdd import scenarios

scenarios("payments.feature")
