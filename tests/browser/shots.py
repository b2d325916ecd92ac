"""Extra screenshots for the docs: the first screen only (a full plan page is ~800 KB as PNG;
its first screen is small enough for the README's docs/screenshots/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def first_screen(page: Any, name: str) -> Path:
    """Write var/screenshots/<name>-first-screen.png: what the viewport shows, no scrolling."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-first-screen.png"
    page.screenshot(path=str(path), full_page=False)
    return path
