"""Security adapters: access tokens (JWT) and secret hashing."""
