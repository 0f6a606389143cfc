"""The national coordinator's admin: units, users, memberships, yearly totals.

A separate ``AdminSite`` (``coordinator_admin``, mounted at ``/admin/``)
that only national coordinators may enter, whatever their ``is_staff`` or
Django permissions say: the register's roles are memberships, not Django
permission rows. Patient data is deliberately *not* registered here:
coordinators see no personnummer (registry.access), and patient data is
written only through ``registry.actions``. Regions are read-only data.
Change history of every model here is kept by django-simple-history and
shown through its history view (read-only: reverting is disabled).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from painreg.registry import access
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


class UnitYearTotalInline(CoordinatorOnly, admin.TabularInline):
    model = UnitYearTotal
    extra = 1


class UnitMembershipInline(CoordinatorOnly, admin.TabularInline):
    model = Membership
    fk_name = "unit"
    fields = ["user", "role"]
    extra = 1


@admin.register(Region, site=coordinator_admin)
class RegionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["code", "name", "healthcare_region"]
    list_filter = ["healthcare_region"]


@admin.register(Unit, site=coordinator_admin)
class UnitAdmin(CoordinatorOnly, SimpleHistoryAdmin):
    list_display = ["name", "code", "region", "care_level", "active_from", "active_to", "hsa_id"]
    list_filter = ["care_level", "region"]
    search_fields = ["name", "code", "hsa_id"]
    inlines = [UnitYearTotalInline, UnitMembershipInline]


@admin.register(UnitYearTotal, site=coordinator_admin)
class UnitYearTotalAdmin(CoordinatorOnly, SimpleHistoryAdmin):
    list_display = ["unit", "year", "rehab_patients_total"]
    list_filter = ["year", "unit__care_level"]
    search_fields = ["unit__name", "unit__code"]


@admin.register(Membership, site=coordinator_admin)
class MembershipAdmin(CoordinatorOnly, SimpleHistoryAdmin):
    list_display = ["user", "role", "unit", "region"]
    list_filter = ["role", "unit__care_level", "region"]
    search_fields = ["user__username", "unit__name"]
    autocomplete_fields = ["user", "unit"]


class MembershipInline(CoordinatorOnly, admin.TabularInline):
    model = Membership
    fk_name = "user"
    fields = ["role", "unit", "region"]
    extra = 1


@admin.register(get_user_model(), site=coordinator_admin)
class StaffUserAdmin(CoordinatorOnly, UserAdmin):
    """Users with their memberships; Django's permission flags are hidden
    because access is decided by memberships."""

    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "last_login"]
    list_filter = ["is_active"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personuppgifter"), {"fields": ("first_name", "last_name", "email")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]
