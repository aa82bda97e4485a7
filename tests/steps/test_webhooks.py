"""Business scenarios: hearing from the card gateway."""

from pytest_bdd import scenarios

scenarios("webhooks.feature")
