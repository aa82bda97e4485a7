"""Mail: written to the outbox in the deciding transaction, sent after commit."""
