"""Serializer fields that respect the user's clusters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework import serializers

from plans.access import scope_q
from plans.permissions import READ_ROLES


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id resolved only among rows the requesting user may see: another cluster's id is
    "does not exist" (400), so ids cannot be probed. The way to the cluster is the queryset's
    model's `cluster_path`; `roles` narrows it further, e.g. WRITE_ROLES for a parent that
    must be writable.
    """

    def __init__(self, *, roles: Iterable[str] = READ_ROLES, **kwargs: Any):
        self.roles = frozenset(roles)
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None or queryset is None:
            return queryset.none() if queryset is not None else queryset
        path = queryset.model.cluster_path
        if path is None:
            raise TypeError(f"{queryset.model.__name__} declares no cluster_path")
        return queryset.filter(scope_q(request.user, path, self.roles))
