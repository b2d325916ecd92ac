"""The front door: log in (username or email), log out, password reset by email.

Login goes through Django's `authenticate(request=...)`, so django-axes counts failures per
username + address exactly as for the API's token login. A login by email is resolved to
the account's username first, so both spellings count against the same lockout.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from plans import selectors

EMAIL_MAX_LENGTH = 254
LOCKED_OUT_MESSAGE = _(
    "Too many failed login attempts for this account from your address. Wait a few minutes and "
    "try again, or reset your password."
)


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username, email or password. Both fields may be case-sensitive."),
        "inactive": _("This account is inactive. Ask a programme administrator."),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        field = cast(forms.CharField, self.fields["username"])  # Django's UsernameField
        field.label = _("Username or email")
        field.max_length = EMAIL_MAX_LENGTH
        field.widget.attrs.update({"maxlength": EMAIL_MAX_LENGTH, "autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"

    def clean(self) -> dict[str, Any]:
        identifier = self.cleaned_data.get("username") or ""
        username = selectors.username_for_login(identifier)
        if username is not None:
            self.cleaned_data["username"] = username
        return super().clean()


class LoginView(auth_views.LoginView):
    """`/`: the login page; a logged-in person goes straight to their home."""

    template_name = "plans/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        if getattr(self.request, "axes_locked_out", False):
            form.errors.clear()
            form.add_error(None, LOCKED_OUT_MESSAGE)
            # 429 like the API; the axes lockout callable passes a 429 response through unchanged.
            return self.render_to_response(self.get_context_data(form=form, locked_out=True), status=429)
        return super().form_invalid(form)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponseRedirect:
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("plans:login")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "plans/password_reset_form.html"
    email_template_name = "plans/email/password_reset.txt"
    subject_template_name = "plans/email/password_reset_subject.txt"
    success_url = reverse_lazy("plans:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "plans/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "plans/password_reset_confirm.html"
    success_url = reverse_lazy("plans:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "plans/password_reset_complete.html"
