"""Gateway webhooks (§6): receipt and the inbox's health."""
