"""Token authentication in one statement, and a 401 (never a 500) for any malformed token.

knox stores hashed, expiring tokens and revokes them at once (the row goes). Its
`authenticate_credentials` also scans every other token of the user on each request to delete
the expired ones: a second statement paid by every API call. Here a request reads only the
token it presents (with its user, one statement); an expired presented token is still refused
and deleted on the spot, and the other expired tokens are purged by a periodic task
(`plans.tasks.purge_expired_tokens`, in the beat schedule). Revocation stays immediate.
"""

from __future__ import annotations

import binascii
import re
from hmac import compare_digest
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

INVALID = _("Invalid token.")
# knox's tokens are hex (with an optional short prefix); anything else is refused before any
# query (a NUL byte, for one, is an error in a PostgreSQL string literal).
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_\-]{1,200}")


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        try:
            text = token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(INVALID) from None
        if not TOKEN_SHAPE.fullmatch(text):
            raise exceptions.AuthenticationFailed(INVALID)
        try:
            digest = hash_token(text)
        except (TypeError, ValueError, binascii.Error):
            raise exceptions.AuthenticationFailed(INVALID) from None
        now = timezone.now()
        for auth_token in get_token_model().objects.filter(
            token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH]
        ).select_related("user"):
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry < now:
                username = auth_token.user.get_username()
                auth_token.delete()
                token_expired.send(sender=self.__class__, username=username, source="auth_token")
                break
            if knox_settings.AUTO_REFRESH and auth_token.expiry:
                self.renew_token(auth_token)
            return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(INVALID)


def purge_expired_tokens(*, now: Any = None) -> int:
    """Delete every expired token (what knox did per request, once a period instead)."""
    deleted, _details = get_token_model().objects.filter(expiry__lt=now or timezone.now()).delete()
    return int(deleted)


class TokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme of the subclass: the same as knox's (`Authorization: Token ...`)."""

    target_class = TokenAuthentication
    name = "knoxApiToken"

    def get_security_definition(self, auto_schema: Any) -> Any:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(""),
        )
