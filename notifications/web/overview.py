"""The notifications page of a coordinator or auditor: their clusters, with links and rows in doubt."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from notifications import selectors


@login_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    clusters = list(selectors.notification_clusters(user=request.user))
    if not clusters:
        raise PermissionDenied  # stakeholders: their own preferences come with their pages
    context = {"clusters": clusters, "cluster": clusters[0] if len(clusters) == 1 else None}
    return render(request, "notifications/web/overview.html", context)
