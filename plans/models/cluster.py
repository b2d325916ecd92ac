"""Clusters, their member organizations, the people kept informed and role assignments."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import VersionedModel

DEFAULT_TIME_ZONE = "America/Argentina/Tucuman"


class Language(models.TextChoices):
    ES = "es", _("Spanish")
    EN = "en", _("English")


class Cluster(VersionedModel):
    cluster_path = ""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    sector = models.CharField(_("sector"), max_length=120, blank=True)
    province = models.CharField(_("province"), max_length=120, blank=True)
    localities = models.CharField(_("departments and localities"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    programme = models.CharField(_("programme"), max_length=200, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIME_ZONE)
    started_on = models.DateField(_("formally started on"), null=True, blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class KeyFigure(VersionedModel):
    """A named quantity describing the cluster, e.g. raw milk 75,000 l/day."""

    cluster_path = "cluster"

    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, related_name="key_figures",
        verbose_name=_("cluster"),
    )
    name = models.CharField(_("name"), max_length=200)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=60)
    as_of = models.DateField(_("as of"), null=True, blank=True)

    class Meta:
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")
        ordering = ["cluster_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "name"], name="keyfigure_unique_name_per_cluster",
                violation_error_message=_("The cluster already has a key figure with this name."))
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.value} {self.unit}"


class Organization(VersionedModel):
    """A member of the cluster (actor / integrante)."""

    cluster_path = "cluster"

    class Kind(models.TextChoices):
        PRIMARY_PRODUCER = "primary_producer", _("primary producer")
        ARTISANAL_INDUSTRY = "artisanal_industry", _("artisanal industry")
        MEDIUM_INDUSTRY = "medium_industry", _("medium industry")
        LARGE_INDUSTRY = "large_industry", _("large industry")
        SUPPORT_INSTITUTION = "support_institution", _("support institution")
        PUBLIC_AGENCY = "public_agency", _("public agency")
        OTHER = "other", _("other")

    class Membership(models.TextChoices):
        FULL = "full", _("full member")
        ADHERENT = "adherent", _("adherent")

    class ChainLink(models.TextChoices):
        PRIMARY_PRODUCTION = "primary_production", _("primary production")
        INDUSTRY = "industry", _("industry")
        SUPPORT = "support", _("support institution")
        COMMERCIALISATION = "commercialisation", _("commercialisation")
        OTHER = "other", _("other")

    cluster = models.ForeignKey(
        Cluster, on_delete=models.PROTECT, related_name="organizations",
        verbose_name=_("cluster"),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    membership = models.CharField(_("membership"), max_length=16, choices=Membership.choices, default=Membership.FULL)
    chain_link = models.CharField(_("link of the chain"), max_length=32, choices=ChainLink.choices, blank=True)
    locality = models.CharField(_("locality"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["cluster_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "name"], name="organization_unique_name_per_cluster",
                violation_error_message=_("The cluster already has an organization with this name."))
        ]

    def __str__(self) -> str:
        return self.name


class Stakeholder(VersionedModel):
    """A person kept informed (interesado); many never log in and only receive email."""

    cluster_path = "cluster"

    cluster = models.ForeignKey(
        Cluster, on_delete=models.PROTECT, related_name="stakeholders",
        verbose_name=_("cluster"),
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="stakeholders",
        verbose_name=_("organization"),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ES)
    time_zone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIME_ZONE)
    is_active = models.BooleanField(_("active"), default=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="stakeholders",
        verbose_name=_("user account"),
    )
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        ordering = ["cluster_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "email"], name="stakeholder_unique_email_per_cluster",
                violation_error_message=_("The cluster already has a stakeholder with this email address."))
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("coordinator")
    STAKEHOLDER = "stakeholder", _("stakeholder")
    AUDITOR = "auditor", _("auditor")


class RoleAssignment(VersionedModel):
    """A user's role in one cluster. An auditor with no cluster audits every cluster.

    Programme administrators are superusers: they do everything and need no assignment.
    """

    cluster_path = "cluster"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments",
        verbose_name=_("user"),
    )
    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, null=True, blank=True, related_name="role_assignments",
        verbose_name=_("cluster"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["cluster_id", "user_id", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "cluster", "role"], name="role_unique_per_user_cluster",
                violation_error_message=_("The user already has this role in this cluster.")),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(cluster__isnull=True), name="role_unique_global_per_user",
                violation_error_message=_("The user already has this role for all clusters."),
            ),
            models.CheckConstraint(
                condition=Q(cluster__isnull=False) | Q(role="auditor"), name="role_only_auditor_is_global",
                violation_error_message=_("Only an auditor can be assigned to all clusters; choose a cluster."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.cluster or _('all clusters')}"


def new_link_key() -> str:
    return secrets.token_urlsafe(24)


class PersonalLinkKey(models.Model):
    """The secret behind a stakeholder's personal links (plans/links.py).

    Kept apart from Stakeholder so the key never appears in a history event or an export;
    replacing it (plans.services.links.links_revoke) revokes every link already sent, and
    that act is recorded on the stakeholder.
    """

    cluster_path = "stakeholder__cluster"

    stakeholder = models.OneToOneField(
        Stakeholder, on_delete=models.CASCADE, primary_key=True, related_name="link_key",
        verbose_name=_("stakeholder"),
    )
    key = models.CharField(max_length=64, default=new_link_key, editable=False)
    rotated_at = models.DateTimeField(_("links revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal link key")
        verbose_name_plural = _("personal link keys")

    def __str__(self) -> str:
        return str(self.stakeholder_id)
