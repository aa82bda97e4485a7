"""Business scenarios: taking card payments."""

from pytest_bdd import scenarios

scenarios("payments.feature")
