"""`manage.py load_demo`: the demo clusters, plans and logins, through the services. Idempotent."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from plans.errors import DomainError
from projects.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo data (Tucumán dairy cluster and the northern Patagonia fine-fruit cluster)."

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "IS_PRODUCTION", False) and not os.environ.get("DEMO_PASSWORD"):
            # The default password is printed by `make run`: never give it to a production admin.
            raise CommandError("Set DEMO_PASSWORD to load the demo logins in production.")
        try:
            summary = load_demo()
        except DomainError as exc:
            raise CommandError(f"The demo could not be loaded: {exc} {exc.errors or ''}") from exc
        for slug in summary.created_clusters:
            self.stdout.write(self.style.SUCCESS(f"Created cluster {slug}"))
        for slug in summary.skipped_clusters:
            self.stdout.write(f"Cluster {slug} already loaded; left as it is")
        if summary.created_users:
            self.stdout.write(self.style.SUCCESS(f"Created logins: {', '.join(summary.created_users)}"))
        self.stdout.write(
            f"Demo logins: admin, coordinator, stakeholder, auditor (password from DEMO_PASSWORD, "
            f"now {settings.DEMO_PASSWORD!r})"
        )
