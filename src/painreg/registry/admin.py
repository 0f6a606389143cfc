"""The national coordinator's admin: units, users, memberships, yearly totals.

A separate ``AdminSite`` (``coordinator_admin``, mounted at ``/admin/``)
that only national coordinators may enter, whatever their ``is_staff`` or
Django permissions say: the register's roles are memberships, not Django
permission rows. Patient data is deliberately *not* registered here:
coordinators see no personnummer (registry.access), and patient data is
written only through ``registry.actions``. Regions are read-only data.
Change history of every model here is kept by django-simple-history and
shown through its history view (read-only: reverting is disabled).

Every write here is audited like the staff pages' writes: memberships are
added and removed through ``registry.actions`` (the same ``membership.add``
and ``membership.remove`` events as the unit manager's page; a membership is
never edited in place, it is removed and added), and every other add, change
and delete (users, their passwords, units, year totals) writes an audit event
``<model>.add|change|delete`` from the admin's own log hooks
(:class:`AuditedAdmin`), which Django calls for every write the admin makes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from painreg import audit
from painreg.registry import access, actions
from painreg.registry.models import Membership, Region, Unit, UnitYearTotal


class CoordinatorAdminSite(admin.AdminSite):
    site_header = _("Nationella registret över smärtrehabilitering – administration")
    site_title = _("NRS administration")
    index_title = _("Enheter, användare och behörigheter")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        # Two-factor: with django-otp installed, only a verified session counts.
        verified = getattr(user, "is_verified", None)
        if verified is not None and not verified():
            return False
        return bool(user.is_active and access.is_national_coordinator(user))

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One way in for everyone: the staff login with its second factor and
        # lockout, never the admin's password-only form. A logged-in, verified
        # person who is not a coordinator gets 403 (not a redirect loop).
        user = request.user
        verified = getattr(user, "is_verified", None)
        if user.is_authenticated and (verified is None or verified()):
            raise PermissionDenied
        return redirect_to_login(
            request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name),
            resolve_url(settings.LOGIN_URL),
        )


coordinator_admin = CoordinatorAdminSite(name="coordinator_admin")


class CoordinatorOnly:
    """Every permission of the model admin is "is the user a national coordinator"."""

    def _ok(self, request: HttpRequest) -> bool:
        return access.is_national_coordinator(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._ok(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._ok(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._ok(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._ok(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._ok(request)


class ReadOnly(CoordinatorOnly):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin:
    """Mirrors every write the admin logs (add, change incl. passwords, delete) into
    the audit events, with the admin's description of what changed."""

    def _audit(self, request: HttpRequest, obj: Model, verb: str, message: Any) -> None:
        audit.record_event(
            user=request.user,
            action=f"{obj._meta.model_name}.{verb}",
            obj=obj,
            detail={"via": "admin", "changes": message},
        )

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        self._audit(request, obj, "add", message)
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        self._audit(request, obj, "change", message)
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            self._audit(request, obj, "delete", str(obj))
        return super().log_deletions(request, queryset)  # type: ignore[misc]


class MembershipWrites:
    """Memberships of an admin page's inline are added and removed through
    ``registry.actions`` (checked and audited there), never saved directly."""

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)  # type: ignore[misc]
            return
        new = [m for m in formset.save(commit=False) if m.pk is None]
        for membership in formset.deleted_objects:
            actions.remove_membership(user=request.user, membership=membership)
        for membership in new:
            _add_membership(request, membership)


def _add_membership(request: HttpRequest, membership: Membership) -> Membership:
    return actions.add_membership(
        user=request.user,
        member=membership.user,
        role=membership.role,
        unit=membership.unit,
        region=membership.region,
    )


class UnitYearTotalInline(CoordinatorOnly, admin.TabularInline):
    model = UnitYearTotal
    extra = 1


class MembershipInlineBase(CoordinatorOnly, admin.TabularInline):
    """Memberships are added or deleted, never edited in place (see :class:`MembershipWrites`)."""

    model = Membership
    extra = 1

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class UnitMembershipInline(MembershipInlineBase):
    fk_name = "unit"
    fields = ["user", "role"]


@admin.register(Region, site=coordinator_admin)
class RegionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["code", "name", "healthcare_region"]
    list_filter = ["healthcare_region"]


@admin.register(Unit, site=coordinator_admin)
class UnitAdmin(MembershipWrites, AuditedAdmin, CoordinatorOnly, SimpleHistoryAdmin):
    list_display = ["name", "code", "region", "care_level", "active_from", "active_to", "hsa_id"]
    list_filter = ["care_level", "region"]
    search_fields = ["name", "code", "hsa_id"]
    inlines = [UnitYearTotalInline, UnitMembershipInline]


@admin.register(UnitYearTotal, site=coordinator_admin)
class UnitYearTotalAdmin(AuditedAdmin, CoordinatorOnly, SimpleHistoryAdmin):
    list_display = ["unit", "year", "rehab_patients_total"]
    list_filter = ["year", "unit__care_level"]
    search_fields = ["unit__name", "unit__code"]


@admin.register(Membership, site=coordinator_admin)
class MembershipAdmin(CoordinatorOnly, SimpleHistoryAdmin):
    """Add and delete through ``registry.actions`` (audited there); no editing in place."""

    list_display = ["user", "role", "unit", "region"]
    list_filter = ["role", "unit__care_level", "region"]
    search_fields = ["user__username", "unit__name"]
    autocomplete_fields = ["user", "unit"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if change:
            raise PermissionDenied
        obj.pk = _add_membership(request, obj).pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        actions.remove_membership(user=request.user, membership=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset:
            actions.remove_membership(user=request.user, membership=membership)


class MembershipInline(MembershipInlineBase):
    fk_name = "user"
    fields = ["role", "unit", "region"]


@admin.register(get_user_model(), site=coordinator_admin)
class StaffUserAdmin(MembershipWrites, AuditedAdmin, CoordinatorOnly, UserAdmin):
    """Users with their memberships; Django's permission flags are hidden
    because access is decided by memberships."""

    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "last_login"]
    list_filter = ["is_active"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personuppgifter"), {"fields": ("first_name", "last_name", "email")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined", "login_page")}),
    )
    readonly_fields = ["last_login", "date_joined", "login_page"]

    @admin.display(description=_("Inloggning"))
    def login_page(self, obj: Any) -> str:
        """Where the coordinator unlocks the login or resets two-factor (audited, with a reason)."""
        if obj.pk is None:
            return "–"
        url = reverse("accounts:staff_account", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Lås upp eller återställ tvåfaktor"))
