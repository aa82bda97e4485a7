"""Payment gateways: the fake (default) and Stripe."""
