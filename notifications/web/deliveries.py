"""The delivery log of a cluster, and a coordinator's decision on a row: resend or mark as sent."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from notifications import selectors
from notifications.models import Delivery
from notifications.permissions import DELIVERY
from notifications.services import outbox
from notifications.tasks import enqueue_send
from plans.models import Cluster
from plans.web.base import actor_from_request, may, require_roles, scoped_or_404

from .forms import DeliveryFilterForm
from .presenters import DeliveryRow

PAGE_SIZE = 50
FILTER_NAMES = ("status", "recipient", "kind", "date_from", "date_to", "page")


def _cluster(request: HttpRequest, cluster_id: int) -> Cluster:
    cluster: Cluster = scoped_or_404(Cluster.objects.all(), request.user, cluster_id, cluster_path="")
    return cluster


@login_required
@require_safe
def delivery_log(request: HttpRequest, cluster_id: int) -> HttpResponse:
    cluster = _cluster(request, cluster_id)
    require_roles(request.user, cluster.pk, DELIVERY.read)
    form = DeliveryFilterForm(request.GET or None)
    rows = selectors.delivery_log(user=request.user, cluster_id=cluster.pk, filters=form.filters())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "notifications/web/deliveries.html", {
        "cluster": cluster, "form": form, "page": page, "rows": [DeliveryRow(d) for d in page],
        "may_act": may(request.user, cluster.pk, DELIVERY.write_roles("resend")),
        "filter_query": query.urlencode(), "return_query": request.GET.urlencode(),
    })


def _back_to_log(request: HttpRequest, cluster: Cluster) -> HttpResponseRedirect:
    """The log as the person left it: only its own filter names are carried over."""
    sent = QueryDict(request.POST.get("return_query", ""))
    kept = QueryDict(mutable=True)
    for name in FILTER_NAMES:
        if name in sent:
            kept[name] = sent[name][:200]
    url = reverse("notifications:deliveries", args=[cluster.pk])
    return HttpResponseRedirect(f"{url}?{kept.urlencode()}" if kept else url)


def _delivery(request: HttpRequest, cluster_id: int, delivery_id: int) -> tuple[Cluster, Delivery]:
    cluster = _cluster(request, cluster_id)
    require_roles(request.user, cluster.pk, DELIVERY.write_roles("resend"))
    delivery = selectors.delivery_in_cluster(user=request.user, cluster_id=cluster.pk, delivery_id=delivery_id)
    if delivery is None:
        raise Http404
    return cluster, delivery


@login_required
@require_POST
def delivery_resend(request: HttpRequest, cluster_id: int, delivery_id: int) -> HttpResponse:
    cluster, delivery = _delivery(request, cluster_id, delivery_id)
    queued = outbox.resend([delivery.pk], actor=actor_from_request(request))
    if queued:
        enqueue_send(queued)  # if the broker is down, the outbox sweep picks the row up
        messages.success(request, _("The message to %(to)s is queued to be sent again.") % {"to": delivery.to_email})
    else:
        messages.error(request, _(
            "The message to %(to)s was not queued again: it was sent or is being handled meanwhile."
        ) % {"to": delivery.to_email})
    return _back_to_log(request, cluster)


@login_required
@require_POST
def delivery_mark_sent(request: HttpRequest, cluster_id: int, delivery_id: int) -> HttpResponse:
    cluster, delivery = _delivery(request, cluster_id, delivery_id)
    if outbox.mark_reviewed_as_sent([delivery.pk], actor=actor_from_request(request)):
        messages.success(request, _("The message to %(to)s is recorded as sent.") % {"to": delivery.to_email})
    else:
        messages.error(request, _(
            "The message to %(to)s is no longer in doubt (someone decided meanwhile); nothing was changed."
        ) % {"to": delivery.to_email})
    return _back_to_log(request, cluster)
