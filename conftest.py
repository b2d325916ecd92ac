"""Loaded by pytest before Django: tests run with the `test` settings profile."""

import os

os.environ.setdefault("PMC_ENV", "test")
