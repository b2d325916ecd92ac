"""Writes of the notifications app, split by subject."""
