"""OpenAPI glue: the one error body and the schema class that documents it everywhere.

`ErrorSerializer` is `{"type", "detail", "errors"}`; `AutoSchema` (DEFAULT_SCHEMA_CLASS)
adds it for 400/401/403/404/409/412/415/429 as fits each operation, documents `If-Match`
on writes to one object and takes a view's `input_serializers[action]` as the request body
unless `@extend_schema(request=...)` says otherwise (DEFAULT_SCHEMA_CLASS points here).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (400, 401, 403, 404, 409, 412, 429)."""

    type = serializers.CharField(help_text="Stable machine-readable code, e.g. `stale_version`.")
    detail = serializers.CharField(help_text="Human-readable message in the request language.")
    errors = serializers.DictField(  # type: ignore[assignment]  # a declared field, not Serializer.errors
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name -> messages; empty when the error concerns no field.",
    )


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Bad input (validation_error).",
    401: "Not authenticated.",
    403: "Authenticated but not allowed.",
    404: "Not found, or outside the clusters the user may see.",
    409: "Illegal state change or conflicting data.",
    412: "If-Match does not match the current version.",
    415: "The body is not JSON.",
    429: "Throttled or locked out.",
}


class AutoSchema(SpectacularAutoSchema):
    """Documents the shared error body for every operation and `If-Match` on object writes.

    A view's `input_serializers[action]` is the documented request body unless the view says
    otherwise with `@extend_schema(request=...)`.
    """

    def get_request_serializer(self) -> Any:
        inputs = getattr(self.view, "input_serializers", None) or {}
        action = getattr(self.view, "action", None)
        if self.method in ("POST", "PUT", "PATCH") and action in inputs:
            return inputs[action]
        return super().get_request_serializer()

    def _error_codes(self) -> list[int]:
        codes = [401, 403, 429]
        if self.method != "GET" or "{" in self.path:
            codes.append(404)
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            codes += [400, 409, 412, 415]
        elif self.get_filter_backends() or self._get_paginator():
            codes.append(400)  # bad filter values
        return codes

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            for code in sorted(self._error_codes()):
                if str(code) not in responses:
                    responses[str(code)] = self._get_response_for_code(ErrorSerializer, str(code))
                    responses[str(code)]["description"] = ERROR_DESCRIPTIONS[code]
        return responses

    def get_override_parameters(self) -> list[Any]:
        params = list(super().get_override_parameters())
        if self.method in ("PUT", "PATCH", "POST", "DELETE") and "{" in self.path:
            params.append(
                OpenApiParameter(
                    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                    description='The ETag (`"<version>"`) the change is based on; 412 if stale.',
                )
            )
        return params
