"""Platform fee tiers, tenant overrides and the gateway's pricing, resolved to per-payment terms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from domain.errors import InvalidFeeError
from domain.money import Money, is_known_currency

MAX_BPS = 10_000


def _checked_fixed(fixed_amounts: Mapping[str, int]) -> Mapping[str, int]:
    clean: dict[str, int] = {}
    for currency, amount in fixed_amounts.items():
        if not is_known_currency(currency):
            raise InvalidFeeError(
                f"Unknown currency {currency!r} in fixed_amounts.", param="fixed_amounts"
            )
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise InvalidFeeError(
                "A fixed fee is a non-negative whole number of minor units.", param="fixed_amounts"
            )
        clean[currency.upper()] = amount
    return MappingProxyType(clean)


def _checked_bps(bps: int) -> int:
    if isinstance(bps, bool) or not isinstance(bps, int) or not 0 <= bps <= MAX_BPS:
        raise InvalidFeeError(
            "percentage_bps is a whole number from 0 to 10000.", param="percentage_bps"
        )
    return bps


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """A percentage in basis points plus a fixed part per currency (absent currency: none)."""

    percentage_bps: int
    fixed_amounts: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "percentage_bps", _checked_bps(self.percentage_bps))
        object.__setattr__(self, "fixed_amounts", _checked_fixed(self.fixed_amounts))

    def describe(self) -> dict[str, object]:
        return {"percentage_bps": self.percentage_bps, "fixed_amounts": dict(self.fixed_amounts)}

    def fixed_for(self, currency: str) -> int:
        return self.fixed_amounts.get(currency.upper(), 0)

    def __deepcopy__(self, memo: dict[int, object]) -> FeeSchedule:
        return self  # immutable, fixed_amounts included


@dataclass(slots=True)
class FeeTier:
    """A named platform pricing level (starter, professional, enterprise)."""

    code: str
    name: str
    level: int
    schedule: FeeSchedule
    version: int = 0

    def reprice(self, schedule: FeeSchedule, name: str | None = None) -> None:
        """New terms for payments captured from now on; captured ones keep theirs."""
        self.schedule = schedule
        if name:
            self.name = name


@dataclass(frozen=True, slots=True)
class FeeOverride:
    """A tenant's own percentage and/or fixed fees, replacing its tier's where given."""

    percentage_bps: int | None = None
    fixed_amounts: Mapping[str, int] | None = None

    def __post_init__(self) -> None:
        if self.percentage_bps is None and self.fixed_amounts is None:
            raise InvalidFeeError("An override sets percentage_bps, fixed_amounts or both.")
        if self.percentage_bps is not None:
            _checked_bps(self.percentage_bps)
        if self.fixed_amounts is not None:
            object.__setattr__(self, "fixed_amounts", _checked_fixed(self.fixed_amounts))

    def __deepcopy__(self, memo: dict[int, object]) -> FeeOverride:
        return self  # immutable, fixed_amounts included

    def describe(self) -> dict[str, object]:
        fixed = None if self.fixed_amounts is None else dict(self.fixed_amounts)
        return {"percentage_bps": self.percentage_bps, "fixed_amounts": fixed}

    def apply_to(self, schedule: FeeSchedule) -> FeeSchedule:
        return FeeSchedule(
            percentage_bps=(
                schedule.percentage_bps if self.percentage_bps is None else self.percentage_bps
            ),
            fixed_amounts=(
                schedule.fixed_amounts if self.fixed_amounts is None else self.fixed_amounts
            ),
        )


@dataclass(frozen=True, slots=True)
class FeeTerms:
    """The fees in force for one payment, copied onto it at capture so history never moves."""

    platform_bps: int
    platform_fixed: int
    gateway_bps: int
    gateway_fixed: int

    @classmethod
    def resolve(cls, platform: FeeSchedule, gateway: FeeSchedule, currency: str) -> FeeTerms:
        return cls(
            platform_bps=platform.percentage_bps,
            platform_fixed=platform.fixed_for(currency),
            gateway_bps=gateway.percentage_bps,
            gateway_fixed=gateway.fixed_for(currency),
        )

    def gateway_fee_estimate(self, captured: Money) -> Money:
        return captured.basis_points(self.gateway_bps) + Money(
            self.gateway_fixed, captured.currency
        )

    def platform_fee(self, captured: Money, gateway_fee: Money) -> Money:
        """The tier's fee on `captured`, never more than what the gateway leaves over."""
        fee = captured.basis_points(self.platform_bps) + Money(
            self.platform_fixed, captured.currency
        )
        room = captured - gateway_fee if gateway_fee <= captured else Money.zero(fee.currency)
        return min(fee, room, key=lambda m: m.amount)


# Stripe's standard pricing: 2.9 % + 30 minor units in USD, CAD and EUR.
STRIPE_STANDARD_PRICING = FeeSchedule(290, {"USD": 30, "CAD": 30, "EUR": 30})

SEED_TIERS = (
    FeeTier("starter", "Starter", 1, FeeSchedule(300)),
    FeeTier("professional", "Professional", 2, FeeSchedule(150)),
    FeeTier("enterprise", "Enterprise", 3, FeeSchedule(50)),
)
DEFAULT_TIER_CODE = "starter"
