"""The platform fee features."""

from pytest_bdd import scenarios

scenarios("fees.feature")
