"""load_demo refuses to create logins with the printed default password in production."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from plans.models import Cluster

pytestmark = pytest.mark.django_db


def test_production_needs_an_explicit_demo_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    with override_settings(IS_PRODUCTION=True), pytest.raises(CommandError, match="DEMO_PASSWORD"):
        call_command("load_demo", stdout=StringIO())
    assert not Cluster.objects.exists() and not get_user_model().objects.exists()
