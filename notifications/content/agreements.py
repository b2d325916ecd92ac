"""Agreement messages: opened (each member organization asked for its position), reminded to
the organizations that have not answered, adopted, rejected."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from notifications.kinds import Kind
from notifications.models import Delivery
from plans.models import Agreement, Cluster, HistoryEvent, Organization, Plan, Position

from . import Action, Content, composes, day, label, tag


def position_page(agreement_id: int, option: str = "") -> str:
    """The confirmation page of an organization's position, `option` preselected."""
    page = reverse("plans:agreement-position", args=[agreement_id])
    return f"{page}?option={option}" if option else page


def _asked(delivery: Delivery, agreement: Agreement, cluster: Cluster) -> Content:
    """The question to one organization: the agreement, one link per option, each to the
    confirmation page (opening a link records nothing: the person confirms there)."""
    organization = Organization.objects.filter(pk=delivery.payload.get("organization") or 0).first()
    values = {"organization": organization.name if organization else "—", "title": agreement.title,
              "date": day(agreement.closes_on)}
    if delivery.kind == Kind.AGREEMENT_REMINDER:
        heading = _("Reminder: your organization's position on %(title)s") % values
        why = (_("You get this because your organization %(organization)s has not yet given its position on "
                 "“%(title)s”, asked by %(date)s: please choose one option below and confirm it.")
               if agreement.closes_on else
               _("You get this because your organization %(organization)s has not yet given its position on "
                 "“%(title)s”: please choose one option below and confirm it."))
    else:
        heading = _("Your organization's position is asked: %(title)s") % values
        why = (_("You get this because your organization %(organization)s is asked for its position on "
                 "“%(title)s” by %(date)s: please choose one option below and confirm it.")
               if agreement.closes_on else
               _("You get this because your organization %(organization)s is asked for its position on "
                 "“%(title)s”: please choose one option below and confirm it."))
    details = [(_("Rule"), label(Agreement.Rule.choices, agreement.rule))]
    if agreement.closes_on:
        details.append((_("Positions asked by"), day(agreement.closes_on)))
    if agreement.forum_id:
        details.append((_("Forum"), str(agreement.forum)))
    lines = [agreement.text] if agreement.text else []
    lines.append(_("One position per organization: whoever of it answers, the last answer counts until the "
                   "agreement closes."))
    actions = [Action(capfirst(str(text)), position_page(agreement.pk, value)) for value, text in
               Position.Value.choices]
    return Content(
        f"{tag(cluster)} {heading}", heading, lines, details, position_page(agreement.pk),
        link_text=_("Record your organization's position"), actions=actions, why=why % values,
    )


@composes(Kind.AGREEMENT_OPENED)
def agreement_opened(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    agreement = Agreement.objects.select_related("forum").get(
        pk=int(event.object_id or 0) if event else 0
    )
    return _asked(delivery, agreement, cluster)


@composes(Kind.AGREEMENT_REMINDER)
def agreement_reminder(delivery: Delivery, event: HistoryEvent | None, plan: Plan | None, cluster: Cluster) -> Content:
    agreement = Agreement.objects.select_related("forum").get(pk=delivery.object_id or 0)
    return _asked(delivery, agreement, cluster)


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
