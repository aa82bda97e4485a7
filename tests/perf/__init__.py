"""The performance suite: `make bench` scripts that print figures, never timed unit tests."""
