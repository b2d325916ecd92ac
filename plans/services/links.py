"""The writes behind personal links (plans/links.py): the person's sign-in account and key.

A stakeholder who only reads email still acts as a user (history actors, ownership rules and
page roles are all about users), so the first personal link minted for them creates a user
with no usable password: it can never log in at the front door until the person sets a
password through the reset page. Minting happens when an email is built (the worker) or on a
POST asking for a fresh link, never on a GET.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from plans.access import acts_only_for_self
from plans.errors import PermissionDeniedError
from plans.models import PersonalLinkKey, Stakeholder
from plans.models.cluster import new_link_key

from .history import Actor, lock, update_with_history


def _username_for(stakeholder: Stakeholder) -> str:
    """The stakeholder's address when free (auditors read it in the history), else a stable name."""
    user_model = get_user_model()
    email = stakeholder.email.strip().lower()[:150]
    if email and not user_model._default_manager.filter(username__iexact=email).exists():
        return email
    return f"stakeholder-{stakeholder.pk}"


@transaction.atomic
def link_account(stakeholder_id: int, *, actor: Actor | None = None) -> tuple[Stakeholder, str]:
    """The stakeholder (with their user) and the key their links are signed with, creating the
    passwordless user and the key the first time. One history event when a user is created."""
    stakeholder = Stakeholder.objects.select_related("user").get(pk=stakeholder_id)
    if stakeholder.user_id is None:
        stakeholder = lock(Stakeholder, stakeholder_id)
        if stakeholder.user_id is None:
            user = get_user_model()(
                username=_username_for(stakeholder), email=stakeholder.email,
                first_name=stakeholder.name[:150], is_staff=False, is_superuser=False,
            )
            user.set_unusable_password()
            user.save()  # one INSERT, the password already unusable
            update_with_history(
                stakeholder, actor=actor or Actor.system(), values={"user": user},
                reason="account for personal links (no password)",
            )
    key, _created = PersonalLinkKey.objects.get_or_create(stakeholder_id=stakeholder.pk)
    return stakeholder, key.key


@transaction.atomic
def links_revoke(*, stakeholder_id: int, actor: Actor) -> Stakeholder:
    """Replace the stakeholder's key: every personal link sent so far, and every page opened
    through one, stops working at once. A coordinator may do it for anyone of their cluster; a
    stakeholder for themselves (the preferences page). One history event on the stakeholder."""
    stakeholder = lock(Stakeholder, stakeholder_id)
    if actor.user is not None and acts_only_for_self(actor.user, stakeholder.cluster_id) \
            and stakeholder.user_id != actor.user_id:
        raise PermissionDeniedError()
    key, created = PersonalLinkKey.objects.select_for_update().get_or_create(stakeholder_id=stakeholder.pk)
    if not created:
        key.key = new_link_key()
    key.rotated_at = timezone.now()
    key.save()
    update_with_history(stakeholder, actor=actor, values={}, action="revoke_links", force_event=True)
    return stakeholder
