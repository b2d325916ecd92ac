"""Is a service answering? Used by the Makefile and by fixtures that need real services.

`python -m tests.services postgres URL` exits 0 when PostgreSQL answers, 1 otherwise.
"""

from __future__ import annotations

import socket
import sys
from urllib.parse import urlparse


def answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def postgres_answers(url: str) -> bool:
    if not answers(url, 5432):
        return False
    try:
        import psycopg

        parsed = urlparse(url)
        with psycopg.connect(
            host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres",
            dbname="postgres", connect_timeout=3,
        ):
            return True
    except Exception:
        return False


def redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:
        return False


if __name__ == "__main__":
    kind, url = sys.argv[1], sys.argv[2]
    ok = postgres_answers(url) if kind == "postgres" else redis_answers(url)
    sys.exit(0 if ok else 1)
