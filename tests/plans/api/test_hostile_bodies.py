"""Bad bodies and odd paths get the documented 4xx with the error shape, never a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from plans.models import Plan
from tests.factories import PlanFactory, UserFactory

pytestmark = pytest.mark.django_db

SHAPE = {"type", "detail", "errors"}


@pytest.mark.parametrize("depth", [1_000, 5_000, 100_000])
def test_deeply_nested_json_is_a_400_even_anonymously(depth: int) -> None:
    body = "[" * depth + "]" * depth
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert set(response.json()) == SHAPE and response.json()["type"] == "parse_error"


def test_a_body_over_the_limit_is_refused(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = '{"username": "' + "x" * 2_000 + '", "password": "y"}'
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 413, response.content[:200]
    assert set(response.json()) == SHAPE and response.json()["type"] == "request_too_large"


@pytest.mark.parametrize("path", [
    "/api/v1/plans/{arabic}/", "/api/v1/milestones/{arabic}/", "/api/v1/plans/{fullwidth}/",
])
def test_path_ids_are_ascii_digits_only(path: str) -> None:
    plan = PlanFactory.create()
    admin = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    client = APIClient()
    client.force_authenticate(admin)
    # The same number in other scripts' digits (int() and `\\d` accept them).
    arabic = "".join(chr(0x0660 + int(d)) for d in str(plan.pk))  # ARABIC-INDIC DIGITS
    fullwidth = "".join(chr(0xFF10 + int(d)) for d in str(plan.pk))  # FULLWIDTH DIGITS
    assert int(arabic) == int(fullwidth) == plan.pk
    ascii_path = path.format(arabic=plan.pk, fullwidth=plan.pk)
    odd_path = path.format(arabic=arabic, fullwidth=fullwidth)
    if "/plans/" in ascii_path:
        assert client.get(ascii_path).status_code == 200
    assert client.get(odd_path).status_code == 404
    assert client.patch(odd_path, {"title": "x"}, format="json").status_code == 404
    assert Plan.objects.get(pk=plan.pk).title != "x"
