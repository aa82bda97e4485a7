"""Business scenarios: refunding payments."""

from pytest_bdd import scenarios

scenarios("refunds.feature")
