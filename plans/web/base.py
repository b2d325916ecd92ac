"""Shared building blocks of every web page (plans, projects, notifications). Names are stable.

How a page view is meant to look (thin: load in scope -> check the role -> one service -> render)::

    @login_required
    @require_http_methods(["GET", "POST"])
    def milestone_complete(request, milestone_id):
        milestone = scoped_or_404(milestone_queryset(request.user), request.user, milestone_id)
        require_roles(request.user, milestone.plan.cluster_id, WRITE_ROLES)   # 403 otherwise
        form = CompleteForm(request.POST or None, initial={"version": milestone.version})
        if request.method == "POST" and form.is_valid():
            outcome = run_service(request, form, milestone_complete_service,
                                  milestone_id=milestone.pk, **form.service_kwargs())
            if outcome.ok:
                messages.success(request, _("Milestone completed."))
                return redirect(...)
            return render(request, "projects/milestone_complete.html", {..., "form": form},
                          status=outcome.status)                             # input kept, message shown
        return render(request, "projects/milestone_complete.html", {..., "form": form})

What is here:

- `actor_from_request(request)` -> `Actor(user, Source.WEB)` (`Source.EMAIL` in a session opened
  by a personal link): every page change records it.
- `scoped_or_404(queryset, user, pk)`: the object if its cluster is readable by the user, else
  Http404 (other clusters' ids are not found, no probing). The cluster path is the one the
  model declares (`cluster_path`), or `cluster_path=` for a queryset of another shape.
- `require_roles(user, cluster_id, roles)`: PermissionDenied (403) unless the user holds one of
  `roles` in that cluster; programme administrators always pass.
- `may(user, cluster_id, roles)`: the same as a bool, for templates to hide write controls
  (auditors hold no write role, so they never see one). Use `may_write` for WRITE_ROLES.
- `domain_error_message(exc)`: the plain-language message of a domain error (never a
  constraint name).
- `run_service(request, form, service, **kwargs)`: calls the service as the request's actor;
  a domain error becomes a non-field error on the form (field errors on their fields), so the
  view re-renders the same form with the person's input kept; `outcome.status` is the page's
  HTTP status (200 for bad input, 409 for a conflict or a stale version; base.html lets htmx
  swap those). `form.cleaned_data["version"]` is passed as `expected_version` when the service
  takes it and the form has a `version` field (`VersionedForm`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, models
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from plans.access import READ_ROLES, WRITE_ROLES, access_for
from plans.errors import DomainError, PermissionDeniedError, StaleVersion, ValidationFailed
from plans.models import Source
from plans.services.history import Actor

__all__ = [
    "READ_ROLES",
    "WRITE_ROLES",
    "ServiceOutcome",
    "VersionedForm",
    "actor_from_request",
    "cluster_path_for",
    "domain_error_message",
    "may",
    "may_write",
    "require_roles",
    "run_service",
    "scoped_or_404",
]

STALE_MESSAGE = _(
    "Someone else changed this while you were editing it. The page now shows the current values; "
    "your input is kept in the form: check it and send it again."
)
CONFLICT_MESSAGE = _("The change conflicts with existing data.")
INVALID_MESSAGE = _("The data is not valid.")


def actor_from_request(request: HttpRequest) -> Actor:
    """The acting user of a page request; history records source `web`, or `email` when the
    page was opened through a personal link from an email (plans/links.py)."""
    user: Any = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    via_email = getattr(request, "link_stakeholder", None) is not None
    return Actor(user=user, source=Source.EMAIL if via_email else Source.WEB)


# --- Scope and roles ----------------------------------------------------------------------------

def cluster_path_for(model: type[models.Model]) -> str:
    """The ORM path from `model` to its cluster, as the model declares it ("" for Cluster)."""
    path = getattr(model, "cluster_path", None)
    if path is None:
        raise ImproperlyConfigured(f"{model.__name__} declares no cluster_path: pass cluster_path=")
    return str(path)


def scoped_or_404(
    queryset: models.QuerySet[Any], user: Any, pk: int, *, cluster_path: str | None = None,
    roles: Iterable[str] = READ_ROLES,
) -> Any:
    """The object `pk` of `queryset` if the user may read its cluster; Http404 otherwise."""
    path = cluster_path_for(queryset.model) if cluster_path is None else cluster_path
    obj = queryset.filter(access_for(user).scope_q(path, frozenset(roles))).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def may(user: Any, cluster_id: int | None, roles: Iterable[str] = WRITE_ROLES) -> bool:
    """True when the user holds one of `roles` in the cluster (programme admins: always)."""
    access = access_for(user)
    return access.is_admin or bool(access.roles_in(cluster_id) & frozenset(roles))


def may_write(user: Any, cluster_id: int | None) -> bool:
    return may(user, cluster_id, WRITE_ROLES)


def require_roles(user: Any, cluster_id: int | None, roles: Iterable[str] = WRITE_ROLES) -> None:
    """403 unless the user holds one of `roles` in the cluster (programme admins always pass)."""
    if not may(user, cluster_id, roles):
        raise PermissionDenied(_("You do not have permission to do this."))


# --- Services from forms -----------------------------------------------------------------------


def domain_error_message(exc: Exception) -> str:
    """What to tell a person about a refused change, in plain language."""
    if isinstance(exc, StaleVersion):
        return str(STALE_MESSAGE)
    if isinstance(exc, DomainError):
        return str(exc)
    if isinstance(exc, DjangoValidationError):
        return " ".join(str(m) for m in exc.messages) or str(INVALID_MESSAGE)
    if isinstance(exc, DataError):
        return str(INVALID_MESSAGE)
    if isinstance(exc, IntegrityError):
        return str(CONFLICT_MESSAGE)  # never the constraint's name
    return str(exc)


class VersionedForm(forms.Form):
    """A form that edits or acts on one row: carries the row version the page showed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


@dataclass
class ServiceOutcome:
    ok: bool
    value: Any = None
    status: int = 200
    stale: bool = False
    message: str = ""


def _add_field_errors(form: forms.BaseForm, errors: dict[str, list[Any]]) -> None:
    for name, messages in errors.items():
        if name in form.fields:
            for message in messages:
                form.add_error(name, str(message))


def run_service(request: HttpRequest, form: forms.BaseForm | None, service: Callable[..., Any], /,
                **kwargs: Any) -> ServiceOutcome:
    """Call one service as the request's actor; refused changes come back as form errors."""
    kwargs.setdefault("actor", actor_from_request(request))
    parameters = inspect.signature(service).parameters
    if (
        "expected_version" in parameters and "expected_version" not in kwargs
        and form is not None and "version" in form.fields
    ):
        kwargs["expected_version"] = getattr(form, "cleaned_data", {}).get("version")
    try:
        return ServiceOutcome(ok=True, value=service(**kwargs))
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    except (DomainError, DjangoValidationError, DataError, IntegrityError) as exc:
        message = domain_error_message(exc)
        stale = isinstance(exc, StaleVersion)
        if form is not None:
            errors = getattr(exc, "errors", None)
            if isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict"):
                errors = exc.message_dict
            _add_field_errors(form, errors or {})
            form.add_error(None, message)  # the summary at the top of the form, always
        bad_input = isinstance(exc, ValidationFailed | DjangoValidationError | DataError)
        return ServiceOutcome(ok=False, status=200 if bad_input else 409, stale=stale, message=message)
