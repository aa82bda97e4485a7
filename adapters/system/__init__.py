"""Clock and id factories."""
