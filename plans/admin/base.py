"""Admin plumbing shared by every app: writes go through the services, access through roles.

A `ServiceAdmin` never calls `obj.save()` or `obj.delete()`. Each admin names the services
for create, update, status change and delete; a refused change (`DomainError`) rolls the
admin's transaction back and the form is shown again with the reason. Who sees and changes
what comes from `plans.access` (roles per cluster), not from Django model permissions, so
coordinators only need `is_staff` and auditors can look at everything and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from plans.access import READ_ROLES, WRITE_ROLES, Access, access_for
from plans.errors import DomainError, PermissionDeniedError, ValidationFailed
from plans.models import Cluster, Source
from plans.models.base import cluster_id_of
from plans.services.history import Actor

SKIP_FIELDS = frozenset({"id", "DELETE", "transition_reason", "reschedule_reason"})
# Services name the field `reason`; the admin forms show it under these names.
FIELD_ALIASES = {"reason": ("transition_reason",)}


@contextmanager
def errors_as(**fields: str) -> Iterator[None]:
    """Point a service's field errors at the admin form field that holds the value."""
    try:
        yield
    except DomainError as exc:
        exc.errors = {fields.get(name, name): errs for name, errs in exc.errors.items()}
        raise


def pk_of(value: Any) -> int | None:
    return value.pk if value is not None else None


def required_value(form: forms.BaseForm, name: str) -> Any:
    """A form value a status change needs, or the domain's error naming the field."""
    value = form.cleaned_data.get(name)
    if value in (None, ""):
        raise ValidationFailed(_("This field is required for the change."), errors={name: [_("Required.")]})
    return value


def admin_actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user, source=Source.ADMIN)  # type: ignore[arg-type]


def cluster_of(obj: models.Model) -> int | None:
    return cluster_id_of(obj)  # from the model's `cluster_path`


