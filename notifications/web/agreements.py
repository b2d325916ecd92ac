"""A coordinator's "remind those who have not answered" on an open agreement's page.

The button is drawn by the agreement page (plans/web/agreements.py) from the action this app
registers in NotificationsConfig.ready(); this view does the POST and goes back to the page.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from notifications.permissions import AGREEMENT_REMINDERS
from notifications.services.reminders import Reminded, agreement_remind_non_responders
from notifications.tasks import enqueue_send
from plans.web.agreements import load_agreement
from plans.web.base import require_roles, run_service


@login_required
@require_POST
def agreement_remind(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = load_agreement(request, agreement_id)  # other clusters: 404
    require_roles(request.user, agreement.plan.cluster_id, AGREEMENT_REMINDERS.write_roles("remind"))
    outcome = run_service(request, None, agreement_remind_non_responders, agreement_id=agreement.pk)
    if not outcome.ok:
        messages.error(request, outcome.message)
    else:
        reminded: Reminded = outcome.value
        if reminded.deliveries:
            transaction.on_commit(partial(enqueue_send, reminded.deliveries))
        if reminded.organizations:
            messages.success(request, ngettext(
                "%(count)d organization that had not answered was reminded.",
                "%(count)d organizations that had not answered were reminded.", reminded.organizations,
            ) % {"count": reminded.organizations})
        elif reminded.already_today:
            messages.info(request, _("Those who have not answered were already reminded today: nothing was sent."))
        else:
            messages.info(request, _("Nobody to remind: every full member organization has answered."))
    return redirect("plans:agreement-detail", agreement_id=agreement.pk)
