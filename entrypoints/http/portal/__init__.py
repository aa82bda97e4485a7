"""The customer portal (§7): the link's session and endpoints, and the links merchants
issue."""
