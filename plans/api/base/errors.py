"""The one place domain errors and framework errors become HTTP responses.

Every error leaves as `{"type", "detail", "errors"}`; messages follow the request language.
EXCEPTION_HANDLER, AXES_LOCKOUT_CALLABLE and config/urls.py's handler404/handler500 point here.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from plans.errors import (
    Conflict,
    DomainError,
    IllegalTransition,
    PermissionDeniedError,
    RuleViolation,
    StaleVersion,
    ValidationFailed,
)

DOMAIN_STATUS: dict[type[DomainError], int] = {
    ValidationFailed: status.HTTP_400_BAD_REQUEST,
    IllegalTransition: status.HTTP_409_CONFLICT,
    RuleViolation: status.HTTP_409_CONFLICT,
    Conflict: status.HTTP_409_CONFLICT,
    StaleVersion: status.HTTP_412_PRECONDITION_FAILED,
    PermissionDeniedError: status.HTTP_403_FORBIDDEN,
}


class LockedOut(exceptions.APIException):
    """Too many failed logins for this username and address (django-axes)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"
    default_detail = gettext_lazy("Too many failed login attempts. Try again later.")


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a locked-out login gets the API's error body with 429."""
    if original_response is not None and original_response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        return original_response  # already rendered by the token view
    body = {"type": LockedOut.default_code, "detail": str(LockedOut.default_detail), "errors": {}}
    return JsonResponse(body, status=status.HTTP_429_TOO_MANY_REQUESTS)


def _error_json(status_code: int, type_: str, detail: str) -> JsonResponse:
    return JsonResponse({"type": type_, "detail": detail, "errors": {}}, status=status_code)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: an unknown /api/ URL answers with the API's error body, not an HTML page."""
    if request.path.startswith("/api/"):
        return _error_json(status.HTTP_404_NOT_FOUND, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception or Http404())


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the same body for an unexpected failure under /api/."""
    if request.path.startswith("/api/"):
        return _error_json(status.HTTP_500_INTERNAL_SERVER_ERROR, "server_error", _("A server error occurred."))
    return defaults.server_error(request)


def _stringify(errors: Any) -> dict[str, list[str]]:
    if isinstance(errors, dict):
        out: dict[str, list[str]] = {}
        for key, value in errors.items():
            if isinstance(value, dict):
                for sub_key, sub_value in _stringify(value).items():
                    out[f"{key}.{sub_key}"] = sub_value
            elif isinstance(value, list | tuple):
                flat: list[str] = []
                for item in value:
                    if isinstance(item, dict):
                        for sub_key, sub_value in _stringify(item).items():
                            out[f"{key}.{sub_key}"] = sub_value
                    else:
                        flat.append(str(item))
                if flat:
                    out[str(key)] = flat
            else:
                out[str(key)] = [str(value)]
        return out
    if isinstance(errors, list | tuple):
        return {"non_field_errors": [str(e) for e in errors]}
    return {"non_field_errors": [str(errors)]}


def error_response(status_code: int, type_: str, detail: str, errors: Any = None) -> Response:
    return Response(
        {"type": type_, "detail": detail, "errors": _stringify(errors) if errors else {}}, status=status_code
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        code = next((c for t, c in DOMAIN_STATUS.items() if isinstance(exc, t)), status.HTTP_409_CONFLICT)
        return error_response(code, exc.code, str(exc), exc.errors)
    if isinstance(exc, DjangoValidationError):
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return error_response(400, "validation_error", _("The data is not valid."), messages)
    if isinstance(exc, DataError | IntegrityError):
        # The failed statement poisons an enclosing transaction (ATOMIC_REQUESTS, tests): roll it back.
        if transaction.get_connection().in_atomic_block:
            transaction.set_rollback(True)
        if isinstance(exc, DataError):  # a value the database cannot store (out of range, NUL in text)
            return error_response(400, "validation_error", _("The data is not valid."))
        return error_response(409, "conflict", _("The change conflicts with existing data."))
    if isinstance(exc, RequestDataTooBig):  # over DATA_UPLOAD_MAX_MEMORY_SIZE (PMC_MAX_BODY_BYTES)
        return error_response(413, "request_too_large", _("The request body is too large."))
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    errors: Any = None
    type_: str
    if isinstance(exc, exceptions.ValidationError):
        type_, detail, errors = "validation_error", _("The data is not valid."), exc.detail
    else:
        codes = exc.get_codes()
        type_ = codes if isinstance(codes, str) else exc.default_code
        detail = str(exc.detail) if not isinstance(exc.detail, dict | list) else str(exc.default_detail)
    body = {"type": type_, "detail": detail, "errors": _stringify(errors) if errors else {}}
    response.data = body
    return response
