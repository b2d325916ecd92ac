"""Periodic housekeeping of the plans app; thin and idempotent."""

from __future__ import annotations

from celery import shared_task

from plans.api.base.authentication import purge_expired_tokens


@shared_task(name="plans.purge_expired_tokens", ignore_result=True)
def purge_expired_tokens_task() -> int:
    return purge_expired_tokens()
