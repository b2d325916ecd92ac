"""Who makes a change and through which door: the `actor_*` and `source` of every event."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from plans.models import Source


@dataclass(frozen=True)
class Actor:
    """Who makes a change and through which door (api, admin, task, command)."""

    user: AbstractBaseUser | None
    source: str

    @classmethod
    def system(cls, source: str = Source.TASK) -> Actor:
        return cls(user=None, source=source)

    @property
    def user_id(self) -> int | None:
        if self.user is None or isinstance(self.user, AnonymousUser):
            return None
        return self.user.pk

    @property
    def label(self) -> str:
        if self.user is None or isinstance(self.user, AnonymousUser):
            return ""
        return self.user.get_username()
