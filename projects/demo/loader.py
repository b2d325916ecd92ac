"""Entry point of the demo: users, then each cluster once (skipped when its slug exists)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from plans.models import Cluster, Role, RoleAssignment, Source, Stakeholder
from plans.services import clusters as cluster_services
from plans.services.history import Actor

from . import dairy, finefruit

ACTOR = Actor.system(Source.COMMAND)
AUDITOR_GROUP = "Auditors (view only)"


@dataclass
class DemoSummary:
    created_clusters: list[str] = field(default_factory=list)
    skipped_clusters: list[str] = field(default_factory=list)
    created_users: list[str] = field(default_factory=list)


def _user(username: str, password: str, *, email: str, staff: bool, superuser: bool, summary: DemoSummary):
    User = get_user_model()
    user = User._default_manager.filter(username=username).first()
    if user is None:
        create = User._default_manager.create_superuser if superuser else User._default_manager.create_user
        user = create(username=username, email=email, password=password)  # type: ignore[operator]
        summary.created_users.append(username)
    # Keep the demo logins usable, but write only when something differs (a re-run changes nothing).
    wanted = {"is_staff": staff or superuser, "is_superuser": superuser, "is_active": True}
    dirty = [name for name, value in wanted.items() if getattr(user, name) != value]
    for name in dirty:
        setattr(user, name, wanted[name])
    if not user.check_password(password):
        user.set_password(password)
        dirty.append("password")
    if dirty:
        user.save(update_fields=dirty)
    return user


def _ensure_role(user, cluster_id: int | None, role: str) -> None:  # type: ignore[no-untyped-def]
    where: dict[str, Any] = {"cluster__isnull": True} if cluster_id is None else {"cluster_id": cluster_id}
    if not RoleAssignment.objects.filter(user=user, role=role, **where).exists():
        cluster_services.role_assign(user_id=user.pk, cluster_id=cluster_id, role=role, actor=ACTOR)


def _view_only_group(user) -> None:  # type: ignore[no-untyped-def]
    """Django view permissions for the auditor, for admin pages that use Django's own permission checks."""
    group, _ = Group.objects.get_or_create(name=AUDITOR_GROUP)
    wanted = set(Permission.objects.filter(
        codename__startswith="view_", content_type__app_label__in=("plans", "projects", "notifications"),
    ).values_list("pk", flat=True))
    if set(group.permissions.values_list("pk", flat=True)) != wanted:
        group.permissions.set(wanted)
    if not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)


def load_demo(*, today: dt.date | None = None) -> DemoSummary:
    """Create what is missing; a second run finds everything and writes nothing."""
    today = today or timezone.localdate()
    summary = DemoSummary()
    password = settings.DEMO_PASSWORD
    with transaction.atomic():
        _user("admin", password, email="admin@example.org", staff=True, superuser=True, summary=summary)
        coordinator = _user("coordinator", password, email="coordinator@example.org", staff=True,
                            superuser=False, summary=summary)
        stakeholder = _user("stakeholder", password, email="stakeholder@example.org", staff=False,
                            superuser=False, summary=summary)
        auditor = _user("auditor", password, email="auditor@example.org", staff=True, superuser=False,
                        summary=summary)

    for module in (dairy, finefruit):
        with transaction.atomic():
            if Cluster.objects.filter(slug=module.SLUG).exists():
                summary.skipped_clusters.append(module.SLUG)
                continue
            module.build(actor=ACTOR, today=today)
            summary.created_clusters.append(module.SLUG)

    with transaction.atomic():
        lacteo = Cluster.objects.get(slug=dairy.SLUG)
        _ensure_role(coordinator, lacteo.pk, Role.COORDINATOR)
        _ensure_role(stakeholder, lacteo.pk, Role.STAKEHOLDER)
        _ensure_role(auditor, None, Role.AUDITOR)
        _view_only_group(auditor)
        # The fine-fruit cluster gets its own coordinator, so its milestone escalations have someone to reach.
        fruit_coordinator = _user("coordinator-fruit", password, email="coordinacion.frutasfinas@example.org",
                                  staff=True, superuser=False, summary=summary)
        _ensure_role(fruit_coordinator, Cluster.objects.get(slug=finefruit.SLUG).pk, Role.COORDINATOR)
        person = Stakeholder.objects.get(cluster=lacteo, email=dairy.STAKEHOLDER_EMAIL)
        if person.user_id != stakeholder.pk:
            cluster_services.stakeholder_update(stakeholder_id=person.pk, actor=ACTOR, values={"user": stakeholder})
    return summary
