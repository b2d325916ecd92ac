"""Bench-only settings: the production settings plus the floor views' URLconf."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
