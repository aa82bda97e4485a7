"""Step definitions for the business features in features/."""
