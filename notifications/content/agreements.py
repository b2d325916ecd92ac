"""Agreement messages: adopted, rejected."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from notifications.kinds import Kind
from notifications.models import Delivery
from plans.models import Agreement, Cluster, HistoryEvent, Plan

from . import Content, composes, label, tag


@composes(Kind.AGREEMENT_ADOPTED, Kind.AGREEMENT_REJECTED)
def agreement_decided(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    agreement = Agreement.objects.get(pk=int(event.object_id or 0) if event else 0)
    text = _("Agreement adopted: %(title)s") if delivery.kind == Kind.AGREEMENT_ADOPTED \
        else _("Agreement rejected: %(title)s")
    heading = text % {"title": agreement.title}
    tally = ", ".join(
        f"{k}: {v}" for k, v in sorted((agreement.tally or {}).items()) if not isinstance(v, dict | list)
    )
    details = [(_("Rule"), label(Agreement.Rule.choices, agreement.rule))] + ([(_("Tally"), tally)] if tally else [])
    return Content(
        f"{tag(cluster)} {heading}", heading, [agreement.text] if agreement.text else [], details,
        reverse("plans:agreement-detail", args=[agreement.pk]),
    )
