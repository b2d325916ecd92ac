"""The OpenAPI schema at /api/v1/schema/ validates and documents every operation completely."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

# The contract's paths (api.md), as the schema spells them.
CONTRACT_PATHS = [
    "/api/v1/users/", "/api/v1/clusters/", "/api/v1/organizations/", "/api/v1/stakeholders/",
    "/api/v1/role-assignments/", "/api/v1/plans/", "/api/v1/plans/{id}/", "/api/v1/plans/{id}/transition/",
    "/api/v1/strategic-lines/", "/api/v1/phases/", "/api/v1/phases/{id}/start/", "/api/v1/phases/{id}/complete/",
    "/api/v1/phases/{id}/skip/", "/api/v1/forums/", "/api/v1/forums/{id}/ics/", "/api/v1/forums/{id}/attendance/",
    "/api/v1/forums/{id}/cancel/", "/api/v1/forums/{id}/hold/", "/api/v1/agreements/",
    "/api/v1/agreements/{id}/positions/", "/api/v1/agreements/{id}/close/", "/api/v1/me/", "/api/v1/auth/token/",
]
NO_BODY = {  # actions that take no input
    ("post", "/api/v1/auth/logout/"), ("post", "/api/v1/auth/logout-all/"), ("post", "/api/v1/phases/{id}/start/"),
    ("post", "/api/v1/agreements/{id}/close/"), ("post", "/api/v1/milestones/{id}/start/"),
}
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in schema["paths"].items() for m, op in ops.items() if m in METHODS]


def test_schema_is_valid_openapi_3(schema: dict[str, Any]) -> None:
    validate_schema(schema)  # raises on any violation of the OpenAPI 3 meta-schema
    assert schema["openapi"].startswith("3.")


def test_docs_page_is_served() -> None:
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


@pytest.mark.parametrize("path", CONTRACT_PATHS)
def test_contract_paths_are_documented(schema: dict[str, Any], path: str) -> None:
    assert path in schema["paths"]


def test_every_operation_documents_success_and_error_bodies(schema: dict[str, Any]) -> None:
    problems = []
    error_ref = "#/components/schemas/Error"
    for method, path, op in operations(schema):
        codes = set(op["responses"])
        if not any(code.startswith("2") for code in codes):
            problems.append(f"{method} {path}: no success response")
        public = path in ("/api/v1/auth/token/", "/api/v1/schema/")
        for code in ({"429"} if public else {"401", "403", "429"}):
            body = op["responses"].get(code, {}).get("content", {}).get("application/json", {}).get("schema", {})
            if body.get("$ref") != error_ref:
                problems.append(f"{method} {path}: {code} is not documented with the error body")
        if method in ("post", "put", "patch") and "requestBody" not in op and (method, path) not in NO_BODY:
            problems.append(f"{method} {path}: request body not documented")
        if method in ("put", "patch", "post", "delete") and "{" in path:
            names = {p["name"] for p in op.get("parameters", [])}
            if "If-Match" not in names:
                problems.append(f"{method} {path}: If-Match not documented")
    assert not problems, "\n".join(problems)


def test_error_component_has_the_standard_fields(schema: dict[str, Any]) -> None:
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"type", "detail", "errors"}
    assert set(error["required"]) == {"type", "detail", "errors"}


def test_token_auth_is_documented_with_the_token_prefix(schema: dict[str, Any]) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("type") == "apiKey" and s.get("name") == "Authorization" for s in schemes.values()) or any(
        s.get("scheme", "").lower() == "token" for s in schemes.values()
    ), schemes


def test_every_default_satisfies_its_own_format(schema: dict[str, Any]) -> None:
    """Strict validators refuse `format: email` with `default: ''` (and the like)."""
    bad: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if node.get("format") in ("email", "uri", "date", "date-time", "uuid") and node.get("default") == "":
                bad.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    walk(schema, "")
    assert bad == []
