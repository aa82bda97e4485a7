"""The platform API (§4, §9): tenants, fee tiers, overrides, and the audit trail."""
