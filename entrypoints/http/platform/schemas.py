"""Request bodies of the platform API (tenants, fee tiers, overrides; SPEC §4, §9)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from msgspec import Meta

from domain.fees import MAX_BPS
from domain.money import known_currencies
from entrypoints.http.edge.errors import check_currency, invalid_request
from entrypoints.http.payments.schemas import _Body

# Shared with the CLI, so an operator cannot store what the API would refuse.
TENANT_ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$"
CONNECTED_ACCOUNT_PATTERN = "^acct_[A-Za-z0-9]+$"

TenantName = Annotated[str, Meta(min_length=1, max_length=255)]
TenantId = Annotated[
    str,
    Meta(
        pattern=TENANT_ID_PATTERN,
        description="Letters, digits, `_` and `-`; generated (`ten_…`) when absent.",
    ),
]
TierCode = Annotated[str, Meta(min_length=1, max_length=32)]
TierName = Annotated[str, Meta(min_length=1, max_length=255)]
ConnectedAccount = Annotated[
    str, Meta(pattern=CONNECTED_ACCOUNT_PATTERN, max_length=255, description="A Stripe `acct_…`.")
]
Bps = Annotated[int, Meta(ge=0, le=MAX_BPS, description="Basis points, 0 to 10000 (150 is 1.5 %).")]
FixedAmounts = Annotated[
    dict[
        Annotated[
            str, Meta(pattern="^[A-Za-z]{3}$", extra_json_schema={"enum": known_currencies()})
        ],
        Annotated[int, Meta(ge=0, le=99_999_999)],
    ],
    Meta(
        max_length=100,
        description="Currency (lower-case ISO 4217) → fixed fee in its minor unit, "
        'e.g. `{"usd": 30, "jpy": 0}`; a currency not named has no fixed fee.',
    ),
]


def _at_least_one_of(*fields: str) -> dict[str, Any]:
    """A `check` rule, for the OpenAPI document: one of `fields` is sent, and not null."""
    sent = [{"required": [f], "properties": {f: {"not": {"type": "null"}}}} for f in fields]
    return {"anyOf": sent}


def _check_currencies(fixed_amounts: dict[str, int] | None) -> None:
    for currency in fixed_amounts or {}:
        check_currency(currency, param="fixed_amounts")


class CreateTenantBody(_Body, kw_only=True):
    name: TenantName
    fee_tier: TierCode | None = None
    connected_account_id: ConnectedAccount | None = None
    id: TenantId | None = None


class UpdateTenantBody(_Body, kw_only=True):
    """Either or both; an empty body changes nothing and answers the tenant."""

    fee_tier: TierCode | None = None
    status: Literal["active", "suspended"] | None = None


class FeeOverrideBody(_Body, kw_only=True):
    """The whole override (PUT): a field left out falls back to the tier's."""

    percentage_bps: Bps | None = None
    fixed_amounts: FixedAmounts | None = None
    json_schema_extra: ClassVar[dict[str, Any]] = _at_least_one_of(
        "percentage_bps", "fixed_amounts"
    )

    def check(self) -> None:
        if self.percentage_bps is None and self.fixed_amounts is None:
            raise invalid_request(
                "parameter_missing",
                "An override sets percentage_bps, fixed_amounts or both "
                "(DELETE the fee-override to remove it).",
                param="percentage_bps",
            )
        _check_currencies(self.fixed_amounts)


class UpdateFeeTierBody(_Body, kw_only=True):
    """A field left out keeps the tier's value; `fixed_amounts` replaces the whole map."""

    percentage_bps: Bps | None = None
    fixed_amounts: FixedAmounts | None = None
    name: TierName | None = None
    json_schema_extra: ClassVar[dict[str, Any]] = _at_least_one_of(
        "percentage_bps", "fixed_amounts", "name"
    )

    def check(self) -> None:
        if self.percentage_bps is None and self.fixed_amounts is None and self.name is None:
            raise invalid_request(
                "parameter_missing",
                "Send percentage_bps, fixed_amounts or name.",
                param="percentage_bps",
            )
        _check_currencies(self.fixed_amounts)