def model_values(form: forms.BaseForm, *, changed_only: bool, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The model fields of a valid form (only the changed ones for an update)."""
    model = form._meta.model  # type: ignore[attr-defined]
    names = {f.name for f in model._meta.concrete_fields} - set(exclude) - SKIP_FIELDS
    source = form.changed_data if changed_only else list(form.cleaned_data)
    return {name: form.cleaned_data[name] for name in source if name in names and name in form.cleaned_data}


class VisibleClustersFilter(admin.RelatedFieldListFilter):
    """The "by cluster" filter lists only the clusters the person may see (the stock one lists
    every cluster's name to anyone with the admin open). Use as ("plan__cluster", VisibleClustersFilter)."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        visible = Cluster.objects.filter(access_for(request.user).scope(Cluster)).order_by("name")
        return [(str(cluster.pk), str(cluster)) for cluster in visible]


def cluster_filter(path: str) -> tuple[str, type[VisibleClustersFilter]]:
    return (path, VisibleClustersFilter)


class ServiceForm(forms.ModelForm):
    """Adds the reason a status change may need; admins list it in their fieldsets."""

    transition_reason = forms.CharField(
        label=_("reason for the status change"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to cancel, skip or override a rule; recorded in the history."),
    )


class RoleScopedMixin:
    """Permissions and querysets from the user's cluster roles (`plans.access`); the way from
    the admin's model to its cluster is the model's `cluster_path`."""

    model: Any
    read_roles: frozenset[str] = READ_ROLES
    admin_only_writes: bool = False  # e.g. clusters and role assignments: programme administrators
    can_add: bool = True
    can_delete: bool = False  # only where a delete service exists

    def access(self, request: HttpRequest) -> Access:
        return access_for(request.user)

    def obj_cluster_id(self, obj: Any) -> int | None:
        return cluster_of(obj)

    def may_read(self, request: HttpRequest, cluster_id: int | None) -> bool:
        access = self.access(request)
        return access.is_admin or bool(access.roles_in(cluster_id) & self.read_roles)

    def may_write(self, request: HttpRequest, cluster_id: int | None) -> bool:
        access = self.access(request)
        if access.is_admin:
            return True
        return not self.admin_only_writes and access.can_write(cluster_id)

    def may_write_somewhere(self, request: HttpRequest) -> bool:
        access = self.access(request)
        if access.is_admin:
            return True
        return not self.admin_only_writes and bool(access.cluster_ids(WRITE_ROLES))

    def has_module_permission(self, request: HttpRequest) -> bool:
        access = self.access(request)
        return access.is_admin or bool(access.global_roles & self.read_roles) or any(
            roles & self.read_roles for roles in access.by_cluster.values()
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return self.may_read(request, self.obj_cluster_id(obj))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.may_write_somewhere(request)
        return self.may_write(request, self.obj_cluster_id(obj))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.can_add and self.has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.can_delete and self.has_change_permission(request, obj)


class ScopedForeignKeysMixin:
    """Choices of a foreign key to a cluster-owned model: only rows in clusters the user writes in."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        path = getattr(db_field.related_model, "cluster_path", None)  # None: not cluster-owned (users)
        if path is not None and "queryset" not in kwargs:
            scope = access_for(request.user).scope_q(path, WRITE_ROLES)
            kwargs["queryset"] = db_field.related_model._default_manager.filter(scope)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class ServiceInline(ScopedForeignKeysMixin, RoleScopedMixin, admin.TabularInline):  # type: ignore[type-arg]
    """An inline whose rows are written by services; the parent admin calls these hooks."""

    extra = 0
    show_change_link = True

    def obj_cluster_id(self, obj: Any) -> int | None:
        return cluster_of(obj)  # obj is the parent object for inlines

    def service_create(self, request: HttpRequest, actor: Actor, parent: Any, form: forms.ModelForm) -> Any:
        raise DomainError(_("Rows cannot be added here."))

    def service_update(
        self, request: HttpRequest, actor: Actor, obj: Any, form: forms.ModelForm, values: dict[str, Any]
    ) -> None:
        raise DomainError(_("These rows are a record: they cannot be changed once saved; add a new one instead."))

    def service_delete(self, request: HttpRequest, actor: Actor, obj: Any) -> None:
        raise DomainError(_("Rows cannot be deleted here."))


class ReadOnlyInline(RoleScopedMixin, admin.TabularInline):  # type: ignore[type-arg]
    """A list of child rows shown for context; they are changed on their own pages."""

    extra = 0
    can_add = False
    show_change_link = True

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields or []


class ServiceAdmin(ScopedForeignKeysMixin, RoleScopedMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """ModelAdmin whose saves, status changes and deletes call the domain services."""

    form = ServiceForm
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a million rows on every page

    # --- hooks each admin implements ------------------------------------------------------
    def service_create(self, request: HttpRequest, actor: Actor, form: forms.ModelForm) -> Any:
        raise DomainError(_("Objects of this kind cannot be created here."))

    def service_update(
        self, request: HttpRequest, actor: Actor, obj: Any, form: forms.ModelForm, values: dict[str, Any]
    ) -> None:
        raise DomainError(_("Objects of this kind cannot be changed here."))

    def service_transition(
        self, request: HttpRequest, actor: Actor, obj: Any, to: str, form: forms.ModelForm, values: dict[str, Any]
    ) -> None:
        """Change the status; may pop from `values` the fields the transition itself records."""
        raise DomainError(_("The status cannot be changed here; use the actions of the list."))

    def service_delete(self, request: HttpRequest, actor: Actor, obj: Any) -> None:
        raise DomainError(_("Objects of this kind cannot be deleted; cancel them instead."))

    # --- queryset and actions -------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        qs = super().get_queryset(request)
        return qs.filter(access_for(request.user).scope(self.model, self.read_roles))

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a bulk delete would bypass the services
        return actions

    # --- saving through services ----------------------------------------------------------
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = admin_actor(request)
        if change:
            values = model_values(form, changed_only=True)
            status = values.pop("status", None) if "status" in values else None
            if status is not None:
                self.service_transition(request, actor, obj, status, form, values)
            if values:
                self.service_update(request, actor, obj, form, values)
            fresh = type(obj)._default_manager.get(pk=obj.pk)
        else:
            fresh = self.service_create(request, actor, form)
        if not self.may_write(request, self.obj_cluster_id(fresh)):
            raise PermissionDeniedError()
        # The admin goes on with `obj` (log entry, redirect, inlines): make it the saved row.
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(fresh, field.attname))
        obj._state.adding = False
        obj._state.db = fresh._state.db

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # No form.save_m2m(): many-to-many links (beneficiaries) have their own services.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        inline = next(
            (i for i in self.get_inline_instances(request, form.instance) if i.model is formset.model), None
        )
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if not isinstance(inline, ServiceInline):
            return  # read-only inline: nothing is written from it
        actor = admin_actor(request)
        fk_name = formset.fk.name
        deleted = formset.deleted_forms if formset.can_delete else []
        for row in formset.initial_forms:
            if row in deleted:
                inline.service_delete(request, actor, row.instance)
                formset.deleted_objects.append(row.instance)
            elif row.has_changed():
                values = model_values(row, changed_only=True, exclude=[fk_name])
                inline.service_update(request, actor, row.instance, row, values)
                formset.changed_objects.append((row.instance, row.changed_data))
        for row in formset.extra_forms:
            if row.has_changed() and row not in deleted:
                formset.new_objects.append(inline.service_create(request, actor, formset.instance, row))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.service_delete(request, admin_actor(request), obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    # --- showing refusals -----------------------------------------------------------------
    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        error: DomainError | None = getattr(request, "_pmc_domain_error", None)
        if error is None:
            return form_class
        refusal: DomainError = error

        class RefusedForm(form_class):  # type: ignore[valid-type,misc]
            def clean(self) -> Any:
                data = super().clean()
                placed = False
                for field, field_errors in refusal.errors.items():
                    field = next((f for f in FIELD_ALIASES.get(field, ()) if f in self.fields), field)
                    if field in self.fields and field not in self.errors:
                        self.add_error(field, [str(e) for e in field_errors])
                        placed = True
                if not placed:
                    self.add_error(None, str(refusal))
                return data

        return RefusedForm

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            # The view's transaction rolled back; show the submitted form again with the reason.
            messages.error(request, str(exc))
            request._pmc_domain_error = exc  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None) -> Any:
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            messages.error(request, str(exc))
            return self.response_post_save_change(request, None)  # back to the list


def service_action(
    description: Any, run: Callable[[HttpRequest, Actor, Any], Any], done: Any
) -> Callable[..., None]:
    """An admin action calling one service per selected object, each in its own transaction."""

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin: RoleScopedMixin, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        actor = admin_actor(request)
        succeeded = 0
        for obj in queryset:
            if not modeladmin.may_write(request, modeladmin.obj_cluster_id(obj)):
                messages.error(request, _("%(object)s: you may not change it.") % {"object": obj})
                continue
            try:
                run(request, actor, obj)
            except DomainError as exc:
                messages.error(request, f"{obj}: {exc}")
            else:
                succeeded += 1
        if succeeded:
            messages.success(request, done % {"count": succeeded})

    action.__name__ = f"{run.__name__.lstrip('_')}_action"
    return action
