"""Webhook use cases: signed receipt into the inbox, and the consumer that applies events."""
