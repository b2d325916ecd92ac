"""The answer to "email me a new link" (plans/web/links.py)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.kinds import Kind
from notifications.models import Delivery
from plans.models import Cluster, HistoryEvent, Plan

from . import Content, composes, tag

# Where a stakeholder's personal link leads when it names no page.
STAKEHOLDER_HOME = "notifications:me"


@composes(Kind.PERSONAL_LINK)
def personal_link(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    heading = _("Your new link to the PMC Tracker")
    days = settings.PMC_LINK_MAX_AGE_DAYS
    lines = [
        _("You (or someone with your address) asked for a new link. If it was not you, ignore this email."),
        ngettext("The link works for %(days)d day and only for you: do not forward this email.",
                 "The link works for %(days)d days and only for you: do not forward this email.", days)
        % {"days": days},
    ]
    page = delivery.payload.get("path") or reverse(STAKEHOLDER_HOME)
    why = _("You get this because someone asked for a new link to your page: open it with the button below.")
    return Content(f"{tag(cluster)} {heading}", heading, lines, [], page, link_text=_("Open your page"), why=why)
