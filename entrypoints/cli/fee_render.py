"""Tenants, fee tiers, fee simulations and the audit trail for people; JSON as the API has it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from application.fees.simulate import CurrencySimulation
from domain.audit import AuditEntry
from domain.fees import FeeSchedule, FeeTier
from domain.tenant import Tenant
from entrypoints.cli.render import money, table, timestamp, to_json
from entrypoints.http.platform.resources import (
    audit_entry_resource,
    fee_tier_resource,
    tenant_resource,
)


def tenant_json(tenant: Tenant) -> dict[str, Any]:
    return to_json(tenant_resource(tenant))


def fee_tier_json(tier: FeeTier) -> dict[str, Any]:
    return to_json(fee_tier_resource(tier))


def audit_entry_json(entry: AuditEntry) -> dict[str, Any]:
    return to_json(audit_entry_resource(entry))


def percent(bps: int) -> str:
    """150 bps → `1.50 %`, in integers (no float ever touches a fee)."""
    return f"{bps // 100}.{bps % 100:02d} %"


def fixed_text(amounts: Mapping[str, int] | None) -> str:
    if not amounts:
        return "none"
    return ", ".join(money(amount, currency) for currency, amount in sorted(amounts.items()))


def schedule_text(schedule: FeeSchedule) -> str:
    """`1.50 %`, or `1.00 % + 0.30 USD fixed` where the schedule has fixed fees."""
    fixed = schedule.fixed_amounts
    extra = f" + {fixed_text(fixed)} fixed" if fixed else ""
    return percent(schedule.percentage_bps) + extra


def signed_money(amount: int, currency: str) -> str:
    """A difference: `+1.50 USD`, `-1.50 USD`, `0.00 USD`."""
    sign = "+" if amount > 0 else "-" if amount < 0 else ""
    return sign + money(abs(amount), currency)


def override_text(tenant: Tenant) -> str:
    override = tenant.fee_override
    if override is None:
        return "none"
    parts = []
    if override.percentage_bps is not None:
        parts.append(percent(override.percentage_bps))
    if override.fixed_amounts is not None:
        fixed = override.fixed_amounts
        parts.append(f"{fixed_text(fixed)} fixed" if fixed else "no fixed fee")
    return " + ".join(parts)


def _day(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def tenants_table(tenants: Sequence[Tenant]) -> str:
    headers = ["ID", "NAME", "STATUS", "TIER", "OVERRIDE", "CONNECTED ACCOUNT", "CREATED"]
    rows = [
        [
            t.id,
            t.name,
            t.status.value,
            t.fee_tier,
            override_text(t),
            t.connected_account_id or "",
            _day(t.created_at),
        ]
        for t in tenants
    ]
    return table(rows, right=set(), headers=headers)


def tenant_details(tenant: Tenant, tier: FeeTier | None) -> str:
    """One tenant, with the fees its payments are captured under from now on."""
    in_force = schedule_text(tenant.platform_schedule(tier)) if tier else "unknown tier"
    fields = [
        ("Tenant", f"{tenant.id}  ({tenant.name})"),
        ("Status", tenant.status.value),
        ("Fee tier", tenant.fee_tier + (f"  ({schedule_text(tier.schedule)})" if tier else "")),
        ("Override", override_text(tenant)),
        ("Fees in force", in_force),
        ("Connected account", tenant.connected_account_id or "none"),
        ("Created", timestamp(tenant.created_at) or ""),
        ("Updated", timestamp(tenant.updated_at) or ""),
    ]
    return table(fields, right=set())


def tiers_table(tiers: Sequence[FeeTier]) -> str:
    headers = ["CODE", "NAME", "LEVEL", "PERCENTAGE", "FIXED"]
    rows = [
        [
            t.code,
            t.name,
            str(t.level),
            percent(t.schedule.percentage_bps),
            fixed_text(t.schedule.fixed_amounts),
        ]
        for t in sorted(tiers, key=lambda t: (t.level, t.code))
    ]
    return table(rows, right={2, 3}, headers=headers)


def simulation_json(row: CurrencySimulation) -> dict[str, Any]:
    return {
        "currency": row.currency.lower(),
        "payments": row.payments,
        "captured": row.captured,
        "platform_fees": row.platform_fees,
        "simulated_platform_fees": row.simulated_platform_fees,
        "platform_difference": row.difference,
        "net": row.net,
        "simulated_net": row.simulated_net,
        "merchant_difference": row.simulated_net - row.net,
    }


def simulation_table(rows: Sequence[CurrencySimulation], tier_code: str) -> str:
    headers = [
        "CURRENCY",
        "PAYMENTS",
        "CAPTURED",
        "FEES NOW",
        f"FEES ON {tier_code.upper()}",
        "PLATFORM +/-",
        "MERCHANT +/-",
    ]
    lines = [
        [
            r.currency,
            str(r.payments),
            money(r.captured, r.currency),
            money(r.platform_fees, r.currency),
            money(r.simulated_platform_fees, r.currency),
            signed_money(r.difference, r.currency),
            signed_money(r.simulated_net - r.net, r.currency),
        ]
        for r in rows
    ]
    return table(lines, right={1, 2, 3, 4, 5, 6}, headers=headers)


def _compact(details: Mapping[str, Any]) -> str:
    return json.dumps(details, separators=(", ", ": "), sort_keys=True) if details else ""


def audit_table(entries: Sequence[AuditEntry]) -> str:
    headers = ["CREATED", "ACTION", "ENTITY", "TENANT", "ACTOR", "DETAILS"]
    rows = []
    for entry in entries:
        public = audit_entry_resource(entry)  # currencies lower-case, as the API shows them
        rows.append(
            [
                timestamp(entry.created_at) or "",
                entry.action,
                f"{entry.entity_type} {entry.entity_id}",
                entry.tenant_id or "-",
                f"{entry.actor.kind}:{entry.actor.id}",
                _compact(public.details),
            ]
        )
    return table(rows, right=set(), headers=headers)
