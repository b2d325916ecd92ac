"""Views of the plans API, split by subject."""
