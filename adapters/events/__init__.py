"""Where domain events go after commit."""
