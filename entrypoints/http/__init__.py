"""The Litestar HTTP API: `create_app(container)` in `app`."""
