"""Business scenarios: paying an invoice through a payment link."""

from pytest_bdd import scenarios

scenarios("portal.feature")
