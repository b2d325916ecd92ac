from __future__ import annotations

from typing import Any

import pytest

from tests.web_fixtures import People, build_people


@pytest.fixture
def people(db: Any, settings: Any) -> People:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_people()
