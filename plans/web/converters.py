"""Path converters of the web pages.

`id`: ASCII digits only (`\\d` would also match other scripts' digits), and never beyond a
64-bit key: an out-of-range id does not match the route (404) instead of failing the query.
"""

from __future__ import annotations

MAX_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("id out of range")  # Django treats ValueError as "no match"
        return number

    def to_url(self, value: int | str) -> str:
        return str(int(value))
