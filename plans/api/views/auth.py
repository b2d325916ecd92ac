"""Token login and logout (django-rest-knox: tokens stored hashed, with an expiry) and `me`.

Login goes through `django.contrib.auth.authenticate(request=...)`, so django-axes counts
failures per username + IP and locks the pair out after AXES_FAILURE_LIMIT attempts: a
locked-out login answers 429 with the usual error body (`type: "locked_out"`), whatever
the password. Wrong credentials answer 400 (`type: "invalid_credentials"`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, logout, user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from plans import selectors
from plans.api.base.errors import LockedOut
from plans.api.serializers.clusters import MeSerializer


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(allow_null=True)


class InvalidCredentials(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_credentials"
    default_detail = _("Wrong username or password.")


class TokenView(APIView):
    """Exchange a username and password for a token."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(request=django_request, **form.validated_data)
        if getattr(django_request, "axes_locked_out", False):
            raise LockedOut()
        if user is None or not user.is_active:
            raise InvalidCredentials()
        instance, token = AuthToken.objects.create(user, expiry=knox_settings.TOKEN_TTL)
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)  # axes resets the count
        expiry = serializers.DateTimeField().to_representation(instance.expiry) if instance.expiry else None
        return Response({"token": token, "expiry": expiry})


class LogoutView(APIView):
    """Revoke the token used for this request (or end the session)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every token of the user."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        AuthToken.objects.filter(user=request.user).delete()
        if not isinstance(request.auth, AuthToken):
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The current user and their roles per cluster."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        data = {
            "user": request.user,
            # The same as access_for(...).is_admin, without loading the roles a second time.
            "is_programme_admin": bool(request.user.is_superuser),
            "roles": selectors.roles_by_cluster(user=request.user),
        }
        return Response(MeSerializer(data).data)
