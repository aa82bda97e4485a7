"""Business scenarios: the platform's order service hears what happened."""

from pytest_bdd import scenarios

scenarios("merchant_events.feature")
