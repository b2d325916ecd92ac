"""Periodic sealing of changes caught at the database (see seal.py); thin and idempotent."""

from __future__ import annotations

from celery import shared_task

from plans.audit.seal import seal_outside_writes


@shared_task(name="plans.audit.seal_outside_writes", ignore_result=True)
def seal_outside_writes_task() -> int:
    return seal_outside_writes()
