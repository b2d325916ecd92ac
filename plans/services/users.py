"""Logins, created and edited by programme administrators (the API's /users/).

Users are programme-wide, so their events go to chain 0. The password is never recorded:
only the fact that it changed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from plans.errors import Conflict

from .common import only_fields
from .history import Actor, lock, record_event

USER_FIELDS = frozenset({"username", "email", "first_name", "last_name", "is_active", "password"})
PUBLIC_FIELDS = ("username", "email", "first_name", "last_name", "is_active")


@transaction.atomic
def user_create(
    *, actor: Actor, username: str, password: str, email: str = "", first_name: str = "", last_name: str = ""
) -> Any:
    model = get_user_model()
    if model._default_manager.filter(username__iexact=username).exists():
        raise Conflict(_("A user with that username already exists."))
    user = model._default_manager.create_user(
        username=username, password=password, email=email, first_name=first_name, last_name=last_name
    )
    record_event(
        actor=actor, action="create", instance=user, object_type="auth.user", cluster_id=0,
        changes={name: [None, getattr(user, name)] for name in PUBLIC_FIELDS if getattr(user, name) not in ("", None)},
    )
    return user


@transaction.atomic
def user_update(*, user_id: int, actor: Actor, values: dict[str, Any]) -> Any:
    user = lock(get_user_model(), user_id)
    values = only_fields(values, USER_FIELDS)
    changes: dict[str, list[Any]] = {}
    for name in PUBLIC_FIELDS:
        if name in values and values[name] != getattr(user, name):
            changes[name] = [getattr(user, name), values[name]]
            setattr(user, name, values[name])
    if values.get("password"):
        user.set_password(values["password"])
        changes["password"] = ["***", "***"]
    if changes:
        user.save()
        record_event(
            actor=actor, action="update", instance=user, object_type="auth.user", cluster_id=0, changes=changes
        )
    return user
