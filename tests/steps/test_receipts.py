"""Business scenarios: receipts."""

from pytest_bdd import scenarios

scenarios("receipts.feature")
