"""The site's URLconf plus stand-ins for the milestone action routes (H5's pages), so the
list and detail pages can be tested for their links whether or not those pages are installed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from config import urls as site
from projects.web.urls import urlpatterns as project_pages


def stand_in(request: HttpRequest, milestone_id: int) -> HttpResponse:
    return HttpResponse("stand-in")


ACTIONS = ("start", "complete", "reschedule", "update")
stand_ins = [
    path(f"stand-in/milestones/<id:milestone_id>/{name}/", stand_in, name=f"milestone-{name}") for name in ACTIONS
]

urlpatterns: list[URLPattern | URLResolver] = [
    *(p for p in site.urlpatterns if getattr(p, "namespace", None) != "projects"),
    path("", include(([*project_pages, *stand_ins], "projects"))),
]
