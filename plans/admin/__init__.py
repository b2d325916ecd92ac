"""Coordinator screens for clusters, plans, phases, forums and agreements; history is read-only.

Every save calls a service (see `plans.admin.base`), so the admin obeys the same rules and
writes the same history as the API, with source "admin".
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import clusters, consensus, history, plans

admin.site.site_header = _("PMC Tracker — Competitive Improvement Plans")
admin.site.site_title = _("PMC Tracker")
admin.site.index_title = _("Clusters, plans and projects")

__all__ = ["clusters", "consensus", "history", "plans"]
